"""Lab 3 (The base-rate fallacy): checks of the notebook's own promises, beyond the course-wide harness tests.

The course-wide tests (test_release.py, test_autograde.py) grade the lab through
nbgrader; these read the source notebook and ask lab-specific questions: does
every objective point at graded work, does every check cell have visible checks
and hidden value tests, do hidden tests of the students' functions switch the
reference metrics off (so that delegating to them earns nothing), does a correct
simulation written another way still pass the Monte-Carlo check, do the visible
checks catch the classic slips, are case-study figures loaded rather than typed,
and are the illustrative values labelled as assumptions.
"""

from __future__ import annotations

import ast
import contextlib
import io
import re

import nbformat
import numpy as np
import pytest
from nbgrader import utils as nbutils

from biometrics_lab import _rates, casestudy
from biometrics_lab._paths import REPO_ROOT
from tests.wrong_answers.lab3_base_rates import WRONG_ANSWERS

LAB = "lab3-base-rates"
SOURCE = REPO_ROOT / "solutions" / LAB / f"{LAB}.ipynb"
RELEASE = REPO_ROOT / "labs" / LAB / f"{LAB}.ipynb"
CHECKS = ("expect_close", "expect_equal", "expect_true")
# Wrong answers whose slip the check cell's visible checks must catch (with a hint), not only the hidden tests.
CAUGHT_VISIBLY = ("needed leaves out who is screened", "counts apply the fpr to everyone", "ppv is the tpr",
                  "fpir is n times fmr", "footage p_any_false is faces times fmr", "screening rates from the cdf",
                  "met ppv from the stated false-alert rate", "npl fpir read as fmr", "prosecutor's fallacy")
# Students' functions that have a counterpart in biometrics_lab._rates: (answer, reference, arguments).
DELEGATIONS = [
    ("expected_counts", "confusion_counts", "n, prevalence, tpr, fpr"),
    ("ppv", "ppv", "prevalence, tpr, fpr"),
    ("fpir", "fpir", "fmr, gallery_size"),
    ("false_candidates", "false_candidates", "fmr, gallery_size"),
]


@pytest.fixture(scope="module")
def source():
    return nbformat.read(SOURCE, as_version=4)


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _cells(nb) -> dict:
    return {_meta(c)["grade_id"]: c for c in nb.cells if _meta(c)}


def _graded(nb) -> dict[str, float]:
    """grade_id -> points of every cell that carries points."""
    return {_meta(c)["grade_id"]: float(_meta(c).get("points", 0)) for c in nb.cells if nbutils.is_grade(c)}


def _test_cells(nb) -> list:
    return [c for c in nb.cells if nbutils.is_grade(c) and not nbutils.is_solution(c)]


def _split_hidden(source: str) -> tuple[str, str]:
    """Return (visible, hidden) parts of a test cell's source."""
    match = re.search(r"^### BEGIN HIDDEN TESTS$(.*?)^### END HIDDEN TESTS$", source, re.M | re.S)
    if match is None:
        return source, ""
    return source[:match.start()] + source[match.end():], match.group(1)


def _check_calls(code: str) -> list[ast.Call]:
    return [node for node in ast.walk(ast.parse(code))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in CHECKS]


def _intro_table(nb, start: str, end: str) -> str:
    intro = nb.cells[0].source
    return intro[intro.index(start):intro.index(end)]


def _code(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if "### BEGIN" not in line and "### END" not in line)


@pytest.fixture(scope="module")
def solved(source):
    """Namespace after running the source's setup, locked and solution cells in this process (no kernel)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    namespace: dict = {}
    for cell in source.cells:
        if cell.cell_type != "code" or nbutils.is_grade(cell):
            continue
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(_code(cell.source), _meta(cell)["grade_id"], "exec"), namespace)
        plt.close("all")
    return namespace


def _run(code: str, namespace: dict, name: str = "check") -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, name, "exec"), namespace)


# --------------------------------------------------------------------------- structure


def test_every_objective_points_at_graded_cells_and_every_graded_cell_at_an_objective(source):
    """Does each learning objective name graded cells that exist, and is every graded cell named by one?"""
    table = _intro_table(source, "## Learning objectives", "## What is graded")
    rows = [line for line in table.splitlines() if re.match(r"\|\s*O\d+\s*\|", line)]
    assert len(rows) >= 5, "the objectives table is missing"
    graded, named = _graded(source), set()
    for row in rows:
        ids = set(re.findall(r"`(l3-[a-z0-9-]+)`", row))
        assert ids, f"objective without a graded cell: {row}"
        assert ids <= set(graded), f"objective names cells that are not graded: {sorted(ids - set(graded))}"
        named |= ids
    assert named == set(graded), f"graded cells no objective names: {sorted(set(graded) - named)}"


def test_grading_table_sums_to_the_nbgrader_points(source):
    """Do the points column of 'What is graded and how' and nbgrader's points agree, question by question?"""
    table = _intro_table(source, "## What is graded", "Total points:")
    stated = {}
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"\d+\.\d+", cells[0]):
            stated[cells[0]] = float(cells[2])
    assert sum(stated.values()) == sum(_graded(source).values()) > 0
    assert len(stated) == len(_graded(source)), "one row per graded cell"


def test_every_check_cell_has_visible_checks_and_hidden_value_tests(source):
    """Can students get feedback from each check cell, and are its hidden tests comparisons with literals?"""
    cells = _test_cells(source)
    assert len(cells) >= 9, "the issue asks for nine graded tasks, most of them autograded"
    for cell in cells:
        gid = _meta(cell)["grade_id"]
        visible, hidden = _split_hidden(cell.source)
        assert _check_calls(visible), f"{gid}: no visible check"
        calls = [call for call in _check_calls(hidden) if call.func.id != "expect_true"]
        assert calls, f"{gid}: hidden tests should compare values"
        for call in calls:
            ast.literal_eval(call.args[1])  # raises if the expected value is code, not a literal


def test_manual_answers_cover_the_issues_written_tasks(source):
    """Are the claim's rewrite (1), the denominators (7) and the memo (9) graded by hand, the memo by criteria?"""
    manual = {_meta(c)["grade_id"]: c for c in source.cells if nbutils.is_grade(c) and nbutils.is_solution(c)
              and c.cell_type == "markdown"}
    assert set(manual) == {"l3-specification", "l3-denominators", "l3-memo"}
    memo = manual["l3-memo"].source
    scheme = memo[memo.index("=== BEGIN MARK SCHEME ==="):]
    for topic in ("Numbers", "Assumptions", "Perspectives", "Judgement", "P1", "P2", "P3"):
        assert topic in scheme, f"the memo's rubric does not mention {topic}"
    assert "do not reward or penalise the position taken" in scheme


# --------------------------------------------------------------------------- hidden tests and the reference


def _functions_defined(source: str) -> set[str]:
    return {node.name for node in ast.parse(_code(source)).body if isinstance(node, ast.FunctionDef)}


def test_hidden_tests_call_every_student_function_without_the_reference(source):
    """Does each check cell's hidden region call each function its answer cell defines through without_reference?"""
    cells = _cells(source)
    checked = 0
    for gid, cell in cells.items():
        if not gid.endswith("-answer"):
            continue
        for name in _functions_defined(cell.source):
            _, hidden = _split_hidden(cells[gid.removesuffix("-answer")].source)
            assert re.search(rf"without_reference\(\s*(lambda:.*)?\b{name}\b", hidden), (
                f"{gid}: the hidden tests never call {name} through without_reference")
            checked += 1
    assert checked == 9  # every function students write


@pytest.mark.parametrize("answer, reference, arguments", DELEGATIONS)
def test_an_answer_that_delegates_to_the_reference_earns_nothing(source, solved, answer, reference, arguments):
    """With the answer replaced by a call of biometrics_lab._rates, does the hidden region of its check cell fail?"""
    cells = _cells(source)
    check = next(gid for gid, cell in cells.items() if gid.endswith("-answer")
                 and answer in _functions_defined(cell.source)).removesuffix("-answer")
    _, hidden = _split_hidden(cells[check].source)
    namespace = dict(solved)
    _run(hidden, namespace)  # the solution passes the hidden tests
    _run(f"from biometrics_lab import _rates\n"
         f"def {answer}({arguments}):\n    return _rates.{reference}({arguments})", namespace)
    with pytest.raises(_rates.ReferenceBlocked):
        _run(hidden, namespace)


def test_a_correct_simulation_written_another_way_passes_the_hidden_checks(source, solved):
    """Is the Monte-Carlo check a tolerance around the formula, not the solution's own random draws?"""
    _, hidden = _split_hidden(_cells(source)["l3-montecarlo"].source)
    namespace = dict(solved)
    _run('''
def simulate_fpir(fmr, gallery_size, searches, seed):
    """Draw gallery by gallery, column-major, with the best score of each search."""
    rng = np.random.default_rng(seed + 1000)
    best = rng.standard_normal((gallery_size, searches)).max(axis=0)
    return np.count_nonzero(best >= norm.isf(fmr)) / searches

mc_estimate = simulate_fpir(MC_FMR, MC_GALLERY, MC_SEARCHES, seed=0)
mc_standard_error = np.sqrt(mc_estimate * (1 - mc_estimate) / MC_SEARCHES)
''', namespace)
    assert namespace["mc_estimate"] != solved["mc_estimate"]
    _run(hidden, namespace)


def test_monte_carlo_tolerances_leave_at_least_four_standard_errors(source):
    """Would a correct simulation fail the hidden checks only by rare bad luck (|z| > 4)?"""
    _, hidden = _split_hidden(_cells(source)["l3-montecarlo"].source)
    calls = [call for call in _check_calls(hidden) if isinstance(call.args[0], ast.Call)
             and getattr(call.args[0].func, "id", "") == "without_reference"
             and any(getattr(arg, "id", "") == "simulate_fpir" for arg in call.args[0].args)]
    assert len(calls) == 2
    for call in calls:
        fmr, gallery, searches = (ast.literal_eval(arg) for arg in call.args[0].args[1:4])
        expected = ast.literal_eval(call.args[1])
        atol = next(ast.literal_eval(k.value) for k in call.keywords if k.arg == "atol")
        p = _rates.fpir(fmr, gallery)
        assert expected == pytest.approx(p, rel=1e-8)
        assert atol >= 4 * np.sqrt(p * (1 - p) / searches)
        assert atol <= 0.5 * min(p, 1 - p), "a tolerance this wide would also pass N x FMR or the FMR"


def test_the_solutions_simulation_agrees_with_the_formula_across_seeds(solved):
    """Over 20 seeds, do the solution's estimates scatter around the formula as its standard error says?"""
    p = _rates.fpir(solved["MC_FMR"], solved["MC_GALLERY"])
    n = solved["MC_SEARCHES"]
    z = np.array([(solved["simulate_fpir"](solved["MC_FMR"], solved["MC_GALLERY"], n, seed) - p)
                  / np.sqrt(p * (1 - p) / n) for seed in range(20)])
    assert np.all(np.abs(z) < 4)
    assert abs(z.mean()) < 4 / np.sqrt(20)
    assert 0.4 < z.std() < 1.8


# --------------------------------------------------------------------------- visible checks, needs()


@pytest.mark.parametrize("name", CAUGHT_VISIBLY)
def test_visible_checks_catch_the_classic_slips(source, solved, name):
    """Does the check cell after the answer fail on its visible checks alone, with a hint?"""
    answer = next(a for a in WRONG_ANSWERS if a["name"] == name)
    cells = _cells(source)
    visible, _ = _split_hidden(cells[answer["loses"][0]].source)
    _run(visible, dict(solved))  # the solution passes the same visible checks
    namespace = dict(solved)
    _run(answer["source"], namespace)
    with pytest.raises(AssertionError, match=": "):  # "expected ..., got ...: <hint>" or "check failed: <hint>"
        _run(visible, namespace)


def test_needs_names_the_question_of_every_name_a_student_creates(source, solved):
    """Does needs() map each name the grading table says students create to its question, and only those?"""
    table = _intro_table(source, "## What is graded", "Total points:")
    created = {}
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"\d+\.\d+", cells[0]):
            for name in re.findall(r"`([a-z_]+)", cells[1]):
                created[name] = cells[0]
    assert created == solved["ANSWERS"]
    needs = solved["needs"]
    for name, message in [("fpir_gallery", "Question 4.1 first"), ("mc_estimate", "Question 4.2 first"),
                          ("FMR_EXAMPLES", "run the cells above")]:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert needs(lambda: eval(name, {})) is None
        assert message in out.getvalue(), out.getvalue()

    namespace = dict(solved)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):  # the released stub of Question 2.1, called from Question 3.1's function
        exec(_code(_cells(source)["l3-watchlist-answer"].source), namespace)
        exec("def expected_counts(n, prevalence, tpr, fpr):\n    raise NotImplementedError()\n\n"
             "result = needs(lambda: watchlist_day(10, 1000, 0.9, 0.1))", namespace)
    assert "Question 2.1 first" in out.getvalue() and namespace["result"] is None


# --------------------------------------------------------------------------- case-study figures and assumptions


def test_case_study_figures_are_loaded_not_typed():
    """Does the students' notebook load the case figures from biometrics_lab.casestudy instead of typing them?"""
    text = "\n".join(cell.source for cell in nbformat.read(RELEASE, as_version=4).cells)
    for key in ("edid_holders", "daily_crossers", "swp_alerts", "swp_false_alerts", "npl_watchlist_size",
                "swp_visitors"):
        value = casestudy.figure(key).value
        typed = [form for form in (f"{value:,}", str(value), f"{value:_}")
                 if re.search(rf"(?<![\d.,]){re.escape(form)}(?![\d,])", text)]
        assert not typed, f"{key} = {value} is typed in the lab: {typed}"
    rate = casestudy.figure("vendor_identification_rate").value
    assert f"{100 * rate:g}" not in text and str(rate) not in text, "the vendor's rate is typed"
    assert not re.search(r"1 in 1,000(?![,\d])", text), "the Met's stated rate is typed"
    assert not re.search(r"1 in 6,000|8 of 42", text)
    for key in ("vendor_identification_rate", "edid_holders", "daily_crossers", "swp_alerts", "met_matches",
                "met_correct", "met_false_alert_rate", "npl_fpir", "npl_watchlist_size"):
        assert f'casestudy.figure("{key}")' in text, f"{key} is not loaded from casestudy"


def test_illustrative_values_are_labelled_as_assumptions(source):
    """Are the values that no source gives (watchlist size, d', thermal base rate) marked as assumptions where set?"""
    text = "\n".join(cell.source for cell in source.cells)
    for name in ("WATCHLIST_K", "D_PRIME", "THERMAL_PREVALENCE", "TPR_GENEROUS", "FPR_GENEROUS"):
        line = next(line for line in text.splitlines() if re.match(rf"{name}\s*=", line))
        assert "assumption" in line, f"{name} is set without saying it is an assumption: {line}"
    assert "illustrative assumptions" in text and "not measured figures" in text


def test_the_lab_reproduces_the_fact_sheets_fpir_arithmetic(solved):
    """Do the lab's FPIRs for the database's gallery match the course fact sheet (0.36, 0.044, 0.0045)?"""
    assert solved["fpir_gallery"] == pytest.approx([0.36, 0.044, 0.0045], rel=0.02)
    assert solved["candidates_gallery"][0] > solved["fpir_gallery"][0]
