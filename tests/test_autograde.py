"""Does nbgrader grade each lab as intended: full marks for the solution, zero untouched, points lost for wrong answers?

Every score comes from nbgrader itself (``NbGraderAPI.autograde`` in a
scratch course, read back from its gradebook; see ``nbgrader_harness``).
Parametrised over ``biometrics_lab.course.available_labs()`` plus the
harness's fixture lab. All students of a lab share one session-wide course
and gradebook, and each submission is autograded once per session.

Wrong answers come from ``tests/wrong_answers/<lab with - as _>.py``: a list
``WRONG_ANSWERS`` of dicts with ``name``, ``grade_id`` (the solution cell
whose whole source is replaced), ``source``, ``loses`` (autograder test cells
that must lose points) and ``why``.
"""

from __future__ import annotations

import re

import pytest

from nbgrader_harness import (
    ScratchCourse, autograded_test_ids, course_specs, fixture_spec, grade_id, is_autograded_test,
    load_release, load_solution, load_wrong_answers, replace_solution, solution_ids, solved_release,
)

SPECS = [fixture_spec()] + course_specs()
IDS = [spec.lab for spec in SPECS]
WRONG = [(spec, answer) for spec in SPECS for answer in load_wrong_answers(spec)]
WRONG_IDS = [f"{spec.lab}:{answer.get('name')}" for spec, answer in WRONG]
REQUIRED_KEYS = {"name", "grade_id", "source", "loses", "why"}
# The first test of a lab waits for the lab's whole batch (solution, untouched, every wrong
# answer): allow a minute per submission on top of the suite's per-test limit.
BATCH_TIMEOUT = 600 + 60 * max(len(load_wrong_answers(spec)) + 2 for spec in SPECS)
batch_timeout = pytest.mark.timeout(BATCH_TIMEOUT)


def _student_id(answer) -> str:
    return "wrong-" + re.sub(r"[^a-z0-9]+", "-", answer["name"].lower()).strip("-")


def _submission(spec, student):
    """The notebook that ``student`` hands in: the solved release, the untouched release or a wrong answer."""
    release = load_release(spec.lab, spec.labs)
    if student == "untouched":
        return release
    solved = solved_release(release, load_solution(spec.lab, spec.solutions))
    if student == "solution":
        return solved
    answer = next(answer for answer in load_wrong_answers(spec) if _student_id(answer) == student)
    return replace_solution(solved, answer["grade_id"], answer["source"])


def _selected_students(session, spec) -> set[str]:
    """Students that the selected tests need for ``spec`` (``@pytest.mark.student`` or a wrong answer)."""
    students = set()
    for item in session.items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if params.get("spec") != spec:
            continue
        marker = item.get_closest_marker("student")
        if marker is not None:
            students.add(marker.args[0])
        if "answer" in params:
            students.add(_student_id(params["answer"]))
    return students


@pytest.fixture(scope="session")
def graded(request, scratch_course):
    """Return ``get(spec, student) -> GradeReport``.

    The first request for a lab autogrades, in one parallel batch, every
    submission that the selected tests of that lab need; later requests read
    the cached reports.
    """
    def get(spec, student):
        course = scratch_course(spec)
        if course.report(spec.lab, student) is None:
            students = sorted(_selected_students(request.session, spec) | {student})
            missing = [name for name in students if course.report(spec.lab, name) is None]
            course.grade_many(spec.lab, {name: _submission(spec, name) for name in missing})
        return course.report(spec.lab, student)

    return get


# --------------------------------------------------------------------------- (a) solution


@pytest.mark.slow
@batch_timeout
@pytest.mark.student("solution")
@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_solution_autogrades_to_full_marks(spec, graded):
    """Does the solution, typed into the release by a student, get full marks on every autograded cell?"""
    report = graded(spec, "solution")
    assert report.success and not report.problems, report.describe()
    assert sorted(report.scores) == sorted(autograded_test_ids(load_solution(spec.lab, spec.solutions)))
    assert not report.lost, f"solution loses points on {sorted(report.lost)}\n{report.cell_errors()}"
    assert report.total == report.max_total > 0


# --------------------------------------------------------------------------- (b) untouched release


@pytest.mark.slow
@batch_timeout
@pytest.mark.student("untouched")
@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_untouched_release_autogrades_to_zero(spec, graded):
    """Does the release, submitted unchanged, autograde without failure, timeout or dead kernel, and score 0?"""
    report = graded(spec, "untouched")
    assert report.success and not report.problems, report.describe()
    assert report.scores and report.total == 0, report.describe()
    # nbgrader scores an unchanged manual answer 0 by its checksum.
    assert all(score == 0 for score, _ in report.manual.values()), report.manual


@pytest.mark.slow
@batch_timeout
@pytest.mark.student("untouched")
@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_untouched_release_runs_every_other_cell(spec, graded):
    """Do the cells between questions (setup, figures, widgets) run when no question is answered?

    DESIGN.md: "a cell after a question must still work when run on its own".
    nbgrader runs every cell in order and keeps going after errors, so only
    answer cells (stubs) and test cells may raise in an untouched release.
    """
    report = graded(spec, "untouched")
    allowed = set(solution_ids(report.notebook)) | set(autograded_test_ids(report.notebook))
    errors = {cell: error for cell, error in report.cell_errors().items() if cell not in allowed}
    assert not errors, f"cells that fail before any answer is written: {errors}"


# --------------------------------------------------------------------------- (f) wrong answers


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_wrong_answer_table_is_well_formed(spec):
    """Does every wrong answer name a solution cell, the test cells it loses, and why?"""
    source = load_solution(spec.lab, spec.solutions)
    solutions, tests = set(solution_ids(source)), set(autograded_test_ids(source))
    answers = load_wrong_answers(spec)
    for answer in answers:
        assert set(answer) == REQUIRED_KEYS, f"{answer.get('name')}: keys {sorted(answer)} != {sorted(REQUIRED_KEYS)}"
        assert answer["grade_id"] in solutions, f"{answer['name']}: {answer['grade_id']!r} is not a solution cell"
        assert answer["loses"] and set(answer["loses"]) <= tests, (
            f"{answer['name']}: loses {answer['loses']} must be autograded test cells of {sorted(tests)}")
        assert answer["why"].strip() and answer["source"].strip()
    # Each wrong answer is graded as its own student, named after it.
    students = [_student_id(answer) for answer in answers]
    assert len(set(students)) == len(students), f"wrong-answer names repeat: {[a['name'] for a in answers]}"


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_every_autograded_task_has_a_wrong_answer(spec):
    """Is every autograded test cell shown to catch at least one plausible wrong answer?"""
    tests = autograded_test_ids(load_solution(spec.lab, spec.solutions))
    caught = {cell for answer in load_wrong_answers(spec) for cell in answer["loses"]}
    missing = [cell for cell in tests if cell not in caught]
    assert not missing, (f"no wrong answer in {spec.wrong_answers} loses points on {missing}; "
                         "add one per autograded task")


@pytest.mark.slow
@batch_timeout
@pytest.mark.parametrize("spec,answer", WRONG, ids=WRONG_IDS)
def test_wrong_answer_loses_points(spec, answer, graded):
    """Does the wrong answer lose points on (at least) the cells it names, while earlier cells keep theirs?

    nbgrader runs cells in order, so a wrong answer cannot affect a test
    above its own cell: those must keep full marks. Later cells not named in
    ``loses`` may lose points too (an error can propagate), and the run must
    finish without timeout or dead kernel.
    """
    report = graded(spec, _student_id(answer))
    release = load_release(spec.lab, spec.labs)
    assert report.success and not report.problems, report.describe()
    kept = sorted(set(answer["loses"]) - report.lost)
    assert not kept, f"{answer['name']} keeps full marks on {kept} ({answer['why']})\n{report.scores}"
    position = {grade_id(cell): index for index, cell in enumerate(release.cells)}
    above = [cell for cell in report.scores if position[cell] < position[answer["grade_id"]]]
    assert not report.lost & set(above), f"{answer['name']} changed scores above its cell: {report.scores}"


# --------------------------------------------------------------------------- the harness itself


@pytest.fixture(scope="module")
def strict_course(tmp_path_factory):
    """The fixture lab in a course whose cells time out after 3 s."""
    spec = fixture_spec()
    course = ScratchCourse(tmp_path_factory.mktemp("strict"), solutions=spec.solutions, timeout=3)
    course.generate(spec.lab)
    return course


STRICT_SUBMISSIONS = {
    "loops-forever": "def square(x):\n    while True:\n        pass",
    "kills-kernel": "import os\nos._exit(1)",
}


@pytest.mark.slow
@pytest.mark.parametrize("student,expected", [
    ("loops-forever", "CellTimeoutError"),
    ("kills-kernel", "DeadKernelError|Kernel died"),
], ids=["timeout", "dead-kernel"])
def test_harness_reports_timeouts_and_dead_kernels(strict_course, student, expected):
    """Would the harness notice a cell that never returns, or a kernel that dies?"""
    spec = fixture_spec()
    solved = solved_release(load_release(spec.lab, spec.labs), load_solution(spec.lab, spec.solutions))
    submissions = {name: replace_solution(solved, "l0-square", code) for name, code in STRICT_SUBMISSIONS.items()}
    # Both in one parallel batch: this also exercises grade_many's worker processes.
    report = strict_course.grade_many(spec.lab, submissions, workers=2)[student]
    assert any(re.search(expected, problem) for problem in report.problems), report.describe()


def test_replace_solution_only_touches_a_copy_of_a_solution_cell():
    """Can a wrong answer overwrite a test cell, or change the notebook it came from? Neither may happen."""
    spec = fixture_spec()
    nb = load_release(spec.lab, spec.labs)
    test_cell = next(cell for cell in nb.cells if is_autograded_test(cell))
    with pytest.raises(ValueError, match="not a solution cell"):
        replace_solution(nb, grade_id(test_cell), "pass")
    with pytest.raises(KeyError, match="no cell with grade_id"):
        replace_solution(nb, "l0-missing", "pass")
    replaced = replace_solution(nb, "l0-square", "def square(x):\n    return 0")
    assert replaced.cells != nb.cells and "return 0" not in nb.cells[3].source, "the input notebook was modified"
