"""Benchmarks of the course kit (timings are measured here, never asserted in tests).

Run them all with ``python -m bench`` (or ``make bench``); each ``bench_*.py``
module has a ``main()`` that prints its own table.
"""
