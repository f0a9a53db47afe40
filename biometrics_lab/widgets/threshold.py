"""ThresholdExplorer: move a decision threshold and watch both error rates and a day at the gate.

A 1:1 verification gate compares the live face with the card holder's enrolled
photo and opens when the comparison is a **match: score >= threshold**. The
explorer takes genuine (mated) and impostor (non-mated) comparison scores and a
keyboard-operable slider over the threshold, and shows, updated together:

- the two score histograms (density per unit of score, log scale so that the
  tails where errors happen stay visible) with the threshold line and the
  accept / reject regions;
- the false match rate FMR (share of impostor scores >= threshold) and false
  non-match rate FNMR (share of genuine scores < threshold), ISO/IEC 2382-37;
- a day at the gate: of ``crossings`` legitimate crossings, how many card
  holders are turned away to manual inspection and how many hours of
  inspection that adds; of ``impostor_attempts`` attempts with someone else's
  card, how many pass. With a failure-to-acquire rate ``fta`` the gate's
  rejections are FRR = FTA + (1 - FTA) * FNMR and its false accepts
  FAR = (1 - FTA) * FMR (single attempt, ISO/IEC 19795-1).

Scores are sorted once when the explorer is made; each slider move costs two
binary searches (``numpy.searchsorted``), so 10**6 scores move as fast as 100.
The figure is drawn with matplotlib's Agg renderer into an ``ipywidgets.Image``
(no interactive backend needed). The histograms are rendered once and kept as
a background bitmap; a move updates the existing artists that depend on the
threshold (line, shaded regions, title), draws only them over the background
(blitting) and encodes the PNG: it never re-plots. The rates are in the text
above the figure, not in its title, because rendering text costs more than
the rest of a move.

Examples
--------
>>> import numpy as np
>>> explorer = ThresholdExplorer(np.array([0.6, 0.7, 0.8, 0.9]), np.array([0.1, 0.2, 0.3, 0.65]),
...                              threshold=0.65)
>>> explorer.fmr, explorer.fnmr
(0.25, 0.25)
>>> explorer.update(0.75)
>>> explorer.fmr, explorer.fnmr
(0.0, 0.5)
"""

from __future__ import annotations

import math
from numbers import Real

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from biometrics_lab import plots
from ._canvas import canvas_png

__all__ = ["ThresholdExplorer", "SLIDER_CLASS", "READOUT_CLASS", "FIGURE_CLASS"]

#: CSS classes for browser tests and custom styling.
SLIDER_CLASS = "bl-threshold-slider"
READOUT_CLASS = "bl-threshold-readout"
FIGURE_CLASS = "bl-threshold-figure"

# Slider positions across the score range. 500 keeps keyboard use practical (Page Up/Down move 5 steps)
# while a step near FMR 1e-6 on the border model changes FMR by a factor of about 1.2.
_STEPS = 500


def _check_scores(values, name: str) -> np.ndarray:
    """Return ``values`` sorted as a 1-D float64 array, or raise naming the argument."""
    try:
        array = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be an array of numbers; got {type(values).__name__}.") from error
    if array.size == 0:
        raise ValueError(f"{name} is empty; pass at least one score.")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values; remove them first.")
    return np.sort(array)


def _check_number(value, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number; got {value!r}.")
    if not low <= value <= high:
        raise ValueError(f"{name} must lie in [{low:g}, {high:g}]; got {value!r}.")
    return float(value)


def _rate_text(rate: float) -> str:
    """A rate as a percentage, with '1 in N' when it is small."""
    if rate == 0:
        return "0"
    if rate >= 0.001:
        return f"{rate:.2%}"
    return f"{rate:.2e} (1 in {1 / rate:,.0f})"


def _count_text(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


class ThresholdExplorer:
    """A threshold slider with score histograms, FMR/FNMR and a day at the gate.

    Parameters
    ----------
    genuine : array-like of float
        Mated comparison scores (probe and reference of the same person).
    impostor : array-like of float
        Non-mated comparison scores (different people).
    threshold : float, optional
        Starting threshold; a comparison is a match when ``score >= threshold``.
        Default: the middle of the slider's range.
    crossings : int, default=100_000
        Legitimate crossings per day (the case study reports nearly 100,000
        day labourers a day, figure ``daily_crossers``).
    impostor_attempts : int, default=1_000
        Attempts with someone else's card, to count the ones that pass.
    fta : float, default=0.0
        Failure-to-acquire rate of the gate's camera (captures too poor to
        compare); such a crossing is rejected, never accepted.
    inspection_minutes : float, default=5.0
        Minutes of manual inspection per rejected crossing: an assumption to
        vary, not a reported figure.
    score_range : (float, float), optional
        Slider range. Default: the lowest to the highest score of both sets.
    bins : int, default=80
        Histogram bins over ``score_range``.
    score_label : str
        Label of the score axis.

    Attributes
    ----------
    slider : ipywidgets.FloatSlider
        The threshold (CSS class :data:`SLIDER_CLASS`); Tab focuses it, the
        arrow keys move it one step (1/500 of the range), Page Up / Page Down
        five steps, Home / End to the ends; the number beside it can be
        edited to type an exact threshold.
    readout : ipywidgets.HTML
        Rates and counts as text (CSS class :data:`READOUT_CLASS`), announced
        to screen readers as a live region.
    image : ipywidgets.Image
        The figure as a PNG (CSS class :data:`FIGURE_CLASS`).
    widget : ipywidgets.VBox
        Everything together; displaying the explorer displays this.
    figure, ax : matplotlib Figure and Axes
        The figure behind ``image``; its artists are updated in place.
    threshold, fmr, fnmr, far, frr : float
        Current values (FAR and FRR include ``fta``).
    counts : dict of str to float
        ``rejected`` and ``accepted`` legitimate crossings, ``inspection_hours``,
        ``impostors_passed`` and ``impostors_stopped`` (expected values).
    """

    def __init__(self, genuine, impostor, *, threshold=None, crossings=100_000, impostor_attempts=1_000,
                 fta=0.0, inspection_minutes=5.0, score_range=None, bins=80,
                 score_label=plots.DEFAULT_SCORE_LABEL):
        self._genuine = _check_scores(genuine, "genuine")
        self._impostor = _check_scores(impostor, "impostor")
        self.crossings = int(_check_number(crossings, "crossings", 1, 1e12))
        self.impostor_attempts = int(_check_number(impostor_attempts, "impostor_attempts", 1, 1e12))
        self.fta = _check_number(fta, "fta", 0.0, 1.0)
        self.inspection_minutes = _check_number(inspection_minutes, "inspection_minutes", 0.0, 1e6)
        if score_range is None:
            low = min(self._genuine[0], self._impostor[0])
            high = max(self._genuine[-1], self._impostor[-1])
        else:
            low, high = (_check_number(v, "score_range", -math.inf, math.inf) for v in score_range)
        if not high > low:
            high = low + 1.0  # all scores equal: give the slider some room
        if threshold is None:
            threshold = (low + high) / 2
        threshold = min(max(_check_number(threshold, "threshold", -math.inf, math.inf), low), high)
        step = (high - low) / _STEPS
        decimals = max(2, int(math.ceil(-math.log10(step))) + 1)
        # The browser snaps the slider to min + i * step: start the grid so that the threshold is on it.
        slider_min = threshold - math.ceil((threshold - low) / step - 1e-9) * step

        self.slider = widgets.FloatSlider(
            value=threshold, min=slider_min, max=high, step=step,
            readout_format=f".{decimals}f", continuous_update=True,
            description="threshold", style={"description_width": "6em"}, layout=widgets.Layout(width="44em"))
        self.slider.add_class(SLIDER_CLASS)
        self.readout = widgets.HTML()
        self.readout.add_class(READOUT_CLASS)
        self._build_figure(low, high, bins, score_label)
        # Shown at the PNG's own pixel size: an Image without a width fills the output area and blurs.
        width, height = self.figure.canvas.get_width_height()
        self.image = widgets.Image(format="png", layout=widgets.Layout(width=f"{width}px", height=f"{height}px"))
        self.image.add_class(FIGURE_CLASS)
        self.slider.observe(self._on_change, names="value")
        self.widget = widgets.VBox([self.slider, self.readout, self.image])
        self._refresh(threshold)

    # ------------------------------------------------------------------ public

    def update(self, threshold: float) -> None:
        """Move the threshold (and the slider) to ``threshold`` and redraw once.

        Values outside the slider's range are clipped to it; values between
        slider steps are kept exactly for the rates (the slider shows the
        nearest step, and the browser's snapping to it is ignored).
        """
        threshold = _check_number(threshold, "threshold", -math.inf, math.inf)
        threshold = min(max(threshold, self.slider.min), self.slider.max)
        self._holding = True
        try:
            self.slider.value = threshold
        finally:
            self._holding = False
        self._refresh(threshold)

    def rates_at(self, threshold: float) -> tuple[float, float]:
        """Return (FMR, FNMR) at ``threshold`` from the sorted scores (match: score >= threshold)."""
        # searchsorted(..., "left") counts the scores < threshold: the non-matches.
        below_impostor = np.searchsorted(self._impostor, threshold, side="left")
        below_genuine = np.searchsorted(self._genuine, threshold, side="left")
        return (float(1.0 - below_impostor / self._impostor.size), float(below_genuine / self._genuine.size))

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    # ------------------------------------------------------------------ internals

    _holding = False

    def _build_figure(self, low, high, bins, score_label):
        self.figure = Figure(figsize=(8.0, 3.4), dpi=96)  # sharp at its own pixel size, quick to encode
        FigureCanvasAgg(self.figure)  # off screen: no pyplot, so the notebook shows no stray copy
        self.ax = self.figure.add_axes((0.08, 0.16, 0.62, 0.72))
        edges = np.linspace(low, high, int(bins) + 1)
        for name, scores in (("genuine", self._genuine), ("impostor", self._impostor)):
            counts, _ = np.histogram(scores, bins=edges)
            density = counts / (scores.size * np.diff(edges))
            self.ax.stairs(np.where(density > 0, density, np.nan), edges, fill=True, alpha=0.35,
                           color=plots.PALETTE[name], hatch=plots.HATCHES[name], linewidth=1.2,
                           linestyle=plots.LINESTYLES[name], label=f"{name} ({scores.size:,} scores)")
        self.ax.set_yscale("log")
        self.ax.set_xlim(low, high)
        self.ax.set_xlabel(score_label)
        self.ax.set_ylabel("density (per unit score, log scale)")
        top = self.ax.get_ylim()[1]
        # Shaded decision regions; updates move their edge, not new patches.
        self._reject = self.ax.axvspan(low, low, color=plots.PALETTE["reject"], alpha=0.10,
                                       hatch=plots.HATCHES["reject"], label="reject (score < threshold)")
        self._accept = self.ax.axvspan(low, low, color=plots.PALETTE["accept"], alpha=0.10,
                                       label="accept (score >= threshold)")
        self._line = self.ax.axvline(low, color=plots.PALETTE["threshold"], linestyle=plots.LINESTYLES["threshold"],
                                     linewidth=2, label="threshold")
        self.ax.set_ylim(top=top)
        # A fixed title: text is slow to render, and the readout above the figure gives the rates.
        self.ax.set_title("Score densities; the dotted line is the threshold", loc="left", fontsize=10)
        self.ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=9)
        self._low, self._high = low, high
        # Everything but the threshold's artists is drawn once, into the background bitmap.
        self._moving = (self._reject, self._accept, self._line)
        for artist in self._moving:
            artist.set_animated(True)
        self.figure.canvas.draw()
        self._background = self.figure.canvas.copy_from_bbox(self.figure.bbox)

    def _on_change(self, change) -> None:
        # A move of less than half a step is the browser snapping a value set by update() to the slider's
        # grid and sending it back: keep the exact threshold then. Keyboard and mouse moves are whole steps.
        if not self._holding and abs(change["new"] - self.threshold) >= self.slider.step / 2:
            self._refresh(change["new"])

    def _compute(self, threshold: float) -> None:
        self.threshold = float(threshold)
        self.fmr, self.fnmr = self.rates_at(self.threshold)
        # Single attempt: a failed capture is rejected, never accepted (ISO/IEC 19795-1).
        self.far = (1.0 - self.fta) * self.fmr
        self.frr = self.fta + (1.0 - self.fta) * self.fnmr
        rejected = self.crossings * self.frr
        passed = self.impostor_attempts * self.far
        self.counts = {
            "rejected": rejected,
            "accepted": self.crossings - rejected,
            "inspection_hours": rejected * self.inspection_minutes / 60.0,
            "impostors_passed": passed,
            "impostors_stopped": self.impostor_attempts - passed,
        }

    def _draw(self) -> None:
        t = self.threshold
        self._line.set_xdata([t, t])
        # axvspan returns a Rectangle (matplotlib >= 3.9): move its edges in place.
        self._reject.set_x(self._low)
        self._reject.set_width(max(t - self._low, 0.0))
        self._accept.set_x(t)
        self._accept.set_width(max(self._high - t, 0.0))
        canvas = self.figure.canvas
        canvas.restore_region(self._background)
        for artist in self._moving:
            self.figure.draw_artist(artist)
        self.image.value = canvas_png(canvas)

    def _readout_html(self) -> str:
        c = self.counts
        rows = [
            ("threshold (match: score &ge; threshold)", f"{self.threshold:.4f}"),
            ("false match rate, FMR (impostor scores &ge; threshold)",
             f"{_rate_text(self.fmr)} of {self._impostor.size:,}"),
            ("false non-match rate, FNMR (genuine scores &lt; threshold)",
             f"{_rate_text(self.fnmr)} of {self._genuine.size:,}"),
        ]
        if self.fta > 0:
            rows += [("failure to acquire, FTA", _rate_text(self.fta)),
                     ("false reject rate, FRR = FTA + (1 &minus; FTA)&middot;FNMR", _rate_text(self.frr)),
                     ("false accept rate, FAR = (1 &minus; FTA)&middot;FMR", _rate_text(self.far))]
        rows += [
            (f"of {self.crossings:,} legitimate crossings: turned away to manual inspection",
             _count_text(c["rejected"])),
            (f"manual inspection at {self.inspection_minutes:g} min each", f"{c['inspection_hours']:,.1f} hours"),
            (f"of {self.impostor_attempts:,} attempts with someone else's card: let through",
             _count_text(c["impostors_passed"])),
        ]
        table = "".join(f"<tr><td>{name}</td><td><b>{value}</b></td></tr>" for name, value in rows)
        return (f'<div role="status" aria-live="polite"><table>{table}</table>'
                "<p>Counts are expected values for one day, from the measured rates.</p></div>")

    def _refresh(self, threshold: float) -> None:
        self._compute(threshold)
        self.readout.value = self._readout_html()
        self._draw()
