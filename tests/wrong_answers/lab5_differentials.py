"""Plausible wrong answers to Lab 5 (Who bears the errors?), each of which must lose points.

Each entry replaces the whole source of one solution cell (``grade_id``) of
``solutions/lab5-differentials/lab5-differentials.ipynb`` and names the
autograder test cells that must lose points (``loses``). Later cells that
build on the answer may lose points too; ``loses`` lists only the cells that
must.

Every entry costs one full nbgrader run of the notebook (about 10 s), so the
list keeps the most instructive mistake or two per check cell; the instructor
guide lists more that the checks also catch.
"""

_COUNTS_HEAD = '''def group_counts(scores, mated, probe_group, template_group, group, threshold):
    """Count a group's errors at one threshold."""
    scores, mated = np.asarray(scores, dtype=float), np.asarray(mated, dtype=bool)
    in_group = np.asarray(probe_group)[:, None] == group
    genuine = mated & in_group
'''

# The solution's helper for Questions 2.2, 3.1 and 5.1, kept so that later answers still run.
_RATES_AT = '''def rates_at(scores, thresholds):
    rows = []
    for group, threshold in zip(GROUPS, thresholds):
        fm, n_impostor, fnm, n_mated = group_counts(scores, mated, probe_group, template_group, group, threshold)
        rows.append([fm / n_impostor, fnm / n_mated])
    return np.array(rows)


'''

_FDR_VALUES = '''

fdr_values = np.array([fairness_discrepancy_rate(rates[:, 0], rates[:, 1])
                       for rates in (rates_90, rates_50, rates_group_90)])
'''

WRONG_ANSWERS = [
    # ------------------------------------------------------------------ 2.1 group_counts
    dict(
        name="cross-group impostor pairs counted in a group's FMR",
        grade_id="l5-counts-answer",
        source=_COUNTS_HEAD + (
            "    impostor = ~mated & in_group\n"
            "    matches = scores >= threshold\n"
            "    return (int(np.sum(impostor & matches)), int(np.sum(impostor)),\n"
            "            int(np.sum(genuine & ~matches)), int(np.sum(genuine)))"
        ),
        loses=["l5-counts"],
        why="Counts every non-mated comparison of the group's probes, whatever the template's group: the "
            "cross-group pairs rarely match and dilute the group's FMR (and its impostor count doubles).",
    ),
    dict(
        name="match when score above the threshold",
        grade_id="l5-counts-answer",
        source=_COUNTS_HEAD + (
            "    impostor = ~mated & in_group & (np.asarray(template_group)[None, :] == group)\n"
            "    matches = scores > threshold\n"
            "    return (int(np.sum(impostor & matches)), int(np.sum(impostor)),\n"
            "            int(np.sum(genuine & ~matches)), int(np.sum(genuine)))"
        ),
        loses=["l5-counts"],
        why="Uses score > threshold for a match; the course's rule (ISO/IEC 2382-37 usage here) is "
            "score >= threshold, and the visible example has a score on the threshold.",
    ),
    # ------------------------------------------------------------------ 2.2 shared threshold
    dict(
        name="a threshold per group where one shared threshold is asked",
        grade_id="l5-differential-answer",
        source=_RATES_AT + (
            "t_shared_90 = threshold_for_fmr(scores_90[~mated], TARGET_FMR)\n"
            "own = [threshold_for_fmr(scores_90[~mated & (probe_group[:, None] == g) & (template_group[None, :] == g)],\n"
            "                         TARGET_FMR) for g in GROUPS]\n"
            "rates_90 = rates_at(scores_90, own)\n"
            "fmr_ratio_90 = rates_90[1, 0] / rates_90[0, 0]"
        ),
        loses=["l5-differential"],
        why="Computes each group's rates at its own threshold: both FMRs come out near the target and the "
            "differential the question asks about disappears.",
    ),
    dict(
        name="shared threshold from same-group pairs only",
        grade_id="l5-differential-answer",
        source=_RATES_AT + (
            "same_group = probe_group[:, None] == template_group[None, :]\n"
            "t_shared_90 = threshold_for_fmr(scores_90[~mated & same_group], TARGET_FMR)\n"
            "rates_90 = rates_at(scores_90, [t_shared_90, t_shared_90])\n"
            "fmr_ratio_90 = rates_90[1, 0] / rates_90[0, 0]"
        ),
        loses=["l5-differential"],
        why="Sets the overall FMR on same-group non-mated pairs only; the operator's overall FMR counts all "
            "non-mated comparisons, so the threshold comes out higher than asked.",
    ),
    # ------------------------------------------------------------------ 3.1 balanced training
    dict(
        name="the 90/10 threshold reused for the 50/50 system",
        grade_id="l5-balanced-answer",
        source=(
            "t_shared_50 = t_shared_90\n"
            "rates_50 = rates_at(scores_50, [t_shared_50, t_shared_50])\n"
            "fmr_ratio_50 = rates_50[1, 0] / rates_50[0, 0]\n"
            "overall_fnmr = np.array([np.mean(scores_90[mated] < t_shared_90), np.mean(scores_50[mated] < t_shared_50)])"
        ),
        loses=["l5-balanced"],
        why="A threshold belongs to one system's score scale: the 50/50 system needs its own threshold for "
            "overall FMR 1e-3, or the two systems are compared at different FMRs.",
    ),
    # ------------------------------------------------------------------ 4.1 FNMR the other way
    dict(
        name="share of group B's comparisons instead of share of false matches",
        grade_id="l5-fnmr-direction-answer",
        source=(
            "fnmr_ratio_90 = rates_90[0, 1] / rates_90[1, 1]\n"
            "b_pair = (probe_group[:, None] == 'B') & (template_group[None, :] == 'B')\n"
            "false_match_share_b = np.sum(~mated & b_pair & (scores_90 >= t_shared_90)) / np.sum(~mated & b_pair)"
        ),
        loses=["l5-fnmr-direction"],
        why="Divides by group B's non-mated comparisons, which is group B's FMR, not the share of all false "
            "matches that come from B-B pairs.",
    ),
    dict(
        name="b-b share counted by the probe's group only",
        grade_id="l5-fnmr-direction-answer",
        source=(
            "fnmr_ratio_90 = rates_90[0, 1] / rates_90[1, 1]\n"
            "false_match = ~mated & (scores_90 >= t_shared_90)\n"
            "false_match_share_b = np.sum(false_match & (probe_group[:, None] == 'B')) / np.sum(false_match)"
        ),
        loses=["l5-fnmr-direction"],
        why="Counts every false match with a probe from group B, including B probes against A templates: those "
            "are false matches but not B-B pairs (found in the new-student trial).",
    ),
    # ------------------------------------------------------------------ 5.1 group thresholds
    dict(
        name="group thresholds from all impostor pairs of the group's probes",
        grade_id="l5-group-thresholds-answer",
        source=(
            "t_group_90 = np.array([threshold_for_fmr(scores_90[~mated & (probe_group[:, None] == g)], TARGET_FMR)\n"
            "                       for g in GROUPS])\n"
            "rates_group_90 = rates_at(scores_90, t_group_90)"
        ),
        loses=["l5-group-thresholds"],
        why="Includes cross-group pairs when setting each group's threshold, so the thresholds are too low and "
            "each group's same-group FMR exceeds the target.",
    ),
    # ------------------------------------------------------------------ 6.1 FDR
    dict(
        name="fdr with alpha on the FNMR gap",
        grade_id="l5-fdr-answer",
        source=(
            "def fairness_discrepancy_rate(fmr, fnmr, alpha=0.5):\n"
            "    fmr, fnmr = np.asarray(fmr, dtype=float), np.asarray(fnmr, dtype=float)\n"
            "    return 1 - ((1 - alpha) * (fmr.max() - fmr.min()) + alpha * (fnmr.max() - fnmr.min()))"
            + _FDR_VALUES
        ),
        loses=["l5-fdr"],
        why="Swaps the weights: in Pereira and Marcel's FDR, alpha weighs the FMR differential.",
    ),
    dict(
        name="fdr with signed gaps between the first two groups",
        grade_id="l5-fdr-answer",
        source=(
            "def fairness_discrepancy_rate(fmr, fnmr, alpha=0.5):\n"
            "    return 1 - (alpha * (fmr[1] - fmr[0]) + (1 - alpha) * (fnmr[1] - fnmr[0]))"
            + _FDR_VALUES
        ),
        loses=["l5-fdr"],
        why="Takes signed differences of two groups instead of the largest absolute difference over all groups.",
    ),
    # ------------------------------------------------------------------ 7.1 masks
    dict(
        name="masks measured on the 90/10 system",
        grade_id="l5-masks-answer",
        source=(
            "mask_fnmr = np.array([[np.mean(scores_90[mated & (probe_group[:, None] == g) & (probe_masked[:, None] == m)]\n"
            "                                < t_shared_90) for m in (False, True)] for g in GROUPS])"
        ),
        loses=["l5-masks"],
        why="Uses the 90/10 system and its threshold where the question asks for the 50/50 system at t_shared_50.",
    ),
]
