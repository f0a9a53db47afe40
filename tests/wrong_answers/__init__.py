"""Tables of plausible wrong answers, one module per lab (``<lab id with underscores>.py``).

Each module defines ``WRONG_ANSWERS``: dicts with ``name``, ``grade_id`` (the
solution cell whose source is replaced), ``source`` (the wrong answer),
``loses`` (autograder test cells that must lose points) and ``why``.
``tests/test_autograde.py`` submits each one through nbgrader's autograde.
"""
