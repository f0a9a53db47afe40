"""Benchmark: ThresholdExplorer callback time with the 10**6-impostor score set.

The callback is everything a slider move triggers: two binary searches over the
sorted scores, the readout's text, the threshold's artists and the PNG. Budget:
median <= 50 ms (issue 4). Run ``python -m bench.bench_widget_threshold``; note
the machine's load (``uptime``) beside the figure.
"""

from __future__ import annotations

import os
import statistics
import time

import numpy as np

from biometrics_lab.data import load_scores
from biometrics_lab.widgets.threshold import ThresholdExplorer

BUDGET_MS = 50.0


def measure(n_moves: int = 60) -> dict[str, float]:
    """Move the slider ``n_moves`` times across the border set's range; return timings in ms."""
    scores = load_scores("scores-border")
    start = time.perf_counter()
    explorer = ThresholdExplorer(scores.genuine, scores.impostor)
    setup_ms = 1000 * (time.perf_counter() - start)
    values = np.linspace(explorer.slider.min, explorer.slider.max, n_moves)
    times = []
    for value in values:
        start = time.perf_counter()
        explorer.slider.value = float(value)  # the same path as a keyboard or mouse move
        times.append(1000 * (time.perf_counter() - start))
    return {"scores": len(scores.genuine) + len(scores.impostor), "setup_ms": setup_ms,
            "median_ms": statistics.median(times), "p90_ms": float(np.percentile(times, 90))}


def main() -> None:
    result = measure()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    verdict = "within" if result["median_ms"] <= BUDGET_MS else "OVER"
    print(f"ThresholdExplorer, {result['scores']:,} scores: setup {result['setup_ms']:.0f} ms; "
          f"callback median {result['median_ms']:.1f} ms, p90 {result['p90_ms']:.1f} ms "
          f"({verdict} the {BUDGET_MS:.0f} ms budget; load average {load:.2f})")


if __name__ == "__main__":
    main()
