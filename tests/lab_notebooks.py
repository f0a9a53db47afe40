"""Reading a lab's source notebook in tests: its graded cells, its checks, its solution run in-process.

Shared by ``tests/test_lab_structure.py`` (what every lab must satisfy) and the
lab-specific ``tests/test_lab<N>.py`` modules.
"""

from __future__ import annotations

import ast
import contextlib
import io
import re

from nbgrader import utils as nbutils

from biometrics_lab.checks import CHECK_NAMES
from nbgrader_harness import grade_id, is_autograded_test, nbgrader_meta

_HIDDEN = re.compile(r"^### BEGIN HIDDEN TESTS$(.*?)^### END HIDDEN TESTS$", re.M | re.S)


def graded_points(nb) -> dict[str, float]:
    """Return grade_id -> points of every cell that carries points."""
    return {grade_id(cell): float(nbgrader_meta(cell).get("points", 0)) for cell in nb.cells if nbutils.is_grade(cell)}


def check_cells(nb) -> list:
    """Return the autograder test cells ("check cells"), in notebook order."""
    return [cell for cell in nb.cells if is_autograded_test(cell)]


def split_hidden(source: str) -> tuple[str, str]:
    """Return the (visible, hidden) parts of a check cell's source."""
    match = _HIDDEN.search(source)
    if match is None:
        return source, ""
    return source[:match.start()] + source[match.end():], match.group(1)


def check_calls(code: str) -> list[ast.Call]:
    """Return the calls of ``expect_close``/``expect_equal``/``expect_true`` in ``code``."""
    return [node for node in ast.walk(ast.parse(code))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in CHECK_NAMES]


def without_markers(source: str) -> str:
    """Return a source cell's code with nbgrader's ``### BEGIN``/``### END`` marker lines removed."""
    return "\n".join(line for line in source.splitlines() if "### BEGIN" not in line and "### END" not in line)


def intro_section(nb, start: str, end: str) -> str:
    """Return the text of the first cell from heading ``start`` up to ``end``."""
    intro = nb.cells[0].source
    return intro[intro.index(start):intro.index(end)]


def created_names(nb) -> dict[str, str]:
    """Return name -> question ("3.1") for every name the grading table says students create.

    Reads the rows of *What is graded and how* whose first column is a question
    number; the names are the backquoted identifiers of the second column.
    """
    created = {}
    for line in intro_section(nb, "## What is graded", "Total points:").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"\d+\.\d+", cells[0]):
            for name in re.findall(r"`([A-Za-z_][A-Za-z_0-9]*)", cells[1]):
                created[name] = cells[0]
    return created


def printed(code: str, namespace: dict) -> str:
    """Run ``code`` in ``namespace`` and return what it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "test", "exec"), namespace)
    return out.getvalue()


def run_solution(nb) -> dict:
    """Run the source notebook's setup, locked and solution cells in this process; return the namespace.

    Check cells are skipped (tests run them on purpose), output is discarded and
    figures are closed after each cell. Much faster than a kernel, for tests
    that probe a solution's values or try wrong answers against a check cell.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    namespace: dict = {}
    for cell in nb.cells:
        if cell.cell_type != "code" or nbutils.is_grade(cell):
            continue
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(without_markers(cell.source), grade_id(cell) or "cell", "exec"), namespace)
        plt.close("all")
    return namespace
