"""Do the Gradescope and GitHub Classroom scripts grade a notebook in a temporary layout?"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from biometrics_lab._paths import REPO_ROOT

from .conftest import FIXTURE_COURSE, LAB, RIGHT, WRONG, student_notebook

pytestmark = pytest.mark.slow

GRADESCOPE = REPO_ROOT / "grading" / "gradescope"
CLASSROOM = REPO_ROOT / "grading" / "github-classroom"


def _env(**extra):
    env = dict(os.environ, BIOMETRICS_LAB_PYTHON=sys.executable,
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    env.update({k: str(v) for k, v in extra.items()})
    return env


def test_gradescope_setup_and_run_autograder_write_results_json(released, tmp_path):
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    nbformat.write(student_notebook(released, RIGHT), str(root / "submission" / f"{LAB}.ipynb"))
    env = _env(AUTOGRADER_ROOT=root, BIOMETRICS_LAB_SOURCE=REPO_ROOT, BIOMETRICS_LAB_COURSE=FIXTURE_COURSE)
    subprocess.run(["bash", GRADESCOPE / "setup.sh"], env=env, check=True, capture_output=True, timeout=600)
    subprocess.run(["bash", GRADESCOPE / "run_autograder"], env=env, check=True, capture_output=True, timeout=600)
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 3.0
    assert {t["name"]: t["score"] for t in results["tests"]} == {"g0-cosine-test": 2.0, "g0-count-test": 1.0}
    assert all(t["max_score"] > 0 for t in results["tests"])


def test_gradescope_without_a_notebook_still_writes_a_zero(tmp_path):
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    (root / "submission" / "answers.txt").write_text("I forgot the notebook")
    env = _env(AUTOGRADER_ROOT=root, BIOMETRICS_LAB_SOURCE=REPO_ROOT, BIOMETRICS_LAB_COURSE=FIXTURE_COURSE)
    subprocess.run(["bash", GRADESCOPE / "run_autograder"], env=env, check=True, capture_output=True, timeout=120)
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and "No notebook" in results["output"]


def test_github_classroom_script_grades_the_repository_and_writes_a_summary(released, tmp_path):
    repo = tmp_path / "student-repo"
    repo.mkdir()
    nbformat.write(student_notebook(released, {**RIGHT, "g0-count": WRONG["g0-count"]}), str(repo / f"{LAB}.ipynb"))
    (repo / "scratch.ipynb").write_text("{}")  # not a lab: ignored
    summary = tmp_path / "summary.md"
    env = _env(BIOMETRICS_LAB_COURSE=FIXTURE_COURSE, GITHUB_ACTOR="octo-student", GITHUB_STEP_SUMMARY=summary)
    proc = subprocess.run(["bash", CLASSROOM / "grade.sh", repo, REPO_ROOT, tmp_path / "out"], env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"Score {LAB}: {LAB}: 2 of 5 points" in proc.stdout
    assert f"| {LAB} | 2 | none |" in summary.read_text()
    results = json.loads((tmp_path / "out" / LAB / "results.json").read_text())
    assert results["score"] == 2.0


def test_github_classroom_workflow_runs_the_script():
    import yaml

    workflow = yaml.safe_load((CLASSROOM / "grade.yml").read_text())
    steps = workflow["jobs"]["grade"]["steps"]
    assert any("grading/github-classroom/grade.sh" in step.get("run", "") for step in steps)
    assert any("bubblewrap" in step.get("run", "") for step in steps)
