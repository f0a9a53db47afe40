"""Lab 2 (Thresholds and error rates): checks of the notebook's own promises, beyond the course-wide tests.

The course-wide tests (test_release.py, test_autograde.py, test_lab_structure.py)
grade the lab through nbgrader and check its objectives, points and check cells;
these ask lab-specific questions: do hidden tests call the students' functions with the
reference metrics switched off, do the solution's rates agree with
``sklearn.metrics.det_curve`` and with the package's reference metrics, do the
visible checks catch the classic slips, does the blank release run its
exploration cells and say which question each one waits for, are case-study
figures loaded rather than typed, and are the autograded values away from knife
edges.
"""

from __future__ import annotations

import ast
import contextlib
import io

import matplotlib
import nbformat
import numpy as np
import pytest
from nbgrader import utils as nbutils
from sklearn.metrics import det_curve

from biometrics_lab import _rates, casestudy
from biometrics_lab._paths import REPO_ROOT
from biometrics_lab.checks import without_reference
from lab_notebooks import check_cells, created_names, run_solution, split_hidden
from tests.wrong_answers.lab2_thresholds import WRONG_ANSWERS

LAB = "lab2-thresholds"
SOURCE = REPO_ROOT / "solutions" / LAB / f"{LAB}.ipynb"
RELEASE = REPO_ROOT / "labs" / LAB / f"{LAB}.ipynb"
# Wrong answers whose slip the check cell's visible checks must catch (with a hint), not only the hidden tests.
CAUGHT_VISIBLY = ("match when score > threshold", "curves count with searchsorted side right",
                  "eer at the nearest point, averaged", "fmr threshold at the score itself",
                  "gate counts with the rates swapped", "far ignores failures to acquire",
                  "wald interval instead of clopper-pearson", "expected cost without the base rate")
# The students' functions and the reference metric each must agree with.
REFERENCES = {"fmr_fnmr": "fmr_fnmr", "error_curves": "error_curves", "eer": "eer",
              "threshold_for_fmr": "threshold_for_fmr", "fnmr_at_fmr": "fnmr_at_fmr",
              "far_frr": "far_frr", "clopper_pearson": "clopper_pearson"}


@pytest.fixture(scope="module")
def source():
    return nbformat.read(SOURCE, as_version=4)


@pytest.fixture(scope="module")
def release():
    return nbformat.read(RELEASE, as_version=4)


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


@pytest.fixture(scope="module")
def solved(source):
    """Namespace after running the source's setup, locked and solution cells in this process (no kernel)."""
    return run_solution(source)


# ----------------------------------------------------------------------------- hidden tests and the reference
# (objectives, points and visible/hidden checks of every lab: tests/test_lab_structure.py)

def test_hidden_tests_call_students_functions_without_the_reference(source, solved):
    """Is every call of a student's function in a hidden region wrapped in without_reference(...)?"""
    functions = {name for name, question in solved["ANSWERS"].items() if callable(solved.get(name))}
    assert {"fmr_fnmr", "error_curves", "eer", "threshold_for_fmr", "clopper_pearson"} <= functions
    unwrapped, wrapped = [], set()
    for cell in check_cells(source):
        _, hidden = split_hidden(cell.source)
        for node in ast.walk(ast.parse(hidden)):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            if node.func.id in functions:
                unwrapped.append(f"{_meta(cell)['grade_id']}: {ast.unparse(node)[:60]}")
            if node.func.id == "without_reference" and isinstance(node.args[0], ast.Name):
                wrapped.add(node.args[0].id)
    assert not unwrapped, unwrapped
    assert functions <= wrapped, f"functions never checked without the reference: {sorted(functions - wrapped)}"


def test_an_answer_that_delegates_to_the_reference_earns_nothing(solved):
    namespace = dict(solved)
    exec("from biometrics_lab import _rates\n"
         "def fmr_fnmr(genuine, impostor, threshold):\n"
         "    return _rates.fmr_fnmr(genuine, impostor, threshold)", namespace)
    assert namespace["fmr_fnmr"]([0.5], [0.5], 0.5) == (1.0, 0.0)  # works when run by the student
    with pytest.raises(_rates.ReferenceBlocked):
        without_reference(namespace["fmr_fnmr"], [0.5], [0.5], 0.5)


# ----------------------------------------------------------------------------- the solution's numbers

def test_solution_error_curves_agree_with_sklearn_det_curve(solved):
    """At every threshold scikit-learn keeps, FMR = fpr and FNMR = fnr; the EER agrees to 1e-12."""
    for genuine, impostor in [(solved["genuine"], solved["impostor"]),
                              (solved["border"].genuine[:5000], solved["border"].impostor[:200_000])]:
        thresholds, fmr, fnmr = solved["error_curves"](genuine, impostor)
        labels = np.r_[np.ones(len(genuine)), np.zeros(len(impostor))]
        sk_fpr, sk_fnr, sk_thresholds = det_curve(labels, np.r_[genuine, impostor].astype(float))
        at = np.searchsorted(thresholds, sk_thresholds)
        np.testing.assert_array_equal(thresholds[at], sk_thresholds)
        np.testing.assert_allclose(fmr[at], sk_fpr, atol=1e-12, rtol=0)
        np.testing.assert_allclose(fnmr[at], sk_fnr, atol=1e-12, rtol=0)
        d = sk_fpr - sk_fnr
        i = int(np.argmax(d <= 0))
        w = d[i - 1] / (d[i - 1] - d[i])
        assert solved["eer"](genuine, impostor)[0] == pytest.approx(sk_fpr[i - 1] + w * (sk_fpr[i] - sk_fpr[i - 1]),
                                                                    abs=1e-12)


@pytest.mark.parametrize("seed", [0, 1])
def test_solution_agrees_with_the_reference_metrics(solved, seed):
    """Continuous data and data rounded to create ties: the solution matches biometrics_lab._rates."""
    rng = np.random.default_rng(seed)
    sets = [(rng.normal(1.5, 1, 300), rng.normal(0, 1, 2000))]
    sets.append(tuple(np.round(values, 1) for values in sets[0]))
    for genuine, impostor in sets:
        for name, args in [("fmr_fnmr", (genuine, impostor, 0.7)), ("error_curves", (genuine, impostor)),
                           ("eer", (genuine, impostor)), ("threshold_for_fmr", (impostor, 0.013)),
                           ("fnmr_at_fmr", (genuine, impostor, 0.013)), ("far_frr", (0.01, 0.2, 0.05)),
                           ("clopper_pearson", (3, 70))]:
            ours = without_reference(solved[name], *args)
            reference = getattr(_rates, REFERENCES[name])(*args)
            for a, b in zip(np.atleast_1d(ours) if name != "error_curves" else ours,
                            np.atleast_1d(reference) if name != "error_curves" else reference):
                np.testing.assert_allclose(a, b, atol=1e-12, rtol=0, err_msg=name)


def test_the_gate_counts_follow_from_the_rates(solved):
    border = solved["border"]
    t = solved["gate_threshold"]
    rejected, hours, passed = solved["day_at_the_gate"](border.genuine, border.impostor, t, 100_000, 1_000, 10)
    fmr, fnmr = _rates.fmr_fnmr(border.genuine, border.impostor, t)
    assert (rejected, hours, passed) == pytest.approx((1e5 * fnmr, 1e5 * fnmr / 6, 1e3 * fmr))
    assert fmr <= 1e-6


def test_masks_raise_fta_and_fnmr_in_the_solution(solved):
    assert solved["fta_masked"] > solved["fta_unmasked"] > 0
    assert solved["fnmr_masked"] > solved["fnmr_unmasked"]
    acquired, masked = solved["acquired"], solved["masked"]
    n_masked, n_unmasked = int(np.sum(masked & acquired)), int(np.sum(~masked & acquired))
    lo_masked, _ = solved["clopper_pearson"](int(round(solved["fnmr_masked"] * n_masked)), n_masked)
    _, hi_unmasked = solved["clopper_pearson"](int(round(solved["fnmr_unmasked"] * n_unmasked)), n_unmasked)
    assert lo_masked > hi_unmasked, "the lab says the two intervals do not overlap"


def test_autograded_values_are_not_on_knife_edges(solved):
    """Small numerical differences between machines must not change a graded answer."""
    t, fmr, fnmr = solved["curves"]
    cost = solved["expected_cost"](fmr, fnmr, solved["P_IMPOSTOR"], solved["COST_FALSE_MATCH"],
                                   solved["COST_FALSE_NON_MATCH"])
    best, second = np.sort(cost)[:2]
    assert second - best > 1e-6
    # The faces' gate threshold is a typed constant: it must give FMR close to the 1e-3 it stands for.
    g, i = solved["genuine"], solved["impostor"]
    assert _rates.fmr_fnmr(g, i, solved["GATE_THRESHOLD_FACES"])[0] == pytest.approx(1e-3, rel=0.05)
    # No genuine or impostor score sits within float32 rounding of a threshold the hidden tests use.
    for threshold in (0.35, 0.45, 0.643):
        for scores in (g, i, solved["border"].genuine, solved["border"].impostor):
            assert np.min(np.abs(scores.astype(float) - threshold)) > 1e-7


# ----------------------------------------------------------------------------- checks and the release

def test_visible_checks_catch_the_common_slips(source, solved):
    cells = {_meta(c)["grade_id"]: c for c in source.cells if _meta(c)}
    for name in CAUGHT_VISIBLY:
        answer = next(a for a in WRONG_ANSWERS if a["name"] == name)
        visible, _ = split_hidden(cells[answer["loses"][0]].source)
        exec(compile(visible, "visible", "exec"), dict(solved))  # the solution passes
        namespace = dict(solved)
        exec(compile(answer["source"], answer["grade_id"], "exec"), namespace)
        with pytest.raises(AssertionError, match=": "), contextlib.redirect_stdout(io.StringIO()):
            exec(compile(visible, "visible", "exec"), namespace)


def test_blank_release_runs_its_exploration_cells_and_names_the_questions(release):
    """Run the release as a student who has answered nothing: only answer and check cells may fail.

    The exploration cells (figures, tables, the widget) must run and, where they need
    an answer, print which question to answer first.
    """
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    namespace: dict = {}
    failures, messages = {}, {}
    for cell in release.cells:
        if cell.cell_type != "code":
            continue
        gid = _meta(cell).get("grade_id")
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                exec(compile(cell.source, gid, "exec"), namespace)
        except Exception as error:  # noqa: BLE001 - recorded and judged below
            failures[gid] = type(error).__name__
        messages[gid] = out.getvalue()
        plt.close("all")
    answer_or_check = {_meta(c)["grade_id"] for c in release.cells
                       if nbutils.is_solution(c) or nbutils.is_grade(c)}
    assert set(failures) <= answer_or_check, {k: v for k, v in failures.items() if k not in answer_or_check}
    assert namespace["explorer"].fmr > 0 and namespace["explorer"].counts["rejected"] > 0  # the widget works
    for gid, question in [("l2-one-threshold", "Question 1.1"), ("l2-fig-curves", "Question 2.1"),
                          ("l2-operating-points", "Question 3.1"), ("l2-fig-det", "Question 2.1"),
                          ("l2-gate-table", "Question 3.2"), ("l2-system-table", "Question 6.1"),
                          ("l2-intervals", "Question 7.1"), ("l2-fig-cost", "Question 2.1")]:
        assert question in messages[gid], (gid, messages[gid])


def test_needs_maps_every_created_name_to_its_question(source, solved):
    assert created_names(source) == solved["ANSWERS"]


def test_case_study_figures_are_loaded_not_typed(release):
    text = "\n".join(cell.source for cell in release.cells)
    for key, forms in [("daily_crossers", ("100,000", "100000", "100_000")),
                       ("vendor_identification_rate", ("99.9",)),
                       ("nist_fnmr_border_fmr1e-6", ("0.0064",)),
                       ("nist_fnmr_visa_fmr1e-6", ("0.0025",))]:
        assert casestudy.figure(key).value is not None
        typed = [form for form in forms if form in text]
        assert not typed, f"{key} is typed in the lab: {typed}"
    assert 'casestudy.figure("daily_crossers")' in text
    assert "nist_fnmr_border_fmr1e-6" in text
