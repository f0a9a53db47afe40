"""Does `biometrics-lab grade` grade a small class right, in parallel, idempotently and resumably?"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from biometrics_lab import cli
from biometrics_lab.grading import GradingConfig, grade
from biometrics_lab.grading.feedback import leaks, secret_lines
from biometrics_lab.grading.spec import LabSpec

from .conftest import FIXTURE_COURSE, LAB, RIGHT, WRONG, read_csv, read_json, student_notebook, write_student

pytestmark = pytest.mark.slow

#: student -> answers, and the autograded scores each must get (cosine test 2 points, count test 1 point).
CLASS = {
    "alice": (RIGHT, {"g0-cosine-test": 2.0, "g0-count-test": 1.0}),
    "bob": ({}, {"g0-cosine-test": 0.0, "g0-count-test": 0.0}),
    "carol": (WRONG, {"g0-cosine-test": 0.0, "g0-count-test": 0.0}),
    "dave": ({**RIGHT, "g0-count": WRONG["g0-count"]}, {"g0-cosine-test": 2.0, "g0-count-test": 0.0}),
}
CONFIG = GradingConfig(cell_timeout=30, notebook_timeout=120)


def _class(released: Path, root: Path) -> Path:
    for student, (answers, _) in CLASS.items():
        write_student(root, student, student_notebook(released, answers))
    return root


@pytest.fixture(scope="module")
def graded(released, tmp_path_factory):
    """One parallel run over the class."""
    base = tmp_path_factory.mktemp("class")
    subs = _class(released, base / "subs")
    summary = grade(subs, out=base / "out", workers=2, course_root=FIXTURE_COURSE, config=CONFIG)
    return subs, base / "out", summary


def test_scores_match_the_answers(graded):
    subs, out, summary = graded
    rows = read_csv(out / "grades.csv")
    assert set(rows) == {(s, LAB) for s in CLASS}
    for student, (_, expected) in CLASS.items():
        row = rows[(student, LAB)]
        for task, score in expected.items():
            assert float(row[task]) == score, (student, task, row)
        # A written answer awaits manual grading; one left untouched scores 0 (nbgrader's rule).
        assert row["g0-reflect"] == ("" if "g0-reflect" in CLASS[student][0] else "0")
        assert float(row["score"]) == sum(expected.values())
        assert row["max_score"] == "5"
    assert summary.flagged == 0, [r["flags"] for r in summary.rows]


def test_feedback_exists_for_each_student_and_hides_hidden_tests_and_mark_schemes(graded):
    """nbgrader issue #917: no hidden-test line and no mark-scheme text in any feedback file."""
    subs, out, _ = graded
    spec = LabSpec.from_json((out / "course" / "spec" / f"{LAB}.json").read_text())
    secrets = secret_lines(spec)
    assert any("cosine([3, 4], [4, 3])" in line for line in secrets)
    assert any("impersonated person" in line for line in secrets)
    files = sorted((out / "feedback").rglob("*.html"))
    assert [f.parent.name for f in files] == sorted(CLASS)
    for path in files:
        page = path.read_text(encoding="utf-8")
        assert leaks(page, spec) == [], path
        assert "MARK SCHEME" not in page and "HIDDEN TESTS" not in page
        assert "hidden check 2" in page  # the verdict lines are there


def test_results_json_is_in_gradescope_format(graded):
    _, out, _ = graded
    results = read_json(out / "results.json")
    assert {t["name"] for t in results["tests"]} == {f"{s} / {LAB}" for s in CLASS}
    single = read_json(out / "results" / "alice" / f"{LAB}.json")
    assert single["score"] == 3.0
    assert {(t["name"], t["score"], t["max_score"]) for t in single["tests"]} == {
        ("g0-cosine-test", 2.0, 2.0), ("g0-count-test", 1.0, 1.0)}


def test_gradebook_holds_the_same_scores(graded):
    from nbgrader.api import Gradebook

    _, out, _ = graded
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gb:
        for student, (_, expected) in CLASS.items():
            nb = gb.find_submission_notebook(LAB, LAB, student)
            assert {g.name: g.auto_score for g in nb.grades if g.name in expected} == expected
        assert len(gb.find_assignment(LAB).submissions) == len(CLASS)


def test_rerun_reuses_results_and_writes_identical_files(graded):
    subs, out, _ = graded
    before = (out / "grades.csv").read_bytes(), (out / "results.json").read_bytes()
    again = grade(subs, out=out, workers=2, course_root=FIXTURE_COURSE, config=CONFIG)
    assert again.graded == 0 and again.reused == len(CLASS)
    assert ((out / "grades.csv").read_bytes(), (out / "results.json").read_bytes()) == before


def test_sequential_run_equals_parallel_run(graded, tmp_path):
    subs, out, _ = graded
    grade(subs, out=tmp_path / "seq", workers=1, course_root=FIXTURE_COURSE, config=CONFIG, feedback=False)
    assert (tmp_path / "seq" / "grades.csv").read_bytes() == (out / "grades.csv").read_bytes()


def test_hardened_verdict_agrees_with_plain_nbgrader_autograde(graded, tmp_path):
    """On honest submissions (right, blank, wrong), does the hardened verdict equal nbgrader's own autograde?"""
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI

    from biometrics_lab.course import load_config

    subs, out, _ = graded
    course = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE / "solutions" / LAB, course / "solutions" / LAB)
    db = f"sqlite:///{course / 'gradebook.db'}"
    api = NbGraderAPI(config=load_config(course, db))
    assert api.generate_assignment(LAB, force=True, create=True)["success"]
    for student in CLASS:
        dest = course / "submitted" / student / LAB
        dest.mkdir(parents=True)
        shutil.copy(subs / student / LAB / f"{LAB}.ipynb", dest)
        result = api.autograde(LAB, student, force=True, create=True)
        assert result["success"], result.get("log")
    mine = read_csv(out / "grades.csv")
    with Gradebook(db) as gb:
        for student in CLASS:
            nb = gb.find_submission_notebook(LAB, LAB, student)
            plain = {g.name: g.auto_score for g in nb.grades if g.name in CLASS[student][1]}
            hardened = {k: float(mine[(student, LAB)][k]) for k in plain}
            assert plain == hardened, student


def test_cli_grades_a_single_notebook_and_exit_status_reports_flags(released, tmp_path, capsys):
    """One notebook (a student's repository in CI): exit 0 when clean, 1 when flagged."""
    path = tmp_path / "repo" / f"{LAB}.ipynb"
    path.parent.mkdir()
    nbformat.write(student_notebook(released, RIGHT), str(path))
    status = cli.main(["grade", str(path), "--course", str(FIXTURE_COURSE), "--out", str(tmp_path / "out"),
                       "--workers", "1", "--student", "ann", "--no-feedback"])
    out = capsys.readouterr().out
    assert status == 0, out
    assert out.splitlines()[0].startswith("graded 1 submission(s)")
    assert read_json(tmp_path / "out" / "results.json")["score"] == 3.0
    empty = tmp_path / "empty" / f"{LAB}.ipynb"
    empty.parent.mkdir()
    empty.write_text("")
    status = cli.main(["grade", str(empty), "--course", str(FIXTURE_COURSE), "--out", str(tmp_path / "out2"),
                       "--workers", "1"])
    assert status == 1
    assert "empty" in capsys.readouterr().out


def test_killed_run_resumes_without_losing_or_duplicating(graded, tmp_path):
    """Kill a run after its first result; the resumed run's grades equal an uninterrupted run's."""
    subs, out, _ = graded
    resumed = tmp_path / "resumed"
    command = [str(Path(sys.executable).with_name("biometrics-lab")), "grade", str(subs), "--course",
               str(FIXTURE_COURSE), "--out", str(resumed), "--workers", "1", "--config", str(tmp_path / "c.json")]
    (tmp_path / "c.json").write_text('{"cell_timeout": 30, "notebook_timeout": 120}')
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    journal = resumed / "state" / "journal.jsonl"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if journal.is_file() and journal.read_text().count("\n") >= 1:
            break
        time.sleep(0.2)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    lines_before = journal.read_text().count("\n")
    assert 1 <= lines_before < len(CLASS)
    summary = grade(subs, out=resumed, workers=1, course_root=FIXTURE_COURSE, config=CONFIG)
    assert summary.reused >= 1 and summary.graded == len(CLASS) - summary.reused
    assert journal.read_text().count("\n") == len(CLASS)
    assert (resumed / "grades.csv").read_bytes() == (out / "grades.csv").read_bytes()
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{resumed / 'gradebook.db'}") as gb:
        assert sorted(s.student.id for s in gb.find_assignment(LAB).submissions) == sorted(CLASS)


def test_manual_scores_from_formgrader_survive_a_rerun(graded, tmp_path):
    """An instructor grades the written answer in the gradebook; the next run reports it and keeps it."""
    from nbgrader.api import Gradebook

    subs, out, _ = graded
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    db = f"sqlite:///{copy / 'gradebook.db'}"
    with Gradebook(db) as gb:
        grade_row = gb.find_grade("g0-reflect", LAB, LAB, "alice")
        grade_row.manual_score = 1.5
        grade_row.needs_manual_grade = False
        gb.db.commit()
    again = grade(subs, out=copy, workers=1, course_root=FIXTURE_COURSE, config=CONFIG)
    assert again.graded == 0
    row = read_csv(copy / "grades.csv")[("alice", LAB)]
    assert (row["g0-reflect"], row["score"]) == ("1.5", "4.5")
    with Gradebook(db) as gb:
        kept = gb.find_grade("g0-reflect", LAB, LAB, "alice")
        assert (kept.manual_score, kept.needs_manual_grade) == (1.5, False)


def test_plain_mode_falls_for_a_monkeypatch_that_the_hardened_verdict_rejects(released, tmp_path):
    """The hole this grader closes: in the student's kernel a rebound check passes a wrong answer."""
    nb = student_notebook(released, {**RIGHT, "g0-cosine": WRONG["g0-cosine"]})
    nb.cells.insert(2, nbformat.v4.new_code_cell("expect_close = expect_equal = lambda *a, **k: None"))
    write_student(tmp_path / "subs", "mallory", nb)
    for mode in ("plain", "hardened"):
        grade(tmp_path / "subs", out=tmp_path / mode, workers=1, course_root=FIXTURE_COURSE, config=CONFIG,
              mode=mode, feedback=False)
    plain = read_csv(tmp_path / "plain" / "grades.csv")[("mallory", LAB)]
    hardened = read_csv(tmp_path / "hardened" / "grades.csv")[("mallory", LAB)]
    assert plain["g0-cosine-test"] == "2"  # nbgrader's way: the wrong answer earns the points
    assert hardened["g0-cosine-test"] == "0" and "tamper" in hardened["flags"]
