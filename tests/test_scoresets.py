"""Tests of the committed score sets (data/scores-*.npz), their loader and the score model.

``scores-border`` must reproduce the operating point it was calibrated to
(NIST FRVT 1:1, best border-photo FNMR at FMR 1e-6) within its sampling error:
the checks use Clopper-Pearson intervals from the reference metrics.
"""

import numpy as np
import pytest
from scipy.stats import beta, norm

from biometrics_lab import _rates, casestudy
from biometrics_lab._paths import data_dir
from biometrics_lab.data import ScoreSet, list_score_sets, load_faces, load_scores, read_manifest, sha256_file
from biometrics_lab.datasets import DATASET_NAMES, SCORE_SPECS, build_score_arrays, write_npz
from biometrics_lab.synth import calibrate_score_model, generate_scores

FIGURE = "nist_fnmr_border_fmr1e-6"
CONFIDENCE = 0.99  # two-sided; the set is fixed, so one honest interval per check


@pytest.fixture(scope="module")
def border():
    return load_scores("scores-border")


@pytest.fixture(scope="module")
def faces_scores():
    return load_scores("scores-faces")


# ----------------------------------------------------------------------------- score model

def test_calibration_formula_meets_the_operating_point_exactly():
    for fmr, fnmr in [(1e-6, 0.0064), (1e-4, 0.0258), (1e-3, 0.2)]:
        model = calibrate_score_model(fmr, fnmr)
        threshold = model.threshold_at_fmr(fmr)
        assert model.fmr(threshold) == pytest.approx(fmr, rel=1e-9)
        assert model.fnmr(threshold) == pytest.approx(fnmr, rel=1e-9)


def test_lower_fnmr_needs_more_separation():
    easy, hard = calibrate_score_model(1e-6, 0.05), calibrate_score_model(1e-6, 0.0025)
    assert hard.genuine_mean > easy.genuine_mean
    assert hard.d_prime() > easy.d_prime()


@pytest.mark.parametrize("bad", [dict(fmr=0.0, fnmr=0.1), dict(fmr=1e-6, fnmr=1.0), dict(fmr=-1, fnmr=0.1),
                                 dict(fmr=1e-6, fnmr=0.1, genuine_sd=0.0)])
def test_calibration_rejects_rates_outside_the_open_interval(bad):
    with pytest.raises(ValueError):
        calibrate_score_model(**bad)


def test_generate_scores_is_seeded_and_float32():
    model = calibrate_score_model(1e-4, 0.01)
    first = generate_scores(model, 50, 200, random_state=3)
    again = generate_scores(model, 50, 200, random_state=3)
    other = generate_scores(model, 50, 200, random_state=4)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[1], other[1])
    assert first[0].dtype == np.float32 and first[0].shape == (50,) and first[1].shape == (200,)


# ----------------------------------------------------------------------------- scores-border

def test_border_set_has_the_promised_size(border):
    assert isinstance(border, ScoreSet)
    # Stored as float32, returned as float64 (a Python-float threshold then compares in float64).
    assert border.genuine.dtype == np.float64 and border.impostor.dtype == np.float64
    assert np.array_equal(border.impostor, border.impostor.astype(np.float32))
    assert len(border.genuine) >= 10_000 and len(border.impostor) >= 1_000_000
    assert border.genuine_info == {} and border.impostor_info == {}


def test_border_set_is_calibrated_to_the_case_study_figure(border):
    assert border.attrs["target_fnmr"] == casestudy.figure(FIGURE).value
    assert border.attrs["target_fmr"] == 1e-6
    model = calibrate_score_model(1e-6, casestudy.figure(FIGURE).value)
    assert border.attrs["genuine_mean"] == pytest.approx(model.genuine_mean, rel=1e-12)
    assert border.attrs["threshold"] == pytest.approx(model.threshold_at_fmr(1e-6), rel=1e-12)


def test_border_set_reproduces_the_operating_point_at_the_model_threshold(border):
    """At the model's threshold t*, the counted errors are binomial draws with the target rates.

    The Clopper-Pearson interval of each observed rate must contain its target.
    """
    threshold = border.attrs["threshold"]
    n_g, n_i = len(border.genuine), len(border.impostor)
    false_matches = int(np.sum(border.impostor >= threshold))
    false_non_matches = int(np.sum(border.genuine < threshold))
    fmr_lo, fmr_hi = _rates.clopper_pearson(false_matches, n_i, CONFIDENCE)
    fnmr_lo, fnmr_hi = _rates.clopper_pearson(false_non_matches, n_g, CONFIDENCE)
    assert fmr_lo <= border.attrs["target_fmr"] <= fmr_hi, (false_matches, n_i)
    assert fnmr_lo <= border.attrs["target_fnmr"] <= fnmr_hi, (false_non_matches, n_g)


def test_border_set_reproduces_fnmr_at_fmr_within_order_statistic_error(border):
    """The empirical operating point (threshold from the data) lies in its sampling band.

    ``threshold_for_fmr(impostor, 1e-6)`` is the (k+1)-th highest of n impostor
    scores (k = floor(1e-6 n)); its model FMR u follows Beta(k + 1, n - k). Map
    the interval of u through the model to thresholds, and widen the FNMR range
    there by the genuine set's Clopper-Pearson interval.
    """
    target, n_i, n_g = 1e-6, len(border.impostor), len(border.genuine)
    k = int(np.floor(target * n_i + 1e-9))
    alpha = 1 - CONFIDENCE
    u_low, u_high = beta.ppf([alpha / 4, 1 - alpha / 4], k + 1, n_i - k)
    model = calibrate_score_model(target, border.attrs["target_fnmr"])
    fnmr_low = model.fnmr(model.threshold_at_fmr(u_high))   # more false matches allowed: lower threshold
    fnmr_high = model.fnmr(model.threshold_at_fmr(u_low))
    measured = _rates.fnmr_at_fmr(border.genuine, border.impostor, target)
    lo = _rates.clopper_pearson(int(np.floor(fnmr_low * n_g)), n_g, 1 - alpha / 2)[0]
    hi = _rates.clopper_pearson(int(np.ceil(fnmr_high * n_g)), n_g, 1 - alpha / 2)[1]
    assert lo <= measured <= hi, (lo, measured, hi)


def test_border_set_follows_its_model_distributions(border):
    from scipy.stats import kstest

    a = border.attrs
    assert kstest(border.impostor[::10], norm(a["impostor_mean"], a["impostor_sd"]).cdf).pvalue > 1e-3
    assert kstest(border.genuine, norm(a["genuine_mean"], a["genuine_sd"]).cdf).pvalue > 1e-3


# ----------------------------------------------------------------------------- scores-faces

def test_face_scores_match_the_committed_faces(faces_scores):
    faces = load_faces("faces-eval")
    probes = faces.capture["index"] >= 3
    n_probes, n_ids = int(probes.sum()), len(np.unique(faces.identity))
    assert len(faces_scores.genuine) == n_probes
    assert len(faces_scores.impostor) == n_probes * (n_ids - 1)
    info = faces_scores.genuine_info
    assert (info["probe_identity"] == info["reference_identity"]).all()
    assert (faces_scores.impostor_info["probe_identity"] != faces_scores.impostor_info["reference_identity"]).all()
    # Genuine comparisons come probe by probe, in the order of faces-eval's probe captures.
    np.testing.assert_array_equal(info["probe_identity"], faces.identity[probes])
    np.testing.assert_array_equal(info["probe_mask"], faces.capture["mask"][probes])
    np.testing.assert_array_equal(info["probe_group"], faces.group[probes])
    assert set(faces_scores.impostor_info) == set(info)


def test_face_scores_separate_and_masks_raise_errors(faces_scores):
    g, i, info = faces_scores.genuine, faces_scores.impostor, faces_scores.genuine_info
    eer, threshold = _rates.eer(g, i)
    assert 0.01 < eer < 0.08  # the datasheet's calibration: about 3.4 %
    clean = ~info["probe_mask"] & ~info["probe_glasses"]
    fnmr_clean = np.mean(g[clean] < threshold)
    fnmr_masked = np.mean(g[info["probe_mask"]] < threshold)
    assert fnmr_masked > fnmr_clean
    limit = faces_scores.attrs["quality_limit"]
    fta_clean = np.mean(info["probe_quality"][clean] < limit)
    fta_masked = np.mean(info["probe_quality"][info["probe_mask"]] < limit)
    assert fta_masked > fta_clean > 0


def test_a_threshold_just_above_a_score_does_not_round_back_onto_it(border):
    """With float32 scores, numpy would compare in float32 and nextafter(score) would equal the score again."""
    top = np.sort(border.impostor)[-2:]
    threshold = float(np.nextafter(top[0], np.inf))
    assert np.sum(border.impostor >= threshold) == 1


def test_loaded_score_arrays_are_read_only(faces_scores, border):
    for array in (faces_scores.genuine, faces_scores.impostor, faces_scores.genuine_info["probe_mask"],
                  border.impostor):
        with pytest.raises(ValueError):
            array[0] = 0


def test_unknown_score_set_lists_valid_names():
    with pytest.raises(ValueError) as excinfo:
        load_scores("scores-nope")
    for name in list_score_sets():
        assert name in str(excinfo.value)


# ----------------------------------------------------------------------------- reproducible files

def test_manifest_lists_every_data_set():
    entries = read_manifest(data_dir() / "MANIFEST")
    assert set(entries) == {f"{name}.npz" for name in DATASET_NAMES}
    assert set(SCORE_SPECS) == set(list_score_sets())


def test_border_set_rebuilds_byte_for_byte(tmp_path):
    manifest = (data_dir() / "MANIFEST").read_text()
    if f"# numpy {np.__version__}" not in manifest:
        pytest.skip(f"MANIFEST was built with another numpy than {np.__version__}")
    path = write_npz(tmp_path / "scores-border.npz", build_score_arrays("scores-border"))
    assert sha256_file(path) == read_manifest(data_dir() / "MANIFEST")["scores-border.npz"]
