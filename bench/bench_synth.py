"""How long does generating 2,000 synthetic faces take, against the 3 s budget?

The figure is the median wall time of ``--repeat`` calls of
``generate_faces(200, 10, ...)`` with the faces-eval settings (occlusion on).
With ``--calibrate`` it also measures what ``data/DATASHEET.md`` reports:
the eigenfaces EER at several ``noise`` values, and the per-group FMR ratio
when PCA is trained on 90 % group A / 10 % group B (the Lab 5 set-up). The
small eigenfaces pipeline (``bench/eigenfaces.py``) lives outside the package,
because Lab 1 asks students to write it.

Usage: ``python -m bench synth`` or
``python -m bench.bench_synth [--repeat N] [--calibrate] [--seeds N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

from biometrics_lab.synth import generate_faces

from .eigenfaces import cosine_scores, equal_error_rate

#: Seconds that generating 2,000 faces may take on the 2-core course machine (issue 2).
BUDGET_S = 3.0
EVAL_SETTINGS = dict(clean_captures=3, mask_rate=0.15, glasses_rate=0.10)


def time_generation(repeat: int = 5) -> list[float]:
    """Return wall seconds of ``repeat`` generations of 200 identities x 10 captures."""
    runs = []
    for seed in range(repeat):
        start = time.perf_counter()
        generate_faces(200, 10, random_state=seed, **EVAL_SETTINGS)
        runs.append(time.perf_counter() - start)
    return runs


# ----------------------------------------------------------------------------- calibration

def calibrate(seeds: int = 3, noises=(0.02, 0.08, 0.15, 0.3, 0.45)) -> None:
    """Print EER against ``noise`` and the 90/10 per-group FMR ratio, over ``seeds`` seeds."""
    print("\nEER (eigenfaces: 40 whitened comps, z-normalised images; 300x5 training ids, "
          "200x10 disjoint test ids; 3-capture templates; cosine; match = score >= t)")
    for noise in noises:
        eers = []
        for seed in range(seeds):
            train = generate_faces(300, 5, noise=noise, random_state=100 + seed)
            test = generate_faces(200, 10, noise=noise, random_state=200 + seed, first_identity=1000)
            scores, same, _, _ = cosine_scores(train, test)
            eers.append(equal_error_rate(scores[same], scores[~same]))
        print(f"  noise {noise:<5} EER " + ", ".join(f"{e:.1%}" for e in eers))

    print("\nPer-group FMR at one threshold (overall FMR 1e-3), balanced test set; "
          "same-group impostor pairs")
    for b_fraction, label in [(0.1, "PCA trained 90% A / 10% B"), (0.5, "PCA trained 50/50"),
                              (0.9, "PCA trained 10% A / 90% B")]:
        for seed in range(seeds):
            train = generate_faces(300, 5, group_b_fraction=b_fraction, random_state=100 + seed)
            test = generate_faces(200, 10, random_state=200 + seed, first_identity=1000)
            scores, same, same_group, probe_group = cosine_scores(train, test)
            threshold = np.quantile(scores[~same], 1 - 1e-3)
            parts = []
            for g in "AB":
                pairs = same_group & (probe_group == g)[:, None]
                impostor = scores[pairs & ~same]
                genuine = scores[pairs & same]
                parts.append((np.mean(impostor >= threshold), int(np.sum(impostor >= threshold)),
                              np.mean(genuine < threshold)))
            (fmr_a, k_a, fnmr_a), (fmr_b, k_b, fnmr_b) = parts
            ratio = fmr_b / fmr_a if fmr_a else float("inf")
            print(f"  {label}, seed {seed}: FMR A {fmr_a:.1e} ({k_a} pairs) B {fmr_b:.1e} "
                  f"({k_b} pairs), B/A {ratio:.1f}x; FNMR A {fnmr_a:.2f} B {fnmr_b:.2f}")


def main(argv: list[str] | None = None) -> list[float]:
    """Time generating 2,000 faces (and optionally calibrate); print the figures."""
    parser = argparse.ArgumentParser(prog="bench_synth", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs; the median is reported")
    parser.add_argument("--calibrate", action="store_true",
                        help="also measure EER against noise and the 90/10 FMR ratio (~1 min)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds for --calibrate")
    args = parser.parse_args([] if argv is None else argv)
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1, got {args.repeat}")
    generate_faces(2, 2)  # warm-up: imports and first-call costs are not the generator's
    runs = time_generation(args.repeat)
    median = statistics.median(runs)
    print(f"generate_faces(200, 10) = 2,000 faces, faces-eval settings: median {median:.2f} s "
          f"of {args.repeat} (budget {BUDGET_S:.0f} s: {'within' if median <= BUDGET_S else 'OVER'}); "
          f"runs {', '.join(f'{r:.2f}' for r in runs)}; {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.1f}")
    if args.calibrate:
        calibrate(seeds=args.seeds)
    return runs


if __name__ == "__main__":
    main(sys.argv[1:])
