"""Every lab's solution notebook in JupyterLab: no error anywhere, figures and widgets work.

Widgets are found by their CSS classes (``bl-<name>-slider`` with
``bl-<name>-readout``), so a lab's new widget is driven as soon as it lands.
"""

from __future__ import annotations

import pytest

from biometrics_lab.course import available_labs
from sliders import Sliders, check_slider_responds
from rules import figures_not_shown, unexecuted_code_cells, unexpected_errors


@pytest.fixture(scope="module", params=available_labs())
def solution(request, lab_browser, artifacts):
    """The solution notebook of one lab, run top to bottom; (lab, page, cells)."""
    lab = request.param
    notebook, cells = lab_browser.run(f"solutions/{lab}/{lab}.ipynb", artifacts / lab / "solution.png")
    return lab, notebook, cells


def test_every_code_cell_runs(solution):
    _, _, cells = solution
    assert unexecuted_code_cells(cells) == []


def test_no_error_output(solution):
    _, _, cells = solution
    assert unexpected_errors(cells, released=False) == []


def test_figures_and_widgets_render(solution):
    _, notebook, cells = solution
    assert notebook.visual_problems() == []
    assert figures_not_shown(cells, released=False) == []
    assert notebook.image_cells(), "the solution shows no figure at all"


def test_widgets_follow_the_keyboard(solution, artifacts):
    """Every visible course slider: keyboard focus, arrows move it, readout and figure follow."""
    lab, notebook, _ = solution
    sliders = Sliders(notebook).find()
    if not sliders:
        pytest.skip(f"{lab} has no widget with a bl-<name>-slider class")
    visible = [slider["id"] for slider in sliders if slider["visible"]]
    assert visible, f"every slider of {lab} is hidden: {sliders}"
    failures = []
    for slider_id in visible:  # hidden ones (e.g. per-group thresholds in shared mode) cannot be reached
        try:
            check_slider_responds(notebook, slider_id, artifacts / lab)
        except AssertionError as error:
            failures.append(str(error).splitlines()[0])
    assert failures == []


# Validate runs the whole notebook again inside the server (nbgrader's own run, ~10 s of CPU): the
# button, the server extension and the dialog are the same for every lab, and test_autograde.py
# grades every lab with nbgrader, so it is pressed on the first lab only.
@pytest.mark.parametrize("solution", available_labs()[:1], indirect=True)
def test_validate_reports_success(solution):
    _, notebook, _ = solution
    outcome, text = notebook.validate()
    notebook.close_dialog()
    assert outcome == "success", text
