"""Build the committed data sets under ``data/``, byte for byte reproducibly.

``np.savez`` stamps each zip entry with the current time, so two builds of the
same arrays differ. Here every entry is written with a fixed date and fixed
compression, in a fixed order, so the same code and numpy give the
same bytes, and ``data/MANIFEST`` can pin them with sha256 sums. Entries are
stored uncompressed: noisy 8-bit images deflate by only ~5 %, and leaving zlib
out means the bytes depend on numpy alone.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np

from .data import FaceSet, sha256_file
from .synth import generate_faces

__all__ = ["SPECS", "build_all", "build_face_set", "write_npz"]

#: Every committed set of faces: its generator arguments. Distinct seeds and
#: id ranges keep the identities of the two sets disjoint.
SPECS = {
    "faces-train": dict(n_identities=300, n_captures=5, group_b_fraction=0.5,
                        first_identity=0, random_state=20261127),
    "faces-eval": dict(n_identities=200, n_captures=10, group_b_fraction=0.5,
                       first_identity=1000, random_state=20261128,
                       clean_captures=3, mask_rate=0.15, glasses_rate=0.10),
}

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date zip can store


def build_face_set(name: str) -> FaceSet:
    """Generate the committed face set ``name`` from its entry in :data:`SPECS`."""
    if name not in SPECS:
        raise ValueError(f"unknown data set name={name!r}; valid names are {sorted(SPECS)}")
    return generate_faces(name=name, **SPECS[name])


def face_set_arrays(faces: FaceSet) -> dict[str, np.ndarray]:
    """Return the arrays stored for a face set, keyed as in the .npz file."""
    arrays = {"images": faces.images, "identity": faces.identity, "group": faces.group}
    arrays.update({f"capture_{key}": value for key, value in sorted(faces.capture.items())})
    return arrays


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> Path:
    """Write ``arrays`` as an .npz file whose bytes depend only on the arrays.

    Readable with ``np.load``. Entries are written uncompressed, in sorted
    order, with a fixed date; no array may hold Python objects.
    """
    path = Path(path)
    with zipfile.ZipFile(path, "w") as archive:
        for key in sorted(arrays):
            array = np.ascontiguousarray(arrays[key])
            if array.dtype.hasobject:
                raise ValueError(f"array {key!r} holds Python objects; store plain dtypes only")
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, array, allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            archive.writestr(info, buffer.getvalue())
    return path


def manifest_header() -> list[str]:
    """Return MANIFEST's comment lines, recording the versions that fix the bytes."""
    return [
        "# sha256 of each committed data set; rebuild with `make data` (biometrics-lab data)",
        f"# numpy {np.__version__}",
    ]


def build_all(out_dir) -> list[Path]:
    """Generate every committed data set into ``out_dir`` and write its MANIFEST.

    Parameters
    ----------
    out_dir : str or Path
        Folder to write into (created if missing); ``data/`` for the committed sets.

    Returns
    -------
    list of Path
        The files written: one ``<name>.npz`` per entry of :data:`SPECS`, then ``MANIFEST``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = [write_npz(out / f"{name}.npz", face_set_arrays(build_face_set(name)))
               for name in sorted(SPECS)]
    lines = manifest_header() + [f"{sha256_file(path)}  {path.name}" for path in written]
    manifest = out / "MANIFEST"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return written + [manifest]
