"""A pool of worker processes, each grading one notebook at a time.

Each worker is ``python -m biometrics_lab.grading.worker`` in its own session.
A worker that does not answer within the notebook budget is killed with its
kernel and replaced; its job comes back as a flagged result. Results reach the
caller in the calling thread, one at a time: that thread is the only one that
writes the gradebook.
"""

from __future__ import annotations

import json
import os
import queue
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Iterable

from .._paths import path_with_interpreter_scripts

_DONE = object()


class _Worker:
    def __init__(self, slot: int, log_dir: Path):
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log = open(log_dir / f"worker-{slot}.log", "ab")
        env = dict(os.environ)
        env["PATH"] = path_with_interpreter_scripts(env.get("PATH", ""))
        env.setdefault("PYTHONUNBUFFERED", "1")
        self.proc = subprocess.Popen([sys.executable, "-m", "biometrics_lab.grading.worker"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
                                     env=env, start_new_session=True)
        self.buffer = b""

    def ask(self, job: dict, timeout: float) -> dict | None:
        """Send a job; return the result, or None if none came in time (or the worker died)."""
        try:
            self.proc.stdin.write((json.dumps(job) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return None
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], min(left, 1.0))
            if ready:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    return None  # the worker died
                self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        self.log.close()

    def close(self) -> None:
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except (subprocess.TimeoutExpired, OSError):
            self.kill()
            return
        self.log.close()


def run_jobs(jobs: Iterable[dict], workers: int, *, log_dir: Path, job_timeout: float,
             on_result: Callable[[dict], None]) -> None:
    """Grade jobs on ``workers`` processes; call ``on_result`` in this thread for each result.

    Parameters
    ----------
    jobs : iterable of dict
        Jobs for :func:`biometrics_lab.grading.worker.grade_submission`; each
        has a ``key``.
    workers : int
        Number of worker processes.
    log_dir : Path
        Where each worker's stderr goes.
    job_timeout : float
        Seconds after which a worker is killed and the job fails.
    on_result : callable
        Receives each result dict.
    """
    todo: queue.Queue = queue.Queue()
    for job in jobs:
        todo.put(job)
    results: queue.Queue = queue.Queue()
    stop = threading.Event()
    live: dict[int, _Worker] = {}

    def serve(slot: int) -> None:
        worker = None
        try:
            while not stop.is_set():
                try:
                    job = todo.get_nowait()
                except queue.Empty:
                    break
                if worker is None:
                    worker = live[slot] = _Worker(slot, log_dir)
                result = worker.ask(dict(job, slot=slot), job_timeout)
                if result is None:
                    worker.kill()
                    worker = None
                    live.pop(slot, None)
                    result = {"key": job["key"], "student": job["student"], "lab": job["lab"], "scores": None,
                              "flags": [f"notebook-timeout: no result within {job_timeout:g} s; the run was killed"]}
                results.put(result)
        finally:
            if worker is not None:
                worker.close()
                live.pop(slot, None)
            results.put(_DONE)

    threads = [threading.Thread(target=serve, args=(slot,), daemon=True) for slot in range(max(1, workers))]
    for thread in threads:
        thread.start()
    finished = 0
    try:
        while finished < len(threads):
            item = results.get()
            if item is _DONE:
                finished += 1
            else:
                on_result(item)
    except BaseException:
        stop.set()
        for worker in list(live.values()):
            worker.kill()
        raise
