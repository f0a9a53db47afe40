"""GroupThresholdExplorer: per-group error rates at one shared threshold or one threshold per group.

A face-verification system usually runs with one threshold for everyone. This
widget shows what that threshold means for each group of people: their false
match rate (FMR) and false non-match rate (FNMR), each with a Clopper–Pearson
interval, and where each group's operating point sits on its own detection
error trade-off (DET) curve. Switching to *one threshold per group* lets a
student set, say, equal FMRs and watch what happens to FNMR.

Vocabulary follows ISO/IEC 2382-37: a comparison is a **match when
score >= threshold**; FMR is the share of non-mated (impostor) comparisons
that match, FNMR the share of mated (genuine) comparisons that do not. A
group's impostor scores should be *same-group* non-mated comparisons (probe
and reference from the same group), as in NIST's demographic study.

The figure is drawn once; moving a slider moves the operating-point markers
(``Line2D.set_data``) and re-renders the figure into an image widget, so no
curve is recomputed or re-plotted. The sliders are keyboard operable (focus,
then arrow keys, Page Up/Down, Home/End).
"""

from __future__ import annotations

import contextlib
import html
import math
from numbers import Real

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from scipy.stats import norm

from .. import _rates
from ..plots import PALETTE, _check_scores, det_curve
from ._canvas import canvas_png

__all__ = ["GroupThresholdExplorer", "SLIDER_CLASS", "READOUT_CLASS", "FIGURE_CLASS"]

#: CSS classes by which browser tests find the controls and outputs.
SLIDER_CLASS = "bl-group-slider"
READOUT_CLASS = "bl-group-readout"
FIGURE_CLASS = "bl-group-figure"

# Slider positions across the range: the arrow keys move one, Page Up/Down five, so the keyboard
# crosses the range in about 100 presses while a step stays fine (the same choice as ThresholdExplorer).
_STEPS = 500
_MODES = ("one shared threshold", "one threshold per group")
_MARKERS = ("o", "s", "^", "D", "v")
_DPI = 96  # the image is re-encoded on every move: enough pixels to be sharp at its shown size, few enough to be fast
_FIGSIZE = (5.2, 5.2)  # inches; shown at exactly _FIGSIZE * _DPI pixels so the browser does not stretch it
_LIMITS = (1e-5, 0.9)  # DET axes range, fractions: FNMR at a strict threshold can exceed 50%


def _as_scores(values, name):
    """Return ``values`` as a sorted, finite, non-empty 1-D float array, or raise naming it."""
    return np.sort(_check_scores(values, name))


def _thin_curve(fmr, fnmr, resolution=0.02):
    """Keep only curve points that move at least ``resolution`` on the normal-deviate axes.

    An error curve has one point per distinct score (tens of thousands); a few
    hundred draw the same line and render much faster.
    """
    eps = _LIMITS[0] / 10
    x = norm.ppf(np.clip(fmr, eps, 1 - eps))
    y = norm.ppf(np.clip(fnmr, eps, 1 - eps))
    cells = np.stack([np.round(x / resolution), np.round(y / resolution)], axis=1)
    keep = np.ones(len(x), dtype=bool)
    keep[1:] = np.any(cells[1:] != cells[:-1], axis=1)
    keep[-1] = True
    return fmr[keep], fnmr[keep]


def _percent(rate):
    """A rate as a percentage with enough digits for small values: 0.0093%, 1.2%, 35%."""
    if rate == 0:
        return "0%"
    digits = max(0, 1 - int(np.floor(np.log10(100 * rate))))
    return f"{100 * rate:.{min(digits, 4)}f}%"


class GroupThresholdExplorer:
    """Explore per-group FMR and FNMR at one shared threshold or one threshold per group.

    Parameters
    ----------
    genuine : dict of str to array-like
        For each group, the scores of its mated (genuine) comparisons.
    impostor : dict of str to array-like
        For each group, the scores of its non-mated (impostor) comparisons;
        use same-group pairs (probe and reference from the group). Same keys
        as ``genuine``.
    threshold : float or dict of str to float, optional
        Starting threshold: one number (shared) or one per group. Default: the
        threshold at which the pooled impostor scores of all groups have
        FMR 1e-3.
    per_group : bool, default=False
        Start in "one threshold per group" mode.
    confidence : float, default=0.95
        Confidence level of the Clopper–Pearson intervals.
    step : float, optional
        Slider step, in score units. Default: 1/500 of the slider's range.

    Attributes
    ----------
    slider : ipywidgets.FloatSlider
        The shared threshold (CSS class :data:`SLIDER_CLASS`). Tab focuses it,
        the arrow keys move it one step, Page Up / Page Down five steps, Home /
        End to the ends; the number beside it can be edited to type a threshold.
    sliders : dict of str to ipywidgets.FloatSlider
        One threshold per group (same class and keys), shown in per-group mode.
    mode : ipywidgets.ToggleButtons
        Switches between one shared threshold and one per group.
    readout : ipywidgets.HTML
        Per-group table of thresholds, FMR and FNMR with counts and intervals
        (CSS class :data:`READOUT_CLASS`), announced to screen readers as a
        live region.
    figure : matplotlib.figure.Figure
        Per-group DET curves with each group's operating point marked.
    image : ipywidgets.Image
        The figure, rendered; refreshed on every change (CSS class :data:`FIGURE_CLASS`).
    widget : ipywidgets.VBox
        Everything, ready to display.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> explorer = GroupThresholdExplorer(
    ...     {"A": rng.normal(0.8, 0.1, 500), "B": rng.normal(0.8, 0.1, 500)},
    ...     {"A": rng.normal(0.0, 0.2, 5000), "B": rng.normal(0.2, 0.2, 5000)}, threshold=0.6)
    >>> rates = explorer.update(0.6)
    >>> rates["B"]["fmr"] > rates["A"]["fmr"]
    True
    >>> rates = explorer.update({"A": 0.55, "B": 0.7})  # one threshold per group
    >>> explorer.per_group, explorer.thresholds["B"]
    (True, 0.7)
    """

    def __init__(self, genuine, impostor, *, threshold=None, per_group=False, confidence=0.95, step=None):
        if not isinstance(genuine, dict) or not isinstance(impostor, dict) or not genuine:
            raise ValueError("genuine and impostor must be non-empty dicts {group name: scores}.")
        if list(genuine) != list(impostor):
            raise ValueError(f"genuine and impostor must have the same groups in the same order; "
                             f"got {list(genuine)} and {list(impostor)}.")
        if len(genuine) > len(_MARKERS):
            raise ValueError(f"at most {len(_MARKERS)} groups can be shown; got {len(genuine)}.")
        if not isinstance(confidence, Real) or not 0 < confidence < 1:
            raise ValueError(f"confidence must lie strictly between 0 and 1; got {confidence!r}.")
        if step is not None and (not isinstance(step, Real) or not step > 0):
            raise ValueError(f"step must be a positive number or None; got {step!r}.")
        self.groups = [str(g) for g in genuine]
        self._genuine = {str(g): _as_scores(s, f"genuine[{g!r}]") for g, s in genuine.items()}
        self._impostor = {str(g): _as_scores(s, f"impostor[{g!r}]") for g, s in impostor.items()}
        self.confidence = float(confidence)

        everything = np.concatenate([*self._genuine.values(), *self._impostor.values()])
        pooled_impostor = np.concatenate(list(self._impostor.values()))
        low, high = float(np.median(pooled_impostor)), float(everything.max())
        if step is None:
            step = float(f"{(high - low) / _STEPS:.1g}") or 1e-3  # a round step, about 1/500 of the range
        low, high = float(np.floor(low / step) * step), float(np.ceil(high / step) * step)
        if threshold is None:
            threshold = _rates.threshold_for_fmr(pooled_impostor, 1e-3)
        start = threshold if isinstance(threshold, dict) else {g: threshold for g in self.groups}
        if isinstance(threshold, dict) and list(map(str, threshold)) != self.groups:
            raise ValueError(f"threshold must give one value per group {self.groups}; got {list(threshold)}.")
        start = {str(g): float(v) for g, v in start.items()}

        self._low, self._high = low, high
        self._muted = 0

        def slider(description, value):
            s = widgets.FloatSlider(value=low, min=low, max=high, step=step,
                                    description=description, readout_format=".3f", continuous_update=True,
                                    style={"description_width": "initial"},
                                    layout=widgets.Layout(width="460px"))
            s.add_class(SLIDER_CLASS)
            self._place(s, value)
            return s

        first = start[self.groups[0]]
        self.slider = slider("threshold (all groups)", first)
        self.sliders = {g: slider(f"threshold, group {g}", start[g]) for g in self.groups}
        self.mode = widgets.ToggleButtons(options=_MODES, value=_MODES[1] if per_group else _MODES[0],
                                          description="", style={"button_width": "15em"}, tooltips=["every group at one threshold",
                                                                    "each group at its own threshold"])
        self.readout = widgets.HTML()
        self.readout.add_class(READOUT_CLASS)
        self.image = widgets.Image(format="png", layout=widgets.Layout(
            width=f"{round(_FIGSIZE[0] * _DPI)}px", height=f"{round(_FIGSIZE[1] * _DPI)}px"))
        self.image.add_class(FIGURE_CLASS)
        self._thresholds = dict(start)
        self._draw()

        self.slider.observe(self._on_shared, names="value")
        for g, s in self.sliders.items():
            s.observe(lambda change, group=g: self._on_group(group, change), names="value")
        self.mode.observe(self._on_mode, names="value")
        self.widget = widgets.VBox([self.mode, self.slider, *self.sliders.values(), self.readout, self.image])
        self._show_sliders()
        if not per_group:
            self._thresholds = {g: self.slider.value for g in self.groups}
        self._refresh()

    @classmethod
    def from_comparisons(cls, scores, mated, probe_group, template_group, **kwargs):
        """Build the explorer from a probe-by-template score matrix.

        Each group's genuine scores are its probes' mated comparisons; its
        impostor scores are the non-mated comparisons whose probe *and*
        template belong to the group (cross-group pairs are left out, as in
        NIST's demographic study).

        Parameters
        ----------
        scores : array-like of shape (n_probes, n_templates)
            Comparison scores; a match is score >= threshold.
        mated : array-like of bool, same shape
            True where probe and template come from the same person.
        probe_group : array-like of shape (n_probes,)
        template_group : array-like of shape (n_templates,)
        **kwargs
            Passed on to :class:`GroupThresholdExplorer`.
        """
        scores = np.asarray(scores, dtype=float)
        mated = np.asarray(mated, dtype=bool)
        probe_group = np.asarray(probe_group).astype(str)
        template_group = np.asarray(template_group).astype(str)
        if scores.ndim != 2 or mated.shape != scores.shape:
            raise ValueError(f"scores and mated must be 2-D arrays of one shape; got {scores.shape} and {mated.shape}.")
        if probe_group.shape != (scores.shape[0],) or template_group.shape != (scores.shape[1],):
            raise ValueError(f"probe_group needs {scores.shape[0]} entries and template_group {scores.shape[1]}; "
                             f"got {probe_group.shape} and {template_group.shape}.")
        groups = sorted(set(probe_group) & set(template_group))
        genuine = {g: scores[mated & (probe_group[:, None] == g)] for g in groups}
        impostor = {g: scores[~mated & (probe_group[:, None] == g) & (template_group[None, :] == g)] for g in groups}
        return cls(genuine, impostor, **kwargs)

    @property
    def genuine(self) -> dict:
        """Each group's genuine scores, sorted (copies)."""
        return {g: s.copy() for g, s in self._genuine.items()}

    @property
    def impostor(self) -> dict:
        """Each group's impostor scores, sorted (copies)."""
        return {g: s.copy() for g, s in self._impostor.items()}

    # ------------------------------------------------------------------ drawing
    def _draw(self):
        """Draw the DET curves once; later changes only move the markers."""
        self.figure = Figure(figsize=_FIGSIZE, dpi=_DPI, layout="constrained")
        self._canvas = FigureCanvasAgg(self.figure)
        self._background = None
        ax = self.figure.add_subplot()
        self._markers = {}
        self._eps = _LIMITS[0] / 10
        for i, g in enumerate(self.groups):
            _, fmr, fnmr = _rates.error_curves(self._genuine[g], self._impostor[g])
            fmr, fnmr = _thin_curve(fmr, fnmr)
            role = f"group {g}" if f"group {g}" in PALETTE else None
            det_curve(fmr, fnmr, label=f"group {g}", role=role, limits=_LIMITS, ax=ax)
            colour = ax.get_lines()[-1].get_color()
            (marker,) = ax.plot([], [], marker=_MARKERS[i], markersize=10, linestyle="none", color=colour,
                                markeredgecolor=PALETTE["black"], label=f"group {g}: operating point", clip_on=False)
            self._markers[g] = marker
        ax.legend(loc="upper right", frameon=True, framealpha=0.9, edgecolor="none", fontsize=8)
        ax.set_title("DET per group; markers: the threshold(s) set above", fontsize=10)
        self.axes = ax

    def _render(self):
        """Paint the markers over the saved background (blitting) and send the image as PNG.

        A full redraw of the figure takes most of the 50 ms budget; the curves,
        axes and legend never change, so they are drawn once and reused.
        """
        canvas = self._canvas
        if self._background is None:
            for marker in self._markers.values():
                marker.set_visible(False)
            canvas.draw()
            self._background = canvas.copy_from_bbox(self.figure.bbox)
            for marker in self._markers.values():
                marker.set_visible(True)
        canvas.restore_region(self._background)
        for marker in self._markers.values():
            self.axes.draw_artist(marker)
        self.image.value = canvas_png(canvas)

    # ------------------------------------------------------------------ state
    @property
    def per_group(self) -> bool:
        """True in "one threshold per group" mode."""
        return self.mode.value == _MODES[1]

    @property
    def thresholds(self) -> dict:
        """The threshold in force for each group (equal in shared mode)."""
        return dict(self._thresholds)

    def rates(self) -> dict:
        """Return per-group rates at the current thresholds.

        Returns
        -------
        dict of str to dict
            For each group: ``threshold``, ``fmr``, ``fnmr``, ``false_matches``,
            ``impostor_comparisons``, ``false_non_matches``,
            ``genuine_comparisons``, ``fmr_interval`` and ``fnmr_interval``
            (Clopper–Pearson, at ``confidence``). A match is score >= threshold.
        """
        out = {}
        for g in self.groups:
            t = self._thresholds[g]
            imp, gen = self._impostor[g], self._genuine[g]
            false_matches = int(imp.size - np.searchsorted(imp, t, side="left"))  # scores >= t
            false_non_matches = int(np.searchsorted(gen, t, side="left"))  # scores < t
            out[g] = dict(
                threshold=t,
                fmr=false_matches / imp.size, fnmr=false_non_matches / gen.size,
                false_matches=false_matches, impostor_comparisons=int(imp.size),
                false_non_matches=false_non_matches, genuine_comparisons=int(gen.size),
                fmr_interval=_rates.clopper_pearson(false_matches, imp.size, self.confidence),
                fnmr_interval=_rates.clopper_pearson(false_non_matches, gen.size, self.confidence),
            )
        return out

    def update(self, value=None, group=None):
        """Set a threshold and refresh the readout and figure; return :meth:`rates`.

        Parameters
        ----------
        value : float or dict of str to float, optional
            A number sets the shared threshold (and switches to shared mode),
            unless ``group`` is given; a dict sets one threshold per group (and
            switches to per-group mode). None just refreshes.
        group : str, optional
            With a number: set only this group's threshold (per-group mode).
        """
        if isinstance(value, dict):
            unknown = set(map(str, value)) - set(self.groups)
            if unknown:
                raise ValueError(f"unknown group(s) {sorted(unknown)}; groups are {self.groups}.")
            with self._quiet():
                self.mode.value = _MODES[1]
                for g, v in value.items():
                    self._place(self.sliders[str(g)], float(v))
        elif value is not None:
            if group is not None and str(group) not in self.sliders:
                raise ValueError(f"unknown group {group!r}; groups are {self.groups}.")
            with self._quiet():
                if group is None:
                    self.mode.value = _MODES[0]
                    self._place(self.slider, float(value))
                else:
                    self.mode.value = _MODES[1]
                    self._place(self.sliders[str(group)], float(value))
        self._sync()
        return self.rates()

    def _sync(self):
        """Take the thresholds in force from the sliders of the current mode, then refresh."""
        if self.per_group:
            self._thresholds = {g: s.value for g, s in self.sliders.items()}
        else:
            self._thresholds = {g: self.slider.value for g in self.groups}
        self._refresh()

    def _on_shared(self, change):
        if not self.per_group and not self._muted:
            self._sync()

    def _on_group(self, group, change):
        if self.per_group and not self._muted:
            self._sync()

    def _on_mode(self, change):
        with self._quiet():  # start each group where the shared threshold was, and back
            if self.per_group:
                for g, s in self.sliders.items():
                    self._place(s, self._thresholds[g])
            else:
                self._place(self.slider, self._thresholds[self.groups[0]])
        self._show_sliders()
        if not self._muted:  # update() refreshes once, at its end
            self._sync()

    def _place(self, slider, value):
        """Set ``slider`` to ``value`` (clipped to the range), exactly and on a step position.

        The browser's slider moves in whole steps from its minimum, so the
        minimum is shifted (by less than a step) to put ``value`` on the grid:
        a few arrow presses one way and back then return to exactly ``value``.
        """
        value = min(max(float(value), self._low), self._high)
        steps_below = math.floor((value - self._low) / slider.step + 1e-9)
        with self._quiet():
            slider.min = min(value - steps_below * slider.step, value)
            slider.value = value

    @contextlib.contextmanager
    def _quiet(self):
        """Move several sliders without a refresh for each; the caller refreshes once."""
        self._muted += 1
        try:
            yield
        finally:
            self._muted -= 1

    def _show_sliders(self):
        shared = "none" if self.per_group else None
        self.slider.layout.display = shared
        for s in self.sliders.values():
            s.layout.display = None if self.per_group else "none"

    # ------------------------------------------------------------------ output
    def _refresh(self):
        rates = self.rates()
        # A rate outside the axes' range is drawn on the edge, so that every group's marker stays visible.
        lo, hi = norm.ppf(_LIMITS[0]), norm.ppf(_LIMITS[1])
        for g, r in rates.items():
            x = np.clip(norm.ppf(np.clip(r["fmr"], self._eps, 1 - self._eps)), lo, hi)
            y = np.clip(norm.ppf(np.clip(r["fnmr"], self._eps, 1 - self._eps)), lo, hi)
            self._markers[g].set_data([x], [y])
        self.readout.value = self._table(rates)
        self._render()

    def _table(self, rates):
        level = f"{100 * self.confidence:g}%"
        head = ("<tr><th>group</th><th>threshold</th>"
                f"<th>FMR [{level} interval] (false matches / impostor comparisons)</th>"
                f"<th>FNMR [{level} interval] (false non-matches / genuine comparisons)</th></tr>")
        rows = []
        for g, r in rates.items():
            fmr_lo, fmr_hi = r["fmr_interval"]
            fnmr_lo, fnmr_hi = r["fnmr_interval"]
            rows.append(
                f"<tr><td>{html.escape(g)}</td><td>{r['threshold']:.3f}</td>"
                f"<td>{_percent(r['fmr'])} [{_percent(fmr_lo)}, {_percent(fmr_hi)}] "
                f"({r['false_matches']:,} / {r['impostor_comparisons']:,})</td>"
                f"<td>{_percent(r['fnmr'])} [{_percent(fnmr_lo)}, {_percent(fnmr_hi)}] "
                f"({r['false_non_matches']:,} / {r['genuine_comparisons']:,})</td></tr>")
        fmrs = [r["fmr"] for r in rates.values()]
        ratio = (f"highest / lowest FMR: {max(fmrs) / min(fmrs):.1f}×" if min(fmrs) > 0
                 else "highest / lowest FMR: undefined (a group has no false match at this threshold)")
        note = ("A comparison is a match when score ≥ threshold. " + ratio + ". Mode: "
                + html.escape(self.mode.value) + ".")
        cells = "<style>.bl-group-readout th, .bl-group-readout td {padding: 0.1em 0.8em 0.1em 0}</style>"
        return (f"{cells}<div role='status' aria-live='polite'><table style='border-collapse: collapse'>{head}"
                f"{''.join(rows)}</table><p style='margin: 0.3em 0'>{note}</p></div>")

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def close(self):
        """Close the widgets (and free the figure)."""
        self.widget.close()
        for w in (self.mode, self.slider, *self.sliders.values(), self.readout, self.image):
            w.close()

