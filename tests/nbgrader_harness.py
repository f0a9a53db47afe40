"""Run labs through nbgrader in a scratch course: release, submit, autograde, read the gradebook.

Everything that decides a score is nbgrader's own: ``generate_assignment`` and
``autograde`` through :class:`nbgrader.apps.NbGraderAPI`, scores read back from
:class:`nbgrader.api.Gradebook`. This module only arranges files (a scratch
course folder, ``submitted/<student>/<lab>/<lab>.ipynb``) and reads results.

Typical use::

    course = ScratchCourse(tmp_path)
    course.generate("lab1-templates")
    release = course.load_release("lab1-templates")
    report = course.grade("lab1-templates", "student-1", solved_release(release, load_solution("lab1-templates")))
    report.scores     # {"l1-enroll-test": (2.0, 2.0), ...}

One :class:`ScratchCourse` holds many students in one SQLite gradebook;
``generate`` runs once per lab and ``grade`` caches its report per student.
"""

from __future__ import annotations

import copy
import importlib.util
import multiprocessing
import os
import re
import shutil
import sys
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader import utils as nbutils
from nbgrader.preprocessors import ClearHiddenTests, ClearMarkScheme, ClearSolutions
from sqlalchemy.exc import SAWarning

from biometrics_lab import course as course_module
from biometrics_lab._paths import REPO_ROOT

SOLUTIONS = REPO_ROOT / "solutions"
LABS = REPO_ROOT / "labs"
TESTS = Path(__file__).resolve().parent
WRONG_ANSWERS = TESTS / "wrong_answers"
FIXTURES = TESTS / "fixtures"
FIXTURE_LAB = "lab0-fixture"

# nbgrader's own delimiters (its defaults; the course config does not change them).
BEGIN_SOLUTION = ClearSolutions.begin_solution_delimeter.default_value
END_SOLUTION = ClearSolutions.end_solution_delimeter.default_value
BEGIN_HIDDEN = ClearHiddenTests.begin_test_delimeter.default_value
END_HIDDEN = ClearHiddenTests.end_test_delimeter.default_value
BEGIN_MARK_SCHEME = ClearMarkScheme.begin_mark_scheme_delimeter.default_value
END_MARK_SCHEME = ClearMarkScheme.end_mark_scheme_delimeter.default_value
#: Strings that must never reach a student's copy (case-sensitive, as nbgrader matches them).
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "MARK SCHEME")

# What nbgrader and nbclient write when a cell runs out of time or the kernel dies.
_EXECUTION_PROBLEMS = re.compile(
    r"CellTimeoutError|TimeoutError|timed out|Timeout waiting|DeadKernelError|Kernel died|"
    r"kernel became unresponsive|UnresponsiveKernelError|Kernel didn't respond",
    re.IGNORECASE,
)


#: Batches up to this size are graded in this process unless workers are asked for.
SMALL_BATCH = 4


class HarnessError(RuntimeError):
    """nbgrader reported a failure; the message holds its log."""


# --------------------------------------------------------------------------- labs


@dataclass(frozen=True)
class LabSpec:
    """Where one lab's source, release and wrong-answer table live.

    Real labs use the checkout's ``solutions/``, ``labs/`` and
    ``tests/wrong_answers/``; the fixture lab has the same layout under
    ``tests/fixtures/``.
    """

    lab: str
    solutions: Path
    labs: Path
    wrong_answers: Path

    @classmethod
    def for_lab(cls, lab: str, root: Path | None = None) -> "LabSpec":
        """Return the spec of ``lab`` in the checkout (``root=None``) or under ``root``."""
        if root is None:
            return cls(lab, SOLUTIONS, LABS, WRONG_ANSWERS / f"{lab.replace('-', '_')}.py")
        root = Path(root)
        return cls(lab, root / "solutions", root / "labs",
                   root / "wrong_answers" / f"{lab.replace('-', '_')}.py")

    @property
    def short(self) -> str:
        """Grade-id prefix of the lab: ``lab1-templates`` -> ``l1``."""
        match = re.fullmatch(r"lab(\d+)-[a-z0-9-]+", self.lab)
        if match is None:
            raise ValueError(f"lab id {self.lab!r} does not follow 'lab<N>-<name>'")
        return f"l{match.group(1)}"

    @property
    def source_path(self) -> Path:
        return self.solutions / self.lab / f"{self.lab}.ipynb"

    @property
    def release_path(self) -> Path:
        return self.labs / self.lab / f"{self.lab}.ipynb"


def fixture_spec() -> LabSpec:
    """Return the spec of the harness's own tiny fixture lab."""
    return LabSpec.for_lab(FIXTURE_LAB, FIXTURES)


def course_specs() -> list[LabSpec]:
    """Return the specs of every lab with a solution notebook, in course order."""
    return [LabSpec.for_lab(lab) for lab in course_module.available_labs()]


def load_solution(lab: str, solutions: Path = SOLUTIONS) -> nbformat.NotebookNode:
    """Read the nbgrader source notebook ``solutions/<lab>/<lab>.ipynb``."""
    return nbformat.read(Path(solutions) / lab / f"{lab}.ipynb", as_version=4)


def load_release(lab: str, labs: Path = LABS) -> nbformat.NotebookNode:
    """Read the released notebook ``labs/<lab>/<lab>.ipynb``."""
    return nbformat.read(Path(labs) / lab / f"{lab}.ipynb", as_version=4)


def load_wrong_answers(spec: LabSpec) -> list[dict]:
    """Return ``WRONG_ANSWERS`` from the lab's wrong-answer table, or ``[]`` if it has none."""
    if not spec.wrong_answers.is_file():
        return []
    module_spec = importlib.util.spec_from_file_location(f"wrong_answers_{spec.lab.replace('-', '_')}",
                                                         spec.wrong_answers)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return list(module.WRONG_ANSWERS)


# --------------------------------------------------------------------------- cells


def nbgrader_meta(cell) -> dict:
    """Return the cell's nbgrader metadata (empty for a plain cell)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def grade_id(cell) -> str | None:
    """Return the cell's nbgrader ``grade_id`` or None."""
    return nbgrader_meta(cell).get("grade_id")


def is_autograded_test(cell) -> bool:
    """Is the cell an nbgrader "autograder tests" cell (graded code, not a solution)?"""
    return nbutils.is_grade(cell) and not nbutils.is_solution(cell) and cell.cell_type == "code"


def is_manually_graded(cell) -> bool:
    """Is the cell scored by a person (a graded solution cell or a task cell)?"""
    return (nbutils.is_grade(cell) or nbutils.is_task(cell)) and not is_autograded_test(cell)


def autograded_test_ids(nb) -> list[str]:
    """Grade ids of the autograder test cells, in notebook order."""
    return [grade_id(cell) for cell in nb.cells if is_autograded_test(cell)]


def solution_ids(nb) -> list[str]:
    """Grade ids of the solution cells, in notebook order."""
    return [grade_id(cell) for cell in nb.cells if nbutils.is_solution(cell)]


def total_points(nb) -> float:
    """Sum of nbgrader points over graded and task cells."""
    return sum(float(nbgrader_meta(cell).get("points", 0)) for cell in nb.cells
               if nbutils.is_grade(cell) or nbutils.is_task(cell))


def find_cell(nb, grade_id_: str):
    """Return the cell with ``grade_id_``; KeyError naming the known ids if there is none."""
    for cell in nb.cells:
        if grade_id(cell) == grade_id_:
            return cell
    known = [grade_id(cell) for cell in nb.cells if grade_id(cell)]
    raise KeyError(f"no cell with grade_id {grade_id_!r}; the notebook has {known}")


def replace_solution(nb, grade_id_: str, source: str):
    """Return a copy of ``nb`` whose solution cell ``grade_id_`` holds ``source``.

    Raises
    ------
    KeyError
        If no cell has that grade id.
    ValueError
        If the cell is not a solution cell (students only write those).
    """
    new = copy.deepcopy(nb)
    cell = find_cell(new, grade_id_)
    if not nbutils.is_solution(cell):
        raise ValueError(f"cell {grade_id_!r} is not a solution cell; only solution cells can be replaced")
    cell.source = source
    return new


def strip_markers(source: str) -> str:
    """Return ``source`` as a student would write it: solution marker lines and mark schemes removed."""
    lines, in_scheme = [], False
    for line in source.split("\n"):
        if BEGIN_MARK_SCHEME in line:
            in_scheme = True
        elif END_MARK_SCHEME in line:
            in_scheme = False
        elif not in_scheme and BEGIN_SOLUTION not in line and END_SOLUTION not in line:
            lines.append(line)
    return "\n".join(lines).strip("\n")


def solved_release(release, solution):
    """Return the released notebook with every solution cell answered as in the source.

    This is what a student who gets everything right submits: the release
    (locked cells, visible tests, checksums) with the solution code typed in.
    """
    answers = {grade_id(cell): cell for cell in solution.cells if nbutils.is_solution(cell)}
    new = copy.deepcopy(release)
    for cell in new.cells:
        if nbutils.is_solution(cell):
            cell.source = strip_markers(answers[grade_id(cell)].source)
    return new


# --------------------------------------------------------------------------- leaks


def _regions(source: str, begin: str, end: str) -> tuple[list[str], list[str]]:
    """Split lines into (inside, outside) a begin/end region; marker lines belong to neither."""
    inside, outside, active = [], [], False
    for line in source.split("\n"):
        if begin in line:
            active = True
        elif end in line:
            active = False
        else:
            (inside if active else outside).append(line)
    return inside, outside


def _is_trivial(line: str) -> bool:
    """Lines too generic to identify a solution (``return x``, ``)``, ``else:``)."""
    return len(line) < 8 or len(re.findall(r"\w+", line)) < 2


def secret_lines(solution) -> set[str]:
    """Lines that exist only in what nbgrader removes from a release.

    That is the solution regions (the whole cell for a solution cell without
    markers), hidden-test regions and mark schemes. A line also written
    outside those regions (an import shown in a setup cell) is not secret;
    trivial lines are ignored. Lines are compared stripped.
    """
    hidden, visible = set(), set()
    for cell in solution.cells:
        source = cell.source
        if nbutils.is_solution(cell) and BEGIN_SOLUTION not in source:
            inside, outside = source.split("\n"), []
        else:
            inside, outside = _regions(source, BEGIN_SOLUTION, END_SOLUTION)
        hidden_tests, outside = _regions("\n".join(outside), BEGIN_HIDDEN, END_HIDDEN)
        scheme, outside = _regions("\n".join(outside), BEGIN_MARK_SCHEME, END_MARK_SCHEME)
        for line in inside + hidden_tests + scheme:
            hidden.add(line.strip())
        for line in outside:
            visible.add(line.strip())
    return {line for line in hidden - visible
            if not _is_trivial(line) and not any(marker in line for marker in MARKERS)}


def text_lines(folder: Path) -> dict[Path, list[str]]:
    """Return the stripped lines of every text file under ``folder`` (notebooks: cell sources)."""
    found = {}
    for path in sorted(Path(folder).rglob("*")):
        if not path.is_file() or ".ipynb_checkpoints" in path.parts or "__pycache__" in path.parts:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if path.suffix == ".ipynb":
            nb = nbformat.reads(text, as_version=4)
            text = "\n".join(cell.source for cell in nb.cells)
        found[path] = [line.strip() for line in text.split("\n")]
    return found


def leaked_lines(secrets: set[str], files: dict[Path, list[str]]) -> list[tuple[Path, str]]:
    """Return ``(file, secret)`` for every secret line found in ``files``.

    A secret matches a whole stripped line, and a long secret (40 characters
    or more) also matches inside a line (pasted into a hint).
    """
    leaks = []
    for path, lines in files.items():
        line_set = set(lines)
        for secret in sorted(secrets):
            if secret in line_set or (len(secret) >= 40 and any(secret in line for line in lines)):
                leaks.append((path, secret))
    return leaks


# --------------------------------------------------------------------------- grading


def ensure_tools_on_path() -> None:
    """Put the running interpreter's bin folder first on PATH.

    nbgrader shells out to ``alembic`` (new gradebooks) and starts kernels
    whose spec may name ``python``: both must come from this environment.
    """
    bin_dir = str(Path(sys.executable).parent)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if parts[:1] != [bin_dir]:
        os.environ["PATH"] = os.pathsep.join([bin_dir] + [p for p in parts if p != bin_dir])


@dataclass
class GradeReport:
    """nbgrader's verdict on one student's submission of one lab.

    Attributes
    ----------
    scores : dict
        ``grade_id -> (auto_score, max_score)`` for the autograder test cells.
    manual : dict
        ``grade_id -> (auto_score or None, max_score)`` for manually graded
        cells (nbgrader gives 0 to an unchanged answer, None otherwise).
    success : bool
        Whether nbgrader's autograde step reported success.
    problems : list of str
        Timeouts, dead kernels and autograde failures found in the log and
        the autograded notebook.
    notebook : NotebookNode or None
        The autograded notebook with its outputs.
    """

    lab: str
    student: str
    success: bool
    log: str
    scores: dict[str, tuple[float, float]] = field(default_factory=dict)
    manual: dict[str, tuple[float | None, float]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    notebook: nbformat.NotebookNode | None = None

    @property
    def total(self) -> float:
        """Autograded points scored."""
        return sum(score for score, _ in self.scores.values())

    @property
    def max_total(self) -> float:
        """Autograded points available."""
        return sum(maximum for _, maximum in self.scores.values())

    @property
    def lost(self) -> set[str]:
        """Autograder test cells that scored less than their maximum."""
        return {gid for gid, (score, maximum) in self.scores.items() if score < maximum}

    def cell_errors(self) -> dict[str, str]:
        """Return ``"<grade_id or #index>" -> "<ename>: <evalue>"`` for cells whose output is an error."""
        errors = {}
        for index, cell in enumerate(self.notebook.cells if self.notebook else []):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    errors[grade_id(cell) or f"#{index}"] = f"{output.get('ename')}: {output.get('evalue')}"
        return errors

    def describe(self) -> str:
        """A short text for assertion messages."""
        return (f"{self.lab}/{self.student}: success={self.success} scores={self.scores} "
                f"problems={self.problems}\n--- nbgrader log (tail) ---\n{self.log[-3000:]}")


def execution_problems(notebook, log: str) -> list[str]:
    """Return the timeout and dead-kernel messages in an autograded notebook and nbgrader's log."""
    problems = []
    for index, cell in enumerate(notebook.cells if notebook else []):
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            text = f"{output.get('ename')}: {output.get('evalue')}"
            if _EXECUTION_PROBLEMS.search(text):
                problems.append(f"cell {grade_id(cell) or index}: {text}")
    for line in log.splitlines():
        if _EXECUTION_PROBLEMS.search(line):
            problems.append(f"log: {line.strip()}")
    return problems


class ScratchCourse:
    """An nbgrader course in a scratch folder, built from the project's configuration.

    Parameters
    ----------
    root : Path
        Empty folder for the course (``solutions/``, ``labs/``,
        ``submitted/``, ``autograded/`` and ``gradebook.db``).
    solutions : Path, optional
        Where the lab sources are copied from (the checkout's ``solutions/``).
    timeout : int, optional
        Seconds a cell may run before nbgrader interrupts it (the course's
        setting by default).
    """

    def __init__(self, root: Path, *, solutions: Path = SOLUTIONS, timeout: int | None = None):
        ensure_tools_on_path()
        self.root = Path(root).resolve()
        self.solutions = Path(solutions)
        self.db_url = f"sqlite:///{self.root / 'gradebook.db'}"
        self.config = course_module.load_config(course_root=self.root, db_url=self.db_url)
        self._timeout = timeout
        if timeout is not None:
            self.config.Execute.timeout = int(timeout)
        self._api = None
        self._generated: set[str] = set()
        self._reports: dict[tuple[str, str], GradeReport] = {}

    @property
    def api(self):
        """The course's :class:`nbgrader.apps.NbGraderAPI` (created on first use)."""
        if self._api is None:
            from nbgrader.apps import NbGraderAPI

            self._api = NbGraderAPI(config=self.config)
        return self._api

    def generate(self, lab: str) -> Path:
        """Copy ``solutions/<lab>/`` in and run ``generate_assignment`` once; return the release folder."""
        if lab not in self._generated:
            source = self.solutions / lab
            if not (source / f"{lab}.ipynb").is_file():
                raise FileNotFoundError(f"lab {lab!r} has no source notebook {source / (lab + '.ipynb')}")
            shutil.copytree(source, self.root / "solutions" / lab, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
            result = self.api.generate_assignment(lab, force=True, create=True)
            if not result["success"]:
                raise HarnessError(f"generate_assignment {lab} failed:\n{result.get('error') or ''}\n{result['log']}")
            self._generated.add(lab)
        return self.root / "labs" / lab

    def load_release(self, lab: str) -> nbformat.NotebookNode:
        """Read this course's freshly generated release of ``lab``."""
        self.generate(lab)
        return load_release(lab, self.root / "labs")

    def submit(self, lab: str, student: str, nb) -> Path:
        """Write ``nb`` as ``submitted/<student>/<lab>/<lab>.ipynb``."""
        path = self.root / "submitted" / student / lab / f"{lab}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)
        return path

    def autograde(self, lab: str, student: str) -> GradeReport:
        """Run nbgrader ``autograde`` on one submission and read its grades from the gradebook."""
        self.generate(lab)
        with warnings.catch_warnings():
            # nbgrader's gradebook code trips SQLAlchemy's autoflush warnings on every submission.
            warnings.simplefilter("ignore", SAWarning)
            result = self.api.autograde(lab, student, force=True, create=True)
        log = (result.get("log") or "") + (result.get("error") or "")
        path = self.root / "autograded" / student / lab / f"{lab}.ipynb"
        notebook = nbformat.read(path, as_version=4) if path.is_file() else None
        report = GradeReport(lab, student, bool(result["success"]), log, notebook=notebook,
                             problems=execution_problems(notebook, log))
        if not report.success:
            report.problems.append("nbgrader autograde reported failure")
            return report
        self._read_grades(report)
        return report

    def grade(self, lab: str, student: str, nb) -> GradeReport:
        """Submit ``nb`` as ``student`` and autograde it; reports are cached per (lab, student)."""
        key = (lab, student)
        if key not in self._reports:
            self.submit(lab, student, nb)
            self._reports[key] = self.autograde(lab, student)
        return self._reports[key]

    def report(self, lab: str, student: str) -> GradeReport | None:
        """Return the cached report of ``student`` on ``lab``, or None if not graded yet."""
        return self._reports.get((lab, student))

    def grade_many(self, lab: str, submissions: dict, workers: int | None = None) -> dict[str, GradeReport]:
        """Submit and autograde many students, on ``workers`` processes; return ``student -> report``.

        Every worker runs nbgrader's own ``autograde`` for one student at a
        time against this course's gradebook (SQLite serialises the short
        writes). Reports are cached like :meth:`grade`.

        Parameters
        ----------
        lab : str
        submissions : dict
            ``student -> notebook``.
        workers : int, optional
            Processes to use; by default :func:`default_workers` for more
            than ``SMALL_BATCH`` submissions, else 1 (grade in this process).
        """
        self.generate(lab)
        todo = [student for student in submissions if (lab, student) not in self._reports]
        for student in todo:
            self.submit(lab, student, submissions[student])
        if workers is None:
            # A worker process takes seconds to start (imports, nbgrader API): small batches run here.
            workers = default_workers() if len(todo) > SMALL_BATCH else 1
        elif int(workers) < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        workers = int(workers)
        if workers == 1 or len(todo) < 2:
            for student in todo:
                self._reports[(lab, student)] = self.autograde(lab, student)
        else:
            # spawn, not fork: the parent may hold threads and open database connections.
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=context) as pool:
                futures = {student: pool.submit(_autograde_worker, self.root, self.solutions, self._timeout, lab, student)
                           for student in todo}
                for student, future in futures.items():
                    self._reports[(lab, student)] = future.result()
        return {student: self._reports[(lab, student)] for student in submissions}

    def _read_grades(self, report: GradeReport) -> None:
        """Fill ``report.scores`` and ``report.manual`` from nbgrader's gradebook."""
        from nbgrader.api import Gradebook

        lab = report.lab
        with Gradebook(self.db_url, self.config.CourseDirectory.course_id) as gradebook:
            notebook = gradebook.find_notebook(lab, lab)
            solution_names = {cell.name for cell in notebook.solution_cells}
            submission = gradebook.find_submission_notebook(lab, lab, report.student)
            for grade in submission.grades:
                maximum = float(grade.max_score)
                if grade.cell_type == "code" and grade.name not in solution_names:
                    if grade.auto_score is None:
                        report.problems.append(f"test cell {grade.name} has no autograde score")
                    report.scores[grade.name] = (float(grade.auto_score or 0.0), maximum)
                else:
                    report.manual[grade.name] = (grade.auto_score, maximum)


def default_workers() -> int:
    """Processes for :meth:`ScratchCourse.grade_many`: ``BIOMETRICS_LAB_TEST_WORKERS`` or the CPU count (at most 4)."""
    value = os.environ.get("BIOMETRICS_LAB_TEST_WORKERS")
    if value:
        return max(1, int(value))
    return max(1, min(4, os.cpu_count() or 1))


def _autograde_worker(root: Path, solutions: Path, timeout: int | None, lab: str, student: str) -> GradeReport:
    """Autograde one submission in a worker process, against a course already generated at ``root``."""
    course = ScratchCourse(root, solutions=solutions, timeout=timeout)
    course._generated.add(lab)
    return course.autograde(lab, student)
