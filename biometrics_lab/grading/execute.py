"""Execute a list of cells in one (sandboxed) kernel, with output caps and timeouts.

A thin layer over nbclient's ``NotebookClient``: per-cell timeouts interrupt
the cell (and it fails), a dead kernel fails the remaining cells instead of the
run, output beyond a byte budget is dropped, and a wall-time budget bounds the
whole notebook.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import dataclasses
import json
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_output

from .sandbox import SandboxKernelManager, SandboxPolicy
from .verdict import MIME, PROBE_MIME

PRIVATE = {MIME, PROBE_MIME}


@dataclasses.dataclass
class CellRun:
    """What happened to one cell."""

    outputs: list
    error: str | None  # exception name, "timeout", "kernel died", "not run", "stderr"


class _Client(NotebookClient):
    """NotebookClient that caps output size."""

    def __init__(self, nb: Any, *, max_output_bytes: int, **kwargs: Any):
        super().__init__(nb, **kwargs)
        self.max_output_bytes = max_output_bytes
        self.output_bytes = 0
        self.private_bytes = 0
        self.truncated = False

    def output(self, outs: list, msg: dict, display_id: str | None, cell_index: int) -> Any:
        size = len(json.dumps(msg.get("content", {}), default=str))
        data = msg.get("content", {}).get("data") or {}
        if (msg.get("msg_type") == "display_data" and len(data) == 1 and set(data) & PRIVATE
                and size < 100_000 and self.private_bytes + size <= self.max_output_bytes):
            # The grader's own channel has its own budget: a flood of student output cannot drown it.
            self.private_bytes += size
            return super().output(outs, msg, display_id, cell_index)
        self.output_bytes += size
        if self.output_bytes > self.max_output_bytes:
            if not self.truncated:
                self.truncated = True
                outs.append(new_output("stream", name="stdout",
                                       text=f"\n[output truncated: more than {self.max_output_bytes} bytes]\n"))
            return None
        return super().output(outs, msg, display_id, cell_index)


def _run_to_completion(coroutine_function) -> None:
    """Run ``coroutine_function()`` to completion from synchronous code.

    ``asyncio.run`` refuses to start inside a thread whose event loop is
    already running (a Jupyter kernel, or a process that also drives a browser
    with Playwright); then the coroutine runs in a thread of its own.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(coroutine_function())
        return
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(lambda: asyncio.run(coroutine_function())).result()


def run_cells(sources: list[str], *, scratch: Path, policy: SandboxPolicy | None, cell_timeout: float,
              notebook_timeout: float, max_output_bytes: int, kernel_name: str = "python3",
              cell_cpu_seconds: float | None = None) -> tuple[list, list]:
    """Run code cells in one fresh kernel.

    Parameters
    ----------
    sources : list of str
        Code of each cell, in order.
    scratch : Path
        Working folder of the kernel (its only writable place when sandboxed).
    policy : SandboxPolicy or None
        Sandbox of the kernel; None runs it unconfined.
    cell_timeout, notebook_timeout : float
        Wall seconds per cell and for the whole run.
    max_output_bytes : int
        Output kept over all cells.
    cell_cpu_seconds : float, optional
        CPU seconds a cell may use (all processes of the sandbox user); past it
        the kernel is killed and the cell fails with ``"cpu limit"``. Applies
        only when the policy gives the kernel a uid of its own.

    Returns
    -------
    runs : list of CellRun
        One per source.
    flags : list of str
        Problems of the run as a whole (timeout, dead kernel, output truncated).
    """
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    runs = [CellRun([], "not run") for _ in sources]
    flags: list[str] = []

    client = _Client(
        nb, max_output_bytes=max_output_bytes, timeout=int(max(1, cell_timeout)), interrupt_on_timeout=True,
        allow_errors=True, kernel_name=kernel_name, kernel_manager_class=SandboxKernelManager,
        shutdown_kernel="immediate", startup_timeout=60, iopub_timeout=4, raise_on_iopub_timeout=False,
        extra_arguments=["--HistoryManager.hist_file=:memory:"], record_timing=False,
        error_on_timeout={"ename": "CellTimeoutError", "evalue": "",
                          "traceback": [f"CellTimeoutError: the cell ran longer than {cell_timeout:g} s"]},
    )
    replies: dict[int, dict] = {}

    def on_executed(cell: Any, cell_index: int, execute_reply: dict) -> None:
        replies[cell_index] = execute_reply

    client.on_cell_executed = on_executed

    watch_cpu = cell_cpu_seconds is not None and policy is not None and policy.cpu_seconds_used() is not None
    over_cpu: set[int] = set()

    async def _cpu_watchdog(index: int) -> None:
        # Measured from outside the kernel: the student's code cannot see or stop it.
        start = policy.cpu_seconds_used()
        while True:
            await asyncio.sleep(0.2)
            used = policy.cpu_seconds_used()
            if used is not None and used - start > cell_cpu_seconds:
                over_cpu.add(index)
                policy.reap(timeout=2.0)
                return

    async def _execute(cell: Any, index: int) -> None:
        if not watch_cpu:
            await client.async_execute_cell(cell, index, execution_count=index + 1)
            return
        watchdog = asyncio.ensure_future(_cpu_watchdog(index))
        try:
            await client.async_execute_cell(cell, index, execution_count=index + 1)
        finally:
            watchdog.cancel()

    async def _run() -> None:
        client.km = SandboxKernelManager(kernel_name=kernel_name, policy=policy, scratch=scratch)
        async with client.async_setup_kernel(cwd=str(scratch)):
            for index, cell in enumerate(nb.cells):
                try:
                    await _execute(cell, index)
                except DeadKernelError:
                    if index in over_cpu:
                        runs[index] = CellRun(list(cell.outputs), "cpu limit")
                        flags.append(f"cpu-limit: cell {index} used more than {cell_cpu_seconds:g} CPU seconds")
                        return
                    runs[index] = CellRun(list(cell.outputs), "kernel died")
                    flags.append(f"kernel-died: the kernel stopped in cell {index} (exit, crash or a resource limit)")
                    return
                except CellTimeoutError:
                    runs[index] = CellRun(list(cell.outputs), "timeout")
                    flags.append(f"timeout: cell {index} could not be interrupted")
                    return
                reply = replies.get(index, {}).get("content", {})
                error = None
                if reply.get("status") == "error":
                    error = reply.get("ename") or "error"
                elif any(o.get("output_type") == "error" for o in cell.outputs):
                    error = next(o.get("ename") for o in cell.outputs if o.get("output_type") == "error")
                elif any(o.get("output_type") == "stream" and o.get("name") == "stderr" for o in cell.outputs):
                    error = "stderr"
                if any(o.get("ename") == "CellTimeoutError" for o in cell.outputs if o.get("output_type") == "error"):
                    error = "timeout"
                runs[index] = CellRun(list(cell.outputs), error)

    async def _bounded() -> None:
        try:
            await asyncio.wait_for(_run(), timeout=notebook_timeout)
        except asyncio.TimeoutError:
            flags.append(f"notebook-timeout: the notebook ran longer than {notebook_timeout:g} s")

    try:
        _run_to_completion(_bounded)
    except Exception as error:  # kernel failed to start, sandbox refused, ...
        atexit.unregister(client._cleanup_kernel)
        flags.append(f"kernel-error: {type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''}")
    if client.truncated:
        flags.append(f"output-truncated: more than {max_output_bytes} bytes of output")
    return runs, flags
