"""Tests for biometrics_lab.plots: the right objects, labelled axes, clear errors."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from biometrics_lab import plots  # noqa: E402

OKABE_ITO = {"#000000", "#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7",
             "#999999"}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def scores():
    rng = np.random.default_rng(0)
    return rng.normal(0.8, 0.08, 300), rng.normal(0.1, 0.2, 3000)


def test_palette_is_okabe_ito_and_has_the_roles():
    for role in ("genuine", "impostor", "threshold", "group A", "group B"):
        assert role in plots.PALETTE
    assert {to_hex(c) for c in plots.PALETTE.values()} <= OKABE_ITO
    assert plots.PALETTE["genuine"] != plots.PALETTE["impostor"]
    assert plots.PALETTE["group A"] != plots.PALETTE["group B"]


def test_importing_plots_leaves_rcparams_alone():
    import importlib

    before = dict(matplotlib.rcParams)
    importlib.reload(plots)
    assert dict(matplotlib.rcParams) == before


# ---------------------------------------------------------------- score_histograms
def test_score_histograms_returns_labelled_axes_with_legend(scores):
    ax = plots.score_histograms(*scores)
    assert isinstance(ax, Axes)
    assert ax.get_xlabel() == "comparison score (cosine similarity)"
    assert ax.get_ylabel()
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("genuine" in t for t in texts) and any("impostor" in t for t in texts)


def test_score_histograms_reads_in_grey(scores):
    """Do the two sets differ by hatching and line style, not only by colour?"""
    ax = plots.score_histograms(*scores)
    gen, imp = ax.patches[0], ax.patches[1]
    assert gen.get_hatch() and imp.get_hatch() and gen.get_hatch() != imp.get_hatch()
    assert gen.get_linestyle() != imp.get_linestyle()
    assert to_hex(gen.get_edgecolor()) == plots.PALETTE["genuine"].lower()


def test_score_histograms_threshold_line_is_labelled(scores):
    ax = plots.score_histograms(*scores, threshold=0.5)
    assert [line.get_xdata()[0] for line in ax.get_lines()] == [0.5]
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("threshold = 0.5" in t for t in texts)


def test_score_histograms_density_integrates_to_one(scores):
    ax = plots.score_histograms(*scores, bins=20)
    # each stepfilled polygon's area is the histogram's integral
    for patch in ax.patches[:2]:
        xy = patch.get_xy()
        x, y = xy[:, 0], xy[:, 1]
        area = 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))
        assert area == pytest.approx(1.0, rel=1e-6)


def test_score_histograms_counts_label_and_custom_xlabel(scores):
    ax = plots.score_histograms(*scores, density=False, xlabel="score (Euclidean distance, px)")
    assert ax.get_ylabel() == "number of comparisons"
    assert ax.get_xlabel() == "score (Euclidean distance, px)"


def test_score_histograms_draws_into_given_axes(scores):
    fig, ax = plt.subplots()
    assert plots.score_histograms(*scores, ax=ax) is ax


@pytest.mark.parametrize("kwargs, match", [
    ({"genuine": []}, "genuine is empty"),
    ({"impostor": [[0.1, 0.2]]}, "impostor must be 1-D"),
    ({"genuine": [0.1, np.nan]}, "genuine contains NaN"),
    ({"threshold": "0.5"}, "threshold must be a finite number"),
    ({"threshold": np.inf}, "threshold must be a finite number"),
    ({"bins": 0}, "bins must be"),
    ({"bins": [0.5, 0.2]}, "bins must be"),
    ({"ax": "axes"}, "ax must be a matplotlib Axes"),
    ({"xlabel": ""}, "xlabel must be"),
])
def test_score_histograms_rejects_bad_input(scores, kwargs, match):
    args = {"genuine": scores[0], "impostor": scores[1], **kwargs}
    with pytest.raises(ValueError, match=match):
        plots.score_histograms(args.pop("genuine"), args.pop("impostor"), **args)


# ---------------------------------------------------------------- face_grid
def test_face_grid_returns_figure_with_one_image():
    faces = np.random.default_rng(1).integers(0, 256, (23, 48, 48), dtype=np.uint8)
    fig = plots.face_grid(faces, ncols=10, titles=[f"id {i}" for i in range(23)])
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    (image,) = ax.get_images()
    mosaic = image.get_array()
    # 3 rows of 10 columns; the first tile is the first face, unscaled
    assert mosaic.shape[1] > 10 * 48 and mosaic.shape[0] > 3 * 48
    assert image.get_clim() == (0, 255)
    assert len(ax.texts) == 23 and ax.texts[0].get_text() == "id 0"


def test_face_grid_keeps_every_face():
    faces = np.arange(6 * 4 * 4, dtype=float).reshape(6, 4, 4)
    fig = plots.face_grid(faces, ncols=4)
    mosaic = np.ma.filled(fig.axes[0].get_images()[0].get_array(), np.nan)
    values = mosaic[np.isfinite(mosaic)]
    assert sorted(values) == sorted(faces.ravel())


def test_face_grid_draws_into_given_axes():
    fig, ax = plt.subplots()
    assert plots.face_grid(np.zeros((3, 8, 8)), ax=ax) is fig


@pytest.mark.parametrize("images, kwargs, match", [
    (np.zeros((2, 3, 4, 5)), {}, "images must have shape"),
    (np.zeros((0, 48, 48)), {}, "images is empty"),
    (np.zeros((3, 8, 8)), {"ncols": 0}, "ncols must be a positive integer"),
    (np.zeros((3, 8, 8)), {"ncols": 2.5}, "ncols must be a positive integer"),
    (np.zeros((3, 8, 8)), {"titles": ["a"]}, "titles must have one entry per image"),
    (np.zeros((3, 8, 8)), {"ax": 1}, "ax must be a matplotlib Axes"),
])
def test_face_grid_rejects_bad_input(images, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plots.face_grid(images, **kwargs)


# ---------------------------------------------------------------- image_pair
def test_image_pair_returns_figure_with_titles_and_shared_scale():
    fig = plots.image_pair(np.zeros((48, 48)), np.full((48, 48), 10.0))
    assert isinstance(fig, Figure)
    assert [a.get_title() for a in fig.axes] == ["capture", "reconstruction from template"]
    clims = {a.get_images()[0].get_clim() for a in fig.axes}
    assert clims == {(0.0, 10.0)}


@pytest.mark.parametrize("left, right, kwargs, match", [
    (np.zeros((2, 48, 48)), np.zeros((48, 48)), {}, "left must be a 2-D"),
    (np.zeros((48, 48)), np.zeros(48), {}, "right must be a 2-D"),
    (np.zeros((48, 48)), np.zeros((48, 48)), {"titles": "one"}, "titles must be two strings"),
    (np.zeros((48, 48)), np.zeros((48, 48)), {"ax": 3}, "ax must be None or a sequence of two"),
])
def test_image_pair_rejects_bad_input(left, right, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plots.image_pair(left, right, **kwargs)


# ---------------------------------------------------------------- det_curve
@pytest.fixture
def rates():
    from scipy.stats import norm

    t = np.linspace(-4, 8, 100)
    return norm.sf(t), norm.cdf(t - 3)


def test_det_curve_uses_probit_axes_with_percent_ticks(rates):
    from scipy.stats import norm

    ax = plots.det_curve(*rates, label="d' = 3")
    assert isinstance(ax, Axes)
    assert "FMR" in ax.get_xlabel() and "normal-deviate" in ax.get_xlabel()
    assert "FNMR" in ax.get_ylabel()
    labels = [t.get_text() for t in ax.get_xticklabels()]
    positions = list(ax.get_xticks())
    assert "1%" in labels
    assert positions[labels.index("1%")] == pytest.approx(norm.ppf(0.01))
    assert ax.get_xlim() == pytest.approx((norm.ppf(1e-5), norm.ppf(0.5)))
    # equal-variance Gaussian scores give a straight line of slope -1 on these axes
    x, y = ax.get_lines()[0].get_data()
    inside = (x > norm.ppf(1e-4)) & (y > norm.ppf(1e-4))
    assert np.allclose(x[inside] + y[inside], -3)
    assert ax.get_legend() is not None


def test_det_curve_overlays_distinct_curves(rates):
    ax = plots.det_curve(*rates, label="group A", role="group A")
    plots.det_curve(rates[0], rates[1] ** 2, label="group B", role="group B", ax=ax)
    first, second = ax.get_lines()[:2]
    assert to_hex(first.get_color()) == plots.PALETTE["group A"].lower()
    assert first.get_linestyle() != second.get_linestyle()
    # without roles, curves still differ in colour and style
    ax2 = plots.det_curve(*rates)
    plots.det_curve(*rates, ax=ax2)
    a, b = ax2.get_lines()[:2]
    assert a.get_color() != b.get_color() and a.get_linestyle() != b.get_linestyle()


def test_det_curve_names_rates_by_kind(rates):
    assert "FPIR" in plots.det_curve(*rates, kind="identification").get_xlabel()
    assert "FRR" in plots.det_curve(*rates, kind="decision").get_ylabel()


def test_det_curve_keeps_rates_of_zero_finite():
    ax = plots.det_curve([1.0, 0.1, 0.0], [0.0, 0.1, 1.0])
    x, y = ax.get_lines()[0].get_data()
    assert np.all(np.isfinite(x)) and np.all(np.isfinite(y))


@pytest.mark.parametrize("kwargs, match", [
    ({"fmr": [0.1, 50.0]}, "fmr must hold rates between 0 and 1"),
    ({"fnmr": [[0.1]]}, "fnmr must be a non-empty 1-D"),
    ({"fnmr": [0.1, 0.2, 0.3]}, "same length"),
    ({"kind": "verification"}, "kind must be one of"),
    ({"limits": (0.0, 0.5)}, "limits must satisfy"),
    ({"role": "group C"}, "role must be one of the PALETTE keys"),
])
def test_det_curve_rejects_bad_input(kwargs, match):
    args = {"fmr": [0.1, 0.01], "fnmr": [0.01, 0.1], **kwargs}
    with pytest.raises(ValueError, match=match):
        plots.det_curve(args.pop("fmr"), args.pop("fnmr"), **args)


# ---------------------------------------------------------------- icon_array
def test_icon_array_draws_one_icon_per_unit_with_distinct_shapes():
    counts = {"true alarm": 1, "false alarm": 36, "no alarm": 963}
    ax = plots.icon_array(counts, title="1,000 searches")
    sizes = [len(c.get_offsets()) for c in ax.collections]
    assert sizes == [1, 36, 963]
    shapes = {tuple(map(tuple, c.get_paths()[0].vertices.round(3))) for c in ax.collections}
    assert len(shapes) == 3
    legend = ax.get_legend()
    assert legend.get_title().get_text() == "each icon is one person"
    assert [t.get_text() for t in legend.get_texts()] == ["true alarm: 1", "false alarm: 36", "no alarm: 963"]
    assert ax.get_title() == "1,000 searches"


def test_icon_array_uses_palette_roles():
    ax = plots.icon_array({"group A": 3, "group B": 2})
    colours = [to_hex(c.get_facecolor()[0]) for c in ax.collections]
    assert colours == [plots.PALETTE["group A"].lower(), plots.PALETTE["group B"].lower()]


@pytest.mark.parametrize("counts, kwargs, match", [
    ({}, {}, "counts must be a non-empty dict"),
    ([1, 2], {}, "counts must be a non-empty dict"),
    ({"a": -1}, {}, r"counts\['a'\] must be a non-negative integer"),
    ({"a": 1.5}, {}, r"counts\['a'\] must be a non-negative integer"),
    ({"a": 0}, {}, "counts sum to zero"),
    ({"a": 30000}, {}, "more than max_icons"),
    ({"a": 3}, {"ncols": 0}, "ncols must be a positive integer"),
    ({"a": 3}, {"unit": ""}, "unit must be a non-empty string"),
])
def test_icon_array_rejects_bad_input(counts, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plots.icon_array(counts, **kwargs)
