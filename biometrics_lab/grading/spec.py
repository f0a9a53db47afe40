"""What the grader knows about a lab's source notebook, outside any student kernel.

A :class:`LabSpec` is read once per run from the gradebook (after nbgrader's
``generate_assignment``) and from the instructor's source notebook. Workers get
it as JSON, so that they never open the gradebook: only the run's single
writer does.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import nbformat

_HIDDEN_RE = re.compile(r"^\s*### BEGIN HIDDEN TESTS\s*$(.*?)^\s*### END HIDDEN TESTS\s*$", re.M | re.S)
_SCHEME_RE = re.compile(r"=== BEGIN MARK SCHEME ===(.*?)=== END MARK SCHEME ===", re.S)


@dataclasses.dataclass
class LabSpec:
    """A lab's source cells and grading facts.

    Attributes
    ----------
    lab : str
        Lab id (also the notebook's name).
    kernelspec : dict
        The source notebook's kernelspec (submissions cannot change it).
    cells : list of dict
        Source cells with nbgrader metadata, in notebook order: ``name``,
        ``cell_type``, ``locked``, ``checksum``, ``source`` (as stored in the
        gradebook: test cells with their hidden tests), ``grade``,
        ``solution``, ``task``, ``points``.
    hidden_lines : list of str
        Non-blank lines of hidden-test regions (stripped).
    mark_scheme_lines : list of str
        Non-blank lines of mark schemes (stripped).
    """

    lab: str
    kernelspec: dict
    cells: list
    hidden_lines: list
    mark_scheme_lines: list

    @property
    def grade_cells(self) -> list[dict]:
        """Cells that carry points (autograded tests, manual answers, tasks)."""
        return [c for c in self.cells if c["grade"] or c["task"]]

    @property
    def test_cells(self) -> list[dict]:
        """Autograded test cells (code, grade, not solution)."""
        return [c for c in self.cells if c["grade"] and not c["solution"] and c["cell_type"] == "code"]

    @property
    def max_score(self) -> float:
        return float(sum(c["points"] for c in self.grade_cells))

    @property
    def auto_max_score(self) -> float:
        return float(sum(c["points"] for c in self.test_cells))

    def cell(self, name: str) -> dict:
        for cell in self.cells:
            if cell["name"] == name:
                return cell
        raise KeyError(name)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "LabSpec":
        return cls(**json.loads(text))

    @classmethod
    def from_gradebook(cls, db_url: str, lab: str, source_notebook: Path) -> "LabSpec":
        """Read a lab's spec from the gradebook and its source notebook.

        Parameters
        ----------
        db_url : str
            Gradebook URL after ``generate_assignment`` of ``lab``.
        lab : str
            Lab id; its notebook has the same name.
        source_notebook : Path
            The instructor's notebook (``solutions/<lab>/<lab>.ipynb``).
        """
        from nbgrader.api import Gradebook

        source_nb = nbformat.read(str(source_notebook), as_version=4)
        order = [c.metadata.get("nbgrader", {}).get("grade_id") for c in source_nb.cells]
        texts = [c.source for c in source_nb.cells]
        with Gradebook(db_url) as gb:
            notebook = gb.find_notebook(lab, lab)
            grades = {c.name: float(c.max_score) for c in notebook.grade_cells}
            tasks = {c.name: float(c.max_score) for c in notebook.task_cells}
            solutions = {c.name for c in notebook.solution_cells}
            cells = []
            for cell in notebook.source_cells:
                cells.append({
                    "name": cell.name, "cell_type": cell.cell_type, "locked": bool(cell.locked),
                    "checksum": cell.checksum, "source": cell.source,
                    "grade": cell.name in grades, "solution": cell.name in solutions,
                    "task": cell.name in tasks, "points": grades.get(cell.name, tasks.get(cell.name, 0.0)),
                })
            kernelspec = json.loads(notebook.kernelspec) if notebook.kernelspec else {}
        cells.sort(key=lambda c: order.index(c["name"]) if c["name"] in order else len(order))
        hidden, scheme = [], []
        for text in texts:
            for region in _HIDDEN_RE.findall(text):
                hidden += [line.strip() for line in region.splitlines() if line.strip()]
            for region in _SCHEME_RE.findall(text):
                scheme += [line.strip() for line in region.splitlines() if line.strip()]
        return cls(lab, kernelspec, cells, hidden, scheme)


class GradebookView:
    """The read-only slice of nbgrader's ``Gradebook`` that ``OverwriteCells`` uses, from a spec.

    Lets workers run nbgrader's own sanitising preprocessors without a
    database connection.
    """

    def __init__(self, spec: LabSpec):
        self.spec = spec
        self.source_cells = [SimpleNamespace(**c) for c in spec.cells]
        by_name = {c.name: c for c in self.source_cells}
        self._by_name = by_name
        self.grade_cells = [SimpleNamespace(name=c["name"], max_score=c["points"], cell_type=c["cell_type"])
                            for c in spec.cells if c["grade"]]
        self.solution_cells = [by_name[c["name"]] for c in spec.cells if c["solution"]]
        self.task_cells = [SimpleNamespace(name=c["name"], max_score=c["points"], cell_type=c["cell_type"])
                           for c in spec.cells if c["task"]]

    def __enter__(self) -> "GradebookView":
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def find_notebook(self, notebook_id: str, assignment_id: str) -> "GradebookView":
        return self

    def find_source_cell(self, name: str, notebook_id: str, assignment_id: str) -> SimpleNamespace:
        from nbgrader.api import MissingEntry

        if name not in self._by_name:
            raise MissingEntry()
        return self._by_name[name]

    def find_graded_cell(self, name: str, notebook_id: str, assignment_id: str) -> SimpleNamespace:
        from nbgrader.api import MissingEntry

        for cell in self.grade_cells + self.task_cells:
            if cell.name == name:
                return cell
        raise MissingEntry()
