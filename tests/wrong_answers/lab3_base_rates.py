"""Plausible wrong answers to Lab 3 (The base-rate fallacy), each of which must lose points.

Each entry replaces the whole source of one solution cell (``grade_id``) of
``solutions/lab3-base-rates/lab3-base-rates.ipynb`` and names the autograder
test cells that must lose points (``loses``). Later cells that build on the
answer may lose points too; ``loses`` lists only the cells that must.

Every entry costs one full nbgrader run of the notebook, so the list keeps the
classic errors of the topic (TPR read as PPV, N x FMR used as a probability,
FPIR read as FMR, P(match | innocent) read as P(innocent | match), a rate read
with the wrong denominator) and one per remaining check cell; the instructor
guide lists more that the checks also catch.
"""

_COUNTS_HEAD = '''def expected_counts(n, prevalence, tpr, fpr):
    """Expected counts among n people screened."""
'''

_FPIR_ARRAYS = '''

fpir_gallery = np.array([fpir(f, GALLERY_SIZE) for f in FMR_EXAMPLES])
candidates_gallery = np.array([false_candidates(f, GALLERY_SIZE) for f in FMR_EXAMPLES])
'''

_MC_VALUES = '''

mc_estimate = simulate_fpir(MC_FMR, MC_GALLERY, MC_SEARCHES, seed=0)
mc_standard_error = np.sqrt(mc_estimate * (1 - mc_estimate) / MC_SEARCHES)
'''

WRONG_ANSWERS = [
    # ------------------------------------------------------------------ 1.1 needed
    dict(
        name="needed leaves out who is screened",
        grade_id="l3-needed-answer",
        source='needed = {"A", "B", "D", "F"}',
        loses=["l3-needed"],
        why="Asks only about the system (its rates, conditions and what was counted), not about the people it "
            "screens: neither the base rate (C) nor the number screened (I), so no rate can become a count.",
    ),
    # ------------------------------------------------------------------ 2.1 expected_counts
    dict(
        name="counts apply the fpr to everyone",
        grade_id="l3-counts-answer",
        source=_COUNTS_HEAD + (
            "    of_interest = n * prevalence\n"
            "    return {\"tp\": of_interest * tpr, \"fp\": n * fpr, \"fn\": of_interest * (1 - tpr),\n"
            "            \"tn\": (n - of_interest) * (1 - fpr)}"
        ),
        loses=["l3-counts", "l3-ppv"],
        why="False positives computed from all n people instead of the people who are not of interest; the "
            "four groups no longer add up to n.",
    ),
    # ------------------------------------------------------------------ 2.2 ppv
    dict(
        name="ppv is the tpr",
        grade_id="l3-ppv-answer",
        source='def ppv(prevalence, tpr, fpr):\n    """Share of alarms that are true."""\n    return tpr',
        loses=["l3-ppv", "l3-watchlist", "l3-thermal"],
        why="The base-rate fallacy itself: the share of people of interest who raise an alarm taken for the "
            "share of alarms that concern a person of interest.",
    ),
    # ------------------------------------------------------------------ 3.1 watchlist_day
    dict(
        name="watchlist prevalence is k",
        grade_id="l3-watchlist-answer",
        source=(
            "def watchlist_day(k, crossers, tpr, fpr):\n"
            "    counts = expected_counts(crossers, k, tpr, fpr)\n"
            "    return {\"alarms\": counts[\"tp\"] + counts[\"fp\"], \"true_alarms\": counts[\"tp\"],\n"
            "            \"ppv\": ppv(k, tpr, fpr)}\n\n\n"
            "ppv_by_k = np.array([watchlist_day(k, DAILY_CROSSERS, TPR_GENEROUS, FPR_GENEROUS)[\"ppv\"] "
            "for k in K_VALUES])"
        ),
        loses=["l3-watchlist"],
        why="Passes the number of people of interest as the prevalence instead of the share k / crossers.",
    ),
    # ------------------------------------------------------------------ 4.1 fpir
    dict(
        name="fpir is n times fmr",
        grade_id="l3-fpir-answer",
        source=(
            "def fpir(fmr, gallery_size):\n    return gallery_size * fmr\n\n\n"
            "def false_candidates(fmr, gallery_size):\n    return gallery_size * fmr" + _FPIR_ARRAYS
        ),
        loses=["l3-fpir", "l3-footage"],
        why="Uses the first-order approximation N x FMR as the FPIR everywhere, also where it exceeds 1 "
            "(N x FMR = 5 in the visible check); the footage search, which calls fpir, inherits the error.",
    ),
    # ------------------------------------------------------------------ 4.2 simulate_fpir
    dict(
        name="simulation counts matches not searches",
        grade_id="l3-montecarlo-answer",
        source=(
            "def simulate_fpir(fmr, gallery_size, searches, seed):\n"
            "    rng = np.random.default_rng(seed)\n"
            "    scores = rng.standard_normal((searches, gallery_size))\n"
            "    return float(np.mean((scores >= norm.isf(fmr)).sum(axis=1)))" + _MC_VALUES
        ),
        loses=["l3-montecarlo"],
        why="Averages the number of matches per search, which estimates N x FMR (the expected false "
            "candidates), not the share of searches with at least one.",
    ),
    dict(
        name="simulation returns the formula",
        grade_id="l3-montecarlo-answer",
        source=(
            "def simulate_fpir(fmr, gallery_size, searches, seed):\n"
            "    return 1 - (1 - fmr) ** gallery_size" + _MC_VALUES
        ),
        loses=["l3-montecarlo"],
        why="Returns the formula it was meant to check: every value is right, but nothing is simulated, so a "
            "single search does not vary with the seed.",
    ),
    # ------------------------------------------------------------------ 5.1 footage_search
    dict(
        name="footage p_any_false is faces times fmr",
        grade_id="l3-footage-answer",
        source=(
            "def footage_search(faces, fmr, tpr):\n"
            "    expected_false = faces * fmr\n"
            "    return {\"false_candidates\": expected_false, \"p_any_false\": expected_false,\n"
            "            \"share_true\": tpr / (tpr + expected_false)}"
        ),
        loses=["l3-footage"],
        why="Gives the expected count of false candidates as the probability of at least one: 10 for ten "
            "million faces at FMR 1e-6.",
    ),
    # ------------------------------------------------------------------ 6.1 thermal
    dict(
        name="screening rates from the cdf",
        grade_id="l3-thermal-answer",
        source=(
            "def screening_rates(d_prime, threshold):\n"
            "    return float(norm.cdf(threshold - d_prime)), float(norm.cdf(threshold))\n\n\n"
            "thermal_threshold = D_PRIME + norm.isf(THERMAL_TPR)\n"
            "thermal_ppv = ppv(THERMAL_PREVALENCE, *screening_rates(D_PRIME, thermal_threshold))\n"
            "face_d_prime = norm.isf(FPR_GENEROUS) - norm.isf(TPR_GENEROUS)"
        ),
        loses=["l3-thermal"],
        why="Uses the probability of scoring below the threshold (norm.cdf) where an alarm is a score at or "
            "above it (norm.sf): people of interest then raise fewer alarms than everyone else.",
    ),
    # ------------------------------------------------------------------ 7.1 police
    dict(
        name="met ppv from the stated false-alert rate",
        grade_id="l3-police-answer",
        source=(
            "swp_ppv = (SWP_ALERTS - SWP_FALSE_ALERTS) / SWP_ALERTS\n"
            "met_ppv = 1 - MET_FALSE_ALERT_RATE\n"
            "met_implied_faces = (MET_MATCHES - MET_CORRECT) / MET_FALSE_ALERT_RATE"
        ),
        loses=["l3-police"],
        why="Reads '1 in 1,000 false' (per person passing) as if 999 in 1,000 alerts were right: the wrong "
            "denominator.",
    ),
    # ------------------------------------------------------------------ 7.2 npl
    dict(
        name="npl fpir read as fmr",
        grade_id="l3-npl-answer",
        source=(
            "npl_fmr = NPL_FPIR\n"
            "npl_fpir_gallery = fpir(npl_fmr, GALLERY_SIZE)\n"
            "npl_false_alerts_per_day = DAILY_CROSSERS * npl_fpir_gallery"
        ),
        loses=["l3-npl"],
        why="Takes the FPIR of a search of NPL_WATCHLIST references as the FMR of a single comparison.",
    ),
    # ------------------------------------------------------------------ 8.1 prosecutor
    dict(
        name="prosecutor's fallacy",
        grade_id="l3-prosecutor-answer",
        source=(
            "p_match_given_innocent = FMR_EXAMPLES[0]\n\n\n"
            "def p_innocent_given_match(fmr, gallery_size, tpr, prior_in_gallery):\n"
            "    return fmr"
        ),
        loses=["l3-prosecutor"],
        why="Gives P(match | innocent) as P(innocent | match), ignoring the gallery's other people and the "
            "chance that the person searched for is not in it.",
    ),
]
