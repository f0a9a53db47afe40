"""Run every benchmark: each ``bench/bench_*.py`` module's ``main()``, in name order.

Usage: ``python -m bench [NAME ...]`` where NAME selects modules by substring
(``python -m bench lab_runtime``).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time

import bench


def modules(selected: list[str] | None = None) -> list[str]:
    """Return the names of the benchmark modules, filtered by substrings in ``selected``."""
    names = sorted(info.name for info in pkgutil.iter_modules(bench.__path__) if info.name.startswith("bench_"))
    if selected:
        names = [name for name in names if any(part in name for part in selected)]
    return names


def main(argv: list[str] | None = None) -> int:
    """Run the selected benchmarks; return 1 if one raised, else 0."""
    argv = sys.argv[1:] if argv is None else argv
    names = modules(argv)
    if not names:
        print(f"no benchmark matches {argv}", file=sys.stderr)
        return 2
    failed = []
    for name in names:
        print(f"== {name}")
        start = time.perf_counter()
        try:
            importlib.import_module(f"bench.{name}").main()
        except Exception as error:  # report and go on: one broken benchmark should not hide the others
            failed.append(name)
            print(f"!! {name} failed: {type(error).__name__}: {error}", file=sys.stderr)
        print(f"== {name} done in {time.perf_counter() - start:.1f} s\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
