"""The error and figure rules of the browser tests, on hand-made cell reports (no browser needed)."""

from __future__ import annotations

from rules import CellReport, figures_not_shown, unexecuted_code_cells, unexpected_errors


def answer(index, errors):
    return CellReport(index, "code", {"grade_id": f"q{index}-answer", "solution": True, "grade": False},
                      execution_count=index, errors=errors)


def check(index, errors):
    return CellReport(index, "code", {"grade_id": f"q{index}", "solution": False, "grade": True, "points": 1},
                      execution_count=index, errors=errors)


def locked(index, errors=(), text="", mimes=()):
    return CellReport(index, "code", {"grade_id": f"c{index}", "solution": False, "grade": False, "locked": True},
                      execution_count=index, errors=list(errors), text=text, mime_types=list(mimes))


def caption(index, number):
    return CellReport(index, "markdown", head=f"*Figure {number}. Something, with units.*")


def test_a_release_may_show_stubs_and_the_checks_of_unanswered_questions():
    cells = [answer(0, ["NotImplementedError"]), check(1, ["NameError"]), check(2, ["NotImplementedError"])]
    assert unexpected_errors(cells, released=True) == []
    assert unexpected_errors(cells, released=False) == [
        "cell 0 (q0-answer): NotImplementedError", "cell 1 (q1): NameError", "cell 2 (q2): NotImplementedError"]


def test_other_errors_are_reported_wherever_they_are():
    cells = [answer(0, ["ValueError"]), check(1, ["AssertionError"]), locked(2, ["NameError"]), locked(3, ["stderr"])]
    assert unexpected_errors(cells, released=True) == [
        "cell 0 (q0-answer): ValueError", "cell 1 (q1): AssertionError", "cell 2 (c2): NameError", "cell 3 (c3): stderr"]


def test_an_answer_cell_needs_its_grade_id_suffix():
    cell = CellReport(0, "code", {"grade_id": "q0", "solution": True}, execution_count=1,
                      errors=["NotImplementedError"])
    assert unexpected_errors([cell], released=True) == ["cell 0 (q0): NotImplementedError"]


def test_cells_that_never_ran_are_listed_unless_blank():
    cells = [locked(0), CellReport(1, "code"), CellReport(2, "code", empty=True), CellReport(3, "markdown")]
    assert unexecuted_code_cells(cells) == ["cell 1"]


def test_a_captioned_figure_needs_an_image_or_in_a_release_a_message():
    drawn = [locked(0, mimes=["text/plain", "image/png"]), caption(1, 1)]
    waiting = [locked(0, text="Answer Question 2.1 first (`k` is not defined yet)\n"), caption(1, 1)]
    silent = [locked(0, text="done\n"), CellReport(1, "markdown", head="Some text."), caption(2, 3)]
    assert figures_not_shown(drawn, released=False) == []
    assert figures_not_shown(waiting, released=True) == []
    assert figures_not_shown(waiting, released=False) == [
        "Figure 1: cell 0 (c0) shows no image (stdout: 'Answer Question 2.1 first (`k` is not defined yet)')"]
    assert figures_not_shown(silent, released=True) == [
        "Figure 3: cell 0 (c0) shows no image (stdout: 'done')"]
