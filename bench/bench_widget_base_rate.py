"""How long does BaseRateExplorer take to respond to a slider step, against the 50 ms budget?

A step is what one arrow-key press does: the slider's value moves to the next
option, and the explorer's callback recomputes the counts, rewrites the
readout, moves the icons and renders the figure to PNG. The figure is the
median wall time of the steps, cycling through every slider (each step time
includes the callback, as the kernel runs it on a message from the browser;
the browser's own rendering is not included). Beside it, the 90th percentile,
the median CPU time of this process per step (which depends much less on what
else the shared machine is running) and the machine's load.

Usage: ``python -m bench widget_base_rate`` or
``python -m bench.bench_widget_base_rate [--steps N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import ipywidgets as widgets

from biometrics_lab.widgets.base_rate import BaseRateExplorer

#: Milliseconds a slider step may take (median), per the course's widget budget.
BUDGET_MS = 50.0


def step_times(steps: int = 200) -> tuple[list[float], list[float]]:
    """Return wall and CPU milliseconds of ``steps`` single slider steps, cycling through the sliders."""
    explorer = BaseRateExplorer(prevalence=1e-4, tpr=0.99, fmr=1e-3, gallery_size=1, population=100_000)
    sliders = list(explorer.sliders.values())
    direction = {id(slider): 1 for slider in sliders}
    times, cpu = [], []
    for i in range(steps):
        slider = sliders[i % len(sliders)]
        if isinstance(slider, widgets.SelectionSlider):
            options = [option[1] for option in slider.options]
            index = options.index(slider.value)
            if not 0 <= index + direction[id(slider)] < len(options):  # bounce at the ends
                direction[id(slider)] *= -1
            target = options[index + direction[id(slider)]]
        else:
            if not slider.min <= slider.value + direction[id(slider)] * slider.step <= slider.max:
                direction[id(slider)] *= -1
            target = slider.value + direction[id(slider)] * slider.step
        start, start_cpu = time.perf_counter(), time.process_time()
        slider.value = target  # the observer runs the callback synchronously
        times.append(1000 * (time.perf_counter() - start))
        cpu.append(1000 * (time.process_time() - start_cpu))
    return times, cpu


def main(argv: list[str] | None = None) -> None:
    """Print the median callback time of a slider step and the budget."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="slider steps to time (default 200)")
    args = parser.parse_args([] if argv is None else argv)
    times, cpu = step_times(args.steps)
    median = statistics.median(times)
    p90 = statistics.quantiles(times, n=10)[-1]
    load = os.getloadavg()[0]
    verdict = "within" if median <= BUDGET_MS else "OVER"
    print(f"BaseRateExplorer slider step: median {median:.1f} ms, 90th percentile {p90:.1f} ms "
          f"over {len(times)} steps ({verdict} the {BUDGET_MS:.0f} ms budget; "
          f"median CPU {statistics.median(cpu):.1f} ms; load average {load:.1f})")


if __name__ == "__main__":
    main(sys.argv[1:])
