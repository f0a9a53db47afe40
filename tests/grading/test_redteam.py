"""Red team: one batch of attacks and broken files, with honest students whose grades must come out right.

Every attacker answers Task 1 (cosine, 2 points, wrong on a hidden check) wrongly and Task 2 (1 point)
rightly, so an attack that worked would show as 2 points on ``g0-cosine-test``. Each submission must be
graded honestly (its true score, or zero) or flagged with a reason; nothing may stop the batch.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import socket
import threading
import zipfile
from pathlib import Path

import nbformat
import pytest

from biometrics_lab.grading import GradingConfig, grade
from biometrics_lab.grading.exports import is_problem
from biometrics_lab.grading.feedback import leaks
from biometrics_lab.grading.sandbox import unavailable_reason
from biometrics_lab.grading.spec import LabSpec

from .conftest import FIXTURE_COURSE, LAB, OTHER_LAB, RIGHT, WRONG, read_csv, student_notebook

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(unavailable_reason() is not None, reason=f"sandbox: {unavailable_reason()}")]

ATTACKER = {**RIGHT, "g0-cosine": WRONG["g0-cosine"]}
DUE = dt.datetime(2026, 11, 20, 12, tzinfo=dt.timezone.utc)
BEFORE = (2026, 11, 19, 9, 0, 0)

# Cells inserted right after the setup cell. {port} and {secrets} are filled in by the test.
ATTACK_CELLS = {
    "ast-transformer": (
        "import ast\n"
        "class Strip(ast.NodeTransformer):\n"
        "    def visit_Assert(self, node):\n        return ast.Pass()\n"
        "    def visit_Expr(self, node):\n        return ast.Pass() if isinstance(node.value, ast.Call) else node\n"
        "get_ipython().ast_transformers.append(Strip())"),
    "input-transformer": "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])",
    "monkeypatch": (
        "import math, numpy.testing, biometrics_lab.checks as checks\n"
        "checks.expect_close = checks.expect_equal = checks.expect_true = lambda *a, **k: None\n"
        "expect_close = expect_equal = expect_true = lambda *a, **k: None\n"
        "checks.close = checks.equal = lambda *a, **k: True\n"
        "numpy.testing.assert_allclose = lambda *a, **k: None\n"
        "math.isclose = lambda *a, **k: True"),
    "custom-exc": "get_ipython().set_custom_exc((Exception,), lambda *a, **k: None)",
    "sys-exit": "import sys\nsys.exit()",
    "os-exit": "import os\nos._exit(1)",
    "segfault": "import ctypes\nctypes.string_at(0)",
    "infinite-loop": "while True:\n    pass",
    "allocate-50gb": "hoard = bytearray(50 * 1024 ** 3)",
    "fork-bomb": (
        "import os, time\nchildren = []\n"
        "for _ in range(400):  # bounded: at most 400 sleeping processes even without a sandbox\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n        time.sleep(15)\n        os._exit(0)\n"
        "    children.append(pid)"),
    "network": "import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=3).sendall(b'leak')",
    "read-secrets": (
        "for path in {secrets!r}:\n"
        "    try:\n        open(path, 'rb').read(10)\n        print('READ', path)\n"
        "    except OSError as error:\n        print('blocked', type(error).__name__)"),
    "write-other-student": (
        "for path in {targets!r}:\n"
        "    try:\n        open(path, 'w').write('{{}}')\n        print('WROTE', path)\n"
        "    except OSError as error:\n        print('blocked', type(error).__name__)"),
    "output-flood": "print('\\n'.join(map(str, range(10 ** 7))))",
}


def _with_cell(nb, source):
    nb = copy.deepcopy(nb)
    nb.cells.insert(2, nbformat.v4.new_code_cell(source))
    return nb


def _edit(nb, grade_id, change):
    nb = copy.deepcopy(nb)
    for index, cell in enumerate(nb.cells):
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            change(nb, index, cell)
            return nb
    raise KeyError(grade_id)


def _metadata_attacks(base):
    def delete(nb, i, cell):
        del nb.cells[i]

    def to_pass(nb, i, cell):
        cell.source = "pass"

    def to_markdown(nb, i, cell):
        nb.cells[i] = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata)

    def points(nb, i, cell):
        cell.metadata["nbgrader"]["points"] = 100

    def new_id(nb, i, cell):
        cell.metadata["nbgrader"]["grade_id"] = "g0-free-points"
        cell.source = "pass"

    def duplicate(nb, i, cell):
        fake = copy.deepcopy(cell)
        fake.source = "pass"
        fake.id = "fake-cell"
        nb.cells.insert(i + 1, fake)

    def same_cell_id(nb, i, cell):
        cell.id = nb.cells[i - 1].id  # nbformat cell ids: the test cell takes the answer cell's id

    return {
        "same-cell-id": _edit(base, "g0-cosine-test", same_cell_id),
        "deleted-test": _edit(base, "g0-cosine-test", delete),
        "test-to-pass": _edit(base, "g0-cosine-test", to_pass),
        "test-to-markdown": _edit(base, "g0-cosine-test", to_markdown),
        "points-changed": _edit(base, "g0-count-test", points),
        "grade-id-changed": _edit(base, "g0-cosine-test", new_id),
        "duplicated-ids": _edit(base, "g0-cosine-test", duplicate),
    }


@pytest.fixture(scope="module")
def batch(released, tmp_path_factory):
    base = tmp_path_factory.mktemp("redteam")
    out = base / "out"
    hits = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.5)
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                hits.append(conn.recv(100))
                conn.close()
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    port = server.getsockname()[1]
    secrets = [str(FIXTURE_COURSE / "solutions" / LAB / f"{LAB}.ipynb"), str(out / "gradebook.db"),
               str(out / "course" / "solutions" / LAB / f"{LAB}.ipynb"),
               str(Path(__file__).resolve().parents[2] / "solutions" / "lab1-templates" / "lab1-templates.ipynb")]
    targets = [str(out / "course" / "submitted" / "honest-right" / LAB / f"{LAB}.ipynb"),
               str(out / "grades.csv"), str(FIXTURE_COURSE / "planted.txt")]

    attacker = student_notebook(released, ATTACKER)
    entries = {}  # zip entry name -> (bytes, date)

    def add(name, nb, date=BEFORE):
        # json, not nbformat.writes: nbformat would repair the duplicated cell ids this batch hands in.
        data = nb if isinstance(nb, bytes) else json.dumps(nb).encode()
        entries[name] = (data, date)

    add(f"honest-right/{LAB}.ipynb", student_notebook(released, RIGHT))
    add(f"honest-blank/{LAB}.ipynb", student_notebook(released, {}))
    add(f"honest-wrong/{LAB}.ipynb", student_notebook(released, WRONG))
    for name, source in ATTACK_CELLS.items():
        add(f"{name}/{LAB}.ipynb", _with_cell(attacker, source.format(port=port, secrets=secrets, targets=targets)))
    for name, nb in _metadata_attacks(attacker).items():
        add(f"{name}/{LAB}.ipynb", nb)
    add(f"malformed-json/{LAB}.ipynb", b'{"cells": [ {')
    add(f"empty-file/{LAB}.ipynb", b"")
    add("wrong-name/homework.ipynb", nbformat.writes(student_notebook(released, RIGHT)).encode())
    add(f"other-lab/{LAB}.ipynb", student_notebook(released, {"o0-double": "def double(x):\n    return 2 * x"},
                                                   lab=OTHER_LAB))
    add(f"../../zip-slip/{LAB}.ipynb", student_notebook(released, RIGHT))
    add(f"nonutfXXXX/{LAB}.ipynb", student_notebook(released, RIGHT))
    add(f"twice_1_10_{LAB}.ipynb", student_notebook(released, RIGHT), date=(2026, 11, 19, 10, 0, 0))
    add(f"twice_1_11_{LAB}.ipynb", student_notebook(released, WRONG), date=(2026, 11, 19, 8, 0, 0))
    add(f"late_2_20_{LAB}.ipynb", student_notebook(released, RIGHT), date=(2026, 11, 22, 0, 0, 0))

    archive = base / "class.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name, (data, date) in entries.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=date), data)
    archive.write_bytes(archive.read_bytes().replace(b"nonutfXXXX", b"nonutf\xff\xfe\xfd\xfc"))

    config = GradingConfig(cell_timeout=8, notebook_timeout=120, max_output_bytes=1_000_000,
                           memory_bytes=3 * 1024 ** 3, sandbox="require",
                           due={LAB: DUE.isoformat()}, late_penalty_per_day=0.1)
    summary = grade(archive, out=out, workers=2, course_root=FIXTURE_COURSE, config=config)
    stop.set()
    thread.join()
    server.close()
    return out, summary, hits


def _rows(out):
    return read_csv(out / "grades.csv")


def _problems(row):
    return [f for f in row["flags"].split("; ") if f and is_problem(f)]


def test_honest_students_are_graded_right(batch):
    rows = _rows(batch[0])
    assert (rows[("honest-right", LAB)]["g0-cosine-test"], rows[("honest-right", LAB)]["g0-count-test"]) == ("2", "1")
    assert (rows[("honest-blank", LAB)]["g0-cosine-test"], rows[("honest-blank", LAB)]["g0-count-test"]) == ("0", "0")
    assert (rows[("honest-wrong", LAB)]["g0-cosine-test"], rows[("honest-wrong", LAB)]["g0-count-test"]) == ("0", "0")
    for name in ("honest-right", "honest-blank", "honest-wrong"):
        assert rows[(name, LAB)]["flags"] == ""  # not even a note: a released test cell is not "changed"


@pytest.mark.parametrize("attack", [*ATTACK_CELLS, "deleted-test", "test-to-pass", "test-to-markdown",
                                    "points-changed", "grade-id-changed", "duplicated-ids", "same-cell-id"])
def test_no_attack_earns_the_wrong_answers_points(batch, attack):
    """The wrong cosine never scores; the right count scores unless the attack broke the run (then flagged)."""
    row = _rows(batch[0])[(attack, LAB)]
    assert row["g0-cosine-test"] == "0", row
    assert row["max_score"] == "5"
    assert row["g0-count-test"] == "1" or _problems(row), row


EXPECTED_FLAGS = {
    "ast-transformer": "tamper", "input-transformer": "tamper", "monkeypatch": "tamper", "custom-exc": "tamper",
    "os-exit": "kernel-died", "segfault": "kernel-died", "output-flood": "output-truncated",
    "fork-bomb": "tamper",
}


@pytest.mark.parametrize("attack,code", sorted(EXPECTED_FLAGS.items()))
def test_machinery_attacks_are_flagged(batch, attack, code):
    row = _rows(batch[0])[(attack, LAB)]
    assert any(f.startswith(code) for f in _problems(row)), row["flags"]


@pytest.mark.parametrize("attack", ["sys-exit", "infinite-loop", "allocate-50gb", "fork-bomb", "network",
                                    "read-secrets", "write-other-student", "test-to-pass", "deleted-test",
                                    "test-to-markdown", "points-changed", "grade-id-changed", "duplicated-ids",
                                    "same-cell-id", "monkeypatch", "custom-exc", "output-flood"])
def test_attacks_that_leave_the_kernel_running_get_their_true_score(batch, attack):
    row = _rows(batch[0])[(attack, LAB)]
    assert (row["g0-cosine-test"], row["g0-count-test"], row["score"]) == ("0", "1", "1"), row


def test_sandbox_blocked_network_reads_and_writes(batch):
    out, _, hits = batch
    assert hits == []  # no connection reached the host
    for attack in ("read-secrets", "write-other-student"):
        nb = nbformat.read(str(out / "course" / "autograded" / attack / LAB / f"{LAB}.ipynb"), as_version=4)
        text = "".join(o.get("text", "") for o in nb.cells[2].outputs)
        assert "blocked" in text and "READ" not in text and "WROTE" not in text, text
    assert not (FIXTURE_COURSE / "planted.txt").exists()


def test_broken_files_are_flagged_with_reasons(batch):
    out, summary, _ = batch
    rows = _rows(out)
    assert _problems(rows[("malformed-json", LAB)])[0].startswith("malformed-json")
    assert _problems(rows[("empty-file", LAB)])[0].startswith("empty")
    assert _problems(rows[("other-lab", LAB)])[0].startswith("other-lab")
    assert rows[("other-lab", LAB)]["score"] == "0"
    flags = [f for row in summary.rows for f in row["flags"]]
    assert any(f.startswith("wrong-name") and "homework.ipynb" in f for f in flags)
    assert any(f.startswith("unsafe-path") and "zip-slip" in f for f in flags)
    assert any(f.startswith("non-utf8-name") for f in flags)
    assert not any("zip-slip" in str(p) for p in out.parent.rglob("*.ipynb") if out not in p.parents)


def test_latest_submission_wins_and_late_one_is_penalised(batch):
    rows = _rows(batch[0])
    twice = rows[("twice", LAB)]
    assert (twice["g0-cosine-test"], twice["g0-count-test"]) == ("2", "1")  # the later (right) one
    assert "resubmitted" in twice["flags"]
    late = rows[("late", LAB)]
    # 1.5 days late: two started days at 10% of 5 points each.
    assert (late["late_penalty"], late["score"]) == ("1", "2")


def test_no_feedback_file_leaks_hidden_tests(batch):
    out = batch[0]
    spec = LabSpec.from_json((out / "course" / "spec" / f"{LAB}.json").read_text())
    files = list((out / "feedback").rglob("*.html"))
    assert len(files) >= 20
    for path in files:
        assert leaks(path.read_text(encoding="utf-8"), spec) == [], path
