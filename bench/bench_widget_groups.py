"""How long does one move of GroupThresholdExplorer's slider take, against the 50 ms budget?

The figure is the median wall time of the callback that runs when a slider
moves (per-group rates and Clopper–Pearson intervals, readout table, markers
moved and the figure re-rendered), over ``--moves`` moves across the slider's
range, in shared and in per-group mode. The score sets have the size of Lab 5's
(two groups, about 54,000 same-group impostor and 700 genuine scores each).

Usage: ``python -m bench widget_groups`` or
``python -m bench.bench_widget_groups [--moves N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from biometrics_lab.widgets.groups import GroupThresholdExplorer

#: Milliseconds a slider callback may take (issue 8, the widget's budget).
BUDGET_MS = 50.0


def score_sets(seed: int = 0):
    """Two groups' genuine and same-group impostor scores, Lab 5's sizes; group B's impostors score higher."""
    rng = np.random.default_rng(seed)
    genuine = {"A": rng.normal(0.72, 0.12, 700), "B": rng.normal(0.75, 0.12, 700)}
    impostor = {"A": rng.normal(0.0, 0.17, 54_054), "B": rng.normal(0.08, 0.2, 54_054)}
    return genuine, impostor


def time_moves(moves: int = 60) -> dict[str, list[float]]:
    """Return callback wall times (ms) of ``moves`` slider moves in each mode."""
    explorer = GroupThresholdExplorer(*score_sets())
    low, high = explorer.slider.min, explorer.slider.max
    values = np.linspace(low + 0.3 * (high - low), high - 0.05 * (high - low), moves)
    times = {"shared": [], "per group": []}
    for value in values:
        start = time.perf_counter()
        explorer.slider.value = float(value)  # the slider's observer is the callback
        times["shared"].append(1000 * (time.perf_counter() - start))
    explorer.mode.value = explorer.mode.options[1]
    for value in values:
        start = time.perf_counter()
        explorer.sliders["B"].value = float(value)
        times["per group"].append(1000 * (time.perf_counter() - start))
    explorer.close()
    return times


def main(argv: list[str] | None = None) -> None:
    """Print the median callback time per mode against the budget."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=60)
    args = parser.parse_args(argv if argv is not None else [])
    times = time_moves(args.moves)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"GroupThresholdExplorer slider callback, {args.moves} moves per mode (load average {load:.2f}):")
    for mode, values in times.items():
        median = statistics.median(values)
        verdict = "within" if median <= BUDGET_MS else "OVER"
        print(f"  {mode:>9}: median {median:.1f} ms, max {max(values):.1f} ms "
              f"({verdict} the {BUDGET_MS:.0f} ms budget)")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
