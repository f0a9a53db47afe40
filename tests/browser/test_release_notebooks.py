"""Every released lab in JupyterLab, untouched, as a student first opens it.

Run in full (Run All, then Run Selected Cell and All Below after each stop;
see NotebookPage.run_through), the only error outputs are those that
rules.py allows in a release: the stubs of answer cells and the check cells
of unanswered questions. Figures render as images or say which question they
wait for; widgets render; Validate reports failing tests.
"""

from __future__ import annotations

import pytest

from biometrics_lab.course import available_labs
from rules import figures_not_shown, unexecuted_code_cells, unexpected_errors


@pytest.fixture(scope="module", params=available_labs())
def release(request, lab_browser, artifacts):
    """The released notebook of one lab, run top to bottom; (lab, page, cells)."""
    lab = request.param
    if not (lab_browser.server.root / lab / f"{lab}.ipynb").is_file():
        pytest.fail(f"{lab} has a solution but no released notebook labs/{lab}/{lab}.ipynb: "
                    f"run `biometrics-lab release {lab}`")
    notebook, cells = lab_browser.run(f"{lab}/{lab}.ipynb", artifacts / lab / "release.png")
    return lab, notebook, cells


def test_every_code_cell_runs(release):
    _, _, cells = release
    assert unexecuted_code_cells(cells) == []


def test_only_unanswered_questions_fail(release):
    _, _, cells = release
    assert unexpected_errors(cells, released=True) == []
    # an untouched release has something to answer: at least one stub shows
    assert any("NotImplementedError" in cell.errors for cell in cells if cell.is_answer)


def test_figures_and_widgets_render(release):
    _, notebook, cells = release
    assert notebook.visual_problems() == []
    assert figures_not_shown(cells, released=True) == []


# Validate runs the whole notebook again inside the server (nbgrader's own run, ~10 s of CPU): the
# button, the server extension and the dialog are the same for every lab, and test_autograde.py
# grades every lab with nbgrader, so it is pressed on the first lab only.
@pytest.mark.parametrize("release", available_labs()[:1], indirect=True)
def test_validate_reports_failing_tests(release):
    _, notebook, _ = release
    outcome, text = notebook.validate()
    notebook.close_dialog()
    assert outcome == "failed", text
