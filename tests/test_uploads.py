"""Uploaded exports: the size limit, the name as a label only, the content's hash as the file."""

from __future__ import annotations

import hashlib

import pytest

from review import uploads


def test_kept_under_its_hash_whatever_its_name(tmp_path):
    data = b"TY  - JOUR\nTI  - A title\nER  - \n"
    path = uploads.keep_upload(tmp_path, "../../../etc/cron.d/evil.ris", data)
    assert path == tmp_path / "uploads" / (hashlib.sha256(data).hexdigest() + ".ris")
    assert path.read_bytes() == data
    assert uploads.keep_upload(tmp_path, "other name.exe", data).suffix == ".txt"  # not an export suffix
    assert sorted(p.name for p in (tmp_path / "uploads").iterdir()) == sorted(
        {path.name, hashlib.sha256(data).hexdigest() + ".txt"})


def test_a_workbook_is_kept_as_xlsx_by_its_content(tmp_path):
    assert uploads.keep_upload(tmp_path, "export.csv", b"PK\x03\x04rest").suffix == ".xlsx"


def test_size_limit_and_empty_file(tmp_path, monkeypatch):
    with pytest.raises(uploads.UploadError, match="big.ris: 2.0 MB is more than the upload limit of 1 MB"):
        uploads.keep_upload(tmp_path, "big.ris", b"x" * (2 * 1024 * 1024), max_mb=1)
    with pytest.raises(uploads.UploadError, match="empty"):
        uploads.keep_upload(tmp_path, "none.ris", b"")
    assert not (tmp_path / "uploads").exists() or not any((tmp_path / "uploads").iterdir())
    monkeypatch.setenv(uploads.ENV_MAX_UPLOAD_MB, "1")
    with pytest.raises(uploads.UploadError, match="limit of 1 MB"):
        uploads.keep_upload(tmp_path, "big.ris", b"x" * (2 * 1024 * 1024))
    monkeypatch.setenv(uploads.ENV_MAX_UPLOAD_MB, "junk")
    assert uploads.max_upload_mb() == 200


def test_display_name_has_no_folders_or_control_characters():
    assert uploads.display_name("C:\\Users\\x\\ovid\x00\x1b[31m.ris") == "ovid[31m.ris"
    assert uploads.display_name("") == "upload"
