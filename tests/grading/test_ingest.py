"""Does ingest turn every kind of input, good or broken, into records without crashing?"""

from __future__ import annotations

import datetime as dt
import json
import zipfile

import nbformat
import pytest

from biometrics_lab.grading.config import GradingConfig
from biometrics_lab.grading.ingest import ingest

LABS = ("lab1-templates", "lab2-thresholds")


def _nb_bytes(tag: str = "x") -> bytes:
    return nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"# {tag}")])).encode()


def _zip(path, entries):
    """entries: (name or ZipInfo, bytes)."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return path


def _by(records):
    return {(r.student, r.lab): r for r in records}


def test_folder_layout_with_broken_files_flags_each(tmp_path):
    """Do a good notebook, an empty file, malformed JSON, a wrong name and an unknown lab each get the right record?"""
    src = tmp_path / "subs"
    (src / "ann" / "lab1-templates").mkdir(parents=True)
    (src / "ann" / "lab1-templates" / "lab1-templates.ipynb").write_bytes(_nb_bytes())
    (src / "ann" / "lab1-templates" / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
    (src / "ben" / "lab1-templates").mkdir(parents=True)
    (src / "ben" / "lab1-templates" / "lab1-templates.ipynb").write_bytes(b"")
    (src / "cat" / "lab1-templates").mkdir(parents=True)
    (src / "cat" / "lab1-templates" / "lab1-templates.ipynb").write_bytes(b'{"cells": [')
    (src / "dan" / "lab1-templates").mkdir(parents=True)
    (src / "dan" / "lab1-templates" / "Untitled.ipynb").write_bytes(_nb_bytes())
    (src / "eve" / "lab9-unknown").mkdir(parents=True)
    records = _by(ingest(src, LABS, tmp_path / "staging"))
    assert records[("ann", "lab1-templates")].gradable
    assert records[("ann", "lab1-templates")].timestamp == dt.datetime(2026, 11, 20, 10, tzinfo=dt.timezone.utc)
    assert records[("ben", "lab1-templates")].flags[0].startswith("empty")
    assert records[("cat", "lab1-templates")].flags[0].startswith("malformed-json")
    assert records[("dan", "lab1-templates")].flags[0].startswith("wrong-name")
    assert "Untitled.ipynb" in records[("dan", "lab1-templates")].flags[0]
    assert records[("eve", "unknown")].flags[0].startswith("unknown-lab")
    assert not any(r.gradable for k, r in records.items() if k[0] != "ann")


def test_json_that_is_not_a_notebook_is_flagged(tmp_path):
    path = tmp_path / "s" / "lab1-templates" / "lab1-templates.ipynb"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"hello": "world"}))
    (record,) = ingest(tmp_path, LABS, tmp_path / "staging")
    assert record.flags[0].startswith("malformed-notebook") and not record.gradable


def test_canvas_zip_latest_submission_wins_and_late_mark_is_kept(tmp_path):
    """Of two Canvas submissions of one student, is the later one graded and the other named?"""
    old = zipfile.ZipInfo("doe_12345_111_lab2-thresholds.ipynb", date_time=(2026, 11, 1, 9, 0, 0))
    new = zipfile.ZipInfo("doe_LATE_12345_222_lab2-thresholds-1.ipynb", date_time=(2026, 11, 3, 9, 0, 0))
    other = zipfile.ZipInfo("roe_777_333_lab1-templates.ipynb", date_time=(2026, 11, 2, 9, 0, 0))
    archive = _zip(tmp_path / "canvas.zip", [(old, _nb_bytes("old")), (new, _nb_bytes("new")),
                                             (other, _nb_bytes("roe"))])
    records = _by(ingest(archive, LABS, tmp_path / "staging"))
    doe = records[("doe", "lab2-thresholds")]
    assert doe.gradable and b"new" in doe.path.read_bytes()
    assert doe.timestamp == dt.datetime(2026, 11, 3, 9, tzinfo=dt.timezone.utc)
    assert any(f.startswith("resubmitted") and "111" in f for f in doe.flags)
    assert any(f.startswith("late-lms") for f in doe.flags)
    assert records[("roe", "lab1-templates")].gradable


def test_moodle_zip_names_and_folders(tmp_path):
    archive = _zip(tmp_path / "moodle.zip", [
        ("Jane Doe_4242_assignsubmission_file_lab1-templates.ipynb", _nb_bytes()),
        ("Max Roe_4343_assignsubmission_file_/lab2-thresholds.ipynb", _nb_bytes()),
    ])
    records = _by(ingest(archive, LABS, tmp_path / "staging"))
    assert records[("jane-doe-4242", "lab1-templates")].gradable
    assert records[("max-roe-4343", "lab2-thresholds")].gradable


def test_zip_slip_and_non_utf8_names_are_refused_and_nothing_escapes(tmp_path):
    """Are `../` entries and names that are not UTF-8 flagged, with nothing written outside staging?"""
    archive = _zip(tmp_path / "evil.zip", [
        ("../../escaped_1_1_lab1-templates.ipynb", _nb_bytes()),
        ("subdir/../../x_1_1_lab1-templates.ipynb", _nb_bytes()),
        ("mXller_1_3_lab1-templates.ipynb", _nb_bytes()),
        ("ok_5_6_lab1-templates.ipynb", _nb_bytes()),
    ])
    # zipfile always writes UTF-8: put a Latin-1 byte into the stored name (same length, no UTF-8 flag).
    archive.write_bytes(archive.read_bytes().replace(b"mXller", b"m\xfcller"))
    staging = tmp_path / "deep" / "staging"
    records = ingest(archive, LABS, staging)
    flags = [f for r in records for f in r.flags]
    assert sum(f.startswith("unsafe-path") for f in flags) == 2
    assert sum(f.startswith("non-utf8-name") for f in flags) == 1
    assert [r.student for r in records if r.gradable] == ["ok"]
    written = [p for p in tmp_path.rglob("*.ipynb")]
    assert all(staging in p.parents for p in written), written


def test_corrupt_zip_entry_is_flagged_and_the_rest_extracted(tmp_path):
    archive = _zip(tmp_path / "c.zip", [("bad_1_1_lab1-templates.ipynb", _nb_bytes("bad")),
                                        ("good_2_2_lab1-templates.ipynb", _nb_bytes("good"))])
    data = archive.read_bytes()
    # Flip bytes of the first entry's data: its CRC no longer matches.
    start = data.index(b"# bad")
    archive.write_bytes(data[:start] + b"# BAD" + data[start + 5:])
    records = _by(ingest(archive, LABS, tmp_path / "staging"))
    assert records[("bad", "lab1-templates")].flags[0].startswith("corrupt-zip-entry")
    assert records[("good", "lab1-templates")].gradable


def test_wrong_name_in_zip_is_flagged(tmp_path):
    archive = _zip(tmp_path / "a.zip", [("doe_1_2_homework.ipynb", _nb_bytes()), ("README.txt", b"hi")])
    records = ingest(archive, LABS, tmp_path / "staging")
    assert all(not r.gradable for r in records)
    assert all(r.flags[0].startswith("wrong-name") for r in records)


def test_single_notebook_takes_lab_from_name_or_argument(tmp_path):
    path = tmp_path / "repo-of-ann" / "lab1-templates.ipynb"
    path.parent.mkdir()
    path.write_bytes(_nb_bytes())
    (record,) = ingest(path, LABS, tmp_path / "staging")
    assert (record.student, record.lab, record.gradable) == ("repo-of-ann", "lab1-templates", True)
    other = tmp_path / "repo-of-ann" / "my work.ipynb"
    other.write_bytes(_nb_bytes())
    (flagged,) = ingest(other, LABS, tmp_path / "staging")
    assert flagged.flags[0].startswith("wrong-name")
    (named,) = ingest(other, LABS, tmp_path / "staging", lab="lab2-thresholds", student="ann")
    assert (named.student, named.lab, named.gradable) == ("ann", "lab2-thresholds", True)


def test_bad_arguments_name_the_argument(tmp_path):
    with pytest.raises(ValueError, match="lab="):
        ingest(tmp_path, LABS, tmp_path / "s", lab="lab7")
    with pytest.raises(FileNotFoundError, match="source="):
        ingest(tmp_path / "absent", LABS, tmp_path / "s")


def test_late_penalty_per_started_day_is_capped():
    config = GradingConfig(due={"lab1-templates": "2026-11-20T12:00:00Z"}, late_penalty_per_day=0.25)
    due = dt.datetime(2026, 11, 20, 12, tzinfo=dt.timezone.utc)
    assert config.late_penalty("lab1-templates", due, 20) == (0.0, 0.0)
    assert config.late_penalty("lab1-templates", due + dt.timedelta(hours=1), 20)[1] == 5.0
    assert config.late_penalty("lab1-templates", due + dt.timedelta(days=1, hours=1), 20)[1] == 10.0
    assert config.late_penalty("lab1-templates", due + dt.timedelta(days=30), 20)[1] == 20.0
    assert config.late_penalty("lab2-thresholds", due + dt.timedelta(days=3), 20) == (0.0, 0.0)
    with pytest.raises(ValueError, match="late_penalty_per_day"):
        GradingConfig(late_penalty_per_day=2)


def test_progress_bar_draws_on_a_terminal_and_stays_silent_otherwise(capsys):
    from biometrics_lab.grading.runner import _Progress

    bar = _Progress(4, enabled=True)
    bar.step("alice/lab1-templates")
    bar.step("bob/lab1-templates")
    bar.close()
    err = capsys.readouterr().err
    assert "2/4" in err and "bob/lab1-templates" in err and err.endswith("\n")
    quiet = _Progress(4, enabled=False)
    quiet.step("x")
    quiet.close()
    assert capsys.readouterr().err == ""
