"""Lab 5 (Who bears the errors?): checks of the notebook's own promises, beyond the course-wide harness tests.

The course-wide tests (test_release.py, test_autograde.py) grade the lab through
nbgrader, and test_lab_structure.py checks its objectives, points and check cells;
these read the source notebook and ask lab-specific questions: do the hidden tests
of functions run them with the reference metrics switched off, is the differential measured from the
data (and is it there at all), are the autograded counts away from knife edges,
do the visible checks catch the slips they promise to, and are the case-study
figures loaded rather than typed.
"""

from __future__ import annotations

import ast
import contextlib
import io

import nbformat
import numpy as np
import pytest

from biometrics_lab import _rates, casestudy
from biometrics_lab._paths import REPO_ROOT
from lab_notebooks import created_names, run_solution, split_hidden
from nbgrader_harness import grade_id
from tests.wrong_answers.lab5_differentials import WRONG_ANSWERS

LAB = "lab5-differentials"
SOURCE = REPO_ROOT / "solutions" / LAB / f"{LAB}.ipynb"
RELEASE = REPO_ROOT / "labs" / LAB / f"{LAB}.ipynb"
# Wrong answers that the visible checks (not only the hidden tests) must catch.
CAUGHT_VISIBLY = ("cross-group impostor pairs counted in a group's FMR", "match when score above the threshold",
                  "shared threshold from same-group pairs only", "the 90/10 threshold reused for the 50/50 system",
                  "group thresholds from all impostor pairs of the group's probes", "fdr with alpha on the FNMR gap",
                  "fdr with signed gaps between the first two groups", "b-b share counted by the probe's group only",
                  "masks measured on the 90/10 system", "share of group B's comparisons instead of share of false matches")
# Student functions: their hidden tests must call them through without_reference.
FUNCTIONS = {"l5-counts": "group_counts", "l5-fdr": "fairness_discrepancy_rate"}


@pytest.fixture(scope="module")
def source():
    return nbformat.read(SOURCE, as_version=4)


@pytest.fixture(scope="module")
def solved(source):
    """Namespace after running the source's setup, locked and solution cells in this process (no kernel)."""
    return run_solution(source)


@pytest.mark.parametrize("gid,function", FUNCTIONS.items())
def test_hidden_tests_call_student_functions_without_the_reference(source, gid, function):
    """Does every hidden call of a student's function go through without_reference, so delegating earns nothing?"""
    cell = next(c for c in source.cells if grade_id(c) == gid)
    _, hidden = split_hidden(cell.source)
    calls = [node for node in ast.walk(ast.parse(hidden)) if isinstance(node, ast.Call)]
    direct = [c for c in calls if isinstance(c.func, ast.Name) and c.func.id == function]
    wrapped = [c for c in calls if isinstance(c.func, ast.Name) and c.func.id == "without_reference"
               and isinstance(c.args[0], ast.Name) and c.args[0].id == function]
    assert wrapped and not direct, f"{gid}: call {function} only as without_reference({function}, ...)"


def test_an_answer_that_delegates_to_the_reference_fails_its_hidden_tests(solved):
    """Would group_counts that calls the course's reference metrics raise under without_reference?"""
    namespace = dict(solved)
    exec("def group_counts(scores, mated, probe_group, template_group, group, threshold):\n"
         "    s, m = np.asarray(scores), np.asarray(mated, dtype=bool)\n"
         "    from biometrics_lab._rates import fmr_fnmr\n"
         "    fmr, fnmr = fmr_fnmr(s[m], s[~m], threshold)\n"
         "    return fmr, 1, fnmr, 1\n", namespace)
    with pytest.raises(_rates.ReferenceBlocked):
        namespace["without_reference"](namespace["group_counts"], namespace["scores_90"], namespace["mated"],
                                       namespace["probe_group"], namespace["template_group"], "A", 0.6)


# --------------------------------------------------------------------------- the data behind the lab


def test_the_differential_is_measured_and_points_the_way_the_lab_says(solved):
    """Do the answers follow from the scores (checked with the reference metrics), and does the 90/10 mix show
    a large FMR differential that the 50/50 mix removes, with FNMR running the other way?"""
    explorer = solved["explorer_90"]
    for row, group in enumerate("AB"):
        fmr, fnmr = _rates.fmr_fnmr(explorer.genuine[group], explorer.impostor[group], solved["t_shared_90"])
        assert solved["rates_90"][row] == pytest.approx([fmr, fnmr])
    assert solved["t_shared_90"] == _rates.threshold_for_fmr(solved["scores_90"][~solved["mated"]], 1e-3)
    assert solved["fmr_ratio_90"] > 5, "the 90/10 training mix no longer gives a large FMR differential"
    assert 0.5 < solved["fmr_ratio_50"] < 2, "the 50/50 training mix no longer closes the gap"
    assert solved["fnmr_ratio_90"] > 1.2, "FNMR no longer runs the other way (Section 4)"
    assert solved["false_match_share_b"] > 0.5
    # Group thresholds move the FNMR burden to group B (Question 5.2's premise).
    assert solved["rates_group_90"][1, 1] > solved["rates_group_90"][0, 1]
    assert np.all(solved["mask_fnmr"][:, 1] > solved["mask_fnmr"][:, 0]), "masks no longer raise FNMR"
    # FDR: the balanced system is fairer than the 90/10 one at a shared threshold.
    assert solved["fdr_values"][1] > solved["fdr_values"][0]


def test_autograded_counts_are_not_on_a_knife_edge(solved):
    """Is every threshold the lab grades at more than 1e-6 away from every score, so counts agree across machines?"""
    scores = np.concatenate([solved["scores_90"].ravel(), solved["scores_50"].ravel()])
    thresholds = [solved["t_shared_90"], solved["t_shared_50"], *solved["t_group_90"], 0.6]
    for t in thresholds:
        # threshold_for_fmr puts t just above a score: that score is the one that must stay below it.
        nearest = np.min(np.abs(scores[scores >= t] - t)) if np.any(scores >= t) else np.inf
        assert nearest > 1e-6, f"a score lies within 1e-6 above threshold {t}"
        below = t - scores[scores < t].max()
        assert below > 0


def test_groups_are_described_as_synthetic(source):
    intro = " ".join(source.cells[0].source.split())
    assert "synthetic" in intro and "stand for no real population" in intro


# --------------------------------------------------------------------------- visible checks and needs()


@pytest.mark.parametrize("name", CAUGHT_VISIBLY)
def test_visible_checks_catch_the_common_slips(source, solved, name):
    """Does the check cell of the answer fail on its visible checks alone, with a hint, while the solution passes?"""
    answer = next(a for a in WRONG_ANSWERS if a["name"] == name)
    cells = {grade_id(c): c for c in source.cells if grade_id(c)}
    visible, _ = split_hidden(cells[answer["loses"][0]].source)
    exec(compile(visible, "visible", "exec"), dict(solved))
    namespace = dict(solved)
    exec(compile(answer["source"], answer["grade_id"], "exec"), namespace)
    with pytest.raises(AssertionError, match=": "):
        exec(compile(visible, "visible", "exec"), namespace)


# More slips from the new-student trial (2026-11-27), checked here in-process rather than through nbgrader:
# (answer cell, check cell, source). Each must fail the check cell's visible checks.
_ROWS = ("rows = []\nfor g in GROUPS:\n    c = group_counts(scores, mated, probe_group, template_group, {group}, t)\n"
         "    rows.append([c[0] / c[1], c[2] / c[3]])\n")
TRIAL_SLIPS = {
    "counts: false non-match with <=": (
        "l5-counts-answer", "l5-counts",
        "def group_counts(scores, mated, probe_group, template_group, group, threshold):\n"
        "    scores, mated = np.asarray(scores, dtype=float), np.asarray(mated, dtype=bool)\n"
        "    p, t = np.asarray(probe_group)[:, None] == group, np.asarray(template_group)[None, :] == group\n"
        "    return (np.sum(~mated & p & t & (scores >= threshold)), np.sum(~mated & p & t),\n"
        "            np.sum(mated & p & (scores <= threshold)), np.sum(mated & p))"),
    "differential: group B for both rows": (
        "l5-differential-answer", "l5-differential",
        "t_shared_90 = threshold_for_fmr(scores_90[~mated], TARGET_FMR)\nscores, t = scores_90, t_shared_90\n"
        + _ROWS.format(group='"B"') + "rates_90 = np.array(rows)\nfmr_ratio_90 = rates_90[1, 0] / rates_90[0, 0]"),
    "balanced: the 90/10 threshold left inside the loop": (
        "l5-balanced-answer", "l5-balanced",
        "t_shared_50 = threshold_for_fmr(scores_50[~mated], TARGET_FMR)\nscores, t = scores_50, t_shared_90\n"
        + _ROWS.format(group="g") + "rates_50 = np.array(rows)\nfmr_ratio_50 = rates_50[1, 0] / rates_50[0, 0]\n"
        "overall_fnmr = np.array([np.mean(scores_90[mated] < t_shared_90), np.mean(scores_50[mated] < t_shared_50)])"),
    "balanced: overall FNMR in the wrong order": (
        "l5-balanced-answer", "l5-balanced",
        "t_shared_50 = threshold_for_fmr(scores_50[~mated], TARGET_FMR)\nscores, t = scores_50, t_shared_50\n"
        + _ROWS.format(group="g") + "rates_50 = np.array(rows)\nfmr_ratio_50 = rates_50[1, 0] / rates_50[0, 0]\n"
        "overall_fnmr = np.array([np.mean(scores_50[mated] < t_shared_50), np.mean(scores_90[mated] < t_shared_90)])"),
    "fdr: first two groups only": (
        "l5-fdr-answer", "l5-fdr",
        "def fairness_discrepancy_rate(fmr, fnmr, alpha=0.5):\n"
        "    return 1 - (alpha * abs(fmr[0] - fmr[1]) + (1 - alpha) * abs(fnmr[0] - fnmr[1]))\n"
        "fdr_values = np.array([fairness_discrepancy_rate(r[:, 0], r[:, 1]) for r in (rates_90, rates_50, rates_group_90)])"),
    "fdr: values in another order": (
        "l5-fdr-answer", "l5-fdr",
        "def fairness_discrepancy_rate(fmr, fnmr, alpha=0.5):\n"
        "    fmr, fnmr = np.asarray(fmr), np.asarray(fnmr)\n"
        "    return 1 - (alpha * np.ptp(fmr) + (1 - alpha) * np.ptp(fnmr))\n"
        "fdr_values = np.array([fairness_discrepancy_rate(r[:, 0], r[:, 1]) for r in (rates_90, rates_group_90, rates_50)])"),
}


@pytest.mark.parametrize("name", TRIAL_SLIPS)
def test_visible_checks_catch_the_trials_other_slips(source, solved, name):
    answer_id, check_id, code = TRIAL_SLIPS[name]
    cells = {grade_id(c): c for c in source.cells if grade_id(c)}
    visible, _ = split_hidden(cells[check_id].source)
    namespace = dict(solved)
    exec(compile(code, answer_id, "exec"), namespace)
    with pytest.raises(AssertionError, match=": "):
        exec(compile(visible, "visible", "exec"), namespace)


def test_needs_names_the_question_of_every_name_a_student_creates(source, solved):
    created = created_names(source)
    assert created == solved["ANSWERS"]
    needs = solved["needs"]
    for name, question in created.items():
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert needs(lambda: eval(name, {})) is None
        assert f"Question {question} first" in out.getvalue(), out.getvalue()
    stub = dict(solved)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec("def group_counts(*args):\n    raise NotImplementedError()\n\n"
             "result = needs(lambda: group_counts(scores_90, mated, probe_group, template_group, 'A', 0.6))", stub)
    assert "Question 2.1 first" in out.getvalue() and stub["result"] is None


# --------------------------------------------------------------------------- sources


def test_case_study_figures_are_loaded_not_typed():
    """Are NIST's and Gender Shades' figures loaded from biometrics_lab.casestudy rather than typed in the lab?"""
    text = "\n".join(cell.source for cell in nbformat.read(RELEASE, as_version=4).cells)
    dark = casestudy.figure("gender_shades_error_darker_women").value
    for typed in (f"{dark:.1%}", f"{dark}", "10 to 100", "2 to 5"):
        assert typed not in text, f"{typed!r} is typed in the lab"
    for key in ("nist_fp_differential_min", "nist_fp_differential_max", "gender_shades_error_darker_women",
                "nistir-8280", "nistir-8311", "gender-shades", "F7", "fdr-formula"):
        assert f'"{key}"' in text, f"the lab does not load {key}"


def test_fairlearn_is_not_used_and_the_lab_says_why():
    text = "\n".join(cell.source for cell in nbformat.read(SOURCE, as_version=4).cells)
    assert "import fairlearn" not in text and "from fairlearn" not in text
    assert "Why not fairlearn?" in text
