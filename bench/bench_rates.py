"""How fast are the reference DET curve and EER, against scikit-learn's ``det_curve``?

Issue 4's budget: DET + EER over 10^7 scores (10^5 genuine) in at most 0.2 of
the time ``sklearn.metrics.det_curve`` takes on the same scores, measured in
one run. Both are timed ``--repeat`` times, alternately, so that a change in
the machine's load affects both; the figure is the ratio of the medians (the
ratio of the best runs is printed too: the shorter job is hit harder by a
passing spike of load). The
script also reports the 1-core load average, because other processes slow
memory-bound numpy code unevenly.

Usage: ``python -m bench rates`` or ``python -m bench.bench_rates [--repeat N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
from sklearn.metrics import det_curve

from biometrics_lab import _rates

#: Largest allowed ratio of our time to det_curve's (issue 4).
BUDGET_RATIO = 0.2
N_GENUINE = 10**5
N_TOTAL = 10**7


def score_sets(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return continuous genuine and impostor scores (normal, d' = 2)."""
    rng = np.random.default_rng(seed)
    return rng.normal(2.0, 1.0, N_GENUINE), rng.normal(0.0, 1.0, N_TOTAL - N_GENUINE)


def ours(genuine: np.ndarray, impostor: np.ndarray) -> float:
    """Wall seconds of the full DET curve plus EER with the reference metrics."""
    start = time.perf_counter()
    curves = _rates.error_curves(genuine, impostor)
    _rates._crossing(*curves)
    return time.perf_counter() - start


def sklearn_det(genuine: np.ndarray, impostor: np.ndarray) -> float:
    """Wall seconds of ``sklearn.metrics.det_curve`` on the same scores."""
    labels = np.r_[np.ones(genuine.size), np.zeros(impostor.size)]
    scores = np.r_[genuine, impostor]
    start = time.perf_counter()
    det_curve(labels, scores)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    """Print both medians, their ratio and the budget."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv if argv is not None else [])
    genuine, impostor = score_sets()
    ours_s, theirs_s = [], []
    for _ in range(args.repeat):
        ours_s.append(ours(genuine, impostor))
        theirs_s.append(sklearn_det(genuine, impostor))
    ratio = statistics.median(ours_s) / statistics.median(theirs_s)
    best_ratio = min(ours_s) / min(theirs_s)
    print(f"DET + EER over {N_TOTAL:,} scores ({N_GENUINE:,} genuine), median of {args.repeat}, "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"  biometrics_lab._rates: {statistics.median(ours_s):.2f} s  (runs {', '.join(f'{t:.2f}' for t in ours_s)})")
    print(f"  sklearn det_curve:     {statistics.median(theirs_s):.2f} s  (runs {', '.join(f'{t:.2f}' for t in theirs_s)})")
    print(f"  ratio of medians {ratio:.3f}, of best runs {best_ratio:.3f} (budget {BUDGET_RATIO}): "
          f"{'within' if ratio <= BUDGET_RATIO else 'OVER'} budget by the medians")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
