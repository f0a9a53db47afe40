"""Reference error-rate metrics, private to the package.

Widgets, benchmarks and the instructor's tests use these functions; the labs
ask students to write their own versions, so the hidden tests call a
student's function through :func:`biometrics_lab.checks.without_reference`,
which makes every function here raise while it runs (see :func:`_reference`).

Vocabulary follows ISO/IEC 2382-37 and ISO/IEC 19795-1:

- FMR (false match rate) and FNMR (false non-match rate) describe single
  *comparisons*: FMR is the share of non-mated (impostor) comparisons declared
  a match, FNMR the share of mated (genuine) comparisons declared a non-match.
- FAR/FRR describe a *system's decisions* (they add failure to acquire).
- FPIR/FNIR describe 1:N *searches* of a gallery.

Threshold rule used throughout: scores are similarities (higher = more alike)
and a comparison is a **match when score >= threshold**.
"""

from __future__ import annotations

import functools
import math

import numpy as np

# While non-zero, every reference function raises (set by checks.without_reference).
_blocked = 0


class ReferenceBlocked(RuntimeError):
    """Raised when a reference metric is called while a student's answer is being checked."""


def _reference(func):
    """Mark ``func`` as a reference metric that refuses to run while blocked.

    The undecorated function stays reachable only inside this module (as
    ``_impl_<name>``): the wrapper keeps no ``__wrapped__`` attribute that an
    answer could call instead.
    """
    globals()[f"_impl_{func.__name__}"] = func

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if _blocked != 0:
            raise ReferenceBlocked(
                f"biometrics_lab._rates.{func.__name__} is the course's reference answer: "
                "write your own implementation for this question")
        return func(*args, **kwargs)
    del wrapper.__wrapped__
    return wrapper


def _scores(values, name: str) -> np.ndarray:
    """Return ``values`` as a non-empty 1-D float array without NaN, or raise naming the argument."""
    array = np.asarray(values, dtype=float).ravel()
    if array.size == 0:
        raise ValueError(f"{name} is empty: need at least one score")
    if np.isnan(array).any():
        raise ValueError(f"{name} contains NaN: a comparison without a score cannot be counted")
    return array


def _rate(value: float, name: str) -> float:
    """Return ``value`` as a float in [0, 1], or raise naming the argument."""
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must lie in [0, 1], got {value!r}")
    return value


@_reference
def fmr_fnmr(genuine, impostor, threshold: float) -> tuple[float, float]:
    """Return (FMR, FNMR) at one threshold; a match is ``score >= threshold``.

    Parameters
    ----------
    genuine, impostor : array-like of float
        Mated and non-mated comparison scores (similarities).
    threshold : float

    Returns
    -------
    fmr : float
        Share of ``impostor`` scores ``>= threshold``.
    fnmr : float
        Share of ``genuine`` scores ``< threshold``.
    """
    genuine = _scores(genuine, "genuine")
    impostor = _scores(impostor, "impostor")
    return float(np.mean(impostor >= threshold)), float(np.mean(genuine < threshold))


def _sorted_curves(genuine_sorted: np.ndarray, impostor_sorted: np.ndarray):
    """Curves from already sorted score sets (the shared core of the public functions).

    The two sorted runs are merged in linear time (each genuine score goes in
    before the impostor scores it does not exceed), so the only O(n log n) steps
    are the two sorts done by the caller. The outputs are filled in place: at
    10**7 scores each pass over memory counts.
    """
    n_genuine, n_impostor = genuine_sorted.size, impostor_sorted.size
    n = n_genuine + n_impostor
    genuine_at = np.searchsorted(impostor_sorted, genuine_sorted, side="left") + np.arange(n_genuine)
    is_genuine = np.zeros(n, dtype=bool)
    is_genuine[genuine_at] = True
    thresholds = np.empty(n + 1)
    merged = thresholds[:n]
    merged[is_genuine] = genuine_sorted
    merged[~is_genuine] = impostor_sorted
    thresholds[n] = np.inf
    # Genuine scores before each position (its own score excluded): a step that rises by one just
    # after each genuine position. np.repeat writes it in one pass (a cumsum over bools is slower).
    steps = np.diff(np.concatenate([[-1], genuine_at, [n]]))
    genuine_before = np.repeat(np.arange(n_genuine + 1, dtype=float), steps)
    # ... and impostor scores before it: the position minus the genuine ones.
    impostor_before = np.arange(n + 1, dtype=float)
    impostor_before -= genuine_before
    # A threshold is each distinct score; with ties, its counts are those at its first occurrence.
    repeated = np.equal(merged[1:], merged[:-1])
    if repeated.any():
        first = np.concatenate([[True], ~repeated, [True]])
        thresholds, genuine_before, impostor_before = thresholds[first], genuine_before[first], impostor_before[first]
    fnmr = np.divide(genuine_before, n_genuine, out=genuine_before)
    fmr = np.divide(impostor_before, -n_impostor, out=impostor_before)
    fmr += 1.0
    return thresholds, fmr, fnmr


@_reference
def error_curves(genuine, impostor) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return FMR and FNMR at every threshold where either can change, in O(n log n).

    Parameters
    ----------
    genuine, impostor : array-like of float

    Returns
    -------
    thresholds : ndarray
        Every distinct score, ascending, followed by ``+inf`` (where nothing matches).
    fmr, fnmr : ndarray
        ``fmr[i]`` is the share of impostor scores ``>= thresholds[i]``; ``fnmr[i]``
        the share of genuine scores ``< thresholds[i]``. FMR falls and FNMR rises
        along the array; at ``thresholds[0]`` FNMR is 0 and FMR 1 (or less, if the
        lowest score is a genuine one).
    """
    genuine = np.sort(_scores(genuine, "genuine"))
    impostor = np.sort(_scores(impostor, "impostor"))
    return _sorted_curves(genuine, impostor)


def _crossing(thresholds: np.ndarray, fmr: np.ndarray, fnmr: np.ndarray) -> tuple[float, float]:
    """EER and its threshold by linear interpolation where ``fmr - fnmr`` changes sign."""
    # FMR - FNMR never rises along the curve (from > 0 at the first point to -1 at +inf), so the
    # first point at or past the crossing is found by bisection instead of a pass over 10**7 points.
    low, high = 0, len(fmr) - 1
    while low < high:
        middle = (low + high) // 2
        if fmr[middle] - fnmr[middle] <= 0:
            high = middle
        else:
            low = middle + 1
    i = low
    d1 = fmr[i] - fnmr[i]
    if i == 0 or d1 == 0:
        return float(fmr[i]), float(thresholds[i])
    d0 = fmr[i - 1] - fnmr[i - 1]
    alpha = d0 / (d0 - d1)
    eer = fmr[i - 1] + alpha * (fmr[i] - fmr[i - 1])
    upper = thresholds[i] if np.isfinite(thresholds[i]) else thresholds[i - 1]
    threshold = thresholds[i - 1] + alpha * (upper - thresholds[i - 1])
    return float(eer), float(threshold)


@_reference
def eer(genuine, impostor) -> tuple[float, float]:
    """Return the equal error rate and the threshold where it occurs.

    Rule: along the curve of :func:`error_curves`, find the two adjacent points
    between which ``FMR - FNMR`` changes sign, and interpolate linearly between
    them to where FMR = FNMR. The threshold is interpolated with the same weight
    (between the last finite threshold and itself when the crossing lies at the
    ``+inf`` end). If a point has FMR = FNMR exactly, that point is returned.

    Parameters
    ----------
    genuine, impostor : array-like of float

    Returns
    -------
    eer : float
    threshold : float
    """
    return _crossing(*_impl_error_curves(genuine, impostor))


@_reference
def threshold_for_fmr(impostor, target: float) -> float:
    """Return the smallest threshold whose FMR is at most ``target``.

    With ``n`` impostor scores, at most ``k = floor(target * n)`` may match. The
    smallest threshold that lets no more than ``k`` through lies just above the
    ``(k+1)``-th highest impostor score: this function returns
    ``np.nextafter(that score, +inf)``. FMR at the returned threshold is
    guaranteed ``<= target`` (a match is ``score >= threshold``); ties can make it
    lower than the target. If ``k >= n`` every threshold qualifies and ``-inf`` is
    returned.

    Parameters
    ----------
    impostor : array-like of float
    target : float in [0, 1]

    Returns
    -------
    threshold : float
    """
    impostor = _scores(impostor, "impostor")
    target = _rate(target, "target")
    n = impostor.size
    # A tiny tolerance so that target * n = 3.0000000000000004 still allows 3 matches.
    k = int(math.floor(target * n + 1e-9))
    if k >= n:
        return -np.inf
    position = n - 1 - k  # the (k+1)-th highest score, found without a full sort
    return float(np.nextafter(np.partition(impostor, position)[position], np.inf))


@_reference
def fnmr_at_fmr(genuine, impostor, target: float) -> float:
    """Return FNMR at :func:`threshold_for_fmr` (the operating point with FMR <= ``target``)."""
    threshold = _impl_threshold_for_fmr(impostor, target)
    return float(np.mean(_scores(genuine, "genuine") < threshold))


@_reference
def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Return the Clopper–Pearson (exact binomial) interval for ``k`` errors in ``n`` trials.

    The lower end is the ``(1 - confidence) / 2`` quantile of Beta(k, n - k + 1)
    (0 when k = 0), the upper end the ``(1 + confidence) / 2`` quantile of
    Beta(k + 1, n - k) (1 when k = n).
    """
    from scipy.stats import beta

    k, n = int(k), int(n)
    if n <= 0 or not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n and n > 0, got k={k}, n={n}")
    alpha = 1.0 - _rate(confidence, "confidence")
    lower = 0.0 if k == 0 else float(beta.ppf(alpha / 2, k, n - k + 1))
    upper = 1.0 if k == n else float(beta.ppf(1 - alpha / 2, k + 1, n - k))
    return lower, upper


@_reference
def rule_of_three(n: int, confidence: float = 0.95) -> float:
    """Return the upper confidence bound on a rate after ``n`` trials with no error.

    Exact form ``1 - (1 - confidence) ** (1 / n)``; for 95% it is close to the
    rule of three, ``3 / n`` (``-ln 0.05 = 2.996``).
    """
    n = int(n)
    if n <= 0:
        raise ValueError(f"n must be positive, got {n}")
    return float(-math.expm1(math.log1p(-_rate(confidence, "confidence")) / n))


@_reference
def far_frr(fmr: float, fnmr: float, fta: float) -> tuple[float, float]:
    """Return (FAR, FRR) of a single-attempt verification system (ISO/IEC 19795-1).

    A failure to acquire (share ``fta``) ends in a rejection and never in an
    acceptance: ``FAR = (1 - FTA) * FMR`` and ``FRR = FTA + (1 - FTA) * FNMR``.
    """
    fmr, fnmr, fta = _rate(fmr, "fmr"), _rate(fnmr, "fnmr"), _rate(fta, "fta")
    return (1.0 - fta) * fmr, fta + (1.0 - fta) * fnmr


@_reference
def fpir(fmr: float, gallery_size: int) -> float:
    """Return the false positive identification rate of a 1:N search.

    Assuming independent comparisons, a search of a probe whose person is not
    enrolled returns at least one false candidate with probability
    ``1 - (1 - FMR) ** N``, computed as ``-expm1(N * log1p(-FMR))`` to stay
    accurate when FMR is tiny.
    """
    fmr = _rate(fmr, "fmr")
    if gallery_size < 0:
        raise ValueError(f"gallery_size must be >= 0, got {gallery_size}")
    if fmr == 1.0:
        return 1.0 if gallery_size > 0 else 0.0
    return float(-np.expm1(gallery_size * np.log1p(-fmr)))


@_reference
def false_candidates(fmr: float, gallery_size: int) -> float:
    """Return the expected number of false candidates per search, ``N * FMR``.

    This is also the first-order approximation of :func:`fpir`, good only while
    ``N * FMR`` is much smaller than 1 (a rate cannot exceed 1; a count can).
    """
    return float(gallery_size) * _rate(fmr, "fmr")


@_reference
def confusion_counts(n: float, prevalence: float, tpr: float, fpr: float) -> dict[str, float]:
    """Return expected counts ``tp, fp, fn, tn`` among ``n`` people screened.

    ``prevalence`` is the share of people of interest, ``tpr`` the share of them
    who raise an alarm, ``fpr`` the share of everyone else who does.
    """
    prevalence, tpr, fpr = _rate(prevalence, "prevalence"), _rate(tpr, "tpr"), _rate(fpr, "fpr")
    positives = n * prevalence
    negatives = n - positives
    return {"tp": positives * tpr, "fp": negatives * fpr, "fn": positives * (1 - tpr), "tn": negatives * (1 - fpr)}


@_reference
def ppv(prevalence: float, tpr: float, fpr: float) -> float:
    """Return the positive predictive value: the share of alarms that concern a person of interest.

    ``PPV = p * TPR / (p * TPR + (1 - p) * FPR)``; NaN when no alarm can occur.
    """
    prevalence, tpr, fpr = _rate(prevalence, "prevalence"), _rate(tpr, "tpr"), _rate(fpr, "fpr")
    alarms = prevalence * tpr + (1 - prevalence) * fpr
    return float(prevalence * tpr / alarms) if alarms > 0 else float("nan")
