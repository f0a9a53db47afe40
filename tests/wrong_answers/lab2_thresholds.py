"""Plausible wrong answers to Lab 2 (Thresholds and error rates), each of which must lose points.

Each entry replaces the whole source of one solution cell (``grade_id``) of
``solutions/lab2-thresholds/lab2-thresholds.ipynb`` and names the autograder
test cells that must lose points (``loses``). Later cells that build on the
answer may lose points too; ``loses`` lists only the cells that must.

Every entry costs one full nbgrader run of the notebook (about 10 s), so the
list keeps the most common and instructive mistake per check cell (two where
the mistake is about the threshold rule itself); the instructor guide lists
more that the checks also catch.
"""

_FMR_FNMR_HEAD = '''def fmr_fnmr(genuine, impostor, threshold):
    """Return (FMR, FNMR) at one threshold."""
    genuine, impostor = np.asarray(genuine, dtype=float), np.asarray(impostor, dtype=float)
'''

_CURVES_HEAD = '''def error_curves(genuine, impostor):
    """Return (thresholds, fmr, fnmr)."""
    genuine = np.sort(np.asarray(genuine, dtype=float))
    impostor = np.sort(np.asarray(impostor, dtype=float))
    thresholds = np.append(np.unique(np.concatenate([genuine, impostor])), np.inf)
'''

_FNMR_AT_FMR = '''

def fnmr_at_fmr(genuine, impostor, target):
    return float(np.mean(np.asarray(genuine, dtype=float) < threshold_for_fmr(impostor, target)))
'''

_FAR_FRR = '''def far_frr(fmr, fnmr, fta):
    return (1 - fta) * fmr, fta + (1 - fta) * fnmr

'''

_CLOPPER_PEARSON = '''def clopper_pearson(k, n, confidence=0.95):
    alpha = 1 - confidence
    lower = 0.0 if k == 0 else stats.beta.ppf(alpha / 2, k, n - k + 1)
    upper = 1.0 if k == n else stats.beta.ppf(1 - alpha / 2, k + 1, n - k)
    return float(lower), float(upper)
'''

_INTERVALS = '''
n_for_claim = int(np.ceil(3 / CLAIM_FMR))
model_threshold = border.attrs["threshold"]
fnmr_interval = clopper_pearson(int(np.sum(border.genuine < model_threshold)), len(border.genuine))
fmr_interval = clopper_pearson(int(np.sum(border.impostor >= model_threshold)), len(border.impostor))
'''

WRONG_ANSWERS = [
    # ------------------------------------------------------------------ 1.1 fmr_fnmr
    dict(
        name="match when score > threshold",
        grade_id="l2-fmr-fnmr-answer",
        source=_FMR_FNMR_HEAD + "    return float(np.mean(impostor > threshold)), float(np.mean(genuine <= threshold))",
        loses=["l2-fmr-fnmr"],
        why="Uses a strict '>' for a match: a score equal to the threshold counts as a non-match, against the "
            "course's rule (match when score >= threshold); differs only at ties.",
    ),
    # ------------------------------------------------------------------ 2.1 error_curves
    dict(
        name="curves count with searchsorted side right",
        grade_id="l2-curves-answer",
        source=_CURVES_HEAD + (
            "    fmr = 1.0 - np.searchsorted(impostor, thresholds, side='right') / impostor.size\n"
            "    fnmr = np.searchsorted(genuine, thresholds, side='right') / genuine.size\n"
            "    return thresholds, fmr, fnmr"
        ),
        loses=["l2-curves"],
        why="side='right' counts the scores <= each threshold, so a score equal to the threshold is a non-match: "
            "the tie rule of a loop with '>' in vectorised form.",
    ),
    dict(
        name="curves keep duplicate thresholds and no inf",
        grade_id="l2-curves-answer",
        source=(
            "def error_curves(genuine, impostor):\n"
            "    genuine = np.sort(np.asarray(genuine, dtype=float))\n"
            "    impostor = np.sort(np.asarray(impostor, dtype=float))\n"
            "    thresholds = np.sort(np.concatenate([genuine, impostor]))\n"
            "    fmr = 1.0 - np.searchsorted(impostor, thresholds, side='left') / impostor.size\n"
            "    fnmr = np.searchsorted(genuine, thresholds, side='left') / genuine.size\n"
            "    return thresholds, fmr, fnmr"
        ),
        loses=["l2-curves"],
        why="Every score becomes a threshold, so tied scores repeat points, and the point above the highest "
            "score (nothing matches, FNMR = 1) is missing.",
    ),
    # ------------------------------------------------------------------ 3.1 eer
    dict(
        name="eer at the nearest point, averaged",
        grade_id="l2-eer-answer",
        source=(
            "def eer(genuine, impostor):\n"
            "    thresholds, fmr, fnmr = error_curves(genuine, impostor)\n"
            "    i = int(np.argmin(np.abs(fmr - fnmr)))\n"
            "    return float((fmr[i] + fnmr[i]) / 2), float(thresholds[i])"
        ),
        loses=["l2-eer"],
        why="Takes the curve point where |FMR - FNMR| is smallest and averages the two rates there, instead of "
            "interpolating between the two points where FMR - FNMR changes sign (the stated rule).",
    ),
    # ------------------------------------------------------------------ 3.2 threshold_for_fmr
    dict(
        name="fmr threshold at the score itself",
        grade_id="l2-fmr-target-answer",
        source=(
            "def threshold_for_fmr(impostor, target):\n"
            "    impostor = np.sort(np.asarray(impostor, dtype=float))\n"
            "    n = impostor.size\n"
            "    k = int(np.floor(target * n + 1e-9))\n"
            "    if k >= n:\n"
            "        return -np.inf\n"
            "    return float(impostor[n - 1 - k])"
        ) + _FNMR_AT_FMR,
        loses=["l2-fmr-target"],
        why="Returns the (k+1)-th highest impostor score itself: with score >= threshold that score matches too, "
            "so FMR overshoots the target (by more with ties).",
    ),
    dict(
        name="fmr threshold from np.quantile",
        grade_id="l2-fmr-target-answer",
        source=(
            "def threshold_for_fmr(impostor, target):\n"
            "    return float(np.quantile(np.asarray(impostor, dtype=float), 1 - target))"
        ) + _FNMR_AT_FMR,
        loses=["l2-fmr-target"],
        why="The (1 - target) quantile interpolates between scores and ignores the tie rule: FMR at it can "
            "exceed the target, and it is not the smallest threshold that meets it.",
    ),
    # ------------------------------------------------------------------ 4.1 sklearn_det
    dict(
        name="sklearn with impostors as the positive class",
        grade_id="l2-sklearn-answer",
        source=(
            "def sklearn_det(genuine, impostor):\n"
            "    labels = np.concatenate([np.zeros(len(genuine)), np.ones(len(impostor))])\n"
            "    scores = np.concatenate([genuine, impostor])\n"
            "    fpr, fnr, thresholds = det_curve(labels, scores)\n"
            "    return thresholds, fpr, fnr"
        ),
        loses=["l2-sklearn"],
        why="Labels impostor comparisons 1: scikit-learn then treats high scores as evidence of an impostor, and "
            "its fpr is no longer the false match rate.",
    ),
    # ------------------------------------------------------------------ 5.1 day_at_the_gate
    dict(
        name="gate counts with the rates swapped",
        grade_id="l2-gate-answer",
        source=(
            "def day_at_the_gate(genuine, impostor, threshold, crossings, impostor_attempts, minutes_per_inspection):\n"
            "    fmr, fnmr = fmr_fnmr(genuine, impostor, threshold)\n"
            "    rejected = crossings * fmr\n"
            "    return rejected, rejected * minutes_per_inspection / 60, impostor_attempts * fnmr"
        ),
        loses=["l2-gate"],
        why="Card holders are turned away by false non-matches (FNMR), not false matches; impostors pass by "
            "false matches (FMR).",
    ),
    # ------------------------------------------------------------------ 6.1 far_frr and masks
    dict(
        name="far ignores failures to acquire",
        grade_id="l2-system-answer",
        source=(
            "def far_frr(fmr, fnmr, fta):\n"
            "    return fmr, fta + (1 - fta) * fnmr\n\n\n"
            "fta_unmasked = np.mean(~acquired[~masked])\n"
            "fta_masked = np.mean(~acquired[masked])\n"
            "fnmr_unmasked = np.mean(genuine[~masked & acquired] < GATE_THRESHOLD_FACES)\n"
            "fnmr_masked = np.mean(genuine[masked & acquired] < GATE_THRESHOLD_FACES)\n"
            "frr_unmasked = far_frr(0.0, fnmr_unmasked, fta_unmasked)[1]\n"
            "frr_masked = far_frr(0.0, fnmr_masked, fta_masked)[1]"
        ),
        loses=["l2-system"],
        why="FAR = FMR forgets that an impostor whose face is not acquired cannot be falsely accepted: "
            "FAR = (1 - FTA) FMR.",
    ),
    dict(
        name="fnmr over all probes, acquired or not",
        grade_id="l2-system-answer",
        source=_FAR_FRR + (
            "\nfta_unmasked = np.mean(~acquired[~masked])\n"
            "fta_masked = np.mean(~acquired[masked])\n"
            "fnmr_unmasked = np.mean(genuine[~masked] < GATE_THRESHOLD_FACES)\n"
            "fnmr_masked = np.mean(genuine[masked] < GATE_THRESHOLD_FACES)\n"
            "frr_unmasked = far_frr(0.0, fnmr_unmasked, fta_unmasked)[1]\n"
            "frr_masked = far_frr(0.0, fnmr_masked, fta_masked)[1]"
        ),
        loses=["l2-system"],
        why="FNMR in FRR = FTA + (1 - FTA) FNMR is measured on acquired captures only; including the rejected "
            "captures counts their failures twice.",
    ),
    # ------------------------------------------------------------------ 7.1 confidence
    dict(
        name="wald interval instead of clopper-pearson",
        grade_id="l2-confidence-answer",
        source=(
            "def clopper_pearson(k, n, confidence=0.95):\n"
            "    p = k / n\n"
            "    z = stats.norm.ppf(1 - (1 - confidence) / 2)\n"
            "    half = z * np.sqrt(p * (1 - p) / n)\n"
            "    return max(0.0, p - half), min(1.0, p + half)\n"
        ) + _INTERVALS,
        loses=["l2-confidence"],
        why="The Wald interval p +- z sqrt(p(1-p)/n) has width zero when no error is observed (k = 0) and is too "
            "narrow for rare errors; the exact interval uses Beta quantiles.",
    ),
    # ------------------------------------------------------------------ 8.1 expected cost
    dict(
        name="expected cost without the base rate",
        grade_id="l2-cost-answer",
        source=(
            "def expected_cost(fmr, fnmr, p_impostor, cost_false_match, cost_false_non_match):\n"
            "    return np.asarray(fmr) * cost_false_match + np.asarray(fnmr) * cost_false_non_match\n\n\n"
            "cost_threshold = curves[0][np.argmin(expected_cost(curves[1], curves[2], P_IMPOSTOR, COST_FALSE_MATCH,\n"
            "                                                   COST_FALSE_NON_MATCH))]"
        ),
        loses=["l2-cost"],
        why="Adds the two error rates times their costs without weighting them by how often each kind of attempt "
            "occurs (p and 1 - p): a rate per impostor attempt is not a rate per attempt.",
    ),
]
