"""BaseRateExplorer: how a base rate turns small error rates into many false alarms.

A screening system flags people. Whether an alarm is worth acting on depends
not only on its error rates but on how rare the people it looks for are (the
*base rate*, or prevalence). The explorer lets a student move

- the prevalence (share of screened people who are of interest, log scale),
- the true positive rate (share of people of interest who raise an alarm),
- the false match rate FMR of one comparison (ISO/IEC 2382-37; a comparison
  is a match when its score >= the threshold),
- the gallery (or watchlist) size N each person is searched against: with
  N = 1 a screened person raises a false alarm with probability FMR; with
  N > 1, with the false positive identification rate
  FPIR = 1 - (1 - FMR)**N (independent comparisons),
- the number of people screened,

and shows, updated together in place, the expected counts (true alarms, false
alarms, missed people of interest, people correctly not flagged), the positive
predictive value (PPV, the share of alarms that concern a person of interest)
and an icon array of the alarms and the missed people.

The figure is drawn with matplotlib's Agg renderer into an
``ipywidgets.Image``, shown at the PNG's own pixel size so that the browser
does not stretch and blur it: no interactive matplotlib backend is needed. Its fixed
parts (title, legend) are drawn once; an update moves the existing icon
collections (``set_offsets``) and draws only them over the saved background
(blitting), so a slider step costs a few milliseconds of rendering. The
numbers that change (counts, the number of people per icon) are text in the
readout and the caption, where screen readers find them. Every control is an
ipywidgets slider, so it can be focused with Tab and moved with the arrow
keys.

Examples
--------
>>> explorer = BaseRateExplorer(prevalence=1e-4, tpr=0.99, fmr=1e-3, population=100_000)
>>> round(explorer.counts["tp"], 6), round(explorer.counts["fp"], 6)
(9.9, 99.99)
>>> explorer.update(fmr=1e-5)
>>> round(explorer.ppv, 3)
0.908
"""

from __future__ import annotations

import math
from numbers import Real

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from biometrics_lab import _rates, plots
from ._canvas import canvas_png

__all__ = ["BaseRateExplorer", "SLIDER_CLASS", "READOUT_CLASS", "CAPTION_CLASS", "FIGURE_CLASS"]

#: CSS classes for browser tests and custom styling.
SLIDER_CLASS = "bl-base-rate-slider"
READOUT_CLASS = "bl-base-rate-readout"
CAPTION_CLASS = "bl-base-rate-caption"
FIGURE_CLASS = "bl-base-rate-figure"

#: Icon-array categories, in drawing order, and how each is drawn (plots.icon_array's order of styles).
CATEGORIES = ("true alarm", "false alarm", "missed")
_LOOKS = {"true alarm": "blue circles", "false alarm": "orange-red squares", "missed": "green triangles"}
_COUNT_KEYS = {"true alarm": "tp", "false alarm": "fp", "missed": "fn"}
_NCOLS = 40  # icons per row; the grid never changes, only which icon shows what
_FIGSIZE = (8.0, 3.6)  # inches
_DPI = 96  # enough pixels to be sharp when shown at the PNG's own size, few enough to re-encode fast


def _one_two_five(low_exponent: int, high_exponent: int) -> list[float]:
    """1, 2, 5 times each power of ten from 10**low_exponent up to 10**high_exponent."""
    return [float(f"{m}e{e}") for e in range(low_exponent, high_exponent + 1) for m in (1, 2, 5)
            if float(f"{m}e{e}") <= 10.0 ** high_exponent]


def _one_in(rate: float) -> str:
    """Format a small rate as '1 in 10,000' (and as a percentage)."""
    if rate >= 0.01:
        return f"{rate:.0%}" if rate * 100 == round(rate * 100) else f"{rate:.1%}"
    return f"1 in {1 / rate:,.0f}"


def _count(value: float) -> str:
    """Format an expected count: whole numbers when large, two significant digits when small."""
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:.3g}"
    return f"{value:.2g}"


def _with(options: list[float], value: float) -> list[float]:
    """``options`` with ``value`` added (sorted), so that a starting value is always on the slider."""
    return sorted(set(options) | {value})


def _check_rate(value, name: str, *, low_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a number in [0, 1]; got {value!r}.")
    value = float(value)
    if not (0 < value <= 1 if low_open else 0 <= value <= 1):
        raise ValueError(f"{name} must lie in {'(0, 1]' if low_open else '[0, 1]'} "
                         f"(a fraction, not a percentage); got {value!r}.")
    return value


def _check_size(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, Real) or value < 1 or value != int(value):
        raise ValueError(f"{name} must be a positive whole number; got {value!r}.")
    return int(value)


class BaseRateExplorer:
    """Sliders for prevalence, TPR, FMR, gallery size and people screened, with counts and an icon array.

    Parameters
    ----------
    prevalence : float, default=1e-4
        Share of the people screened who are of interest (on the watchlist),
        in (0, 1]. Shown on a log scale.
    tpr : float, default=0.99
        True positive rate: share of people of interest who raise an alarm.
    fmr : float, default=1e-3
        False match rate of one comparison, in (0, 1]: the share of non-mated
        comparisons whose score is >= the threshold.
    gallery_size : int, default=1
        Number of references each screened person is compared with (the
        watchlist or gallery). With 1, a person not of interest raises a false
        alarm with probability ``fmr``; with N, with probability
        ``FPIR = 1 - (1 - fmr)**N``.
    population : int, default=100_000
        Number of people screened (e.g. crossings in a day).
    max_icons : int, default=1000
        Most icons in the array; each icon stands for 1, 2, 5, 10, ... people,
        the smallest number that keeps the icons within this limit.
    gallery_options, population_options : sequence of int, optional
        Values the two size sliders offer. Default: 1, 2, 5, 10, ... up to
        10 million. The starting values are always added.

    Attributes
    ----------
    sliders : dict of str to ipywidgets slider
        ``"prevalence"``, ``"tpr"``, ``"fmr"``, ``"gallery_size"``,
        ``"population"``; each keyboard operable and with the CSS class
        :data:`SLIDER_CLASS`.
    readout : ipywidgets.HTML
        The counts and rates as text (CSS class :data:`READOUT_CLASS`).
    caption : ipywidgets.HTML
        What the icon array shows, its scale and its key, as text (CSS class
        :data:`CAPTION_CLASS`).
    image : ipywidgets.Image
        The icon array as a PNG (CSS class :data:`FIGURE_CLASS`).
    widget : ipywidgets.VBox
        Everything together; displaying the explorer displays this.
    figure, ax : matplotlib Figure and Axes
        The figure behind ``image``; its artists are updated in place.
    counts : dict of str to float
        Expected ``tp``, ``fp``, ``fn``, ``tn`` among the people screened.
    false_alarm_rate : float
        Probability that a person not of interest raises an alarm (FMR when
        the gallery size is 1, FPIR otherwise).
    ppv : float
        Positive predictive value, ``tp / (tp + fp)``.
    icons : dict of str to int
        Icons drawn per category; ``per_icon`` people per icon.
    """

    def __init__(self, *, prevalence=1e-4, tpr=0.99, fmr=1e-3, gallery_size=1, population=100_000,
                 max_icons=1000, gallery_options=None, population_options=None):
        prevalence = _check_rate(prevalence, "prevalence", low_open=True)
        tpr = _check_rate(tpr, "tpr")
        fmr = _check_rate(fmr, "fmr", low_open=True)
        gallery_size = _check_size(gallery_size, "gallery_size")
        population = _check_size(population, "population")
        self.max_icons = _check_size(max_icons, "max_icons")
        gallery_options = [_check_size(v, "gallery_options") for v in
                           (gallery_options or [int(v) for v in _one_two_five(0, 7)])]
        population_options = [_check_size(v, "population_options") for v in
                              (population_options or [int(v) for v in _one_two_five(2, 7)])]

        style = {"description_width": "11em"}
        layout = widgets.Layout(width="40em")
        self.sliders = {
            "prevalence": widgets.SelectionSlider(
                options=[(_one_in(v), v) for v in _with(_one_two_five(-7, -1) + [0.2, 0.5], prevalence)],
                value=prevalence,
                description="prevalence", tooltip="share of the people screened who are of interest (log scale)",
                style=style, layout=layout),
            "tpr": widgets.FloatSlider(
                value=tpr, min=0.0, max=1.0, step=0.001, readout_format=".1%",
                description="true positive rate", tooltip="TPR: share of the people of interest who raise an alarm",
                style=style, layout=layout),
            "fmr": widgets.SelectionSlider(
                options=[(_one_in(v), v) for v in _with(_one_two_five(-9, 0), fmr)], value=fmr,
                description="FMR per comparison",
                tooltip="false match rate of one comparison: a match is score >= threshold (log scale)",
                style=style, layout=layout),
            "gallery_size": widgets.SelectionSlider(
                options=[(f"{v:,}", v) for v in _with(gallery_options, gallery_size)], value=gallery_size,
                description="gallery size N", tooltip="references each person is compared with (watchlist or gallery)",
                style=style, layout=layout),
            "population": widgets.SelectionSlider(
                options=[(f"{v:,}", v) for v in _with(population_options, population)], value=population,
                description="people screened", tooltip="number of people screened, e.g. crossings in a day",
                style=style, layout=layout),
        }
        for slider in self.sliders.values():
            slider.add_class(SLIDER_CLASS)
        self.readout = widgets.HTML()
        self.readout.add_class(READOUT_CLASS)
        self.caption = widgets.HTML()
        self.caption.add_class(CAPTION_CLASS)
        self.figure = Figure(figsize=_FIGSIZE, dpi=_DPI)
        FigureCanvasAgg(self.figure)  # drawn off screen: no pyplot, so the notebook shows no stray copy
        # Shown at exactly its pixel size: an Image without a width fills the output area and blurs when stretched.
        width, height = self.figure.canvas.get_width_height()
        self.image = widgets.Image(format="png", layout=widgets.Layout(width=f"{width}px", height=f"{height}px"))
        self.image.add_class(FIGURE_CLASS)
        self.ax = self.figure.add_axes((0.01, 0.01, 0.58, 0.86))
        # icon_array gives each category its colour, marker and legend entry; updates move the icons (set_offsets).
        plots.icon_array({name: 1 for name in CATEGORIES}, ncols=_NCOLS, ax=self.ax)
        self._collections = dict(zip(CATEGORIES, self.ax.collections))
        self._legend = self.ax.get_legend()
        rows = -(-self.max_icons // _NCOLS)
        self.ax.set_xlim(-1, _NCOLS)
        self.ax.set_ylim(-rows, 1)
        for collection in self._collections.values():
            collection.set_sizes([max(4.0, min(45.0, 1800.0 / max(_NCOLS, rows)))])
            collection.set_offsets(np.empty((0, 2)))
        # Text is the slow part of a redraw, so the figure's text stays fixed and the numbers go to the
        # caption above it. The fixed part is drawn once; an update draws only the icons over it (blitting).
        for text, name in zip(self._legend.get_texts(), CATEGORIES):
            text.set_text(name)
        self._legend.set_title("scale: see above")
        self.ax.set_title("Alarms and missed people of interest", loc="left", fontsize=10)
        self.figure.canvas.draw()
        self._background = self.figure.canvas.copy_from_bbox(self.figure.bbox)

        self._holding = False
        for slider in self.sliders.values():
            slider.observe(self._on_change, names="value")
        self.widget = widgets.VBox([*self.sliders.values(), self.readout, self.caption, self.image])
        self._refresh()

    # ------------------------------------------------------------------ public

    def update(self, **values) -> None:
        """Set one or more sliders, then recompute and redraw once.

        Parameters
        ----------
        **values
            Any of ``prevalence``, ``tpr``, ``fmr``, ``gallery_size``,
            ``population``. A value that is not one of a selection slider's
            options moves that slider to the nearest option (on a log scale).

        Examples
        --------
        >>> explorer = BaseRateExplorer()
        >>> explorer.update(prevalence=1e-3, gallery_size=100)
        >>> explorer.sliders["gallery_size"].value
        100
        """
        unknown = sorted(set(values) - set(self.sliders))
        if unknown:
            raise ValueError(f"unknown slider(s) {unknown}; the sliders are {sorted(self.sliders)}.")
        self._holding = True
        try:
            for name, value in values.items():
                slider = self.sliders[name]
                if isinstance(slider, widgets.SelectionSlider):
                    options = [option[1] for option in slider.options]
                    value = min(options, key=lambda option: abs(math.log(option) - math.log(max(value, 1e-300))))
                slider.value = value
        finally:
            self._holding = False
        self._refresh()

    @property
    def values(self) -> dict[str, float]:
        """The sliders' current values, by name."""
        return {name: slider.value for name, slider in self.sliders.items()}

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    # ------------------------------------------------------------------ internals

    def _on_change(self, change) -> None:
        if not self._holding:
            self._refresh()

    def _compute(self) -> None:
        v = self.values
        # A person not of interest is compared with all N references; any match is a false alarm.
        self.false_alarm_rate = _rates.fpir(v["fmr"], v["gallery_size"])
        self.counts = _rates.confusion_counts(v["population"], v["prevalence"], v["tpr"], self.false_alarm_rate)
        self.ppv = _rates.ppv(v["prevalence"], v["tpr"], self.false_alarm_rate)
        shown = sum(self.counts[key] for key in _COUNT_KEYS.values())
        self.per_icon = next(int(scale) for scale in _one_two_five(0, 12) if shown / scale <= self.max_icons)
        self.icons = {name: int(round(self.counts[key] / self.per_icon)) for name, key in _COUNT_KEYS.items()}
        while sum(self.icons.values()) > self.max_icons:  # rounding up three categories can overshoot by 1-2
            largest = max(self.icons, key=self.icons.get)
            self.icons[largest] -= 1

    def _draw(self) -> None:
        start = 0
        for name in CATEGORIES:
            n = self.icons[name]
            index = np.arange(start, start + n)
            start += n
            self._collections[name].set_offsets(np.column_stack([index % _NCOLS, -(index // _NCOLS)]))
        canvas = self.figure.canvas
        canvas.restore_region(self._background)
        for collection in self._collections.values():
            self.ax.draw_artist(collection)
        self.image.value = canvas_png(canvas)
        self.caption.value = self._caption_html()

    def _caption_html(self) -> str:
        population, searched = self.sliders["population"].value, self.sliders["gallery_size"].value
        among = f"among {population:,} people screened" + (
            f", each searched against {searched:,} references" if searched > 1 else "")
        if sum(self.icons.values()) == 0:
            return f"<p><b>Icon array</b> {among}: less than one alarm or missed person of interest expected.</p>"
        scale = "one person" if self.per_icon == 1 else f"{self.per_icon:,} people"
        parts = []
        for name in CATEGORIES:
            count = self.counts[_COUNT_KEYS[name]]
            # Say so when rounding hides a category, so that no one reads "no icon" as "none".
            hidden = ", fewer than half an icon: not drawn" if self.icons[name] == 0 and count >= 0.5 else ""
            parts.append(f"{_LOOKS[name]}: {name} ({_count(count)}{hidden})")
        key = "; ".join(parts)
        return (f"<p><b>Icon array</b> of the alarms and missed people of interest {among}. "
                f"Each icon is {scale} (expected counts, rounded). {key[0].upper()}{key[1:]}.</p>")

    def _readout_html(self) -> str:
        v, c = self.values, self.counts
        gallery = v["gallery_size"]
        if gallery == 1:
            false_rate = f"FMR = {_one_in(self.false_alarm_rate)} (one comparison per person)"
        else:
            false_rate = (f"FPIR = 1 &minus; (1 &minus; FMR)<sup>N</sup> = {self.false_alarm_rate:.3g} "
                          f"(N &middot; FMR = {gallery * v['fmr']:.3g}: expected false matches per person, "
                          "a count, not a probability)")
        alarms = c["tp"] + c["fp"]
        if alarms > 0:
            ppv = (f"<b>PPV = {self.ppv:.3g}</b>: of every 1,000 alarms, about {_count(1000 * self.ppv)} "
                   f"concern a person of interest and {_count(1000 * (1 - self.ppv))} do not")
        else:
            ppv = "<b>PPV undefined</b>: no alarm is expected"
        rows = [
            ("people screened", f"{v['population']:,}, of whom {_count(c['tp'] + c['fn'])} of interest"),
            ("false alarm probability per person", false_rate),
            ("true alarms (TP)", _count(c["tp"])),
            ("false alarms (FP)", _count(c["fp"])),
            ("missed people of interest (FN)", _count(c["fn"])),
            ("correctly not flagged (TN)", _count(c["tn"])),
            ("alarms in total", _count(alarms)),
        ]
        table = "".join(f"<tr><td>{name}</td><td>{value}</td></tr>" for name, value in rows)
        return (f'<div role="status" aria-live="polite"><table>{table}</table><p>{ppv}.</p>'
                "<p>Counts are expected values: averages over many days like this one.</p></div>")

    def _refresh(self) -> None:
        self._compute()
        self.readout.value = self._readout_html()
        self._draw()
