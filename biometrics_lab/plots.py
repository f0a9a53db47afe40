"""Figures for the labs: face grids, score histograms, image pairs, DET curves, icon arrays.

Every function draws into an ``ax`` (or ``fig``) it is given, or makes a new
figure, and returns what it drew on. Nothing here calls ``plt.show`` or touches
global ``rcParams``: a notebook's own settings stay in force.

Colours come from :data:`PALETTE` (Okabe & Ito's colour-blind-safe set). Each
series also gets its own hatching and line style (:data:`HATCHES`,
:data:`LINESTYLES`), so that figures still read when printed in grey.
"""

from __future__ import annotations

from numbers import Integral, Real

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from scipy.stats import norm
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure, SubFigure

__all__ = [
    "PALETTE",
    "HATCHES",
    "LINESTYLES",
    "face_grid",
    "score_histograms",
    "image_pair",
    "det_curve",
    "icon_array",
]

# Okabe, M. & Ito, K. (2008), "Color Universal Design": eight colours that stay
# distinct under the common colour-vision deficiencies. Grey (#999999) is the
# usual ninth colour used alongside them.
_OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
    "grey": "#999999",
}

#: Colours by role, all from the Okabe–Ito palette; the raw colour names are
#: keys too (``PALETTE["vermillion"]``). Use roles so that a role keeps its
#: colour across every lab.
PALETTE: dict[str, str] = {
    "genuine": _OKABE_ITO["blue"],
    "impostor": _OKABE_ITO["vermillion"],
    "threshold": _OKABE_ITO["black"],
    "group A": _OKABE_ITO["orange"],
    "group B": _OKABE_ITO["sky blue"],
    "accept": _OKABE_ITO["bluish green"],
    "reject": _OKABE_ITO["reddish purple"],
    "neutral": _OKABE_ITO["grey"],
    **_OKABE_ITO,
}

#: Hatching by role, so that filled areas differ without colour.
HATCHES: dict[str, str] = {
    "genuine": "///",
    "impostor": "\\\\\\",
    "group A": "...",
    "group B": "xxx",
    "accept": "",
    "reject": "||",
}

#: Line styles by role, so that lines differ without colour.
LINESTYLES: dict[str, str | tuple] = {
    "genuine": "-",
    "impostor": "--",
    "threshold": ":",
    "group A": "-",
    "group B": "-.",
}

DEFAULT_SCORE_LABEL = "comparison score (cosine similarity)"

# Series drawn without a role take colours and line styles in this order, so
# that overlaid curves differ in grey too.
_CYCLE_COLOURS = ("blue", "vermillion", "bluish green", "reddish purple", "orange", "sky blue", "black")
_CYCLE_STYLES = ("-", "--", "-.", ":")
_CYCLE_MARKERS = ("o", "s", "^", "D", "v", "P", "X")

# Error-rate names by what is counted (ISO/IEC 2382-37): comparisons (1:1
# scores), decisions of a whole system, and 1:N identification searches.
_RATE_NAMES = {
    "comparison": ("false match rate, FMR", "false non-match rate, FNMR"),
    "decision": ("false accept rate, FAR", "false reject rate, FRR"),
    "identification": ("false positive identification rate, FPIR", "false negative identification rate, FNIR"),
}
_DET_TICKS = (1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.05, 0.2, 0.5, 0.8, 0.95, 0.99)


# --------------------------------------------------------------------------- checks
def _check_scores(values, name):
    """Return ``values`` as a finite, non-empty 1-D float array, or raise."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a 1-D array of numbers; got {type(values).__name__}.") from exc
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one score per comparison); got shape {arr.shape}. "
                         f"Flatten a score matrix with {name}.ravel() first.")
    if arr.size == 0:
        raise ValueError(f"{name} is empty; pass at least one score.")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values; remove them before plotting.")
    return arr


def _check_image(image, name):
    """Return ``image`` as a 2-D array, or raise."""
    arr = np.asarray(image)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D grey-level image (height, width); got shape {arr.shape}.")
    if arr.size == 0:
        raise ValueError(f"{name} is empty.")
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ValueError(f"{name} must hold numbers; got dtype {arr.dtype}.")
    return arr


def _check_ax(ax, name="ax"):
    if ax is not None and not isinstance(ax, Axes):
        raise ValueError(f"{name} must be a matplotlib Axes or None; got {type(ax).__name__}.")
    return ax


def _grey_range(arrays, vmin, vmax):
    """Shared grey-level range, so that images are shown on one scale.

    uint8 images use 0..255 (their full range); other images use the pooled
    minimum and maximum, unless ``vmin``/``vmax`` are given.
    """
    if all(a.dtype == np.uint8 for a in arrays):
        lo, hi = 0, 255
    else:
        lo = min(float(np.nanmin(a)) for a in arrays)
        hi = max(float(np.nanmax(a)) for a in arrays)
    return (lo if vmin is None else vmin), (hi if vmax is None else vmax)


# --------------------------------------------------------------------------- figures
def face_grid(images, *, ncols=10, titles=None, ax=None, fig=None, cmap="gray", vmin=None, vmax=None):
    """Show face images in a grid, all on one grey scale.

    The images are tiled into one mosaic drawn in a single Axes, which is much
    faster than one Axes per face and keeps the faces' grey levels comparable.

    Parameters
    ----------
    images : array-like of shape (n_images, height, width)
        Grey-level images, e.g. ``FaceSet.images``. A single 2-D image is
        shown as a grid of one.
    ncols : int, default=10
        Number of images per row; fewer if there are fewer images.
    titles : sequence of str, optional
        One short title per image (e.g. the identity), written above it.
    ax : matplotlib Axes, optional
        Axes to draw the mosaic into. Default: a new figure sized to the grid.
    fig : matplotlib Figure or SubFigure, optional
        Figure to add a new Axes to, when ``ax`` is not given.
    cmap : str, default="gray"
        Colour map for the grey levels.
    vmin, vmax : float, optional
        Grey-level range. Default: 0..255 for uint8 images, else the pooled
        minimum and maximum of all images.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the grid (``ax.figure`` when ``ax`` is given).

    Examples
    --------
    >>> import numpy as np
    >>> faces = np.zeros((12, 48, 48), dtype=np.uint8)
    >>> fig = face_grid(faces, ncols=6, titles=[f"id {i}" for i in range(12)])
    >>> len(fig.axes)
    1
    """
    arr = np.asarray(images)
    if arr.ndim == 2:
        arr = arr[np.newaxis]
    if arr.ndim != 3:
        raise ValueError(f"images must have shape (n_images, height, width); got shape {arr.shape}.")
    if arr.shape[0] == 0 or arr.shape[1] == 0 or arr.shape[2] == 0:
        raise ValueError(f"images is empty (shape {arr.shape}); pass at least one image.")
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ValueError(f"images must hold numbers; got dtype {arr.dtype}.")
    if isinstance(ncols, bool) or not isinstance(ncols, Integral) or ncols < 1:
        raise ValueError(f"ncols must be a positive integer; got {ncols!r}.")
    n, h, w = arr.shape
    if titles is not None:
        titles = [str(t) for t in titles]
        if len(titles) != n:
            raise ValueError(f"titles must have one entry per image: got {len(titles)} titles for {n} images.")
    _check_ax(ax)
    if fig is not None and not isinstance(fig, (Figure, SubFigure)):
        raise ValueError(f"fig must be a matplotlib Figure or SubFigure or None; got {type(fig).__name__}.")

    ncols = min(int(ncols), n)
    nrows = -(-n // ncols)
    gap = max(1, h // 16)
    # Room above each tile for its title, in pixels of the mosaic.
    top = max(2, h // 4) if titles is not None else 0
    cell_h, cell_w = h + gap + top, w + gap
    lo, hi = _grey_range([arr], vmin, vmax)

    # NaN marks the gaps; the colour map shows them as the background.
    mosaic = np.full((nrows * cell_h, ncols * cell_w - gap), np.nan)
    for i in range(n):
        r, c = divmod(i, ncols)
        y, x = r * cell_h + top, c * cell_w
        mosaic[y:y + h, x:x + w] = arr[i]

    if ax is None:
        if fig is None:
            fig = plt.figure(figsize=(min(1.0 * ncols, 12.0), min(1.0 * nrows * cell_h / h, 12.0)))
        ax = fig.add_subplot()
    cm = plt.get_cmap(cmap).with_extremes(bad="white")
    ax.imshow(mosaic, cmap=cm, vmin=lo, vmax=hi, interpolation="nearest")
    if titles is not None:
        size = 8 if ncols <= 10 else 6
        for i, title in enumerate(titles):
            r, c = divmod(i, ncols)
            ax.text(c * cell_w + w / 2, r * cell_h + top - 0.5, title, ha="center", va="bottom",
                    fontsize=size)
    ax.set_axis_off()
    return ax.figure


def score_histograms(genuine, impostor, *, threshold=None, bins=50, ax=None, density=True,
                     xlabel=DEFAULT_SCORE_LABEL, labels=("genuine", "impostor")):
    """Histogram genuine and impostor comparison scores on shared bins.

    Genuine scores compare two captures of the same identity; impostor scores
    compare different identities. Both use one set of bin edges, so the bars
    line up. The two sets differ by colour, hatching and outline style, so the
    figure also reads in grey.

    Parameters
    ----------
    genuine : array-like of shape (n_genuine,)
        Scores of same-identity comparisons.
    impostor : array-like of shape (n_impostor,)
        Scores of different-identity comparisons.
    threshold : float, optional
        Decision threshold. If given, drawn as a labelled vertical line; the
        rule is that a comparison is a match when ``score >= threshold``.
    bins : int or array-like, default=50
        Number of equal-width bins over the pooled score range, or the bin
        edges themselves.
    ax : matplotlib Axes, optional
        Axes to draw into. Default: a new figure.
    density : bool, default=True
        If True, each histogram integrates to 1 (the sets usually differ in
        size by orders of magnitude); if False, show counts.
    xlabel : str, default="comparison score (cosine similarity)"
        Label of the score axis.
    labels : tuple of two str, default=("genuine", "impostor")
        Legend entries for the two sets.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn into.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> ax = score_histograms(rng.normal(0.8, 0.1, 500), rng.normal(0.1, 0.2, 5000), threshold=0.5)
    >>> ax.get_xlabel()
    'comparison score (cosine similarity)'
    """
    gen = _check_scores(genuine, "genuine")
    imp = _check_scores(impostor, "impostor")
    if threshold is not None:
        if isinstance(threshold, bool) or not isinstance(threshold, Real) or not np.isfinite(threshold):
            raise ValueError(f"threshold must be a finite number or None; got {threshold!r}.")
    if isinstance(bins, bool):
        raise ValueError(f"bins must be a positive integer or a sequence of bin edges; got {bins!r}.")
    if isinstance(bins, Integral):
        if bins < 1:
            raise ValueError(f"bins must be a positive integer or a sequence of bin edges; got {bins!r}.")
        lo = min(gen.min(), imp.min())
        hi = max(gen.max(), imp.max())
        if hi == lo:  # all scores equal: widen so the one bar has a width
            lo, hi = lo - 0.5, hi + 0.5
        edges = np.linspace(lo, hi, int(bins) + 1)
    else:
        edges = np.asarray(bins, dtype=float)
        if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
            raise ValueError("bins must be a positive integer or a 1-D increasing sequence of at least "
                             f"two bin edges; got {bins!r}.")
    if not isinstance(xlabel, str) or not xlabel.strip():
        raise ValueError(f"xlabel must be a non-empty string; got {xlabel!r}.")
    if len(labels) != 2:
        raise ValueError(f"labels must be two strings (genuine, impostor); got {labels!r}.")
    _check_ax(ax)

    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 3.6))
    for scores, role, label in ((gen, "genuine", labels[0]), (imp, "impostor", labels[1])):
        colour = PALETTE[role]
        ax.hist(scores, bins=edges, density=bool(density), histtype="stepfilled",
                facecolor=to_rgba(colour, 0.25), edgecolor=colour, hatch=HATCHES[role],
                linestyle=LINESTYLES[role], linewidth=1.5, label=f"{label} (n = {scores.size:,})")
    if threshold is not None:
        ax.axvline(threshold, color=PALETTE["threshold"], linestyle=LINESTYLES["threshold"],
                   linewidth=2, label=f"threshold = {threshold:.3g} (match if score \u2265 threshold)")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("density (fraction of scores per unit score)" if density else "number of comparisons")
    ax.legend(loc="best", frameon=True, framealpha=0.9, edgecolor="none")
    return ax


def image_pair(left, right, *, titles=("capture", "reconstruction from template"), ax=None,
               cmap="gray", vmin=None, vmax=None):
    """Show two images side by side on one grey scale.

    Parameters
    ----------
    left, right : array-like of shape (height, width)
        Grey-level images, e.g. a capture and its reconstruction. They share
        one grey-level range so that differences are not hidden by rescaling.
    titles : tuple of two str, default=("capture", "reconstruction from template")
        Title above each image.
    ax : sequence of two matplotlib Axes, optional
        Axes to draw into. Default: a new figure with two Axes.
    cmap : str, default="gray"
        Colour map for the grey levels.
    vmin, vmax : float, optional
        Grey-level range. Default: 0..255 if both images are uint8, else the
        pooled minimum and maximum of the two.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the two images.

    Examples
    --------
    >>> import numpy as np
    >>> fig = image_pair(np.zeros((48, 48)), np.ones((48, 48)))
    >>> [a.get_title() for a in fig.axes]
    ['capture', 'reconstruction from template']
    """
    a = _check_image(left, "left")
    b = _check_image(right, "right")
    if isinstance(titles, str) or len(titles) != 2:
        raise ValueError(f"titles must be two strings (left, right); got {titles!r}.")
    if ax is None:
        fig, axes = plt.subplots(1, 2, figsize=(5, 2.8))
    else:
        try:
            axes = list(ax)
        except TypeError:
            axes = []
        if len(axes) != 2 or not all(isinstance(x, Axes) for x in axes):
            raise ValueError("ax must be None or a sequence of two matplotlib Axes.")
        fig = axes[0].figure
    lo, hi = _grey_range([a, b], vmin, vmax)
    for axis, image, title in zip(axes, (a, b), titles):
        axis.imshow(image, cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
        axis.set_title(str(title))
        axis.set_axis_off()
    return fig


def _percent(p):
    """Format a probability as a percentage with just enough digits: 0.001%, 5%."""
    pct = 100 * p
    return f"{pct:.{max(0, -int(np.floor(np.log10(pct))))}f}%" if pct < 1 else f"{pct:g}%"


def _check_rate(values, name):
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a 1-D array of rates in [0, 1]; got {type(values).__name__}.") from exc
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of rates in [0, 1]; got shape {arr.shape}.")
    if not np.all(np.isfinite(arr)) or arr.min() < 0 or arr.max() > 1:
        raise ValueError(f"{name} must hold rates between 0 and 1 (fractions, not percentages).")
    return arr


def det_curve(fmr, fnmr, *, label=None, role=None, kind="comparison", limits=(1e-5, 0.5),
              points=None, ax=None):
    """Plot a detection error trade-off (DET) curve on normal-deviate axes.

    Both axes use the probit scale (``scipy.stats.norm.ppf``), on which two
    Gaussian score distributions give a straight line; tick labels are
    percentages. Call again with the same ``ax`` to overlay curves, e.g. one
    per group: each new curve gets its own colour and line style.

    The function plots rates it is given; it does not compute them from
    scores (that is a lab's exercise).

    Parameters
    ----------
    fmr : array-like of shape (n_thresholds,)
        False-positive rates (fractions in [0, 1]), one per threshold.
    fnmr : array-like of shape (n_thresholds,)
        False-negative rates at the same thresholds.
    label : str, optional
        Legend entry for the curve.
    role : str, optional
        A :data:`PALETTE` role (e.g. ``"group A"``) giving the curve its colour
        and line style. Default: the next colour and style in turn.
    kind : {"comparison", "decision", "identification"}, default="comparison"
        Which rates are plotted, which names the axes: FMR/FNMR for 1:1
        comparisons, FAR/FRR for system decisions, FPIR/FNIR for 1:N searches.
    limits : tuple of two float, default=(1e-5, 0.5)
        Range of both axes, as fractions strictly between 0 and 1.
    points : dict of str to (float, float), optional
        Operating points to mark, ``{label: (fmr, fnmr)}``.
    ax : matplotlib Axes, optional
        Axes to draw into. Default: a new figure.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn into.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.stats import norm
    >>> t = np.linspace(-3, 6, 50)
    >>> ax = det_curve(norm.sf(t), norm.cdf(t - 3), label="d' = 3")
    >>> ax.get_xlabel()
    'false match rate, FMR (%, normal-deviate scale)'
    """
    x = _check_rate(fmr, "fmr")
    y = _check_rate(fnmr, "fnmr")
    if x.shape != y.shape:
        raise ValueError(f"fmr and fnmr must have the same length; got {x.size} and {y.size}.")
    if kind not in _RATE_NAMES:
        raise ValueError(f"kind must be one of {sorted(_RATE_NAMES)}; got {kind!r}.")
    try:
        lo, hi = (float(v) for v in limits)
    except (TypeError, ValueError):
        raise ValueError(f"limits must be two fractions (low, high); got {limits!r}.") from None
    if not 0 < lo < hi < 1:
        raise ValueError(f"limits must satisfy 0 < low < high < 1; got {limits!r}.")
    if role is not None and role not in PALETTE:
        raise ValueError(f"role must be one of the PALETTE keys {sorted(PALETTE)} or None; got {role!r}.")
    _check_ax(ax)

    if ax is None:
        _, ax = plt.subplots(figsize=(4.8, 4.8))
    n_curves = sum(1 for line in ax.get_lines() if line.get_gid() == "det")
    if role is not None:
        colour, style = PALETTE[role], LINESTYLES.get(role, "-")
    else:
        colour = PALETTE[_CYCLE_COLOURS[n_curves % len(_CYCLE_COLOURS)]]
        style = _CYCLE_STYLES[n_curves % len(_CYCLE_STYLES)]
    # Rates of exactly 0 or 1 lie at infinity on a probit axis: clip them just
    # outside the visible range so the curve runs off the edge instead of vanishing.
    eps = min(lo, 1 - hi) / 10
    ax.plot(norm.ppf(np.clip(x, eps, 1 - eps)), norm.ppf(np.clip(y, eps, 1 - eps)), color=colour,
            linestyle=style, linewidth=2, label=label, gid="det")
    for i, (name, (px, py)) in enumerate((points or {}).items()):
        ax.plot(norm.ppf(np.clip(px, eps, 1 - eps)), norm.ppf(np.clip(py, eps, 1 - eps)),
                marker=_CYCLE_MARKERS[i % len(_CYCLE_MARKERS)], linestyle="none", markersize=8,
                color=PALETTE["black"], markerfacecolor="white", label=name)

    ticks = [t for t in _DET_TICKS if lo <= t <= hi]
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_ticks(norm.ppf(ticks), labels=[_percent(t) for t in ticks])
    if len(ticks) > 7:  # the low decades crowd together on a probit axis
        ax.tick_params(axis="x", labelrotation=45)
        for tick_label in ax.get_xticklabels():
            tick_label.set_horizontalalignment("right")
    ax.set_xlim(norm.ppf(lo), norm.ppf(hi))
    ax.set_ylim(norm.ppf(lo), norm.ppf(hi))
    ax.set_aspect("equal")
    ax.grid(True, color=PALETTE["grey"], linewidth=0.5, alpha=0.6)
    x_name, y_name = _RATE_NAMES[kind]
    ax.set_xlabel(f"{x_name} (%, normal-deviate scale)")
    ax.set_ylabel(f"{y_name} (%, normal-deviate scale)")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best", frameon=True, framealpha=0.9, edgecolor="none")
    return ax


def icon_array(counts, *, ncols=None, unit="person", title=None, ax=None, max_icons=20000):
    """Show counts as an array of icons, one icon per unit.

    Each category gets a colour and a distinct marker shape, so it reads
    without colour, and a legend entry with its count. Icons fill rows from
    the top left, category after category.

    Parameters
    ----------
    counts : dict of str to int
        Number of icons per category, in the order to draw them, e.g.
        ``{"true alarm": 1, "false alarm": 36, "no alarm": 963}``. A category
        named after a :data:`PALETTE` role (``"genuine"``, ``"group A"``,
        ``"accept"``, ...) gets that role's colour.
    ncols : int, optional
        Icons per row. Default: about the square root of the total, times 1.5.
    unit : str, default="person"
        What one icon stands for, stated in the legend title.
    title : str, optional
        Axes title.
    ax : matplotlib Axes, optional
        Axes to draw into. Default: a new figure.
    max_icons : int, default=20000
        Refuse larger totals (too slow to draw, too small to see); scale the
        counts down, e.g. to "per 10,000 crossings", instead.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn into.

    Examples
    --------
    >>> ax = icon_array({"false alarm": 4, "no alarm": 96}, ncols=10)
    >>> ax.get_legend().get_title().get_text()
    'each icon is one person'
    """
    if not isinstance(counts, dict) or not counts:
        raise ValueError(f"counts must be a non-empty dict of category -> count; got {type(counts).__name__}.")
    for name, n in counts.items():
        if isinstance(n, bool) or not isinstance(n, Integral) or n < 0:
            raise ValueError(f"counts[{name!r}] must be a non-negative integer; got {n!r}.")
    total = sum(int(n) for n in counts.values())
    if total == 0:
        raise ValueError("counts sum to zero; there is nothing to draw.")
    if total > max_icons:
        raise ValueError(f"counts sum to {total:,} icons, more than max_icons={max_icons:,}; "
                         "scale the counts down (e.g. per 10,000) or raise max_icons.")
    if ncols is None:
        ncols = int(np.ceil(1.5 * np.sqrt(total)))
    elif isinstance(ncols, bool) or not isinstance(ncols, Integral) or ncols < 1:
        raise ValueError(f"ncols must be a positive integer or None; got {ncols!r}.")
    if not isinstance(unit, str) or not unit.strip():
        raise ValueError(f"unit must be a non-empty string; got {unit!r}.")
    _check_ax(ax)

    ncols = min(int(ncols), total)
    nrows = -(-total // ncols)
    if ax is None:
        _, ax = plt.subplots(figsize=(min(0.25 * ncols + 1, 12), min(0.25 * nrows + 1, 10)))
    size = max(4.0, min(80.0, 4000.0 / max(ncols, nrows)))
    start = 0
    for i, (name, n) in enumerate(counts.items()):
        idx = np.arange(start, start + int(n))
        start += int(n)
        colour = PALETTE.get(name, PALETTE[_CYCLE_COLOURS[i % len(_CYCLE_COLOURS)]])
        ax.scatter(idx % ncols, -(idx // ncols), s=size, color=colour, edgecolors=PALETTE["black"],
                   linewidths=0.3, marker=_CYCLE_MARKERS[i % len(_CYCLE_MARKERS)], label=f"{name}: {n:,}")
    ax.set_xlim(-1, ncols)
    ax.set_ylim(-nrows, 1)
    ax.set_aspect("equal")
    ax.set_axis_off()
    if title is not None:
        ax.set_title(str(title))
    ax.legend(title=f"each icon is one {unit}", loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return ax
