"""How long does each lab's solution notebook take to run, against the 15 s budget?

Each ``solutions/<lab>/<lab>.ipynb`` is executed top to bottom with nbclient
(as "Run All" would) in a temporary copy of its folder, with that copy as
the working directory. The figure is the median wall time of ``--repeat``
runs, kernel start and shutdown included; a notebook with one empty cell is
timed the same way so that the kernel's share can be read off. Beside it,
the kernel's own CPU seconds (user + system, all threads), which depend much
less on what else the machine is running.

Usage: ``python -m bench lab_runtime`` or
``python -m bench.bench_lab_runtime [--repeat N] [LAB ...]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from biometrics_lab._paths import REPO_ROOT
from biometrics_lab.course import available_labs

#: Seconds a lab's solution may take to run on the 2-core course machine (issue 2).
BUDGET_S = 15.0


# Appended to each run: the kernel's own CPU seconds (all its threads), which a
# busy shared machine inflates far less than wall time.
_CPU_PROBE = ("import resource as _resource\n"
              "_usage = _resource.getrusage(_resource.RUSAGE_SELF)\n"
              "print(_usage.ru_utime + _usage.ru_stime)")


def time_notebook(nb: nbformat.NotebookNode, folder: Path, *, timeout: int = 600) -> tuple[float, float]:
    """Execute ``nb`` in a temporary copy of ``folder``; return (wall seconds, kernel CPU seconds).

    Raises
    ------
    nbclient.exceptions.CellExecutionError
        If a cell raises: a solution that fails has no meaningful run time.
    """
    with tempfile.TemporaryDirectory(prefix="bench-lab-") as tmp:
        workdir = Path(tmp) / folder.name
        shutil.copytree(folder, workdir, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        nb = nbformat.from_dict(nb)
        nb.cells.append(nbformat.v4.new_code_cell(_CPU_PROBE))
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(workdir)}})
        start = time.perf_counter()
        client.execute()
        wall = time.perf_counter() - start
        cpu = float(nb.cells[-1].outputs[0]["text"])
        return wall, cpu


def measure(labs: list[str], repeat: int = 3) -> list[dict]:
    """Return one row per lab (and one for an empty notebook): median and all run times."""
    # Kernels start from this interpreter's environment (nbgrader does the same).
    bin_dir = str(Path(sys.executable).parent)
    os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-empty-") as tmp:
        empty = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("pass")])
        runs = [time_notebook(empty, Path(tmp)) for _ in range(repeat)]
        rows.append({"lab": "(empty notebook: kernel start)", "runs": runs, "budget": None})
    for lab in labs:
        path = REPO_ROOT / "solutions" / lab / f"{lab}.ipynb"
        runs = [time_notebook(nbformat.read(path, as_version=4), path.parent) for _ in range(repeat)]
        rows.append({"lab": lab, "runs": runs, "budget": BUDGET_S})
    for row in rows:
        row["median"] = statistics.median(wall for wall, _ in row["runs"])
        row["cpu"] = statistics.median(cpu for _, cpu in row["runs"])
    return rows


def format_table(rows: list[dict]) -> str:
    """Return the rows as a fixed-width text table."""
    lines = [f"{'lab':<32} {'median s':>9} {'budget s':>9} {'within':>7} {'kernel CPU s':>13}  wall runs s",
             "-" * 90]
    for row in rows:
        budget = f"{row['budget']:.0f}" if row["budget"] else "-"
        within = ("yes" if row["median"] <= row["budget"] else "NO") if row["budget"] else "-"
        runs = ", ".join(f"{wall:.1f}" for wall, _ in row["runs"])
        lines.append(f"{row['lab']:<32} {row['median']:>9.1f} {budget:>9} {within:>7} {row['cpu']:>13.1f}  {runs}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[dict]:
    """Time the labs named in ``argv`` (all labs with a solution by default) and print a table."""
    parser = argparse.ArgumentParser(prog="bench_lab_runtime", description=__doc__.splitlines()[0])
    parser.add_argument("labs", nargs="*", help="lab ids (default: every lab with a solution notebook)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per notebook; the median is reported")
    args = parser.parse_args([] if argv is None else argv)
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1, got {args.repeat}")
    labs = args.labs or available_labs()
    if not labs:
        print("no lab has a solution notebook yet; timing only an empty notebook")
    rows = measure(labs, repeat=args.repeat)
    print(f"Solution notebooks, wall time incl. kernel start (median of {args.repeat}; "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f})")
    print(format_table(rows))
    return rows


if __name__ == "__main__":
    main(sys.argv[1:])
