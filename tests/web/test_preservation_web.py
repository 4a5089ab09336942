"""The record page shows each file's PRONOM format and its preservation copy; the copy downloads under
the original's rules (public: as stored; otherwise watermarked; unreadable: exactly like missing)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.core import load_settings
from dangan.services.accounts import add_user
from dangan.services.archive import open_archive
from dangan.services.intake import import_paths
from dangan.services.preservation import preserve
from dangan.store.catalog import PreservationCopy, RecordFile
from tests.factories import package_dir
from tests.web.conftest import PASSWORD, login

MISSING = "01AAAAAAAAAAAAAAAAAAAAAAAA"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from dangan.web import create_app

    root = tmp_path_factory.mktemp("pres-web")
    archive = open_archive(load_settings(root / "data"))
    pub = package_dir(root / "in", 41, security_level="公开", open_to_public=True)
    internal = package_dir(root / "in", 42, security_level="内部", open_to_public=False)
    report = import_paths(archive, [root / "in"])
    assert len(report.accepted) == 2
    ids = {o.source_id: o.record_id for o in report.accepted}

    def rid(pkg: Path) -> str:
        return str(ids[json.loads((pkg / "case.json").read_text(encoding="utf-8"))["source_id"]])

    assert preserve(archive).count("normalised") >= 4
    add_user(archive, "archivist", PASSWORD, "archivist", clearance="秘密")
    add_user(archive, "other", PASSWORD, "clerk", department="某某不相干的局")
    try:
        yield {"archive": archive, "app": create_app(archive), "pub": rid(pub), "internal": rid(internal)}
    finally:
        archive.close()


def _client(env: dict[str, Any], user: str) -> TestClient:
    c = TestClient(env["app"], follow_redirects=False)
    assert login(c, user).status_code == 303
    return c


def _copy_of(env: dict[str, Any], record_id: str) -> tuple[RecordFile, PreservationCopy | None]:
    with env["archive"].db.read() as s:
        files = s.scalars(select(RecordFile).order_by(RecordFile.id)).all()
        copies = {c.record_file_id: c for c in s.scalars(select(PreservationCopy)).all()}
        for f in files:
            if f.record.id == record_id:
                return f, copies.get(f.id)
    raise AssertionError(record_id)


def test_record_page_shows_pronom_format_and_copy_link(env: dict[str, Any]) -> None:
    c = _client(env, "archivist")
    f, copy = _copy_of(env, env["pub"])
    assert copy is not None and f.format_puid
    html = c.get(f"/records/{env['pub']}").text
    assert f.format_puid in html and (f.format_name or "") in html
    assert f"/records/{env['pub']}/files/{f.position}/preservation" in html
    assert "长期保存副本" in html


def test_public_copy_downloads_as_stored(env: dict[str, Any]) -> None:
    c = _client(env, "archivist")
    f, copy = _copy_of(env, env["pub"])
    assert copy is not None and copy.sha256
    got = c.get(f"/records/{env['pub']}/files/{f.position}/preservation")
    assert got.status_code == 200, got.text
    assert got.content == env["archive"].objects.read(copy.sha256, copy.encrypted)
    assert ".pdfa.pdf" in got.headers["content-disposition"]


def test_non_public_copy_is_watermarked(env: dict[str, Any]) -> None:
    c = _client(env, "archivist")
    f, copy = _copy_of(env, env["internal"])
    assert copy is not None and copy.sha256
    got = c.get(f"/records/{env['internal']}/files/{f.position}/preservation")
    assert got.status_code == 200 and got.content.startswith(b"%PDF")
    assert got.content != env["archive"].objects.read(copy.sha256, copy.encrypted)  # the mark was added
    assert got.headers.get("x-request-id")


def test_unreadable_record_copy_answers_like_a_missing_one(env: dict[str, Any]) -> None:
    c = _client(env, "other")
    forbidden = c.get(f"/records/{env['internal']}/files/0/preservation")
    absent = c.get(f"/records/{MISSING}/files/0/preservation")
    assert forbidden.status_code == 404
    assert (forbidden.status_code, forbidden.content) == (absent.status_code, absent.content)


def test_a_file_without_copy_is_not_found(env: dict[str, Any]) -> None:
    c = _client(env, "archivist")
    f, copy = _copy_of(env, env["pub"])
    assert copy is not None
    with env["archive"].db.write() as s:
        s.delete(s.get(PreservationCopy, copy.id))
    got = c.get(f"/records/{env['pub']}/files/{f.position}/preservation")
    assert got.status_code == 404 and "没有长期保存副本" in got.text
    assert "长期保存副本：" not in c.get(f"/records/{env['pub']}").text.split(f.path)[1].split("</tr>")[0]
