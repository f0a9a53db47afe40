"""Collect students' submissions from a folder, an LMS zip or one notebook.

Every input becomes :class:`Submission` records. Nothing here raises on bad
student input: a file that cannot be graded (empty, not JSON, a wrong name, an
unsafe path inside a zip) becomes a record with a flag that says why, so that
one bad file never stops a class's batch.

Layouts
-------
folder
    ``<root>/<student>/<lab>/<lab>.ipynb`` (nbgrader's ``submitted/`` layout);
    an optional ``timestamp.txt`` beside the notebook gives the submission time.
zip
    An LMS download. Canvas names files ``<login>[_LATE]_<user id>_<submission
    id>_<file name>`` (re-uploads get ``-1``, ``-2`` appended to the name);
    Moodle uses ``<Full Name>_<id>_assignsubmission_file_<file name>``, as a
    file or as a folder of that name. The entry's date is its timestamp; of
    two submissions of one student for one lab the later one is graded.
notebook
    One ``.ipynb`` file (a student's own repository in CI).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import shutil
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import Iterable

import nbformat

#: Largest notebook accepted (bytes); larger files are flagged, not read.
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024

#: Flags after which a submission is not executed (it scores 0).
BLOCKING = ("empty", "malformed-json", "malformed-notebook", "wrong-name", "unsafe-path",
            "non-utf8-name", "too-large", "unknown-lab", "corrupt-zip-entry")

_STUDENT_RE = re.compile(r"[\w][\w.@+-]*")
_CANVAS_RE = re.compile(r"^(?P<login>[^_/]+?)(?P<late>_LATE)?_(?P<uid>\d+)_(?P<sid>\d+)_(?P<file>[^/]+)$")
_MOODLE_RE = re.compile(r"^(?P<name>[^/]+?)_(?P<uid>\d+)_assignsubmission_file_/?(?P<file>[^/]*)$")


@dataclasses.dataclass(frozen=True)
class Submission:
    """One student's notebook for one lab, or why there is none.

    Attributes
    ----------
    student : str
        Student id (a folder name, an LMS login or ``<name>-<id>``).
    lab : str
        Lab id; ``"unknown"`` when the file name names no lab of the course.
    path : Path or None
        The notebook to grade (a copy, for zip input); ``None`` if there is none.
    timestamp : datetime or None
        Submission time (UTC), if known.
    flags : tuple of str
        ``"<code>: <reason>"`` strings; codes in :data:`BLOCKING` stop grading.
    origin : str
        Where the record came from (a path, or ``zip:<entry name>``).
    """

    student: str
    lab: str
    path: Path | None
    timestamp: dt.datetime | None = None
    flags: tuple[str, ...] = ()
    origin: str = ""

    @property
    def gradable(self) -> bool:
        """Whether the notebook can be executed (no blocking flag)."""
        return self.path is not None and not any(flag.split(":")[0] in BLOCKING for flag in self.flags)

    def with_flags(self, *flags: str) -> "Submission":
        """Return a copy with more flags."""
        return dataclasses.replace(self, flags=self.flags + tuple(flags))


def ingest(source: Path | str, labs: Iterable[str], staging: Path | str, *,
           lab: str | None = None, student: str | None = None) -> list[Submission]:
    """Read submissions from a folder, a zip file or a single notebook.

    Parameters
    ----------
    source : path
        A folder (``<student>/<lab>/<lab>.ipynb``), a ``.zip`` from an LMS, or
        one ``.ipynb``.
    labs : iterable of str
        The course's lab ids; a notebook named after none of them is flagged.
    staging : path
        Folder where zip entries are extracted (created if missing).
    lab : str, optional
        Only keep this lab; for a single notebook, the lab it answers.
    student : str, optional
        Student id for a single notebook (default: the notebook's folder name).

    Returns
    -------
    submissions : list of Submission
        Sorted by (student, lab); at most one per (student, lab).
    """
    source = Path(source)
    labs = tuple(labs)
    if lab is not None and lab not in labs:
        raise ValueError(f"lab={lab!r} is not a lab of this course; expected one of {labs}")
    if not source.exists():
        raise FileNotFoundError(f"source={str(source)!r} does not exist")
    if source.is_dir():
        records = _from_folder(source, labs)
    elif zipfile.is_zipfile(source):
        records = _from_zip(source, labs, Path(staging))
    elif source.suffix == ".ipynb":
        records = [_from_notebook(source, labs, lab, student)]
    else:
        raise ValueError(f"source={str(source)!r} is neither a folder, a zip file nor an .ipynb notebook")
    if lab is not None:
        records = [r for r in records if r.lab in (lab, "unknown")]
        records = [dataclasses.replace(r, lab=lab) if r.lab == "unknown" else r for r in records]
    return _latest(records)


def check_notebook(path: Path) -> list[str]:
    """Return flags for a notebook file that cannot be read (empty list if it can)."""
    size = path.stat().st_size
    if size == 0:
        return ["empty: the file is empty"]
    if size > MAX_NOTEBOOK_BYTES:
        return [f"too-large: {size} bytes (limit {MAX_NOTEBOOK_BYTES})"]
    raw = path.read_bytes()
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return [f"malformed-json: {type(error).__name__}: {str(error)[:120]}"]
    try:
        nb = nbformat.from_dict(data)
        if not isinstance(data, dict) or nb.get("nbformat") != 4:
            raise ValueError("not an nbformat 4 notebook")
        nbformat.validate(nb, relax_add_props=True)
    except Exception as error:  # nbformat raises several types; all mean "not a notebook"
        return [f"malformed-notebook: {type(error).__name__}: {str(error).splitlines()[0][:120]}"]
    return []


def _lab_of(filename: str, labs: tuple[str, ...]) -> str | None:
    """Lab id named by a file name: ``<lab>.ipynb`` or an LMS re-upload ``<lab>-1.ipynb``."""
    stem = filename[:-len(".ipynb")] if filename.endswith(".ipynb") else None
    if stem is None:
        return None
    if stem in labs:
        return stem
    match = re.fullmatch(r"(.+?)(?:-\d+| \(\d+\))", stem)
    if match and match.group(1) in labs:
        return match.group(1)
    return None


def _read_timestamp(folder: Path) -> dt.datetime | None:
    """nbgrader's ``timestamp.txt``, if present and readable."""
    path = folder / "timestamp.txt"
    if not path.is_file():
        return None
    try:
        from nbgrader.utils import parse_utc
        when = parse_utc(path.read_text(encoding="utf-8").strip())  # naive, in UTC
        return when.replace(tzinfo=dt.timezone.utc) if when.tzinfo is None else when
    except Exception:
        return None


def _valid_student(name: str) -> bool:
    return bool(_STUDENT_RE.fullmatch(name)) and ".." not in name


def _from_folder(root: Path, labs: tuple[str, ...]) -> list[Submission]:
    records = []
    for student_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        student = student_dir.name
        base_flags = () if _valid_student(student) else (f"unsafe-path: student folder {student!r}",)
        for lab_dir in sorted(p for p in student_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
            notebooks = sorted(lab_dir.glob("*.ipynb"))
            if lab_dir.name not in labs:
                records.append(Submission(student, "unknown", None, flags=base_flags + (
                    f"unknown-lab: folder {lab_dir.name!r} is not a lab of this course",), origin=str(lab_dir)))
                continue
            lab = lab_dir.name
            expected = lab_dir / f"{lab}.ipynb"
            if expected.is_file():
                flags = base_flags + tuple(check_notebook(expected))
                extra = [p.name for p in notebooks if p != expected]
                if extra:
                    flags += (f"extra-files: ignored {', '.join(extra)}",)
                records.append(Submission(student, lab, expected, _read_timestamp(lab_dir), flags, str(expected)))
            else:
                found = ", ".join(p.name for p in notebooks) or "no notebook"
                records.append(Submission(student, lab, None, _read_timestamp(lab_dir), base_flags + (
                    f"wrong-name: expected {lab}.ipynb, found {found}",), str(lab_dir)))
    return records


def _from_notebook(path: Path, labs: tuple[str, ...], lab: str | None, student: str | None) -> Submission:
    student = student or path.resolve().parent.name or "student"
    if not _valid_student(student):
        student = re.sub(r"[^\w.@+-]", "_", student).lstrip("._") or "student"
    named = _lab_of(path.name, labs)
    lab = lab or named
    if lab is None:
        return Submission(student, "unknown", None, flags=(
            f"wrong-name: {path.name!r} names no lab of this course ({', '.join(labs)})",), origin=str(path))
    return Submission(student, lab, path, None, tuple(check_notebook(path)), str(path))


def _entry_name(info: zipfile.ZipInfo) -> tuple[str | None, str | None]:
    """Return (name, problem) for a zip entry: the UTF-8 name, or why it is refused."""
    name = info.filename
    if not info.flag_bits & 0x800:
        # Without the UTF-8 flag, zipfile decoded the raw bytes as cp437.
        raw = name.encode("cp437")
        try:
            name = raw.decode("utf-8")
        except UnicodeDecodeError:
            return None, f"non-utf8-name: entry name {raw!r} is not UTF-8"
    if "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return None, f"unsafe-path: absolute or backslash path {name!r}"
    if any(part == ".." for part in PurePosixPath(name).parts):
        return None, f"unsafe-path: {name!r} leaves the extraction folder"
    return name, None


def _parse_lms(name: str) -> tuple[str, str, bool, int] | None:
    """Return (student, file name, late, submission id) from an LMS entry name."""
    match = _CANVAS_RE.match(PurePosixPath(name).name)
    if match:
        return match["login"], match["file"], bool(match["late"]), int(match["sid"])
    match = _MOODLE_RE.match(name)
    if match and match["file"]:
        slug = re.sub(r"[^\w]+", "-", match["name"].strip().lower()).strip("-")
        return f"{slug}-{match['uid']}", match["file"], False, int(match["uid"])
    parts = PurePosixPath(name).parts
    if len(parts) >= 2 and _valid_student(parts[-2]):
        # A plain zip of the folder layout: <student>/<lab>.ipynb or <student>/<lab>/<lab>.ipynb
        student = parts[-3] if len(parts) >= 3 and _valid_student(parts[-3]) else parts[-2]
        return student, parts[-1], False, 0
    return None


def _from_zip(path: Path, labs: tuple[str, ...], staging: Path) -> list[Submission]:
    records = []
    staging.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path) as archive:
        for index, info in enumerate(archive.infolist()):
            if info.is_dir() or PurePosixPath(info.filename).name.startswith((".", "__MACOSX")):
                continue
            origin = f"zip:{info.filename!r}"
            name, problem = _entry_name(info)
            if problem:
                records.append(Submission("unknown", "unknown", None, flags=(problem,), origin=origin))
                continue
            parsed = _parse_lms(name)
            if parsed is None or not _valid_student(parsed[0]):
                records.append(Submission("unknown", "unknown", None, flags=(
                    f"wrong-name: {name!r} does not follow the LMS naming (student_id_..._file)",), origin=origin))
                continue
            student, filename, late, submission_id = parsed
            timestamp = dt.datetime(*info.date_time, tzinfo=dt.timezone.utc)
            lab = _lab_of(filename, labs)
            flags: tuple[str, ...] = ("late-lms: the LMS marked this submission late",) if late else ()
            if lab is None:
                records.append(Submission(student, "unknown", None, timestamp, flags + (
                    f"wrong-name: {filename!r} names no lab of this course",), origin))
                continue
            if info.file_size > MAX_NOTEBOOK_BYTES:
                records.append(Submission(student, lab, None, timestamp, flags + (
                    f"too-large: {info.file_size} bytes (limit {MAX_NOTEBOOK_BYTES})",), origin))
                continue
            dest = staging / f"{index:05d}-{submission_id}" / student / lab / f"{lab}.ipynb"
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(info) as src, open(dest, "wb") as out:
                    # Never more than the limit, whatever the entry's header claims.
                    shutil.copyfileobj(_Capped(src, MAX_NOTEBOOK_BYTES + 1), out, 1 << 20)
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError) as error:
                dest.unlink(missing_ok=True)
                records.append(Submission(student, lab, None, timestamp, flags + (
                    f"corrupt-zip-entry: {type(error).__name__}: {str(error)[:100]}",), origin))
                continue
            records.append(Submission(student, lab, dest, timestamp, flags + tuple(check_notebook(dest)), origin))
    return records


class _Capped:
    """A file reader that stops after ``limit`` bytes (zip entries can lie about their size)."""

    def __init__(self, raw, limit: int):
        self.raw, self.left = raw, limit

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        size = self.left if size is None or size < 0 else min(size, self.left)
        data = self.raw.read(size)
        self.left -= len(data)
        return data


def _latest(records: list[Submission]) -> list[Submission]:
    """Keep one record per (student, lab): the latest by timestamp, and say what it superseded."""
    groups: dict[tuple[str, str], list[Submission]] = {}
    loose = []
    for record in records:
        if record.student == "unknown":
            loose.append(record)  # no student to attach it to: report as it is
        else:
            groups.setdefault((record.student, record.lab), []).append(record)
    kept = []
    minimum = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    for key in sorted(groups):
        group = sorted(groups[key], key=lambda r: (r.timestamp or minimum, r.origin))
        winner = group[-1]
        if len(group) > 1:
            others = ", ".join(f"{r.origin} ({r.timestamp.isoformat() if r.timestamp else 'no date'})"
                               for r in group[:-1])
            winner = winner.with_flags(f"resubmitted: graded the latest; ignored {others}")
        kept.append(winner)
    return kept + sorted(loose, key=lambda r: r.origin)
