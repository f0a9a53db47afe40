"""Is every lab's release sound: generated from its source, free of answers, structured as the course promises?

Parametrised over ``biometrics_lab.course.available_labs()`` (so a new lab is
covered as soon as its source notebook exists) plus the harness's fixture lab.
None of these tests runs a kernel; ``generate_assignment`` runs once per lab.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from nbgrader import utils as nbutils

from biometrics_lab._paths import REPO_ROOT

from nbgrader_harness import (
    FIXTURES, LABS, MARKERS, SOLUTIONS, BEGIN_MARK_SCHEME, END_MARK_SCHEME, autograded_test_ids,
    course_specs, fixture_spec, grade_id, is_autograded_test, is_manually_graded, leaked_lines,
    load_solution, nbgrader_meta, secret_lines, text_lines, total_points,
)

SPECS = [fixture_spec()] + course_specs()
IDS = [spec.lab for spec in SPECS]
COMMITTED_NOTEBOOKS = sorted(
    path for folder in (SOLUTIONS, LABS, FIXTURES / "solutions", FIXTURES / "labs")
    for path in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in path.parts
)


def _source(spec):
    return load_solution(spec.lab, spec.solutions)


# --------------------------------------------------------------------------- (c) no answers in labs/


@pytest.mark.parametrize("labs_root", [LABS, FIXTURES / "labs"], ids=["labs", "fixture-labs"])
def test_release_has_no_nbgrader_markers(labs_root):
    """Does any file under labs/ still contain a solution, hidden-test or mark-scheme marker?"""
    found = [(path, marker) for path, lines in text_lines(labs_root).items()
             for line in lines for marker in MARKERS if marker in line]
    assert not found, f"nbgrader markers in the release: {found}"


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_release_has_no_solution_lines(spec):
    """Does any line of a solution region, hidden test or mark scheme appear anywhere in labs/?"""
    secrets = secret_lines(_source(spec))
    leaks = leaked_lines(secrets, text_lines(spec.labs))
    assert not leaks, "solution or hidden-test lines found in the release:\n" + "\n".join(
        f"{path}: {line}" for path, line in leaks)


def test_leak_check_finds_a_planted_answer(tmp_path):
    """Would the leak check notice a solution line pasted into a released notebook?"""
    spec = fixture_spec()
    source = _source(spec)
    secrets = secret_lines(source)
    assert "return x * x" in secrets and "expect_equal(square(-3), 9)" in secrets
    # Lines shown to students in the source are not secret.
    assert "import math" not in secrets
    planted = nbformat.read(spec.release_path, as_version=4)
    planted.cells[-1].source += "\nexpect_equal(square(-3), 9)"
    nbformat.write(planted, tmp_path / "leaky.ipynb")
    leaks = leaked_lines(secrets, text_lines(tmp_path))
    assert [line for _, line in leaks] == ["expect_equal(square(-3), 9)"]


# --------------------------------------------------------------------------- (d) no outputs


@pytest.mark.parametrize("path", COMMITTED_NOTEBOOKS, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_committed_notebook_has_no_outputs(path):
    """Does a committed notebook carry outputs or execution counts?"""
    nb = json.loads(path.read_text(encoding="utf-8"))
    dirty = [index for index, cell in enumerate(nb["cells"])
             if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert not dirty, f"{path}: cells {dirty} have outputs or execution counts; clear them before committing"


# --------------------------------------------------------------------------- (e) labs/ == fresh release


def _files(folder: Path) -> dict[str, Path]:
    return {str(path.relative_to(folder)): path for path in sorted(folder.rglob("*"))
            if path.is_file() and ".ipynb_checkpoints" not in path.parts and "__pycache__" not in path.parts}


def _notebook_differences(committed: dict, fresh: dict) -> list[str]:
    """Name the top-level keys and cells that differ between two parsed notebooks."""
    differences = [f"top-level {key!r}" for key in sorted(set(committed) | set(fresh))
                   if key != "cells" and committed.get(key) != fresh.get(key)]
    if len(committed["cells"]) != len(fresh["cells"]):
        differences.append(f"{len(committed['cells'])} cells committed, {len(fresh['cells'])} in a fresh release")
    for index, (old, new) in enumerate(zip(committed["cells"], fresh["cells"])):
        if old != new:
            keys = sorted(key for key in set(old) | set(new) if old.get(key) != new.get(key))
            differences.append(f"cell {index} ({grade_id(old) or 'no grade id'}): {keys}")
    return differences


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_release_matches_a_fresh_generate_assignment(spec, scratch_course):
    """Is the committed labs/<lab>/ exactly what nbgrader generates from solutions/<lab>/ now?

    Nothing may differ. nbgrader's release is deterministic (cell ids are
    copied from the source, checksums are computed from cell sources), so
    every file must match: notebooks compared as parsed JSON (key order and
    indentation ignored, every key and value compared), other files byte for
    byte. If this fails, run ``make release`` (``biometrics-lab release``) and
    commit labs/.
    """
    fresh_root = scratch_course(spec).generate(spec.lab)
    committed, fresh = _files(spec.labs / spec.lab), _files(fresh_root)
    assert sorted(committed) == sorted(fresh), "labs/ holds other files than a fresh release"
    for name, path in committed.items():
        if path.suffix == ".ipynb":
            old = json.loads(path.read_text(encoding="utf-8"))
            new = json.loads(fresh[name].read_text(encoding="utf-8"))
            assert old == new, f"{path} differs from a fresh release: {_notebook_differences(old, new)}"
        else:
            assert path.read_bytes() == fresh[name].read_bytes(), f"{path} differs from a fresh release"


@pytest.mark.parametrize("labs_root,solutions_root", [(LABS, SOLUTIONS), (FIXTURES / "labs", FIXTURES / "solutions")],
                         ids=["labs", "fixture-labs"])
def test_every_release_has_a_source(labs_root, solutions_root):
    """Does every notebook under labs/ come from a source notebook in solutions/?"""
    orphans = [path for path in labs_root.rglob("*.ipynb") if ".ipynb_checkpoints" not in path.parts
               and not (solutions_root / path.relative_to(labs_root)).is_file()]
    assert not orphans, f"released notebooks without a source in {solutions_root}: {orphans}"


# --------------------------------------------------------------------------- structure of the source


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_grade_ids_follow_the_course_convention(spec):
    """Is every nbgrader cell's grade id ``l<N>-<task>`` (lowercase words joined by hyphens)?"""
    pattern = re.compile(rf"{spec.short}-[a-z0-9]+(-[a-z0-9]+)*")
    ids = [grade_id(cell) for cell in _source(spec).cells if nbgrader_meta(cell)]
    bad = [gid for gid in ids if not gid or not pattern.fullmatch(gid)]
    assert ids, "the source notebook has no nbgrader cells"
    assert not bad, f"grade ids not of the form {spec.short}-<task>: {bad}"


def _setup_cells(nb) -> list:
    """Code cells that are neither answers nor tests and either import something or precede the first answer."""
    first_answer = next((i for i, cell in enumerate(nb.cells) if nbutils.is_solution(cell)), len(nb.cells))
    imports = re.compile(r"^\s*(import|from)\s+\w", re.MULTILINE)
    return [cell for index, cell in enumerate(nb.cells)
            if cell.cell_type == "code" and not nbutils.is_solution(cell) and not is_autograded_test(cell)
            and (index < first_answer or imports.search(cell.source))]


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_setup_and_test_cells_are_locked(spec):
    """Are the test cells and setup cells (imports, anything before the first answer) locked in the source?"""
    nb = _source(spec)
    cells = [cell for cell in nb.cells if is_autograded_test(cell)] + _setup_cells(nb)
    unlocked = [grade_id(cell) or cell.source[:40] for cell in cells if not nbutils.is_locked(cell)]
    assert cells, "the source notebook has no setup or test cells"
    assert not unlocked, f"setup or test cells not locked: {unlocked}"


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_total_points_line_matches_nbgrader_points(spec):
    """Does the ``Total points: N`` line near the top equal the sum of the notebook's nbgrader points?"""
    nb = _source(spec)
    top = [cell.source for cell in nb.cells if cell.cell_type == "markdown"][:3]
    match = re.search(r"Total points:?\s*\**\s*(\d+(?:\.\d+)?)", "\n".join(top))
    assert match, "no 'Total points: N' line in the first three markdown cells"
    assert float(match.group(1)) == total_points(nb)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_autograded_tasks_exist(spec):
    """Does the lab have autograded work at all (else the autograde tests would pass vacuously)?"""
    assert autograded_test_ids(_source(spec))


_LEVEL = re.compile(r"(\d+(?:\.\d+)?)\s*(?:points?|pts?|marks?)\b", re.IGNORECASE)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_manual_cells_have_a_mark_scheme_with_rubric_levels(spec):
    """Does every manually graded cell hold a mark scheme with at least two levels, the top one its points?"""
    problems = []
    for cell in _source(spec).cells:
        if not is_manually_graded(cell):
            continue
        gid, points = grade_id(cell), float(nbgrader_meta(cell).get("points", 0))
        scheme = re.search(rf"{re.escape(BEGIN_MARK_SCHEME)}(.*?){re.escape(END_MARK_SCHEME)}", cell.source, re.DOTALL)
        if scheme is None:
            problems.append(f"{gid}: no mark scheme")
            continue
        levels = {float(value) for value in _LEVEL.findall(scheme.group(1))}
        if len(levels) < 2:
            problems.append(f"{gid}: mark scheme states fewer than two rubric levels ('N points')")
        elif max(levels) != points:
            problems.append(f"{gid}: top rubric level {max(levels)} != cell points {points}")
    assert not problems, problems


_HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.DOTALL)


def _verdicts_held_in_the_kernel(code: str) -> list[str]:
    """Statements of a hidden-test region whose verdict the student's kernel could decide.

    Allowed: assignments and function definitions that build inputs, and
    ``expect_close``/``expect_equal`` calls whose expected value is a literal
    (the hardened grader compares those outside the kernel). Anything else
    (``assert``, ``expect_true``, a bare expression) is returned.
    """
    import ast

    problems = []
    for node in ast.parse(code).body:
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.FunctionDef, ast.Import, ast.ImportFrom)):
            continue
        call = node.value if isinstance(node, ast.Expr) else None
        if (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                and call.func.id in ("expect_close", "expect_equal") and len(call.args) >= 2):
            try:
                ast.literal_eval(call.args[1])
                continue
            except ValueError:
                pass
        problems.append(ast.unparse(node)[:120])
    return problems


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_hidden_tests_compare_with_literal_values(spec):
    """Is every hidden verdict an expect_close/expect_equal against a literal, so the grader decides it outside the kernel?"""
    problems = {}
    for cell in _source(spec).cells:
        for region in _HIDDEN.findall(cell.source):
            found = _verdicts_held_in_the_kernel(region)
            if found:
                problems[grade_id(cell)] = found
    assert not problems, problems


def test_kernel_held_verdicts_are_found():
    """Would an assert or expect_true in a hidden region be caught?"""
    code = "x = f(1)\nexpect_close(x, 0.5)\nassert x > 0\nexpect_true(x)\nexpect_equal(x, y)\n"
    assert _verdicts_held_in_the_kernel(code) == ["assert x > 0", "expect_true(x)", "expect_equal(x, y)"]
