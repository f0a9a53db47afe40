"""The test machinery on a fixture notebook whose faults are known (tests/browser/fixtures/fixture.ipynb).

It holds an unanswered question (stub and check cell), a figure, a figure
that waits for the answer, a slider that redraws and one that does not, a
locked cell that fails on purpose and a last cell. The checks used on the labs
must pass what works here and report what does not.
"""

from __future__ import annotations

import pytest

from sliders import Sliders, check_slider_responds
from rules import figures_not_shown, unexecuted_code_cells, unexpected_errors


@pytest.fixture(scope="module")
def fixture_run(lab_browser):
    notebook, cells = lab_browser.run("fixtures/fixture.ipynb")
    return notebook, {cell.grade_id: cell for cell in cells if cell.grade_id}, cells


def test_the_run_goes_past_every_error(fixture_run):
    notebook, by_id, cells = fixture_run
    assert unexecuted_code_cells(cells) == []
    assert by_id["fx-end"].text == "reached the end\n"
    counts = [cell.execution_count for cell in cells if cell.kind == "code"]
    assert counts == sorted(set(counts)), f"code cells ran out of order or twice: {counts}"
    # Run All stops at the stub; then one Run Selected Cell and All Below after each stop (stub, check,
    # broken cell). The kernel aborts only requests already queued when a cell fails, so a pass
    # sometimes runs on past a fast failure: between 2 and 4 passes.
    assert 2 <= notebook.passes <= 4, f"{notebook.passes} passes"


def test_the_rule_allows_only_the_unanswered_question(fixture_run):
    _, by_id, cells = fixture_run
    assert by_id["fx-total-answer"].errors == ["NotImplementedError"]
    assert by_id["fx-total"].errors == ["NameError"]
    assert unexpected_errors(cells, released=True) == [f"{by_id['fx-broken'].label()}: ValueError"]
    assert len(unexpected_errors(cells, released=False)) == 3


def test_figures_show_or_say_what_they_wait_for(fixture_run):
    notebook, by_id, cells = fixture_run
    assert any(mime.startswith("image/") for mime in by_id["fx-figure"].mime_types)
    assert figures_not_shown(cells, released=True) == []
    assert [line.split(":")[0] for line in figures_not_shown(cells, released=False)] == ["Figure 2"]
    assert notebook.visual_problems() == []


def test_sliders_are_found_by_class(fixture_run):
    notebook, _, _ = fixture_run
    assert [(s["id"], s["visible"]) for s in Sliders(notebook).find()] == [
        ("fixture-1", True), ("frozen-1", True), ("stale-1", True)]


def test_a_slider_that_redraws_passes(fixture_run, artifacts):
    notebook, _, _ = fixture_run
    shots = check_slider_responds(notebook, "fixture-1", artifacts / "fixture")
    assert len(shots) == 3 and all(path.stat().st_size > 0 for path in shots)


def test_a_slider_that_does_not_redraw_is_reported(fixture_run, artifacts):
    notebook, _, _ = fixture_run
    with pytest.raises(AssertionError, match="bl-frozen-readout did not change"):
        check_slider_responds(notebook, "frozen-1", artifacts / "fixture")


def test_a_slider_whose_figure_never_changes_is_reported(fixture_run, artifacts):
    notebook, _, _ = fixture_run
    with pytest.raises(AssertionError, match="the figure of slider stale-1 did not change .* nor at its end"):
        check_slider_responds(notebook, "stale-1", artifacts / "fixture")
