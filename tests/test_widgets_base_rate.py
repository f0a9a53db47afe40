"""BaseRateExplorer: do the counts follow the sliders, agree with the reference metrics, and redraw in place?"""

from __future__ import annotations

import math

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

from biometrics_lab import _rates
from biometrics_lab.widgets.base_rate import (
    CAPTION_CLASS, CATEGORIES, FIGURE_CLASS, READOUT_CLASS, SLIDER_CLASS, BaseRateExplorer, _count,
)

KEYBOARD_SLIDERS = (widgets.IntSlider, widgets.FloatSlider, widgets.SelectionSlider, widgets.FloatLogSlider)


@pytest.fixture
def explorer():
    return BaseRateExplorer(prevalence=1e-4, tpr=0.99, fmr=1e-3, gallery_size=1, population=100_000)


def _expected(values):
    false_alarm = _rates.fpir(values["fmr"], values["gallery_size"])
    counts = _rates.confusion_counts(values["population"], values["prevalence"], values["tpr"], false_alarm)
    return false_alarm, counts, _rates.ppv(values["prevalence"], values["tpr"], false_alarm)


def _options(slider):
    return [option[1] for option in slider.options]


def test_counts_agree_with_the_reference_metrics_across_slider_settings(explorer):
    """For settings spread over every slider, are the counts, FPIR and PPV those of biometrics_lab._rates?"""
    settings = [dict(), dict(prevalence=1e-6), dict(tpr=0.5), dict(fmr=1e-6, gallery_size=1000),
                dict(gallery_size=10_000_000, fmr=1e-3), dict(population=1000, prevalence=0.5, fmr=0.1)]
    for setting in settings:
        explorer.update(**setting)
        false_alarm, counts, ppv = _expected(explorer.values)
        assert explorer.false_alarm_rate == pytest.approx(false_alarm, rel=1e-12)
        assert explorer.counts == pytest.approx(counts, rel=1e-12)
        assert explorer.ppv == pytest.approx(ppv, rel=1e-12)
        assert sum(explorer.counts.values()) == pytest.approx(explorer.values["population"])


def test_moving_each_slider_changes_the_counts_and_the_readout(explorer):
    """Does a step of any slider (what an arrow key does) change the counts and the displayed text?"""
    for name, slider in explorer.sliders.items():
        before_counts, before_text = dict(explorer.counts), explorer.readout.value
        if isinstance(slider, widgets.SelectionSlider):
            options = _options(slider)
            slider.value = options[options.index(slider.value) + 1]
        else:
            slider.value = round(slider.value - 10 * slider.step, 6)
        assert explorer.counts != before_counts, name
        assert explorer.readout.value != before_text, name
        assert explorer.counts == pytest.approx(_expected(explorer.values)[1], rel=1e-12), name


def test_rarer_people_of_interest_mean_a_lower_ppv(explorer):
    """With TPR and FMR fixed, does the PPV fall as the prevalence falls (the base-rate effect)?"""
    ppvs = []
    for prevalence in (1e-2, 1e-3, 1e-4, 1e-5, 1e-6):
        explorer.update(prevalence=prevalence)
        ppvs.append(explorer.ppv)
    assert np.all(np.diff(ppvs) < 0), ppvs
    assert ppvs[-1] < 0.01 < ppvs[0]


def test_a_gallery_makes_false_alarms_fpir_not_n_times_fmr(explorer):
    """With N * FMR above 1, is the per-person false-alarm probability FPIR (at most 1), not N * FMR?"""
    explorer.update(fmr=1e-3, gallery_size=1)
    assert explorer.false_alarm_rate == pytest.approx(1e-3)
    explorer.update(fmr=1e-3, gallery_size=5000)
    assert 5000 * 1e-3 > 1
    assert explorer.false_alarm_rate == pytest.approx(1 - (1 - 1e-3) ** 5000) and explorer.false_alarm_rate <= 1
    assert "FPIR" in explorer.readout.value


def test_the_figure_is_updated_in_place(explorer, monkeypatch):
    """Does an update keep the figure, axes and icon collections, change their offsets, and skip a full redraw?"""
    figure, ax = explorer.figure, explorer.ax
    collections = list(ax.collections)
    offsets = [c.get_offsets().copy() for c in collections]
    image, caption = explorer.image.value, explorer.caption.value
    n_artists = len(ax.get_children())
    full_draws = []
    monkeypatch.setattr(figure.canvas, "draw", lambda *a, **k: full_draws.append(1))

    explorer.update(prevalence=1e-2)

    assert explorer.figure is figure and explorer.ax is ax and list(ax.collections) == collections
    assert len(ax.get_children()) == n_artists, "an update added or removed artists"
    assert [c.get_offsets().shape for c in collections] != [o.shape for o in offsets]
    assert not full_draws, "an update redrew the whole figure"
    assert explorer.caption.value != caption
    assert explorer.image.value != image and explorer.image.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_image_shows_what_a_full_redraw_of_the_figure_shows(explorer):
    """Is the blitted image, after several updates, pixel for pixel the figure drawn from scratch?"""
    import io

    import PIL.Image

    for setting in (dict(prevalence=1e-2), dict(fmr=1e-6, gallery_size=450_000), dict(population=1000)):
        explorer.update(**setting)
    shown = np.asarray(PIL.Image.open(io.BytesIO(explorer.image.value)).convert("RGBA"))
    buffer = io.BytesIO()
    explorer.figure.savefig(buffer, format="png", dpi=explorer.figure.dpi)
    fresh = np.asarray(PIL.Image.open(buffer).convert("RGBA"))
    assert shown.shape == fresh.shape
    assert np.array_equal(shown, fresh)


def test_the_image_is_shown_at_its_pixel_size(explorer):
    """Is the Image given the PNG's own width and height, so that the browser does not stretch (and blur) it?"""
    import io

    import PIL.Image

    for setting in (dict(), dict(prevalence=1e-2, gallery_size=100)):
        explorer.update(**setting)
        width, height = PIL.Image.open(io.BytesIO(explorer.image.value)).size
        assert (explorer.image.layout.width, explorer.image.layout.height) == (f"{width}px", f"{height}px")
    assert width >= 700, "too few pixels to read the legend when shown at this size"


def test_icons_show_the_counts_at_the_stated_scale(explorer):
    """Does each category get round(count / per_icon) icons, within max_icons, drawn at distinct places?"""
    for setting in (dict(), dict(prevalence=1e-2, population=10_000_000), dict(fmr=0.5, gallery_size=2)):
        explorer.update(**setting)
        keys = {"true alarm": "tp", "false alarm": "fp", "missed": "fn"}
        for name in CATEGORIES:
            assert abs(explorer.icons[name] * explorer.per_icon - explorer.counts[keys[name]]) <= explorer.per_icon
        assert sum(explorer.icons.values()) <= explorer.max_icons
        shown = np.concatenate([c.get_offsets() for c in explorer.ax.collections])
        assert len(shown) == sum(explorer.icons.values())
        assert len(np.unique(shown, axis=0)) == len(shown), "two icons drawn on the same place"
        assert f"Each icon is {'one person' if explorer.per_icon == 1 else f'{explorer.per_icon:,} people'}" in (
            explorer.caption.value)
        for name in CATEGORIES:
            assert f"{name} ({_count(explorer.counts[keys[name]])}" in explorer.caption.value


def test_every_control_is_a_keyboard_operable_slider_with_its_css_class(explorer):
    """Are all controls slider widgets (focusable, moved by arrow keys) carrying the classes the browser tests use?"""
    assert set(explorer.sliders) == {"prevalence", "tpr", "fmr", "gallery_size", "population"}
    for name, slider in explorer.sliders.items():
        assert isinstance(slider, KEYBOARD_SLIDERS), name
        assert SLIDER_CLASS in slider._dom_classes, name
        assert slider.description, name
        assert not slider.disabled, name
    assert READOUT_CLASS in explorer.readout._dom_classes
    assert CAPTION_CLASS in explorer.caption._dom_classes
    assert FIGURE_CLASS in explorer.image._dom_classes
    shown = explorer.widget.children
    assert all(slider in shown for slider in explorer.sliders.values())
    assert explorer.readout in shown and explorer.caption in shown and explorer.image in shown
    assert 'aria-live="polite"' in explorer.readout.value


def test_prevalence_and_fmr_sliders_are_logarithmic(explorer):
    """Do the prevalence and FMR sliders step by a constant factor (a log scale), over several decades?"""
    for name in ("prevalence", "fmr"):
        options = np.array(_options(explorer.sliders[name]))
        assert options.max() / options.min() >= 1e5, name
        steps = np.diff(np.log10(options))
        assert steps.max() <= 0.5 and steps.min() > 0, name


def test_starting_values_off_the_grid_are_kept_exactly():
    """Is a case-study value (e.g. a gallery of 450,000 or 1 in 6,000) offered exactly, not rounded to the grid?"""
    explorer = BaseRateExplorer(prevalence=1 / 6000, fmr=1 / 6000, gallery_size=450_000, population=170_000)
    assert explorer.values == pytest.approx(dict(prevalence=1 / 6000, tpr=0.99, fmr=1 / 6000,
                                                 gallery_size=450_000, population=170_000))
    assert "1 in 6,000" in [option[0] for option in explorer.sliders["fmr"].options]


def test_update_snaps_to_the_nearest_option_and_refreshes_once(explorer, monkeypatch):
    """Does update() move a selection slider to the nearest option (log scale) and redraw only once?"""
    calls = []
    original = explorer._draw
    monkeypatch.setattr(explorer, "_draw", lambda: (calls.append(1), original()))
    explorer.update(prevalence=1.4e-5, gallery_size=30, population=9000)
    assert explorer.values["prevalence"] == pytest.approx(1e-5)
    assert explorer.values["gallery_size"] == 20  # |log 30 - log 20| < |log 50 - log 30|
    assert explorer.values["population"] == 10_000
    assert len(calls) == 1


@pytest.mark.parametrize("kwargs, match", [
    (dict(prevalence=0), "prevalence"), (dict(tpr=99.9), "tpr"), (dict(fmr=-1e-3), "fmr"),
    (dict(gallery_size=0), "gallery_size"), (dict(population=2.5), "population"), (dict(tpr=True), "tpr"),
])
def test_bad_arguments_are_refused_with_their_name(kwargs, match):
    with pytest.raises(ValueError, match=match):
        BaseRateExplorer(**kwargs)


def test_update_refuses_unknown_sliders(explorer):
    with pytest.raises(ValueError, match="unknown slider"):
        explorer.update(threshold=0.5)


def test_no_alarm_at_all_is_reported_not_divided_by_zero():
    """With TPR 0 and almost no false alarms, is the readout sensible (no alarm, no icons, no crash)?"""
    explorer = BaseRateExplorer(prevalence=1e-7, tpr=0.0, fmr=1e-9, population=100)
    assert sum(explorer.icons.values()) == 0
    assert "less than one" in explorer.caption.value
    explorer.update(tpr=0.5)
    assert explorer.ppv == pytest.approx(_expected(explorer.values)[2])
    assert not math.isnan(explorer.ppv)


def test_no_pyplot_figure_is_left_for_the_notebook_to_show_twice():
    """Does the explorer draw off screen, leaving pyplot's list of open figures unchanged?"""
    before = plt.get_fignums()
    BaseRateExplorer()
    assert plt.get_fignums() == before


def test_displaying_the_explorer_displays_its_widget(explorer):
    bundle = explorer._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == explorer.widget.model_id


def test_a_category_rounded_away_is_flagged_in_the_caption(explorer):
    """When rounding leaves an expected count of at least half a person without an icon, does the caption say so?"""
    explorer.update(prevalence=1e-4, tpr=0.999, fmr=1e-6, gallery_size=450_000, population=100_000)
    assert explorer.per_icon > 2 * explorer.counts["tp"] >= 1 and explorer.icons["true alarm"] == 0
    note = "fewer than half an icon: not drawn"
    assert f"true alarm (9.99, {note})" in explorer.caption.value
    assert explorer.caption.value.count(note) == 1, "only the true alarms are hidden by rounding here"
    explorer.update(gallery_size=1)
    assert explorer.icons["true alarm"] > 0 and note not in explorer.caption.value


def test_the_caption_names_the_colours_and_markers_the_icons_have(explorer):
    """Does the caption's key ("blue circles: true alarm") describe how icon_array actually drew each category?"""
    from matplotlib.colors import to_hex
    from matplotlib.markers import MarkerStyle

    from biometrics_lab.plots import PALETTE
    from biometrics_lab.widgets.base_rate import _LOOKS

    colours = {"blue": PALETTE["blue"], "orange-red": PALETTE["vermillion"], "green": PALETTE["bluish green"]}
    shapes = {"circles": "o", "squares": "s", "triangles": "^"}
    legend = explorer.ax.get_legend()
    for name, handle, text in zip(CATEGORIES, legend.legend_handles, legend.get_texts()):
        colour, shape = _LOOKS[name].split()
        assert text.get_text() == name
        assert to_hex(handle.get_facecolor()[0]) == to_hex(colours[colour]), name
        marker = MarkerStyle(shapes[shape])
        expected = marker.get_path().transformed(marker.get_transform()).vertices
        assert np.allclose(handle.get_paths()[0].vertices, expected), name
        assert _LOOKS[name] in explorer.caption.value.lower()
