"""Does `--db postgresql://...` grade into a real PostgreSQL server (started here, for this test)?"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from biometrics_lab.grading import GradingConfig, grade

from .conftest import FIXTURE_COURSE, LAB, RIGHT, WRONG, read_csv, student_notebook, write_student

pytestmark = pytest.mark.slow


def _pg_bin() -> Path | None:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").is_file():
            return candidate
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _missing() -> str | None:
    if _pg_bin() is None:
        return "PostgreSQL server binaries not installed (apt-get install postgresql)"
    try:
        import psycopg  # noqa: F401 - SQLAlchemy 2.1 uses psycopg 3 for postgresql://
    except ImportError:
        return "psycopg 3 not installed: pip install '.[test]'"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to run the server as"
    return None


@pytest.fixture(scope="module")
def postgres_url():
    reason = _missing()
    if reason:
        pytest.skip(reason)
    bin_dir = _pg_bin()
    # A short path outside pytest's 0700 folders: the server user must reach it, and socket paths are short.
    root = Path(tempfile.mkdtemp(prefix="blpg-", dir="/tmp"))
    as_user = []
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.chown(root, entry.pw_uid, entry.pw_gid)
        as_user = ["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--clear-groups"]
    data = root / "data"
    run = lambda *cmd: subprocess.run([*as_user, *map(str, cmd)], check=True, capture_output=True, timeout=120)  # noqa: E731
    run(bin_dir / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "--no-sync")
    run(bin_dir / "pg_ctl", "-D", data, "-l", root / "log", "-w", "-o", f"-k {root} -c listen_addresses=''", "start")
    try:
        run(bin_dir / "createdb", "-h", root, "-U", "postgres", "grading")
        yield f"postgresql://postgres@/grading?host={root}"
    finally:
        subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


def test_grades_into_postgresql_like_into_sqlite(released, postgres_url, tmp_path):
    from nbgrader.api import Gradebook

    subs = tmp_path / "subs"
    write_student(subs, "alice", student_notebook(released, RIGHT))
    write_student(subs, "carol", student_notebook(released, WRONG))
    config = GradingConfig(cell_timeout=30, notebook_timeout=120)
    grade(subs, out=tmp_path / "pg", workers=2, db_url=postgres_url, course_root=FIXTURE_COURSE, config=config,
          feedback=False)
    grade(subs, out=tmp_path / "lite", workers=2, course_root=FIXTURE_COURSE, config=config, feedback=False)
    assert not (tmp_path / "pg" / "gradebook.db").exists()
    assert (tmp_path / "pg" / "grades.csv").read_bytes() == (tmp_path / "lite" / "grades.csv").read_bytes()
    assert read_csv(tmp_path / "pg" / "grades.csv")[("alice", LAB)]["score"] == "3"
    with Gradebook(postgres_url) as gb:
        scores = {g.name: g.auto_score for g in gb.find_submission_notebook(LAB, LAB, "alice").grades}
        assert scores["g0-cosine-test"] == 2.0 and scores["g0-count-test"] == 1.0
        assert sorted(s.student.id for s in gb.find_assignment(LAB).submissions) == ["alice", "carol"]
