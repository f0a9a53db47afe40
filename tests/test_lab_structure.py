"""Does every lab keep the course's conventions (DESIGN.md) in its source notebook?

- the objectives table names graded cells, and every graded cell serves an objective;
- the grading table's points add up to nbgrader's points and to the ``Total points`` line;
- each check cell gives students visible checks and hides value comparisons with literals.

Parametrised over every lab in ``solutions/``; lab-specific properties live in
``tests/test_lab<N>.py``.
"""

from __future__ import annotations

import ast
import re

import pytest

from lab_notebooks import check_calls, check_cells, graded_points, intro_section, split_hidden
from nbgrader_harness import course_specs, grade_id, load_solution

SPECS = course_specs()
IDS = [spec.lab for spec in SPECS]


@pytest.fixture(scope="module", params=SPECS, ids=IDS)
def lab(request):
    """(short grade-id prefix, source notebook) of one lab."""
    spec = request.param
    return spec.short, load_solution(spec.lab, spec.solutions)


def test_every_objective_points_at_graded_cells_and_every_graded_cell_at_an_objective(lab):
    """Does each learning objective name graded cells that exist, and is every graded cell named by one?"""
    short, source = lab
    table = intro_section(source, "## Learning objectives", "## What is graded")
    rows = [line for line in table.splitlines() if re.match(r"\|\s*O\d+\s*\|", line)]
    assert len(rows) >= 3, "the objectives table is missing"
    graded, named = graded_points(source), set()
    for row in rows:
        ids = set(re.findall(rf"`({short}-[a-z0-9-]+)`", row))
        assert ids, f"objective without a graded cell: {row}"
        assert ids <= set(graded), f"objective names cells that are not graded: {sorted(ids - set(graded))}"
        named |= ids
    assert named == set(graded), f"graded cells no objective names: {sorted(set(graded) - named)}"


def test_grading_table_sums_to_the_nbgrader_points(lab):
    """Do the points column of 'What is graded and how', the Total points line and nbgrader's points agree?"""
    _, source = lab
    table = intro_section(source, "## What is graded", "Total points:")
    stated = 0.0
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"\d+(\.\d+)?", cells[0]):
            stated += sum(float(part) for part in cells[2].split("+"))
    total = float(re.search(r"Total points:\**\s*(\d+(\.\d+)?)", source.cells[0].source).group(1))
    assert stated == sum(graded_points(source).values()) == total > 0


def test_every_check_cell_has_visible_checks_and_hidden_value_tests(lab):
    """Can students get feedback from each check cell, and are its hidden tests comparisons with literals?"""
    _, source = lab
    cells = check_cells(source)
    assert len(cells) >= 5, "each lab has at least 5 autograded tasks"
    for cell in cells:
        visible, hidden = split_hidden(cell.source)
        assert check_calls(visible), f"{grade_id(cell)}: no visible check"
        value_checks = [call for call in check_calls(hidden) if call.func.id != "expect_true"]
        assert value_checks, f"{grade_id(cell)}: hidden tests should compare values, not only conditions"
        for call in value_checks:
            ast.literal_eval(call.args[1])  # raises if the expected value is code, not a literal
