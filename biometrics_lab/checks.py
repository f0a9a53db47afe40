"""Checks used by the labs' test cells.

A test cell states each check as ``expect_*(actual, expected, ...)`` with the
expected value written as a literal. Run in a notebook (plain nbgrader
autograde, the Validate button), a failed check raises ``AssertionError`` with
a message that says what was expected. ``biometrics-lab grade`` reads the same
calls from the instructor's source notebook and compares the actual value with
the expected literal *outside* the student's kernel, so that a verdict does not
depend on code the student can patch.

Examples
--------
>>> expect_close(0.1 + 0.2, 0.3, atol=1e-12)
>>> expect_equal((3, 4), (3, 4))
>>> expect_close([1.0, 2.0], [1.0, 2.5], hint="check the second element")
Traceback (most recent call last):
...
AssertionError: expected [1.0, 2.5] (atol=1e-08, rtol=1e-05), got [1.0, 2.0]: check the second element
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Names of the check functions; the grader recognises calls to these.
CHECK_NAMES = ("expect_close", "expect_equal", "expect_true")


def _plain(value: Any) -> Any:
    """Turn numpy values into plain Python for comparison and messages."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(item) for item in value)
    return value


def _message(expected: Any, actual: Any, detail: str, hint: str | None) -> str:
    message = f"expected {_plain(expected)!r}{detail}, got {_plain(actual)!r}"
    return f"{message}: {hint}" if hint else message


def close(actual: Any, expected: Any, *, atol: float = 1e-8, rtol: float = 1e-5) -> bool:
    """Return whether two numbers or arrays agree within tolerances.

    The rule is numpy's ``|actual - expected| <= atol + rtol * |expected|``,
    elementwise; shapes must be equal; NaN never agrees; strings are not
    numbers (numpy would parse ``"0.3"``).
    """
    if isinstance(actual, (str, bytes)) or isinstance(expected, (str, bytes)):
        return False
    try:
        actual_arr = np.asarray(_plain(actual), dtype=float)
        expected_arr = np.asarray(_plain(expected), dtype=float)
    except (TypeError, ValueError, OverflowError):
        return False
    if actual_arr.shape != expected_arr.shape:
        return False
    return bool(np.all(np.abs(actual_arr - expected_arr) <= atol + rtol * np.abs(expected_arr)))


def equal(actual: Any, expected: Any) -> bool:
    """Return whether two values are equal after conversion to plain Python."""
    return bool(_plain(actual) == _plain(expected))


def expect_close(actual: Any, expected: Any, *, atol: float = 1e-8, rtol: float = 1e-5, hint: str | None = None) -> None:
    """Check that a number or array is close to the expected value.

    Parameters
    ----------
    actual : float or array-like
        The student's value.
    expected : float or array-like
        The expected value, written as a literal in the test cell.
    atol, rtol : float
        Absolute and relative tolerance (numpy's ``isclose`` rule).
    hint : str, optional
        What to look at when the check fails.

    Raises
    ------
    AssertionError
        If shapes differ or any element is outside the tolerance.
    """
    # Raised here, not in a helper, so a student's traceback shows one frame of this module.
    if not close(actual, expected, atol=atol, rtol=rtol):
        raise AssertionError(_message(expected, actual, f" (atol={atol:g}, rtol={rtol:g})", hint))


def expect_equal(actual: Any, expected: Any, *, hint: str | None = None) -> None:
    """Check that a value equals the expected one exactly (ints, strings, tuples, bools).

    Raises
    ------
    AssertionError
        If the values differ.
    """
    if not equal(actual, expected):
        raise AssertionError(_message(expected, actual, "", hint))


def expect_true(condition: Any, *, hint: str | None = None) -> None:
    """Check that a condition holds (for properties with no single expected value).

    Raises
    ------
    AssertionError
        If the condition is false.
    """
    if not bool(condition):
        raise AssertionError(f"check failed: {hint}" if hint else "check failed")


def without_reference(func, *args, **kwargs):
    """Call ``func(*args, **kwargs)`` with the package's reference metrics disabled.

    Hidden tests check a student's metric through this function, e.g.
    ``expect_close(without_reference(fmr_fnmr, genuine, impostor, 0.5), [0.25, 0.1])``:
    while it runs, every function of :mod:`biometrics_lab._rates` raises
    :class:`~biometrics_lab._rates.ReferenceBlocked`, however it was imported, so
    an answer that only delegates to the course's reference code earns nothing.
    The reference functions work again afterwards, also when ``func`` raises.

    Returns
    -------
    object
        Whatever ``func`` returns.
    """
    from . import _rates

    _rates._blocked += 1
    try:
        return func(*args, **kwargs)
    finally:
        _rates._blocked -= 1
