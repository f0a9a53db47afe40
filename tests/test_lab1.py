"""Lab 1 (Templates): checks of the notebook's own promises, beyond the course-wide harness tests.

The course-wide tests (test_release.py, test_autograde.py) grade the lab through
nbgrader, and test_lab_structure.py checks its objectives, points and check cells;
these read the source notebook and ask lab-specific questions: do the visible
checks catch the slips a new student made, does every name a student creates lead `needs()` to its question,
are case-study figures loaded rather than typed, and is the autograded number of
components away from a knife edge.
"""

from __future__ import annotations

import re

import nbformat
import numpy as np
import pytest

from biometrics_lab import casestudy
from biometrics_lab._paths import REPO_ROOT
from lab_notebooks import created_names, printed, run_solution, split_hidden
from nbgrader_harness import grade_id
from tests.wrong_answers.lab1_templates import WRONG_ANSWERS

LAB = "lab1-templates"
SOURCE = REPO_ROOT / "solutions" / LAB / f"{LAB}.ipynb"
RELEASE = REPO_ROOT / "labs" / LAB / f"{LAB}.ipynb"
# Wrong answers that passed the visible checks in the new-student trial (2026-11-27): the visible
# checks, not only the hidden tests, must now catch them.
CAUGHT_VISIBLY = ("grid first thirty rows", "enroll normalises each capture then averages",
                  "reconstruct without undoing the normalisation", "storage in bits")


@pytest.fixture(scope="module")
def source():
    return nbformat.read(SOURCE, as_version=4)


def test_case_study_figures_are_loaded_not_typed():
    """Does the students' notebook take the gallery size from biometrics_lab.casestudy instead of typing it?"""
    release = nbformat.read(RELEASE, as_version=4)
    value = casestudy.figure("edid_holders").value
    typed = {f"{value:,}", str(value), f"{value:_}", f"{value / 1000:g}k", f"{value / 1000:g},000"}
    text = "\n".join(cell.source for cell in release.cells)
    assert not [form for form in typed if form in text], f"the figure {value} is typed in the lab"
    assert 'casestudy.figure("edid_holders")' in text


@pytest.fixture(scope="module")
def solved(source):
    """Namespace after running the source's setup, locked and solution cells in this process (no kernel)."""
    return run_solution(source)


def test_k_target_is_not_on_a_knife_edge(solved):
    """Is the answer to Question 2.1 robust to tiny numerical differences between machines?

    Checks that the cumulative explained variance is at least 0.001 away from
    the target on both sides of k_target.
    """
    cumulative, k, target = solved["cumulative"], solved["k_target"], solved["VARIANCE_TARGET"]
    assert cumulative[k - 1] - target >= 1e-3
    assert target - cumulative[k - 2] >= 1e-3
    assert np.all(np.diff(cumulative) > 0)


@pytest.mark.parametrize("name", CAUGHT_VISIBLY)
def test_visible_checks_catch_the_trials_slips(source, solved, name):
    """Does the check cell right after the answer fail on its visible checks alone, with a hint?"""
    answer = next(a for a in WRONG_ANSWERS if a["name"] == name)
    cells = {grade_id(c): c for c in source.cells if grade_id(c)}
    namespace = dict(solved)
    exec(compile(answer["source"], answer["grade_id"], "exec"), namespace)
    visible, _ = split_hidden(cells[answer["loses"][0]].source)
    # The solution passes the same visible checks (so the failure below is the wrong answer's).
    exec(compile(visible, "visible", "exec"), dict(solved))
    with pytest.raises(AssertionError, match=": "):  # "expected ..., got ...: <hint>"
        exec(compile(visible, "visible", "exec"), namespace)


def test_needs_names_the_question_of_every_name_a_student_creates(source, solved):
    """Does needs() map each name the grading table says students create to its question, and only those?"""
    assert created_names(source) == solved["ANSWERS"]
    for name, question in [("grid_images", "Question 1.1 first"), ("templates", "Question 3.1."),
                           ("scores", "Questions 3.1 and 4.1."), ("first_capture", "run the cells above")]:
        namespace = dict(solved)
        output = printed(f"result = needs(lambda: eval({name!r}, {{}}))", namespace)
        assert question in output and namespace["result"] is None, output

    solved_stub = dict(solved)
    output = printed("def enroll(features):\n    raise NotImplementedError()\n\n"  # the released stub of 3.1
                     "result = needs(lambda: enroll(None))", solved_stub)
    assert "Question 3.1 first" in output and solved_stub["result"] is None

    output = printed("def compare(probes, templates):\n    return probes @ template.T\n\n"  # a typo in the answer
                     "result = needs(lambda: compare(probe_features, templates))", solved_stub)
    assert "Your `compare` uses `template`" in output and "Question 4.1" in output, output
