"""The widget driver on a fixture notebook: it passes a working slider and catches a frozen one."""

from __future__ import annotations

import pytest

from labpage import check_slider_responds


@pytest.fixture(scope="module")
def fixture_page(lab_browser):
    notebook = lab_browser.open("fixtures/widget-fixture.ipynb")
    cells = notebook.run_through()
    return notebook, cells


def test_fixture_runs_without_errors(fixture_page):
    notebook, cells = fixture_page
    assert [cell.errors for cell in cells if cell.errors] == []
    assert notebook.visual_problems() == []
    assert [(s["id"], s["visible"]) for s in notebook.sliders()] == [("fixture-1", True), ("frozen-1", True)]


def test_a_slider_that_redraws_passes(fixture_page, artifacts):
    notebook, _ = fixture_page
    shots = check_slider_responds(notebook, "fixture-1", artifacts / "fixture")
    assert all(path.stat().st_size > 0 for path in shots)


def test_a_slider_that_does_not_redraw_is_reported(fixture_page, artifacts):
    notebook, _ = fixture_page
    with pytest.raises(AssertionError, match="bl-frozen-readout did not change"):
        check_slider_responds(notebook, "frozen-1", artifacts / "fixture")
