"""On Lab 1, does the hardened verdict equal plain `nbgrader autograde` for honest submissions?

Honest: the solution, the untouched release, and a wrong answer from the Lab 1
wrong-answer table. Plain nbgrader runs every check in the student's kernel; the hardened
verdict compares values outside it. They must agree cell by cell.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from biometrics_lab._paths import REPO_ROOT
from biometrics_lab.grading import GradingConfig, grade

from .conftest import read_csv

LAB = "lab1-templates"
SOURCE = REPO_ROOT / "solutions" / LAB / f"{LAB}.ipynb"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not SOURCE.is_file(), reason="Lab 1 is not written yet")]


def _students(tmp_path: Path) -> dict[str, Path]:
    from tests.wrong_answers.lab1_templates import WRONG_ANSWERS

    subs = tmp_path / "subs"
    notebooks = {"solution": nbformat.read(str(SOURCE), as_version=4),
                 "blank": nbformat.read(str(REPO_ROOT / "labs" / LAB / f"{LAB}.ipynb"), as_version=4)}
    seen = set()
    for entry in WRONG_ANSWERS:
        if entry["grade_id"] in seen or len(seen) >= 1:
            continue
        seen.add(entry["grade_id"])
        nb = nbformat.read(str(SOURCE), as_version=4)
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == entry["grade_id"]:
                cell.source = entry["source"]
        notebooks[f"wrong-{entry['grade_id']}"] = nb
    paths = {}
    for student, nb in notebooks.items():
        path = subs / student / LAB / f"{LAB}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, str(path))
        paths[student] = path
    return paths


def test_hardened_equals_plain_nbgrader_on_lab1(tmp_path):
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI

    from biometrics_lab.course import load_config

    students = _students(tmp_path)
    grade(tmp_path / "subs", out=tmp_path / "out", workers=2, lab=LAB,
          config=GradingConfig(cell_timeout=60, notebook_timeout=300), feedback=False)
    mine = read_csv(tmp_path / "out" / "grades.csv")

    course = tmp_path / "course"
    shutil.copytree(REPO_ROOT / "solutions" / LAB, course / "solutions" / LAB)
    db = f"sqlite:///{course / 'gradebook.db'}"
    api = NbGraderAPI(config=load_config(course, db))
    assert api.generate_assignment(LAB, force=True, create=True)["success"]
    for student, path in students.items():
        (course / "submitted" / student / LAB).mkdir(parents=True)
        shutil.copy(path, course / "submitted" / student / LAB)
        assert api.autograde(LAB, student, force=True, create=True)["success"], student

    with Gradebook(db) as gb:
        tests = [c.name for c in gb.find_notebook(LAB, LAB).grade_cells
                 if c.cell_type == "code" and c.name not in {s.name for s in gb.find_notebook(LAB, LAB).solution_cells}]
        assert len(tests) >= 5
        for student in students:
            grades = {g.name: g.auto_score for g in gb.find_submission_notebook(LAB, LAB, student).grades}
            plain = {name: grades[name] for name in tests}
            hardened = {name: float(mine[(student, LAB)][name]) for name in tests}
            assert hardened == plain, student
    solution = mine[("solution", LAB)]
    assert all(float(solution[name]) > 0 for name in tests)
    assert float(mine[("blank", LAB)]["score"]) == 0
