"""Lab 3 (The base-rate fallacy): checks of the notebook's own promises, beyond the course-wide harness tests.

The course-wide tests (test_release.py, test_autograde.py) grade the lab through
nbgrader, and test_lab_structure.py checks its objectives, points and check cells;
these read the source notebook and ask lab-specific questions: do hidden tests
of the students' functions switch the reference metrics off (so that delegating
to them earns nothing), does a correct simulation written another way still pass
the Monte-Carlo check, do the visible checks catch the classic slips and those
of the new-student trial, does each written question state its criteria, are
case-study figures loaded rather than typed, and are the illustrative values
labelled as assumptions.
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
from lab_notebooks import check_calls, created_names, printed, run_solution, split_hidden, without_markers
from nbgrader_harness import grade_id
from tests.wrong_answers.lab3_base_rates import WRONG_ANSWERS

LAB = "lab3-base-rates"
SOURCE = REPO_ROOT / "solutions" / LAB / f"{LAB}.ipynb"
RELEASE = REPO_ROOT / "labs" / LAB / f"{LAB}.ipynb"
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


def _cells(nb) -> dict:
    return {grade_id(c): c for c in nb.cells if grade_id(c)}


@pytest.fixture(scope="module")
def solved(source):
    """Namespace after running the source's setup, locked and solution cells in this process (no kernel)."""
    return run_solution(source)


def _run(code: str, namespace: dict, name: str = "check") -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, name, "exec"), namespace)


# --------------------------------------------------------------------------- written answers


def test_manual_answers_cover_the_issues_written_tasks(source):
    """Are the claim's rewrite (1), the denominators (7) and the memo (9) graded by hand, the memo by criteria?"""
    manual = {grade_id(c): c for c in source.cells if nbutils.is_grade(c) and nbutils.is_solution(c)
              and c.cell_type == "markdown"}
    assert set(manual) == {"l3-specification", "l3-denominators", "l3-memo"}
    memo = manual["l3-memo"].source
    scheme = memo[memo.index("=== BEGIN MARK SCHEME ==="):]
    for topic in ("Numbers", "Assumptions", "Perspectives", "Judgement", "P1", "P2", "P3"):
        assert topic in scheme, f"the memo's rubric does not mention {topic}"
    assert "do not reward or penalise the position taken" in scheme


def test_each_written_question_states_the_criteria_of_its_mark_scheme(source):
    """Can students see what is graded? The question above each manual answer lists one bullet per criterion."""
    assert "instructor's guide" not in source.cells[0].source, "students cannot read the instructor's guide"
    for index, cell in enumerate(source.cells):
        if not (nbutils.is_grade(cell) and nbutils.is_solution(cell) and cell.cell_type == "markdown"):
            continue
        question = source.cells[index - 1].source
        scheme = cell.source[cell.source.index("=== BEGIN MARK SCHEME ==="):]
        criteria = re.findall(r"^- ", scheme, re.M)
        bullets = re.findall(r"^- \*", question, re.M)
        assert re.search(r"graded by hand:[^)]*criteria", question), f"{grade_id(cell)}: no criteria named"
        assert len(bullets) == len(criteria) >= 3, f"{grade_id(cell)}: {len(bullets)} bullets, {len(criteria)} criteria"


# --------------------------------------------------------------------------- hidden tests and the reference


def _functions_defined(source: str) -> set[str]:
    return {node.name for node in ast.parse(without_markers(source)).body if isinstance(node, ast.FunctionDef)}


def test_hidden_tests_call_every_student_function_without_the_reference(source):
    """Does each check cell's hidden region call each function its answer cell defines through without_reference?"""
    cells = _cells(source)
    checked = 0
    for gid, cell in cells.items():
        if not gid.endswith("-answer"):
            continue
        for name in _functions_defined(cell.source):
            _, hidden = split_hidden(cells[gid.removesuffix("-answer")].source)
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
    _, hidden = split_hidden(cells[check].source)
    namespace = dict(solved)
    _run(hidden, namespace)  # the solution passes the hidden tests
    _run(f"from biometrics_lab import _rates\n"
         f"def {answer}({arguments}):\n    return _rates.{reference}({arguments})", namespace)
    with pytest.raises(_rates.ReferenceBlocked):
        _run(hidden, namespace)


def test_a_correct_simulation_written_another_way_passes_the_hidden_checks(source, solved):
    """Is the Monte-Carlo check a tolerance around the formula, not the solution's own random draws?"""
    _, hidden = split_hidden(_cells(source)["l3-montecarlo"].source)
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
    _, hidden = split_hidden(_cells(source)["l3-montecarlo"].source)
    calls = [call for call in check_calls(hidden) if isinstance(call.args[0], ast.Call)
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


@pytest.mark.parametrize("name", [answer["name"] for answer in WRONG_ANSWERS])
def test_visible_checks_catch_the_classic_slips(source, solved, name):
    """Does the check cell after the answer fail on its visible checks alone, with a hint?"""
    answer = next(a for a in WRONG_ANSWERS if a["name"] == name)
    cells = _cells(source)
    visible, _ = split_hidden(cells[answer["loses"][0]].source)
    _run(visible, dict(solved))  # the solution passes the same visible checks
    namespace = dict(solved)
    _run(answer["source"], namespace)
    with pytest.raises(AssertionError, match=": "):  # "expected ..., got ...: <hint>" or "check failed: <hint>"
        _run(visible, namespace)


# Slips of the new-student trial (2026-11-27) that passed the visible checks then, checked here in-process rather
# than through nbgrader (each nbgrader run costs ~10 s): (answer cell, check cell, the answer cell's new source).
_BASIC_FPIR = ("def fpir(fmr, gallery_size):\n    return 1 - (1 - fmr) ** gallery_size\n\n"
               "def false_candidates(fmr, gallery_size):\n    return gallery_size * fmr\n")
_SIMULATION = ("def simulate_fpir(fmr, gallery_size, searches, seed):\n    rng = np.random.default_rng(seed)\n"
               "    scores = rng.standard_normal((searches, gallery_size))\n    return float({share})\n")
_MC_VALUES = ("mc_estimate = {estimate}\n"
              "mc_standard_error = np.sqrt(mc_estimate * (1 - mc_estimate) / MC_SEARCHES)\n")


def _monte_carlo(share: str, estimate: str = "simulate_fpir(MC_FMR, MC_GALLERY, MC_SEARCHES, seed=0)") -> tuple:
    """A slip in Question 4.2: `share` computed from the (searches, gallery_size) array `scores`."""
    return ("l3-montecarlo-answer", "l3-montecarlo",
            _SIMULATION.format(share=share) + _MC_VALUES.format(estimate=estimate))


_WATCHLIST = "def watchlist_day(k, crossers, tpr, fpr):\n{body}\nppv_by_k = np.array([{share} for k in K_VALUES])\n"
_WATCHLIST_OK = ("    c = expected_counts(crossers, k / crossers, tpr, fpr)\n"
                 "    return {'alarms': c['tp'] + c['fp'], 'true_alarms': c['tp'], 'ppv': ppv(k / crossers, tpr, fpr)}")
_PPV_BY_K = "watchlist_day(k, DAILY_CROSSERS, TPR_GENEROUS, FPR_GENEROUS)['ppv']"
_THERMAL = ("def screening_rates(d_prime, threshold):\n"
            "    return float(norm.sf(threshold - d_prime)), float(norm.sf(threshold))\n"
            "thermal_threshold = D_PRIME + norm.isf(THERMAL_TPR)\nthermal_ppv = {ppv}\n"
            "face_d_prime = norm.isf(FPR_GENEROUS) - norm.isf(TPR_GENEROUS)\n")
_POLICE = ("swp_ppv = (SWP_ALERTS - SWP_FALSE_ALERTS) / SWP_ALERTS\nmet_ppv = MET_CORRECT / MET_MATCHES\n"
           "met_implied_faces = {faces} / MET_FALSE_ALERT_RATE\n")
_NPL = ("npl_fmr = 1 - (1 - NPL_FPIR) ** (1 / NPL_WATCHLIST)\nnpl_fpir_gallery = fpir(npl_fmr, {gallery})\n"
        "npl_false_alerts_per_day = DAILY_CROSSERS * npl_fpir_gallery\n")
_PROSECUTOR = ("p_match_given_innocent = FMR_EXAMPLES[{index}]\n\n"
               "def p_innocent_given_match(fmr, gallery_size, tpr, prior_in_gallery):\n"
               "    false = {false}\n    return false / (false + prior_in_gallery * {tpr})\n")
TRIAL_SLIPS = {
    "needed: all ten letters": ("l3-needed-answer", "l3-needed", "needed = set('ABCDEFGHIJ')"),
    "counts: rounded to whole people": (
        "l3-counts-answer", "l3-counts",
        "def expected_counts(n, prevalence, tpr, fpr):\n    i = n * prevalence\n"
        "    return {'tp': round(i * tpr), 'fp': round((n - i) * fpr), 'fn': round(i * (1 - tpr)),\n"
        "            'tn': round((n - i) * (1 - fpr))}"),
    "ppv: counts of 100,000 people rounded": (
        "l3-ppv-answer", "l3-ppv",
        "def ppv(prevalence, tpr, fpr):\n    tp, fp = round(1e5 * prevalence * tpr), round(1e5 * (1 - prevalence) * fpr)\n"
        "    return tp / (tp + fp)"),
    "watchlist: FPR applied to all crossers": (
        "l3-watchlist-answer", "l3-watchlist", _WATCHLIST.format(share=_PPV_BY_K, body=(
            "    tp, fp = k * tpr, crossers * fpr\n    return {'alarms': tp + fp, 'true_alarms': tp, 'ppv': tp / (tp + fp)}"))),
    "watchlist: alarms are the false ones": (
        "l3-watchlist-answer", "l3-watchlist", _WATCHLIST.format(share=_PPV_BY_K, body=(
            "    c = expected_counts(crossers, k / crossers, tpr, fpr)\n"
            "    return {'alarms': c['fp'], 'true_alarms': c['tp'], 'ppv': c['tp'] / c['fp']}"))),
    "watchlist: prevalence k / (crossers + k)": (
        "l3-watchlist-answer", "l3-watchlist", _WATCHLIST.format(share=_PPV_BY_K, body=(
            "    p = k / (crossers + k)\n    c = expected_counts(crossers, p, tpr, fpr)\n"
            "    return {'alarms': c['tp'] + c['fp'], 'true_alarms': c['tp'], 'ppv': ppv(p, tpr, fpr)}"))),
    "watchlist: ppv_by_k with tpr and fpr swapped": (
        "l3-watchlist-answer", "l3-watchlist",
        _WATCHLIST.format(body=_WATCHLIST_OK, share=_PPV_BY_K.replace("TPR_GENEROUS, FPR_GENEROUS",
                                                                      "FPR_GENEROUS, TPR_GENEROUS"))),
    "watchlist: ppv_by_k over the gallery": (
        "l3-watchlist-answer", "l3-watchlist",
        _WATCHLIST.format(body=_WATCHLIST_OK, share="ppv(k / GALLERY_SIZE, TPR_GENEROUS, FPR_GENEROUS)")),
    "fpir: arrays for the daily crossers": (
        "l3-fpir-answer", "l3-fpir", _BASIC_FPIR
        + "fpir_gallery = np.array([fpir(f, DAILY_CROSSERS) for f in FMR_EXAMPLES])\n"
        "candidates_gallery = np.array([false_candidates(f, DAILY_CROSSERS) for f in FMR_EXAMPLES])"),
    "fpir: arrays swapped": (
        "l3-fpir-answer", "l3-fpir", _BASIC_FPIR
        + "candidates_gallery = np.array([fpir(f, GALLERY_SIZE) for f in FMR_EXAMPLES])\n"
        "fpir_gallery = np.array([false_candidates(f, GALLERY_SIZE) for f in FMR_EXAMPLES])"),
    "fpir: fpir_gallery is N x FMR": (
        "l3-fpir-answer", "l3-fpir", _BASIC_FPIR + "fpir_gallery = GALLERY_SIZE * FMR_EXAMPLES\n"
        "candidates_gallery = np.array([false_candidates(f, GALLERY_SIZE) for f in FMR_EXAMPLES])"),
    "montecarlo: threshold norm.ppf": _monte_carlo("np.mean((scores >= norm.ppf(fmr)).any(axis=1))"),
    "montecarlo: all instead of any": _monte_carlo("np.mean((scores >= norm.isf(fmr)).all(axis=1))"),
    "montecarlo: share of matching scores": _monte_carlo("np.mean(scores >= norm.isf(fmr))"),
    "montecarlo: mc_estimate from the formula": _monte_carlo("np.mean((scores >= norm.isf(fmr)).any(axis=1))",
                                                             estimate="fpir(MC_FMR, MC_GALLERY)"),
    "footage: share_true ignores the tpr": (
        "l3-footage-answer", "l3-footage",
        "def footage_search(faces, fmr, tpr):\n    false = false_candidates(fmr, faces)\n"
        "    return {'false_candidates': false, 'p_any_false': fpir(fmr, faces), 'share_true': 1 / (1 + false)}"),
    "thermal: ppv with the face matcher's FPR": (
        "l3-thermal-answer", "l3-thermal", _THERMAL.format(ppv="ppv(THERMAL_PREVALENCE, THERMAL_TPR, FPR_GENEROUS)")),
    "thermal: fpr = 1 - tpr": (
        "l3-thermal-answer", "l3-thermal", _THERMAL.format(ppv="ppv(THERMAL_PREVALENCE, THERMAL_TPR, 1 - THERMAL_TPR)")),
    "police: met_ppv over matches plus correct ones": (
        "l3-police-answer", "l3-police",
        _POLICE.format(faces="(MET_MATCHES - MET_CORRECT)").replace("MET_CORRECT / MET_MATCHES",
                                                                     "MET_CORRECT / (MET_MATCHES + MET_CORRECT)")),
    "police: implied faces from all matches": ("l3-police-answer", "l3-police", _POLICE.format(faces="MET_MATCHES")),
    "police: implied faces from the correct ones": ("l3-police-answer", "l3-police", _POLICE.format(faces="MET_CORRECT")),
    "npl: gallery of the daily crossers": ("l3-npl-answer", "l3-npl", _NPL.format(gallery="DAILY_CROSSERS")),
    "npl: gallery of the NPL watchlist": ("l3-npl-answer", "l3-npl", _NPL.format(gallery="NPL_WATCHLIST")),
    "prosecutor: tpr ignored": (
        "l3-prosecutor-answer", "l3-prosecutor",
        _PROSECUTOR.format(index=0, false="(gallery_size - prior_in_gallery) * fmr", tpr="1")),
    "prosecutor: P(any false candidate) for the count": (
        "l3-prosecutor-answer", "l3-prosecutor",
        _PROSECUTOR.format(index=0, false="fpir(fmr, gallery_size - prior_in_gallery)", tpr="tpr")),
    "prosecutor: gallery_size - 1 others whatever the prior": (
        "l3-prosecutor-answer", "l3-prosecutor",
        _PROSECUTOR.format(index=0, false="(gallery_size - 1) * fmr", tpr="tpr").replace(
            "    return", "    if false + prior_in_gallery * tpr == 0:\n        return 1.0\n    return")),
    "prosecutor: another FMR": (
        "l3-prosecutor-answer", "l3-prosecutor",
        _PROSECUTOR.format(index=1, false="(gallery_size - prior_in_gallery) * fmr", tpr="tpr")),
}


@pytest.mark.parametrize("name", TRIAL_SLIPS)
def test_visible_checks_catch_the_trials_slips(source, solved, name):
    """Does the check cell right after the answer fail on its visible checks alone, with a hint?"""
    answer_id, check_id, code = TRIAL_SLIPS[name]
    visible, _ = split_hidden(_cells(source)[check_id].source)
    namespace = dict(solved)
    _run(code, namespace, answer_id)
    with pytest.raises(AssertionError, match=": "):
        _run(visible, namespace)


def test_needs_names_the_question_of_every_name_a_student_creates(source, solved):
    """Does needs() map each name the grading table says students create to its question, and only those?"""
    assert created_names(source) == solved["ANSWERS"]
    for name, message in [("fpir_gallery", "Question 4.1 first"), ("mc_estimate", "Question 4.2 first"),
                          ("FMR_EXAMPLES", "run the cells above")]:
        namespace = dict(solved)
        output = printed(f"result = needs(lambda: eval({name!r}, {{}}))", namespace)
        assert message in output and namespace["result"] is None, output

    cells = _cells(source)
    namespace = dict(solved)
    output = printed(without_markers(cells["l3-watchlist-answer"].source)  # the released stub of 2.1, called in 3.1
                     + "\n\ndef expected_counts(n, prevalence, tpr, fpr):\n    raise NotImplementedError()\n\n"
                     "result = needs(lambda: watchlist_day(10, 1000, 0.9, 0.1))", namespace)
    assert "Question 2.1 first" in output and namespace["result"] is None

    namespace = dict(solved)  # rounded counts: a PPV computed for one person divides 0 by 0
    output = printed(TRIAL_SLIPS["counts: rounded to whole people"][2] + "\n\n"
                     + without_markers(cells["l3-ppv-answer"].source)
                     + "\n\nresult = needs(lambda: ppv(1e-4, 0.999, 0.001))", namespace)
    assert "Your `ppv` raised ZeroDivisionError" in output and "Question 2.2" in output, output
    assert namespace["result"] is None
    with pytest.raises(ZeroDivisionError):  # an error in the lab's own code is not blamed on a student
        solved["needs"](lambda: 1 / 0)


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
