"""Do the test-cell checks pass right answers and fail wrong ones with a useful message?"""

import doctest

import numpy as np
import pytest

from biometrics_lab import checks


def test_docstring_examples_hold():
    assert doctest.testmod(checks).failed == 0


@pytest.mark.parametrize(
    "actual, expected, ok",
    [
        (0.30000000000000004, 0.3, True),
        (np.float32(0.5), 0.5, True),
        (np.array([1.0, 2.0]), [1.0, 2.0], True),
        ([1.0, 2.0], [1.0, 2.0, 3.0], False),  # shape differs
        (float("nan"), float("nan"), False),  # NaN never agrees
        ("0.3", 0.3, False),  # a string is not a number
        (0.31, 0.3, False),
    ],
)
def test_expect_close_rule(actual, expected, ok):
    """Is the tolerance rule numpy's, with shapes and NaN handled strictly?"""
    assert checks.close(actual, expected) is ok
    if ok:
        checks.expect_close(actual, expected)
    else:
        with pytest.raises(AssertionError, match="expected"):
            checks.expect_close(actual, expected)


def test_expect_equal_compares_numpy_as_plain_python():
    checks.expect_equal(np.int64(3), 3)
    checks.expect_equal(np.array([1, 2]), [1, 2])
    with pytest.raises(AssertionError, match="hint text"):
        checks.expect_equal((1, 2), (2, 1), hint="hint text")


def test_expect_true_reports_the_hint():
    checks.expect_true(np.bool_(True))
    with pytest.raises(AssertionError, match="use cosine"):
        checks.expect_true(False, hint="use cosine")
