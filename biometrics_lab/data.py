"""Load the committed data sets by name, so that students never handle file paths.

Two kinds: synthetic faces (:func:`load_faces`) and comparison score sets
(:func:`load_scores`).

Every file is checked against ``data/MANIFEST`` (sha256) before it is read: a
corrupt, truncated or stale file fails with a message that says how to rebuild
it. Loaded arrays are read-only because loads are cached and shared.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._paths import data_dir

__all__ = ["FaceSet", "ScoreSet", "load_faces", "load_scores", "list_datasets", "list_score_sets"]

#: Data sets of synthetic faces that :func:`load_faces` knows, with what each is for.
FACE_SETS = {
    "faces-train": "identities for fitting feature extractors only (300 identities x 5 captures)",
    "faces-eval": "disjoint identities for enrolment and probes (200 identities x 10 captures)",
}

#: Comparison score sets that :func:`load_scores` knows, with what each is for.
SCORE_SETS = {
    "scores-border": "10,000 genuine and 1,000,000 impostor scores from a normal score model calibrated to "
                     "NIST's best border-photo operating point (FNMR 0.0064 at FMR 1e-6)",
    "scores-faces": "eigenface scores of faces-eval: 1,400 probes (captures 3-9) x 200 templates, with "
                    "each probe's mask, glasses, group and acquisition quality",
}

_REBUILD_HINT = "run `make data` (or `biometrics-lab data`) in a checkout to rebuild the data sets"


@dataclass(frozen=True, repr=False, eq=False)  # eq on arrays would be ambiguous
class FaceSet:
    """Synthetic grayscale face captures with their identities and capture metadata.

    Parameters
    ----------
    images : ndarray of uint8, shape (n, 48, 48)
        One capture per row; 0 is black, 255 white.
    identity : ndarray of int64, shape (n,)
        Identity id of each capture; ids are unique across all committed sets.
    group : ndarray of str, shape (n,)
        Synthetic group of the identity, ``"A"`` or ``"B"``. The groups are
        generated distributions with no claim about any real population.
    capture : dict of str to ndarray, each of shape (n,)
        Per-capture metadata: ``index`` (capture number within its identity),
        ``mask`` and ``glasses`` (occlusion flags), ``blink`` (bool),
        ``shift_x``, ``shift_y`` (pixels), ``rotation_deg`` (degrees),
        ``scale`` (1 = nominal size), ``illumination`` (left-right lighting
        gradient), ``brightness`` (overall gain), ``expression`` (smile
        amount, -1 to 1), ``noise`` (standard deviation of pixel noise as a
        fraction of full scale) and ``background`` (background grey level).
    name : str
        Name of the data set, e.g. ``"faces-eval"``.
    """

    images: np.ndarray
    identity: np.ndarray
    group: np.ndarray
    capture: dict = field(default_factory=dict)
    name: str = "faces"

    def __post_init__(self):
        n = len(self.images)
        if self.images.ndim != 3:
            raise ValueError(f"images must have shape (n, height, width); got {self.images.shape}")
        for label, values in [("identity", self.identity), ("group", self.group),
                              *((f"capture[{key!r}]", v) for key, v in self.capture.items())]:
            if len(values) != n:
                raise ValueError(f"{label} has {len(values)} entries but images has {n}")

    def __len__(self) -> int:
        return len(self.images)

    def __repr__(self) -> str:
        n_ids = len(np.unique(self.identity))
        groups = ", ".join(f"{g}: {int(np.sum(self.group == g))}" for g in np.unique(self.group))
        return (f"FaceSet(name={self.name!r}, captures={len(self)}, identities={n_ids}, "
                f"images={self.images.shape} {self.images.dtype}, groups={{{groups}}}, "
                f"capture keys={sorted(self.capture)})")

    def subset(self, selector) -> "FaceSet":
        """Return the captures picked by ``selector``.

        Parameters
        ----------
        selector : array-like of bool, shape (n,), or array-like of int
            A boolean mask over the captures, or indices of captures.

        Returns
        -------
        FaceSet
            A new set with the same name holding only the selected captures.
        """
        sel = np.asarray(selector)
        if sel.dtype == bool:
            if sel.shape != (len(self),):
                raise ValueError(f"a boolean selector must have shape ({len(self)},); got {sel.shape}")
        elif sel.size == 0:
            sel = sel.astype(np.intp)
        elif not np.issubdtype(sel.dtype, np.integer):
            raise ValueError(f"selector must be a boolean mask or integer indices; got dtype {sel.dtype}")
        return FaceSet(
            images=self.images[sel],
            identity=self.identity[sel],
            group=self.group[sel],
            capture={key: values[sel] for key, values in self.capture.items()},
            name=self.name,
        )


@dataclass(frozen=True, repr=False, eq=False)
class ScoreSet:
    """Genuine and impostor comparison scores, with what is known about each comparison.

    Scores are similarities: higher means more alike, and a comparison is a
    **match when score >= threshold** (ISO/IEC 2382-37: FMR is the share of
    impostor scores that match, FNMR the share of genuine scores that do not).

    Parameters
    ----------
    genuine : ndarray of float64, shape (n_genuine,)
        Mated comparisons: probe and reference of the same identity.
    impostor : ndarray of float64, shape (n_impostor,)
        Non-mated comparisons: probe and reference of different identities.
    genuine_info, impostor_info : dict of str to ndarray
        Per-comparison metadata, one value per score, in the order of the
        scores (empty for a model-generated set). For ``scores-faces``:
        ``probe_identity``, ``reference_identity``, ``probe_index`` (capture
        number), ``probe_group``, ``reference_group`` (``"A"``/``"B"``),
        ``probe_mask``, ``probe_glasses`` (bool), ``probe_quality`` (share of
        the capture that the eigenfaces explain, 0..1).
    attrs : dict of str to float
        Constants of the set: for ``scores-border`` the model parameters and
        target operating point (``target_fmr``, ``target_fnmr``, ``threshold``,
        ``genuine_mean``, ...); for ``scores-faces`` ``quality_limit``, below
        which a capture counts as a failure to acquire.
    name : str
    """

    genuine: np.ndarray
    impostor: np.ndarray
    genuine_info: dict = field(default_factory=dict)
    impostor_info: dict = field(default_factory=dict)
    attrs: dict = field(default_factory=dict)
    name: str = "scores"

    def __post_init__(self):
        for label, scores, info in [("genuine", self.genuine, self.genuine_info),
                                    ("impostor", self.impostor, self.impostor_info)]:
            if np.ndim(scores) != 1:
                raise ValueError(f"{label} must be 1-D; got shape {np.shape(scores)}")
            for key, values in info.items():
                if len(values) != len(scores):
                    raise ValueError(f"{label}_info[{key!r}] has {len(values)} entries but {label} has {len(scores)}")

    def __repr__(self) -> str:
        return (f"ScoreSet(name={self.name!r}, genuine={len(self.genuine):,}, impostor={len(self.impostor):,}, "
                f"info keys={sorted(self.genuine_info)}, attrs={sorted(self.attrs)})")


def list_score_sets() -> list[str]:
    """Return the names accepted by :func:`load_scores`, sorted."""
    return sorted(SCORE_SETS)


def load_scores(name: str) -> ScoreSet:
    """Load a committed comparison score set by name.

    Parameters
    ----------
    name : str
        ``"scores-border"``: 10,000 genuine and 1,000,000 impostor scores from
        the score model of :func:`biometrics_lab.synth.calibrate_score_model`,
        calibrated so that FNMR = 0.0064 at FMR = 1e-6 (NIST FRVT 1:1, best
        border-photo result). ``"scores-faces"``: the eigenfaces pipeline of
        Lab 1 on ``faces-eval``, every probe (captures 3-9) against every
        identity's template (captures 0-2), with per-comparison metadata.
        See ``data/DATASHEET.md``.

    Returns
    -------
    ScoreSet
        Read-only score arrays (loads are cached) and fresh metadata dicts.
        Scores are stored as float32 and returned as float64: numpy compares
        an array with a Python float in the array's own dtype, so with float32
        scores a float64 threshold just above a score (``np.nextafter``) would
        round back onto it and let that score match.

    Raises
    ------
    ValueError
        If ``name`` is not a known score set (the message lists valid names).
    FileNotFoundError, OSError
        If the file is missing or does not match ``MANIFEST``.

    Examples
    --------
    >>> scores = load_scores("scores-faces")
    >>> len(scores.genuine), len(scores.impostor)
    (1400, 278600)
    """
    if name not in SCORE_SETS:
        raise ValueError(f"unknown score set name={name!r}; valid names are {list_score_sets()}")
    arrays = _load_arrays(name)
    attrs = {key[len("attr_"):]: float(value) for key, value in arrays.items() if key.startswith("attr_")}
    if "scores" not in arrays:
        genuine, impostor = _float64_scores(name)
        return ScoreSet(genuine=genuine, impostor=impostor, attrs=attrs, name=name)
    genuine, impostor, genuine_info, impostor_info = _split_matrix(name)
    return ScoreSet(genuine=genuine, impostor=impostor, genuine_info=genuine_info, impostor_info=impostor_info,
                    attrs=attrs, name=name)


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


@functools.lru_cache(maxsize=None)
def _float64_scores(name: str) -> tuple[np.ndarray, np.ndarray]:
    arrays = _load_arrays(name)
    return (_read_only(arrays["genuine"].astype(np.float64)), _read_only(arrays["impostor"].astype(np.float64)))


@functools.lru_cache(maxsize=None)
def _split_matrix_cached(name: str):
    arrays = _load_arrays(name)
    scores = arrays["scores"]
    mated = arrays["probe_identity"][:, None] == arrays["reference_identity"][None, :]
    probe_rows, reference_cols = np.indices(scores.shape)
    parts = []
    for selector in (mated, ~mated):
        info = {key: _read_only(arrays[key][probe_rows[selector]]) for key in arrays if key.startswith("probe_")}
        info.update({key: _read_only(arrays[key][reference_cols[selector]])
                     for key in arrays if key.startswith("reference_")})
        parts.append((_read_only(scores[selector].astype(np.float64)), info))
    return parts


def _split_matrix(name):
    """Genuine and impostor scores, in row-major (probe by probe) order, with their metadata."""
    (genuine, genuine_info), (impostor, impostor_info) = _split_matrix_cached(name)
    return genuine, impostor, dict(genuine_info), dict(impostor_info)


def list_datasets() -> list[str]:
    """Return the names accepted by :func:`load_faces`, sorted."""
    return sorted(FACE_SETS)


def load_faces(name: str) -> FaceSet:
    """Load a committed set of synthetic faces by name.

    Parameters
    ----------
    name : str
        ``"faces-train"`` (identities only for fitting feature extractors such
        as PCA) or ``"faces-eval"`` (disjoint identities for enrolment and
        probes; captures 0-2 of each identity are clean, some later ones wear
        a mask or glasses). See :func:`list_datasets`.

    Returns
    -------
    FaceSet
        Images, identity ids, group labels and capture metadata. The arrays
        are read-only (loads are cached); use ``.copy()`` to get an editable one.

    Raises
    ------
    ValueError
        If ``name`` is not a known data set (the message lists valid names).
    FileNotFoundError, OSError
        If the file is missing or does not match ``MANIFEST``.

    Examples
    --------
    >>> faces = load_faces("faces-eval")
    >>> faces.images.shape
    (2000, 48, 48)
    """
    if name not in FACE_SETS:
        raise ValueError(f"unknown data set name={name!r}; valid names are {list_datasets()}")
    arrays = _load_arrays(name)
    # A fresh FaceSet and dict per call: the cached arrays are read-only and
    # the dict cannot be shared, so nothing a student does reaches the cache.
    return FaceSet(
        images=arrays["images"],
        identity=arrays["identity"],
        group=arrays["group"],
        capture={key[len("capture_"):]: value for key, value in arrays.items()
                 if key.startswith("capture_")},
        name=name,
    )


def read_manifest(path: Path) -> dict[str, str]:
    """Return ``{file name: sha256}`` from a MANIFEST file (comment lines skipped)."""
    entries = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        digest, _, filename = line.partition("  ")
        entries[filename.strip()] = digest.strip()
    return entries


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@functools.lru_cache(maxsize=None)
def _load_arrays(name: str) -> dict[str, np.ndarray]:
    folder = data_dir()
    path = folder / f"{name}.npz"
    manifest = folder / "MANIFEST"
    if not manifest.is_file():
        raise FileNotFoundError(f"no MANIFEST in {folder}; {_REBUILD_HINT}")
    expected = read_manifest(manifest).get(path.name)
    if expected is None:
        raise FileNotFoundError(f"{path.name} is not listed in {manifest}; {_REBUILD_HINT}")
    if not path.is_file():
        raise FileNotFoundError(f"data set file {path} is missing; {_REBUILD_HINT}")
    actual = sha256_file(path)
    if actual != expected:
        raise OSError(f"{path} does not match its sha256 in MANIFEST (corrupt or stale file; "
                      f"expected {expected[:12]}..., found {actual[:12]}...); {_REBUILD_HINT}")
    with np.load(path, allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    for value in arrays.values():
        value.flags.writeable = False
    return arrays
