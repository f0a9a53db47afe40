"""Tests of the synthetic face generator (biometrics_lab.synth).

The calibration test uses the small eigenfaces pipeline of
``bench/eigenfaces.py`` (PCA, templates, cosine scores, EER), which lives
outside the package on purpose: the package must not contain what Lab 1 asks
students to write.
"""

from inspect import signature

import numpy as np
import pytest
from sklearn.decomposition import PCA

from bench.eigenfaces import cosine_scores, equal_error_rate, unit_rows, znorm
from biometrics_lab.synth import IMAGE_SIZE, generate_faces

CONTRACT_KEYS = {"index", "mask", "glasses", "shift_x", "shift_y", "rotation_deg", "scale",
                 "illumination", "expression", "blink", "noise"}


# ----------------------------------------------------------------------------- helpers

def eigenface_eer(noise, *, n_enrol=3, seed=0):
    """EER of eigenfaces (40 whitened components) + 3-capture templates + cosine scores.

    Training and evaluation identities are disjoint (different seeds and ids);
    the same seeds at every ``noise`` keep the identities fixed between calls.
    """
    train = generate_faces(200, 4, noise=noise, random_state=10 + seed)
    test = generate_faces(100, 6, noise=noise, random_state=50 + seed, first_identity=1000)
    scores, same, _, _ = cosine_scores(train, test, n_enrol=n_enrol)
    return equal_error_rate(scores[same], scores[~same])


@pytest.fixture(scope="module")
def faces():
    return generate_faces(6, 4, mask_rate=0.5, glasses_rate=0.5, clean_captures=1, random_state=3)


# ----------------------------------------------------------------------------- determinism

def test_same_seed_gives_identical_faces_and_metadata():
    """Does a seed fix every pixel and every metadata value?"""
    a = generate_faces(5, 3, mask_rate=0.3, glasses_rate=0.3, random_state=7)
    b = generate_faces(5, 3, mask_rate=0.3, glasses_rate=0.3, random_state=7)
    np.testing.assert_array_equal(a.images, b.images)
    np.testing.assert_array_equal(a.group, b.group)
    assert a.capture.keys() == b.capture.keys()
    for key in a.capture:
        np.testing.assert_array_equal(a.capture[key], b.capture[key])


def test_different_seeds_give_different_faces():
    a = generate_faces(5, 3, random_state=1)
    b = generate_faces(5, 3, random_state=2)
    assert np.mean(a.images != b.images) > 0.5


def test_generator_argument_is_accepted():
    a = generate_faces(2, 2, random_state=np.random.default_rng(4))
    b = generate_faces(2, 2, random_state=np.random.default_rng(4))
    np.testing.assert_array_equal(a.images, b.images)


# ----------------------------------------------------------------------------- shapes and metadata

def test_shapes_dtypes_and_identity_layout(faces):
    n = 6 * 4
    assert faces.images.shape == (n, IMAGE_SIZE, IMAGE_SIZE) == (n, 48, 48)
    assert faces.images.dtype == np.uint8
    assert faces.identity.dtype == np.int64
    np.testing.assert_array_equal(faces.identity, np.repeat(np.arange(6), 4))
    np.testing.assert_array_equal(faces.capture["index"], np.tile(np.arange(4), 6))
    assert set(faces.group) <= {"A", "B"}
    assert len(faces) == n
    # Images use the grey range rather than collapsing to a constant.
    assert faces.images.std() > 20


def test_capture_metadata_has_contract_keys_with_one_value_per_capture(faces):
    assert CONTRACT_KEYS <= set(faces.capture)
    for key, values in faces.capture.items():
        assert values.shape == (len(faces),), key
    for key in ("mask", "glasses", "blink"):
        assert faces.capture[key].dtype == bool, key


def test_first_identity_offsets_ids():
    faces = generate_faces(3, 2, first_identity=500)
    assert sorted(set(faces.identity.tolist())) == [500, 501, 502]


@pytest.mark.parametrize("fraction, expected_b", [(0.0, 0), (0.5, 10), (0.3, 6), (1.0, 20)])
def test_group_b_fraction_sets_number_of_b_identities(fraction, expected_b):
    faces = generate_faces(20, 1, group_b_fraction=fraction)
    assert int(np.sum(faces.group == "B")) == expected_b
    # A group is a property of the identity: all captures agree.
    multi = generate_faces(8, 3, group_b_fraction=fraction)
    assert all(len(set(multi.group[multi.identity == i])) == 1 for i in np.unique(multi.identity))


def test_group_b_is_brighter_on_the_face_than_group_a():
    """Groups differ in tone mean (A 0.48, B 0.70): the centre of the face shows it."""
    faces = generate_faces(60, 1, noise=0.0)
    centre = faces.images[:, 28:32, 18:30].mean(axis=(1, 2))
    assert centre[faces.group == "B"].mean() > centre[faces.group == "A"].mean() + 20


def test_clean_captures_never_occluded():
    faces = generate_faces(20, 5, mask_rate=1.0, glasses_rate=1.0, clean_captures=2)
    early = faces.capture["index"] < 2
    assert not faces.capture["mask"][early].any()
    assert not faces.capture["glasses"][early].any()
    assert faces.capture["mask"][~early].all()
    assert faces.capture["glasses"][~early].all()


def test_occlusion_rates_are_respected():
    faces = generate_faces(100, 10, mask_rate=0.15, glasses_rate=0.10, clean_captures=3)
    later = faces.capture["index"] >= 3
    assert 0.10 < faces.capture["mask"][later].mean() < 0.20
    assert 0.06 < faces.capture["glasses"][later].mean() < 0.14
    # Mask details exist exactly where a mask does.
    assert np.isnan(faces.capture["mask_top"][~faces.capture["mask"]]).all()
    assert np.isfinite(faces.capture["mask_top"][faces.capture["mask"]]).all()


def test_mask_flag_matches_pixels_of_lower_face():
    """Are masked captures changed in the lower face only, and unmasked ones not at all?

    Occlusion draws are made whatever the rates, so the two calls share every
    other random number and differ only where something is painted.
    """
    plain = generate_faces(10, 3, mask_rate=0.0, random_state=5)
    masked = generate_faces(10, 3, mask_rate=0.5, random_state=5)
    flag = masked.capture["mask"]
    assert 0 < flag.sum() < len(flag)
    diff = np.abs(plain.images.astype(int) - masked.images.astype(int))
    assert (diff[~flag] == 0).all()
    assert (diff[flag][:, :16] == 0).all()          # forehead and hair untouched
    assert diff[flag][:, 30:44].mean(axis=(1, 2)).min() > 3   # lower face covered


def test_glasses_flag_matches_pixels_around_the_eyes():
    plain = generate_faces(10, 3, glasses_rate=0.0, random_state=6)
    glasses = generate_faces(10, 3, glasses_rate=0.5, random_state=6)
    flag = glasses.capture["glasses"]
    assert 0 < flag.sum() < len(flag)
    diff = np.abs(plain.images.astype(int) - glasses.images.astype(int))
    assert (diff[~flag] == 0).all()
    assert (diff[flag][:, 36:] == 0).all()          # mouth and chin untouched
    assert diff[flag][:, 14:26].mean(axis=(1, 2)).min() > 2


def test_jitter_zero_means_no_pose_change_and_jitter_sets_spread():
    still = generate_faces(10, 5, jitter=0.0)
    assert (still.capture["shift_x"] == 0).all() and (still.capture["rotation_deg"] == 0).all()
    assert (still.capture["scale"] == 1).all()
    moving = generate_faces(100, 5, jitter=1.0)
    assert 0.9 < moving.capture["shift_x"].std() < 1.1
    assert 0.9 < moving.capture["shift_y"].std() < 1.1


def test_noise_metadata_follows_noise_argument():
    quiet = generate_faces(20, 5, noise=0.02)
    loud = generate_faces(20, 5, noise=0.2)
    assert loud.capture["noise"].mean() == pytest.approx(10 * quiet.capture["noise"].mean())
    assert 0.015 < quiet.capture["noise"].mean() < 0.025
    # Pixel noise shows as differences between neighbouring pixels.
    def roughness(faces):
        return np.abs(np.diff(faces.images.astype(float), axis=2)).mean()

    assert roughness(loud) > 2 * roughness(quiet)


# ----------------------------------------------------------------------------- identity

def test_same_identity_captures_are_closer_than_different_identities():
    """Do captures of one identity look like one person, in pixels and in PCA space?"""
    faces = generate_faces(40, 4, random_state=11)
    x = unit_rows(znorm(faces.images))
    same = faces.identity[:, None] == faces.identity[None, :]
    off_diagonal = ~np.eye(len(faces), dtype=bool)
    similarity = x @ x.T
    assert similarity[same & off_diagonal].mean() > similarity[~same].mean() + 0.1
    # Identity by identity: its own captures are more alike than it is to anyone else.
    for i in np.unique(faces.identity):
        rows = faces.identity == i
        own = similarity[np.ix_(rows, rows)][~np.eye(rows.sum(), dtype=bool)].mean()
        assert own > similarity[np.ix_(rows, ~rows)].mean(), f"identity {i}"
    # Nearest neighbour in PCA space is almost always a capture of the same identity.
    z = unit_rows(PCA(20, whiten=True, random_state=0).fit_transform(znorm(faces.images)))
    sim = z @ z.T
    np.fill_diagonal(sim, -np.inf)
    nearest = sim.argmax(axis=1)
    assert np.mean(faces.identity[nearest] == faces.identity) > 0.75  # chance: 2 %


# ----------------------------------------------------------------------------- calibration

@pytest.fixture(scope="module")
def eer_default():
    return eigenface_eer(noise=0.08)


def test_default_settings_give_eer_between_1_and_10_percent(eer_default):
    """Is the documented calibration true: eigenfaces + cosine at defaults, EER in [1%, 10%]?"""
    assert signature(generate_faces).parameters["noise"].default == 0.08
    assert 0.01 <= eer_default <= 0.10


def test_eer_rises_with_noise(eer_default):
    """Does the documented ``noise`` knob move the EER (same identities, more noise)?"""
    eer_noisy = eigenface_eer(noise=0.45)
    assert eer_noisy > eer_default + 0.05


# ----------------------------------------------------------------------------- validation

@pytest.mark.parametrize("kwargs, name", [
    ({"n_identities": 0}, "n_identities"),
    ({"n_identities": 2.5}, "n_identities"),
    ({"n_captures": 0}, "n_captures"),
    ({"n_captures": True}, "n_captures"),
    ({"group_b_fraction": 1.5}, "group_b_fraction"),
    ({"noise": -0.1}, "noise"),
    ({"noise": float("nan")}, "noise"),
    ({"jitter": -1}, "jitter"),
    ({"mask_rate": 2}, "mask_rate"),
    ({"glasses_rate": -0.5}, "glasses_rate"),
    ({"clean_captures": 5}, "clean_captures"),
    ({"first_identity": -1}, "first_identity"),
    ({"random_state": "seed"}, "random_state"),
    ({"random_state": -3}, "random_state"),
])
def test_bad_arguments_raise_value_error_naming_the_argument(kwargs, name):
    args = {"n_identities": 2, "n_captures": 3, **kwargs}
    with pytest.raises(ValueError, match=name):
        generate_faces(args.pop("n_identities"), args.pop("n_captures"), **args)
