"""Is the kernel's sandbox built as documented (hidden folders, one writable scratch, limits)?"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from biometrics_lab._paths import REPO_ROOT
from biometrics_lab.grading import GradingConfig, grade
from biometrics_lab.grading.sandbox import SandboxPolicy, kernel_env, unavailable_reason

from .conftest import FIXTURE_COURSE, LAB, RIGHT, read_csv, student_notebook, write_student


@pytest.mark.skipif(unavailable_reason() is not None, reason=f"sandbox: {unavailable_reason()}")
def test_wrap_hides_the_course_and_binds_only_scratch_writable(tmp_path):
    scratch = Path("/tmp") / "blg-test-scratch"
    out = tmp_path / "out"
    out.mkdir()
    config = GradingConfig(cpu_seconds=7, memory_bytes=10 ** 9, max_processes=33, max_file_bytes=10 ** 6)
    args = SandboxPolicy.for_course(scratch, secret=[str(out)], config=config).wrap(["python", "-V"])
    joined = " ".join(args)
    assert args[0].endswith("prlimit") and "--cpu=7" in args and "--as=1000000000" in args
    assert "--fsize=1000000" in args and any(a.startswith("--nproc=") for a in args)
    for flag in ("--unshare-net", "--unshare-pid", "--die-with-parent"):
        assert flag in args
    tmpfs = {args[i + 1] for i, a in enumerate(args) if a == "--tmpfs"}
    # The course is hidden by its own tmpfs, or by an outer one when the checkout
    # lives under a hidden folder (CI may clone into /tmp).
    assert "/tmp" in tmpfs
    assert any(REPO_ROOT == Path(t) or Path(t) in REPO_ROOT.parents for t in tmpfs), tmpfs
    binds = [(args[i + 1], args[i + 2]) for i, a in enumerate(args) if a == "--bind"]
    assert binds == [(str(scratch), str(scratch))]  # the only writable bind
    ro = {args[i + 1] for i, a in enumerate(args) if a == "--ro-bind"}
    assert str(REPO_ROOT / "biometrics_lab") in ro and str(REPO_ROOT / "solutions") not in ro
    assert "solutions" not in joined.replace(str(REPO_ROOT), "")
    assert args[-2:] == ["python", "-V"]


def test_kernel_environment_carries_no_grader_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("BIOMETRICS_LAB_DB_URL", "postgresql://secret@db/grades")
    env = kernel_env(tmp_path)
    assert "BIOMETRICS_LAB_DB_URL" not in env and env["HOME"] == str(tmp_path)
    assert env["OPENBLAS_NUM_THREADS"] == "1"


@pytest.mark.slow
def test_grading_without_the_sandbox_gives_the_same_scores(released, tmp_path):
    """`sandbox: off` (a machine without bubblewrap) still grades, with the same verdict."""
    write_student(tmp_path / "subs", "alice", student_notebook(released, RIGHT))
    grade(tmp_path / "subs", out=tmp_path / "out", workers=1, course_root=FIXTURE_COURSE, feedback=False,
          config=GradingConfig(sandbox="off", cell_timeout=30, notebook_timeout=120))
    row = read_csv(tmp_path / "out" / "grades.csv")[("alice", LAB)]
    assert (row["g0-cosine-test"], row["g0-count-test"], row["flags"]) == ("2", "1", "")


@pytest.mark.skipif(unavailable_reason() is not None, reason=f"sandbox: {unavailable_reason()}")
@pytest.mark.skipif(os.geteuid() != 0, reason="a per-cell CPU limit needs the sandbox's own uid (grader run as root)")
def test_a_cell_that_burns_cpu_is_stopped_by_the_per_cell_cpu_limit(tmp_path):
    """Is a busy cell stopped after its CPU budget, long before its wall limit, while light cells pass?"""
    from biometrics_lab.grading.execute import run_cells

    scratch = Path("/tmp") / "blg-test-cpu-scratch"
    config = GradingConfig(cell_cpu_seconds=2, cell_timeout=60)
    policy = SandboxPolicy.for_course(scratch, secret=[str(tmp_path)], config=config, slot=7)
    policy.prepare()
    policy.reap()
    sources = ["x = sum(range(1000))", "while True:\n    pass", "y = 1"]
    runs, flags = run_cells(sources, scratch=scratch, policy=policy, cell_timeout=60, notebook_timeout=120,
                            max_output_bytes=10 ** 6, cell_cpu_seconds=2)
    policy.reap()
    assert runs[0].error is None
    assert runs[1].error == "cpu limit", (runs, flags)
    assert runs[2].error == "not run"
    assert any(flag.startswith("cpu-limit: cell 1") for flag in flags), flags


@pytest.mark.skipif(unavailable_reason() is not None, reason=f"sandbox: {unavailable_reason()}")
def test_cells_run_while_an_event_loop_runs_in_this_thread(tmp_path):
    """Does grading still run when the caller's thread has a running asyncio loop (Playwright, a kernel)?"""
    import asyncio

    from biometrics_lab.grading.execute import run_cells

    scratch = Path("/tmp") / "blg-test-loop-scratch"
    policy = SandboxPolicy.for_course(scratch, secret=[str(tmp_path)], config=GradingConfig(), slot=6)
    policy.prepare()

    async def inside_a_loop():
        return run_cells(["z = 6 * 7", "print(z)"], scratch=scratch, policy=policy, cell_timeout=60,
                         notebook_timeout=120, max_output_bytes=10 ** 6)

    runs, flags = asyncio.run(inside_a_loop())
    policy.reap()
    assert [run.error for run in runs] == [None, None], (runs, flags)
    assert runs[1].outputs[0]["text"] == "42\n"
