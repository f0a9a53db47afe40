"""Behaviour of biometrics_lab.widgets.threshold.ThresholdExplorer (no browser; see tests/browser/)."""

import ipywidgets as widgets
import numpy as np
import pytest

from biometrics_lab import _rates
from biometrics_lab.widgets.threshold import FIGURE_CLASS, READOUT_CLASS, SLIDER_CLASS, ThresholdExplorer

GENUINE = np.array([0.55, 0.6, 0.7, 0.7, 0.8, 0.9])
IMPOSTOR = np.array([0.1, 0.2, 0.3, 0.6, 0.6, 0.7])


@pytest.fixture
def explorer():
    return ThresholdExplorer(GENUINE, IMPOSTOR, threshold=0.5, crossings=100_000, impostor_attempts=1_000)


@pytest.fixture(scope="module")
def large():
    rng = np.random.default_rng(7)
    return rng.normal(0.65, 0.07, 10_000), rng.normal(0.0, 0.1, 1_000_000)


def test_widget_has_a_keyboard_slider_and_css_classes(explorer):
    assert isinstance(explorer.slider, widgets.FloatSlider)  # focusable; arrow keys move it
    assert SLIDER_CLASS in explorer.slider._dom_classes
    assert READOUT_CLASS in explorer.readout._dom_classes
    assert FIGURE_CLASS in explorer.image._dom_classes
    assert explorer.slider in explorer.widget.children and explorer.readout in explorer.widget.children
    assert "application/vnd.jupyter.widget-view+json" in explorer._repr_mimebundle_()


@pytest.mark.parametrize("threshold", [0.0, 0.3, 0.55, 0.6, 0.65, 0.7, 0.75, 0.85, 0.9])
def test_rates_agree_with_the_reference_including_ties(explorer, threshold):
    explorer.update(threshold)
    assert (explorer.fmr, explorer.fnmr) == pytest.approx(_rates.fmr_fnmr(GENUINE, IMPOSTOR, threshold), abs=1e-15)


def test_moving_the_slider_changes_values_and_readout(explorer):
    before = (explorer.fmr, explorer.fnmr, explorer.readout.value, explorer.image.value)
    explorer.slider.value = 0.75  # as a keyboard or mouse move does
    assert explorer.threshold == pytest.approx(0.75, abs=explorer.slider.step)
    assert explorer.fmr < before[0] and explorer.fnmr > before[1]
    assert explorer.readout.value != before[2]
    assert explorer.image.value != before[3] and bytes(explorer.image.value).startswith(b"\x89PNG")
    assert (explorer.fmr, explorer.fnmr) == pytest.approx(_rates.fmr_fnmr(GENUINE, IMPOSTOR, explorer.threshold))


def test_day_at_the_gate_counts(explorer):
    explorer.update(0.65)
    fmr, fnmr = _rates.fmr_fnmr(GENUINE, IMPOSTOR, 0.65)
    assert explorer.counts["rejected"] == pytest.approx(100_000 * fnmr)
    assert explorer.counts["impostors_passed"] == pytest.approx(1_000 * fmr)
    assert explorer.counts["inspection_hours"] == pytest.approx(100_000 * fnmr * 5 / 60)
    assert f"{100_000 * fnmr:,.0f}" in explorer.readout.value


def test_fta_turns_fmr_fnmr_into_far_frr():
    explorer = ThresholdExplorer(GENUINE, IMPOSTOR, threshold=0.65, fta=0.1)
    far, frr = _rates.far_frr(explorer.fmr, explorer.fnmr, 0.1)
    assert (explorer.far, explorer.frr) == pytest.approx((far, frr))
    assert explorer.counts["rejected"] == pytest.approx(100_000 * frr)
    assert "FTA" in explorer.readout.value


def test_artists_are_updated_not_recreated(explorer):
    line, accept, reject = explorer._line, explorer._accept, explorer._reject
    n_lines, n_patches, n_texts = len(explorer.ax.lines), len(explorer.ax.patches), len(explorer.ax.texts)
    figure = explorer.figure
    for value in (0.2, 0.62, 0.81):
        explorer.update(value)
    assert explorer._line is line and explorer._accept is accept and explorer._reject is reject
    assert explorer.figure is figure
    assert (len(explorer.ax.lines), len(explorer.ax.patches), len(explorer.ax.texts)) == (n_lines, n_patches, n_texts)
    assert line.get_xdata()[0] == pytest.approx(0.81)
    assert accept.get_x() == pytest.approx(0.81) and reject.get_x() + reject.get_width() == pytest.approx(0.81)
    assert "0.8100" in explorer.readout.value


def test_large_score_set_agrees_with_the_reference(large):
    genuine, impostor = large
    explorer = ThresholdExplorer(genuine, impostor)
    for value in (0.3, 0.42, 0.4753):
        explorer.update(value)
        assert (explorer.fmr, explorer.fnmr) == pytest.approx(_rates.fmr_fnmr(genuine, impostor, value), abs=1e-15)


def test_update_clips_to_the_slider_range(explorer):
    explorer.update(5.0)
    assert explorer.threshold == explorer.slider.max
    assert explorer.fmr == 0.0


@pytest.mark.parametrize("bad", [dict(genuine=[]), dict(impostor=[0.1, np.nan]), dict(fta=1.5),
                                 dict(crossings=0), dict(threshold=float("nan"))])
def test_bad_arguments_fail_with_the_argument_named(bad):
    kwargs = {"genuine": GENUINE, "impostor": IMPOSTOR, **bad}
    name = next(iter(bad))
    with pytest.raises(ValueError, match=name):
        ThresholdExplorer(kwargs.pop("genuine"), kwargs.pop("impostor"), **kwargs)


def test_starting_threshold_is_on_the_slider_grid_and_snap_echoes_are_ignored():
    explorer = ThresholdExplorer(GENUINE, IMPOSTOR, threshold=0.6543)
    steps = (0.6543 - explorer.slider.min) / explorer.slider.step
    assert abs(steps - round(steps)) < 1e-6  # the browser's snapping leaves it where it is
    assert explorer.slider.min <= min(IMPOSTOR) and explorer.slider.max == max(GENUINE)
    explorer.update(0.70005)
    explorer.slider.value = 0.70005 + explorer.slider.step / 3  # the browser sends back the snapped value
    assert explorer.threshold == 0.70005
    explorer.slider.value = 0.70005 + explorer.slider.step  # one keyboard step
    assert explorer.threshold == pytest.approx(0.70005 + explorer.slider.step)


def test_image_is_shown_at_its_pixel_size(explorer):
    import io

    from PIL import Image

    width, height = Image.open(io.BytesIO(bytes(explorer.image.value))).size
    assert (explorer.image.layout.width, explorer.image.layout.height) == (f"{width}px", f"{height}px")
