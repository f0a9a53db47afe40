"""Do the reference metrics follow their stated rules and agree with independent implementations?

Independent implementations: scikit-learn (``det_curve``, ``roc_curve``), pyeer
(``calculate_roc``, FVC2000's EER interval) where it is installed, scipy's exact
binomial interval, and brute force over thresholds. bob.measure needs a C++
build and does not install here.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import det_curve

from biometrics_lab import _rates
from biometrics_lab.checks import without_reference


def _continuous(seed: int, n_genuine: int = 2_000, n_impostor: int = 20_000):
    rng = np.random.default_rng(seed)
    return rng.normal(2.0, 1.0, n_genuine), rng.normal(0.0, 1.0, n_impostor)


def _labelled(genuine, impostor):
    labels = np.r_[np.ones(len(genuine)), np.zeros(len(impostor))]
    return labels, np.r_[genuine, impostor]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_curves_agree_with_sklearn_det_curve(seed):
    genuine, impostor = _continuous(seed)
    fpr, fnr, thresholds = det_curve(*_labelled(genuine, impostor))
    ours = np.array([_rates.fmr_fnmr(genuine, impostor, t) for t in thresholds])
    np.testing.assert_allclose(ours[:, 0], fpr, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours[:, 1], fnr, rtol=0, atol=1e-12)
    # The same points appear on error_curves, at the same thresholds.
    curve_t, curve_fmr, curve_fnmr = _rates.error_curves(genuine, impostor)
    where = np.searchsorted(curve_t, thresholds)
    np.testing.assert_array_equal(curve_t[where], thresholds)
    np.testing.assert_allclose(curve_fmr[where], fpr, rtol=0, atol=1e-12)
    np.testing.assert_allclose(curve_fnmr[where], fnr, rtol=0, atol=1e-12)


@pytest.mark.parametrize("seed", [3, 4])
def test_eer_follows_its_rule_on_sklearn_curve(seed):
    """Interpolating sklearn's DET points by the stated rule gives the same EER."""
    genuine, impostor = _continuous(seed)
    fpr, fnr, thresholds = det_curve(*_labelled(genuine, impostor))
    order = np.argsort(thresholds)
    expected, _ = _rates._crossing(thresholds[order], fpr[order], fnr[order])
    value, threshold = _rates.eer(genuine, impostor)
    assert abs(value - expected) < 1e-12
    fmr, fnmr = _rates.fmr_fnmr(genuine, impostor, threshold)
    assert min(fmr, fnmr) - 1e-3 <= value <= max(fmr, fnmr) + 1e-3


def test_curves_and_eer_agree_with_pyeer():
    eer_stats = pytest.importorskip("pyeer.eer_stats", reason="pyeer is not installed")
    genuine, impostor = _continuous(5)
    thresholds, fm, fnm = eer_stats.calculate_roc(genuine, impostor)
    ours_t, ours_fmr, ours_fnmr = _rates.error_curves(genuine, impostor)
    np.testing.assert_array_equal(ours_t[:-1], thresholds)
    np.testing.assert_allclose(ours_fmr[:-1], fm, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours_fnmr[:-1], fnm, rtol=0, atol=1e-12)
    # pyeer reports FVC2000's interval around the crossing; the interpolated EER lies inside it.
    _, low, high, _ = eer_stats.get_eer_values(fm, fnm)
    value, _ = _rates.eer(genuine, impostor)
    assert min(low, high) - 1e-12 <= value <= max(low, high) + 1e-12


def test_ties_count_as_matches_at_the_threshold():
    genuine = [0.5, 0.5, 0.9, 0.2]
    impostor = [0.5, 0.1, 0.3, 0.5, 0.7]
    assert _rates.fmr_fnmr(genuine, impostor, 0.5) == (3 / 5, 1 / 4)
    thresholds, fmr, fnmr = _rates.error_curves(genuine, impostor)
    np.testing.assert_array_equal(thresholds, [0.1, 0.2, 0.3, 0.5, 0.7, 0.9, np.inf])
    brute = np.array([_rates.fmr_fnmr(genuine, impostor, t) for t in thresholds])
    np.testing.assert_allclose(fmr, brute[:, 0], atol=0)
    np.testing.assert_allclose(fnmr, brute[:, 1], atol=0)
    assert (fmr[-1], fnmr[-1]) == (0.0, 1.0)


def test_eer_interpolates_between_the_crossing_points():
    genuine, impostor = [0.3, 0.9], [0.1, 0.2, 0.4, 0.6]
    value, threshold = _rates.eer(genuine, impostor)
    # At t=0.4: FMR 2/4, FNMR 1/2 -> the curves meet exactly at a point.
    assert (value, threshold) == (0.5, 0.4)
    genuine, impostor = [0.3, 0.9, 0.95], [0.1, 0.2, 0.4, 0.6]
    value, threshold = _rates.eer(genuine, impostor)
    thresholds, fmr, fnmr = _rates.error_curves(genuine, impostor)
    d = fmr - fnmr
    i = int(np.argmax(d <= 0))
    alpha = d[i - 1] / (d[i - 1] - d[i])
    assert value == pytest.approx(fmr[i - 1] + alpha * (fmr[i] - fmr[i - 1]), abs=1e-15)
    assert value == pytest.approx(fnmr[i - 1] + alpha * (fnmr[i] - fnmr[i - 1]), abs=1e-15)
    assert thresholds[i - 1] <= threshold <= thresholds[i]


def test_eer_of_separable_scores_is_zero():
    value, threshold = _rates.eer([0.8, 0.9], [0.1, 0.2])
    assert value == 0.0
    assert 0.2 < threshold <= 0.8


@pytest.mark.parametrize("target", [0.0, 1e-3, 0.01, 0.05, 0.2, 0.5, 0.999, 1.0])
def test_threshold_for_fmr_guarantees_the_target_and_is_smallest(target):
    rng = np.random.default_rng(7)
    impostor = np.round(rng.normal(size=1_000), 2)  # rounding makes many ties
    threshold = _rates.threshold_for_fmr(impostor, target)
    assert np.mean(impostor >= threshold) <= target
    if np.isfinite(threshold):
        # Any lower threshold at a score lets more than the target through.
        below = impostor[impostor < threshold].max()
        assert np.mean(impostor >= below) > target
    else:
        assert target == 1.0


def test_fnmr_at_fmr_uses_that_threshold():
    genuine, impostor = _continuous(8)
    threshold = _rates.threshold_for_fmr(impostor, 0.01)
    assert _rates.fnmr_at_fmr(genuine, impostor, 0.01) == _rates.fmr_fnmr(genuine, impostor, threshold)[1]


@pytest.mark.parametrize("k, n", [(0, 10), (3, 10), (10, 10), (5, 100_000), (0, 300_000)])
def test_clopper_pearson_matches_scipy_exact_interval(k, n):
    from scipy.stats import binomtest

    expected = binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
    lower, upper = _rates.clopper_pearson(k, n)
    assert lower == pytest.approx(expected.low, abs=1e-12)
    assert upper == pytest.approx(expected.high, abs=1e-12)


def test_rule_of_three_is_the_zero_error_upper_bound():
    n = 300_000
    assert _rates.rule_of_three(n) == pytest.approx(_rates.clopper_pearson(0, n, confidence=0.90)[1], rel=1e-9)
    assert _rates.rule_of_three(n) == pytest.approx(3 / n, rel=2e-3)


def test_far_frr_add_failure_to_acquire():
    far, frr = _rates.far_frr(fmr=0.001, fnmr=0.02, fta=0.05)
    assert far == pytest.approx(0.95 * 0.001)
    assert frr == pytest.approx(0.05 + 0.95 * 0.02)
    assert _rates.far_frr(0.001, 0.02, 0.0) == (0.001, 0.02)


def test_fpir_and_false_candidates():
    from decimal import Decimal, getcontext

    getcontext().prec = 40  # the naive float formula loses ~8 digits when 1 - FMR rounds
    exact = float(1 - (1 - Decimal("1e-6")) ** 450_000)
    assert _rates.fpir(1e-6, 450_000) == pytest.approx(exact, rel=1e-12)
    assert _rates.false_candidates(1e-6, 450_000) == pytest.approx(0.45)
    # The approximation exceeds 1 where the probability cannot.
    assert _rates.false_candidates(1e-5, 450_000) > 1 > _rates.fpir(1e-5, 450_000)
    assert _rates.fpir(1e-12, 10) == pytest.approx(1e-11, rel=1e-9)  # no cancellation at tiny FMR


def test_confusion_counts_and_ppv():
    counts = _rates.confusion_counts(100_000, prevalence=1e-4, tpr=0.99, fpr=0.001)
    assert counts == pytest.approx({"tp": 9.9, "fp": 99.99, "fn": 0.1, "tn": 99_890.01})
    assert sum(counts.values()) == pytest.approx(100_000)
    assert _rates.ppv(1e-4, 0.99, 0.001) == pytest.approx(9.9 / (9.9 + 99.99))
    assert np.isnan(_rates.ppv(0.0, 0.9, 0.0))


@pytest.mark.parametrize("call", [
    lambda: _rates.fmr_fnmr([], [0.1], 0.5),
    lambda: _rates.fmr_fnmr([np.nan], [0.1], 0.5),
    lambda: _rates.threshold_for_fmr([0.1, 0.2], 1.5),
    lambda: _rates.clopper_pearson(5, 3),
    lambda: _rates.far_frr(0.1, 0.2, -0.1),
])
def test_bad_input_raises_a_clear_error(call):
    with pytest.raises(ValueError, match=r"genuine|target|k=|fta"):
        call()


def test_without_reference_blocks_every_import_path_and_restores():
    from biometrics_lab._rates import eer as imported_early

    def delegating(genuine, impostor):
        return imported_early(genuine, impostor)

    with pytest.raises(_rates.ReferenceBlocked, match="write your own"):
        without_reference(delegating, [0.9], [0.1])
    with pytest.raises(_rates.ReferenceBlocked):
        without_reference(lambda: _rates.ppv(0.1, 0.9, 0.1))
    assert not hasattr(_rates.ppv, "__wrapped__")  # no undecorated function one attribute away
    # An honest answer runs, and the reference works again afterwards.
    assert without_reference(lambda g, i: float(np.mean(np.asarray(i) >= 0.5)), [0.9], [0.1, 0.7]) == 0.5
    assert _rates.eer([0.9], [0.1])[0] == 0.0
    assert _rates._blocked == 0
