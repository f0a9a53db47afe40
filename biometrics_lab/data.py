"""Load the committed data sets by name, so that students never handle file paths.

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

__all__ = ["FaceSet", "load_faces", "list_datasets"]

#: Data sets of synthetic faces that :func:`load_faces` knows, with what each is for.
FACE_SETS = {
    "faces-train": "identities for fitting feature extractors only (300 identities x 5 captures)",
    "faces-eval": "disjoint identities for enrolment and probes (200 identities x 10 captures)",
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
