"""Fixtures for the grader's tests: a small fixture course and students built from its release."""

from __future__ import annotations

import copy
import json
import os
import sys
from pathlib import Path

import nbformat
import pytest

FIXTURE_COURSE = Path(__file__).resolve().parents[1] / "fixtures" / "grading"
LAB = "lab0-grading"
OTHER_LAB = "lab0-other"

# nbgrader shells out to tools by PATH; the venv's bin goes first.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"

#: Honest answers to the fixture lab, by solution cell id.
RIGHT = {
    "g0-cosine": 'def cosine(a, b):\n    a = np.asarray(a, dtype=float)\n    b = np.asarray(b, dtype=float)\n'
                 '    return float(a @ b / np.sqrt((a @ a) * (b @ b)))',
    "g0-count": "def match_count(scores, threshold):\n    return int(sum(1 for s in scores if s >= threshold))",
    "g0-reflect": "False matches: an impostor passes as someone else, and that person bears it.",
}
#: Wrong answers: the dot product is not normalised (loses g0-cosine-test on a hidden check only);
#: ">" instead of ">=" (loses g0-count-test on its visible check).
WRONG = {
    "g0-cosine": "def cosine(a, b):\n    return float(np.dot(a, b))",
    "g0-count": "def match_count(scores, threshold):\n    return int(sum(1 for s in scores if s > threshold))",
}


@pytest.fixture(scope="session")
def released(tmp_path_factory) -> Path:
    """The fixture lab's student notebook, released by nbgrader from the fixture course."""
    from nbgrader.apps import NbGraderAPI

    from biometrics_lab.course import load_config

    root = tmp_path_factory.mktemp("release")
    import shutil

    shutil.copytree(FIXTURE_COURSE / "solutions", root / "solutions")
    api = NbGraderAPI(config=load_config(root, f"sqlite:///{root / 'gradebook.db'}"))
    for lab in (LAB, OTHER_LAB):
        result = api.generate_assignment(lab, force=True, create=True)
        assert result["success"], result.get("log")
    return root / "labs"


def student_notebook(released: Path, answers: dict | None = None, lab: str = LAB) -> nbformat.NotebookNode:
    """The released notebook with solution cells replaced by ``answers`` (grade id -> source)."""
    nb = nbformat.read(str(released / lab / f"{lab}.ipynb"), as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if answers and grade_id in answers:
            cell.source = answers[grade_id]
    return copy.deepcopy(nb)


def write_student(root: Path, student: str, nb, lab: str = LAB) -> Path:
    """Write a notebook as ``<root>/<student>/<lab>/<lab>.ipynb``."""
    path = root / student / lab / f"{lab}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(nb, (bytes, str)):
        path.write_bytes(nb if isinstance(nb, bytes) else nb.encode())
    else:
        nbformat.write(nb, str(path))
    return path


def read_csv(path: Path) -> dict:
    """grades.csv as {(student, lab): row dict}."""
    import csv

    with open(path, newline="", encoding="utf-8") as handle:
        return {(r["student"], r["lab"]): r for r in csv.DictReader(handle)}


def read_json(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))
