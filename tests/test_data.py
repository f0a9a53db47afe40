"""Tests of the committed data sets (data/) and their loader (biometrics_lab.data)."""

import shutil

import numpy as np
import pytest
from scipy import stats

from biometrics_lab import data as data_module
from biometrics_lab._paths import data_dir
from biometrics_lab.data import FaceSet, list_datasets, load_faces, read_manifest, sha256_file
from biometrics_lab.datasets import DATASET_NAMES, SPECS, build_all

CONTRACT_KEYS = {"index", "mask", "glasses", "shift_x", "shift_y", "rotation_deg", "scale",
                 "illumination", "expression", "blink", "noise"}


@pytest.fixture(scope="module")
def train():
    return load_faces("faces-train")


@pytest.fixture(scope="module")
def evaluation():
    return load_faces("faces-eval")


@pytest.fixture
def fresh_cache():
    """Clear the load cache before and after a test that points the loader elsewhere."""
    data_module._load_arrays.cache_clear()
    yield
    data_module._load_arrays.cache_clear()


# ----------------------------------------------------------------------------- API

def test_list_datasets_names_both_face_sets():
    assert list_datasets() == ["faces-eval", "faces-train"]


@pytest.mark.parametrize("name, n_ids, n_captures", [("faces-train", 300, 5), ("faces-eval", 200, 10)])
def test_load_faces_returns_faceset_with_contract_fields(name, n_ids, n_captures):
    faces = load_faces(name)
    n = n_ids * n_captures
    assert isinstance(faces, FaceSet)
    assert faces.name == name
    assert len(faces) == n
    assert faces.images.shape == (n, 48, 48) and faces.images.dtype == np.uint8
    assert faces.identity.shape == (n,) and faces.identity.dtype == np.int64
    assert set(np.unique(faces.group)) == {"A", "B"}
    assert CONTRACT_KEYS <= set(faces.capture)
    assert all(v.shape == (n,) for v in faces.capture.values())
    ids, counts = np.unique(faces.identity, return_counts=True)
    assert len(ids) == n_ids and (counts == n_captures).all()
    # Each identity's captures are numbered 0..n_captures-1.
    for i in ids[:5]:
        assert sorted(faces.capture["index"][faces.identity == i]) == list(range(n_captures))


@pytest.mark.parametrize("name", ["faces-train", "faces-eval"])
def test_groups_are_balanced_by_identity(name):
    faces = load_faces(name)
    first = faces.subset(faces.capture["index"] == 0)
    assert np.sum(first.group == "A") == np.sum(first.group == "B")


def test_unknown_name_error_lists_valid_names():
    with pytest.raises(ValueError) as excinfo:
        load_faces("faces-test")
    message = str(excinfo.value)
    assert "faces-test" in message
    for name in list_datasets():
        assert name in message


def test_subset_by_mask_and_by_index(evaluation):
    enrol = evaluation.subset(evaluation.capture["index"] < 3)
    assert len(enrol) == 600
    assert (enrol.capture["index"] < 3).all()
    picked = evaluation.subset([0, 10, 20])
    np.testing.assert_array_equal(picked.images, evaluation.images[[0, 10, 20]])
    np.testing.assert_array_equal(picked.identity, evaluation.identity[[0, 10, 20]])
    assert picked.capture["mask"].shape == (3,)
    with pytest.raises(ValueError, match="boolean selector"):
        evaluation.subset(np.ones(5, dtype=bool))
    with pytest.raises(ValueError, match="selector"):
        evaluation.subset(np.array([0.5, 1.5]))


# ----------------------------------------------------------------------------- contents

def test_identities_are_disjoint_across_sets(train, evaluation):
    assert not set(train.identity.tolist()) & set(evaluation.identity.tolist())


def test_training_set_has_no_occlusion(train):
    assert not train.capture["mask"].any()
    assert not train.capture["glasses"].any()


def test_eval_enrolment_captures_are_clean_and_later_ones_sometimes_occluded(evaluation):
    enrol = evaluation.capture["index"] < 3
    assert not evaluation.capture["mask"][enrol].any()
    assert not evaluation.capture["glasses"][enrol].any()
    later = ~enrol
    assert 0.10 <= evaluation.capture["mask"][later].mean() <= 0.20   # ~15 %
    assert 0.06 <= evaluation.capture["glasses"][later].mean() <= 0.14  # ~10 %


# ----------------------------------------------------------------------------- read-only cache

def test_loaded_arrays_are_read_only(evaluation):
    with pytest.raises(ValueError):
        evaluation.images[0, 0, 0] = 0
    with pytest.raises(ValueError):
        evaluation.identity[0] = -1
    with pytest.raises(ValueError):
        evaluation.capture["mask"][:] = True


def test_changing_the_capture_dict_does_not_reach_the_next_load():
    first = load_faces("faces-eval")
    first.capture["mask"] = np.ones(len(first), dtype=bool)
    del first.capture["glasses"]
    again = load_faces("faces-eval")
    assert not again.capture["mask"].all()
    assert "glasses" in again.capture
    assert again.images is first.images  # the arrays themselves are shared, hence read-only


# ----------------------------------------------------------------------------- MANIFEST

def test_manifest_matches_files_on_disk():
    folder = data_dir()
    entries = read_manifest(folder / "MANIFEST")
    assert set(entries) == {f"{name}.npz" for name in DATASET_NAMES}
    for filename, digest in entries.items():
        assert sha256_file(folder / filename) == digest, filename


def test_manifest_records_numpy_version():
    lines = (data_dir() / "MANIFEST").read_text().splitlines()
    assert any(line.startswith("# numpy ") for line in lines)


def _manifest_numpy_version(path):
    for line in path.read_text().splitlines():
        if line.startswith("# numpy "):
            return line.split()[2]
    raise AssertionError(f"no '# numpy' line in {path}")


def test_rebuild_reproduces_the_committed_data(tmp_path):
    """Does `make data` rebuild exactly what is committed?

    With the numpy version recorded in MANIFEST, the rebuild must give the
    same MANIFEST byte for byte (same sha256 for every file). With another
    numpy version, bit-identical output is not promised: numpy keeps its
    bit generators stable but may change how distributions (normal, uniform,
    permutation) turn bits into numbers, and float rounding in the renderer
    may differ. Then the test checks that the rebuilt sets have the same
    structure and the same distributions (two-sample KS tests on capture
    metadata, near-equal mean images) and says which comparison it made.
    """
    committed = data_dir() / "MANIFEST"
    build_all(tmp_path)
    if _manifest_numpy_version(committed) == np.__version__:
        assert (tmp_path / "MANIFEST").read_bytes() == committed.read_bytes()
        return
    for name in SPECS:
        with np.load(tmp_path / f"{name}.npz", allow_pickle=False) as npz:
            rebuilt = {key: npz[key] for key in npz.files}
        with np.load(data_dir() / f"{name}.npz", allow_pickle=False) as npz:
            original = {key: npz[key] for key in npz.files}
        assert rebuilt.keys() == original.keys()
        for key in ("identity", "capture_index"):
            np.testing.assert_array_equal(rebuilt[key], original[key])
        assert (rebuilt["group"] == "B").sum() == (original["group"] == "B").sum()
        for key in ("capture_shift_x", "capture_rotation_deg", "capture_expression",
                    "capture_illumination", "capture_noise"):
            assert stats.ks_2samp(rebuilt[key], original[key]).pvalue > 1e-3, (name, key)
        mean_diff = np.abs(rebuilt["images"].mean(axis=0) - original["images"].mean(axis=0))
        assert mean_diff.mean() < 4.0, name


# ----------------------------------------------------------------------------- damaged data

def _copy_data(tmp_path):
    for path in data_dir().iterdir():
        if path.name == "MANIFEST" or path.suffix == ".npz":
            shutil.copy(path, tmp_path / path.name)
    return tmp_path


def test_corrupt_file_fails_with_rebuild_hint(tmp_path, monkeypatch, fresh_cache):
    folder = _copy_data(tmp_path)
    blob = bytearray((folder / "faces-eval.npz").read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    (folder / "faces-eval.npz").write_bytes(bytes(blob))
    monkeypatch.setattr(data_module, "data_dir", lambda: folder)
    with pytest.raises(OSError, match="make data"):
        load_faces("faces-eval")
    assert len(load_faces("faces-train")) == 1500  # the intact file still loads


def test_missing_file_fails_with_rebuild_hint(tmp_path, monkeypatch, fresh_cache):
    folder = _copy_data(tmp_path)
    (folder / "faces-train.npz").unlink()
    monkeypatch.setattr(data_module, "data_dir", lambda: folder)
    with pytest.raises(FileNotFoundError, match="make data"):
        load_faces("faces-train")


def test_missing_manifest_fails_with_rebuild_hint(tmp_path, monkeypatch, fresh_cache):
    folder = _copy_data(tmp_path)
    (folder / "MANIFEST").unlink()
    monkeypatch.setattr(data_module, "data_dir", lambda: folder)
    with pytest.raises(FileNotFoundError, match="make data"):
        load_faces("faces-eval")
