"""GroupThresholdExplorer: per-group rates, shared and per-group thresholds, in-place updates.

Timings are not asserted here; ``bench/bench_widget_groups.py`` measures the
callback against its 50 ms budget.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import pytest
from scipy.stats import norm

from biometrics_lab import _rates
from biometrics_lab.widgets.groups import GroupThresholdExplorer


@pytest.fixture
def scores():
    rng = np.random.default_rng(3)
    genuine = {"A": rng.normal(0.75, 0.1, 400), "B": rng.normal(0.8, 0.1, 300)}
    impostor = {"A": rng.normal(0.0, 0.2, 6000), "B": rng.normal(0.25, 0.2, 5000)}
    return genuine, impostor


@pytest.fixture
def explorer(scores):
    made = GroupThresholdExplorer(*scores, threshold=0.55)
    yield made
    made.close()


def test_rates_follow_the_match_rule_and_count_per_group(scores, explorer):
    """Are each group's FMR and FNMR those of its own scores, with a match when score >= threshold?"""
    genuine, impostor = scores
    # Put a score exactly on the threshold: it must count as a match.
    t = float(impostor["B"][7])
    rates = explorer.update(t)
    for g in "AB":
        fmr, fnmr = _rates.fmr_fnmr(genuine[g], impostor[g], t)
        assert rates[g]["fmr"] == pytest.approx(fmr) and rates[g]["fnmr"] == pytest.approx(fnmr)
        assert rates[g]["false_matches"] == int(np.sum(impostor[g] >= t))
        assert rates[g]["false_non_matches"] == int(np.sum(genuine[g] < t))
        assert rates[g]["impostor_comparisons"] == len(impostor[g])
        assert rates[g]["fmr_interval"] == pytest.approx(
            _rates.clopper_pearson(rates[g]["false_matches"], len(impostor[g])))
    assert rates["B"]["fmr"] > rates["A"]["fmr"]


def test_shared_slider_sets_every_group_and_hides_the_group_sliders(explorer):
    """In shared mode, does one slider move every group's threshold, with the per-group sliders hidden?"""
    explorer.slider.value = 0.6
    assert not explorer.per_group
    assert explorer.thresholds == {"A": pytest.approx(0.6), "B": pytest.approx(0.6)}
    assert explorer.slider.layout.display is None
    assert all(s.layout.display == "none" for s in explorer.sliders.values())
    # Group sliders do nothing in shared mode.
    explorer.sliders["B"].value = 0.7
    assert explorer.thresholds["B"] == pytest.approx(0.6)


def test_per_group_mode_starts_at_the_shared_threshold_and_moves_groups_independently(explorer):
    explorer.slider.value = 0.6
    explorer.mode.value = explorer.mode.options[1]
    assert explorer.per_group and explorer.thresholds == {"A": pytest.approx(0.6), "B": pytest.approx(0.6)}
    assert explorer.slider.layout.display == "none"
    explorer.sliders["B"].value = 0.7
    assert explorer.thresholds == {"A": pytest.approx(0.6), "B": pytest.approx(0.7)}
    # Back to shared: every group takes the shared slider's value.
    explorer.mode.value = explorer.mode.options[0]
    assert explorer.thresholds["A"] == explorer.thresholds["B"]


def test_update_with_a_dict_or_a_group_switches_to_per_group(explorer):
    rates = explorer.update({"A": 0.5, "B": 0.72})
    assert explorer.per_group and rates["A"]["threshold"] == pytest.approx(0.5)
    assert rates["B"]["threshold"] == pytest.approx(0.72)
    explorer.update(0.6)
    assert not explorer.per_group and explorer.thresholds["B"] == pytest.approx(0.6)
    explorer.update(0.65, group="A")
    assert explorer.per_group and explorer.thresholds == {"A": pytest.approx(0.65), "B": pytest.approx(0.6)}
    with pytest.raises(ValueError, match="unknown group"):
        explorer.update(0.5, group="C")


def test_markers_move_in_place_to_each_groups_operating_point(explorer):
    """Does a move change the marker artists' data (probit of the rates) without adding artists?"""
    artists = list(explorer.axes.get_lines())
    markers = dict(explorer._markers)
    before = explorer.image.value
    rates = explorer.update(0.62)
    assert list(explorer.axes.get_lines()) == artists and explorer._markers == markers
    for g, marker in markers.items():
        x, y = marker.get_data()
        assert x[0] == pytest.approx(norm.ppf(rates[g]["fmr"]))
        assert y[0] == pytest.approx(norm.ppf(rates[g]["fnmr"]))
    assert explorer.image.value != before and explorer.image.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_readout_reports_counts_intervals_and_the_fmr_ratio(explorer):
    rates = explorer.update(0.6)
    text = explorer.readout.value
    for g in "AB":
        assert f"{rates[g]['false_matches']:,} / {rates[g]['impostor_comparisons']:,}" in text
        assert f"{rates[g]['false_non_matches']:,} / {rates[g]['genuine_comparisons']:,}" in text
    assert "95% interval" in text and "score ≥ threshold" in text
    assert f"{rates['B']['fmr'] / rates['A']['fmr']:.1f}×" in text
    explorer.update(10.0)  # clamped to the slider's maximum: no false match in either group
    assert "undefined" in explorer.readout.value


def test_controls_are_keyboard_operable_and_carry_the_browser_test_classes(explorer):
    """Sliders and toggle buttons take focus and arrow keys; the browser tests find them by CSS class."""
    for s in (explorer.slider, *explorer.sliders.values()):
        assert isinstance(s, widgets.FloatSlider) and "bl-group-slider" in s._dom_classes
        assert s.description
    assert isinstance(explorer.mode, widgets.ToggleButtons)
    assert "bl-group-readout" in explorer.readout._dom_classes and "bl-group-figure" in explorer.image._dom_classes
    assert "aria-live" in explorer.readout.value
    # About 500 keyboard steps across the range (arrow keys one step, Page Up/Down five).
    assert 200 <= (explorer.slider.max - explorer.slider.min) / explorer.slider.step <= 1000
    assert explorer.slider in explorer.widget.children and explorer.readout in explorer.widget.children


def test_figure_labels_axes_and_draws_one_det_curve_per_group(explorer):
    ax = explorer.axes
    assert "FMR" in ax.get_xlabel() and "FNMR" in ax.get_ylabel() and "normal-deviate" in ax.get_xlabel()
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels.count("group A") == 1 and labels.count("group B") == 1
    assert "group B: operating point" in labels


@pytest.mark.parametrize("kwargs,match", [
    (dict(genuine={}, impostor={}), "non-empty dicts"),
    (dict(genuine={"A": [0.5]}, impostor={"B": [0.1]}), "same groups"),
    (dict(genuine={"A": [0.5]}, impostor={"A": []}), r"impostor\['A'\]"),
    (dict(genuine={"A": [0.5, np.nan]}, impostor={"A": [0.1]}), "NaN"),
    (dict(genuine={"A": [0.5]}, impostor={"A": [0.1]}, confidence=1.5), "confidence"),
    (dict(genuine={"A": [0.5]}, impostor={"A": [0.1]}, threshold={"B": 0.3}), "one value per group"),
])
def test_bad_arguments_fail_early_naming_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GroupThresholdExplorer(**kwargs)


def test_default_threshold_gives_pooled_fmr_at_most_one_in_a_thousand(scores):
    explorer = GroupThresholdExplorer(*scores)
    genuine, impostor = scores
    pooled = np.concatenate(list(impostor.values()))
    t = explorer.thresholds["A"]
    assert not explorer.per_group and np.mean(pooled >= t) <= 1e-3 + 1e-12
    explorer.close()


def test_from_comparisons_keeps_same_group_impostor_pairs_only():
    """Does a group's impostor set leave out cross-group pairs, and its genuine set hold its probes' mated scores?"""
    scores = np.array([[0.90, 0.40, 0.80, 0.20],
                       [0.30, 0.88, 0.70, 0.10],
                       [0.50, 0.95, 0.86, 0.60],
                       [0.99, 0.20, 0.65, 0.84]])
    mated = np.eye(4, dtype=bool)
    groups = ["A", "A", "B", "B"]
    explorer = GroupThresholdExplorer.from_comparisons(scores, mated, groups, groups, threshold=0.5)
    assert explorer.groups == ["A", "B"]
    assert explorer.genuine["A"].tolist() == [0.88, 0.9] and explorer.genuine["B"].tolist() == [0.84, 0.86]
    # Cross-group pairs (0.8, 0.7, 0.95, 0.99, ...) are not any group's impostors.
    assert explorer.impostor["A"].tolist() == [0.3, 0.4] and explorer.impostor["B"].tolist() == [0.6, 0.65]
    with pytest.raises(ValueError, match="one shape"):
        GroupThresholdExplorer.from_comparisons(scores, mated[:3], groups, groups)
    explorer.close()


def test_thresholds_sit_on_a_slider_step_so_keyboard_moves_return_to_them(explorer):
    """Is every threshold set from Python a whole number of steps above its slider's minimum?

    The browser moves a slider in whole steps from its minimum: a value off that grid
    would not come back after a few arrow presses one way and back.
    """
    explorer.update({"A": 0.61234567, "B": 0.7521})
    explorer.update(0.68507874)
    for s in (explorer.slider, *explorer.sliders.values()):
        k = (s.value - s.min) / s.step
        assert abs(k - round(k)) < 1e-6 and s.min <= s.value <= s.max
        assert s.min - explorer._low < s.step
    assert explorer.thresholds["A"] == pytest.approx(0.68507874, abs=1e-12)
    explorer.mode.value = explorer.mode.options[1]  # copied into the group sliders, on their grids too
    s = explorer.sliders["B"]
    fraction = (s.value - s.min) / s.step % 1
    assert s.value == pytest.approx(0.68507874) and min(fraction, 1 - fraction) < 1e-6


def test_off_scale_operating_points_stay_on_the_edge_of_the_axes(explorer):
    """Is a marker whose rate lies outside the DET axes drawn on their edge rather than left out?"""
    explorer.update(10.0)  # the top of the range: FNMR near 1, FMR 0 — both beyond the axes
    (x_lo, x_hi), (y_lo, y_hi) = explorer.axes.get_xlim(), explorer.axes.get_ylim()
    for marker in explorer._markers.values():
        x, y = marker.get_data()
        assert x_lo <= x[0] <= x_hi and y_lo <= y[0] <= y_hi
        assert not marker.get_clip_on()


def test_image_is_shown_at_its_pixel_size(explorer):
    """The browser must not stretch the figure: the Image's layout is the PNG's own width and height."""
    import PIL.Image
    import io as _io

    width, height = PIL.Image.open(_io.BytesIO(explorer.image.value)).size
    assert explorer.image.layout.width == f"{width}px" and explorer.image.layout.height == f"{height}px"
