"""The cache of rendered preview pages never hands one viewer's pixels to another.

An archivist cleared to see personal data renders a page first (the clear page is cached); a clerk then
asks for the same page and must get the covered rendering — judged on the pixels where the two renderings
differ — also when the archivist's entry is planted under the clerk's key. Entries are sealed on disk.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient
from PIL import Image

from dangan.access import redaction_terms
from dangan.digitize import render_pdf_page, render_redacted_page
from dangan.services.accounts import get_principal
from dangan.services.records import FileContent, record_for
from dangan.services.utilisation import forget_pages
from dangan.services.utilisation._delivery import PREVIEW_WIDTH
from dangan.services.utilisation._page_cache import PageCache, page_cache, page_key
from tests.web.conftest import WebEnv

Client = Callable[[str], TestClient]


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=np.int16)


def _renderings(web_env: WebEnv, record_id: str) -> tuple[str, bool, np.ndarray, np.ndarray, str]:
    """(sha256, encrypted, clear page, covered page, the clerk's cache key) of the record's first PDF."""
    archive = web_env.archive
    clerk = get_principal(archive, "clerk_a")
    record = record_for(archive, get_principal(archive, "archivist"), record_id)
    f = next(f for f in record.files if f.media_type == "application/pdf")
    terms = redaction_terms(clerk, record)
    assert terms is not None and terms.values, "the clerk must be below the unmask right for this record"
    with FileContent(archive.objects, f.sha256, f.encrypted).path() as path:
        clear = _pixels(render_pdf_page(path, 0, PREVIEW_WIDTH))
        covered = _pixels(render_redacted_page(path, 0, PREVIEW_WIDTH, terms))
    return f.sha256, f.encrypted, clear, covered, page_key(f.sha256, 0, PREVIEW_WIDTH, terms)


def _looks_covered(delivered: bytes, clear: np.ndarray, covered: np.ndarray) -> bool:
    """Where the clear and covered renderings differ, the delivered page is far nearer the covered one
    (the watermark shifts pixels a little; a covered box against printed digits is a large difference)."""
    shown = _pixels(delivered)
    differs = np.abs(clear - covered) > 60
    assert differs.sum() > 200, "the two renderings must differ where personal data is printed"
    to_covered = np.abs(shown - covered)[differs].mean()
    to_clear = np.abs(shown - clear)[differs].mean()
    return bool(to_covered * 3 < to_clear)


def _position(web_env: WebEnv, record_id: str) -> int:
    record = record_for(web_env.archive, get_principal(web_env.archive, "archivist"), record_id)
    return next(f.position for f in record.files if f.media_type == "application/pdf")


def test_clerk_never_gets_the_archivists_cached_clear_page(web_env: WebEnv, as_user: Client) -> None:
    record_id = web_env.ids["a3"]
    sha, encrypted, clear, covered, clerk_key = _renderings(web_env, record_id)
    url = f"/records/{record_id}/files/{_position(web_env, record_id)}/pages/1.png"
    cache = page_cache(web_env.archive)
    clear_key = page_key(sha, 0, PREVIEW_WIDTH, None)

    first = as_user("archivist").get(url)
    assert first.status_code == 200
    assert cache.get(clear_key, encrypted) is not None  # the clear page is now cached
    assert not _looks_covered(first.content, clear, covered)  # (the archivist sees it in clear)

    seen = as_user("clerk_a").get(url)
    assert seen.status_code == 200
    assert _looks_covered(seen.content, clear, covered)
    assert cache.get(clerk_key, encrypted) is not None and clerk_key != clear_key

    again = as_user("clerk_a").get(url)  # from the clerk's own cached entry
    assert again.status_code == 200 and _looks_covered(again.content, clear, covered)


def test_an_entry_planted_under_another_key_is_not_served(web_env: WebEnv, as_user: Client) -> None:
    record_id = web_env.ids["a4"]
    sha, _encrypted, clear, covered, clerk_key = _renderings(web_env, record_id)
    url = f"/records/{record_id}/files/{_position(web_env, record_id)}/pages/1.png"
    assert as_user("archivist").get(url).status_code == 200
    cache = page_cache(web_env.archive)
    clear_path = cache._path(page_key(sha, 0, PREVIEW_WIDTH, None))
    planted = cache._path(clerk_key)
    planted.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(clear_path, planted)  # a mix-up on disk: the clear page under the clerk's name

    seen = as_user("clerk_a").get(url)
    assert seen.status_code == 200
    assert _looks_covered(seen.content, clear, covered)


def test_entries_on_disk_are_sealed(web_env: WebEnv, as_user: Client) -> None:
    record_id = web_env.ids["a5"]
    url = f"/records/{record_id}/files/{_position(web_env, record_id)}/pages/1.png"
    assert as_user("clerk_a").get(url).status_code == 200
    entries = list(page_cache(web_env.archive).root.glob("*/*/*.page"))
    assert entries
    assert all(b"\x89PNG" not in p.read_bytes()[:64] for p in entries)


def test_the_cache_stays_within_its_budget(tmp_path: Path) -> None:
    cache = PageCache(tmp_path / "pages", bytes(32), "k1", max_bytes=40_000)
    keys = [page_key("ab" * 32, n, PREVIEW_WIDTH, None) for n in range(30)]
    for n, key in enumerate(keys):
        cache.put(key, True, bytes([n]) * 4_000)
    total = sum(p.stat().st_size for p in (tmp_path / "pages").glob("*/*/*.page"))
    assert total <= 40_000
    assert cache.get(keys[-1], True) == bytes([29]) * 4_000  # the newest is kept


def test_without_a_key_encrypted_objects_are_not_cached(tmp_path: Path) -> None:
    cache = PageCache(tmp_path / "pages", None)
    encrypted, plain = (
        page_key("ab" * 32, 0, PREVIEW_WIDTH, None),
        page_key("cd" * 32, 0, PREVIEW_WIDTH, None),
    )
    cache.put(encrypted, True, b"pixels")
    assert cache.get(encrypted, True) is None
    assert not list((tmp_path / "pages").glob("*/*/*.page"))
    cache.put(plain, False, b"pixels")
    assert cache.get(plain, False) == b"pixels"


def test_forgetting_an_object_drops_all_its_renderings(web_env: WebEnv, as_user: Client) -> None:
    record_id = web_env.ids["a6"]
    sha, encrypted, _clear, _covered, clerk_key = _renderings(web_env, record_id)
    url = f"/records/{record_id}/files/{_position(web_env, record_id)}/pages/1.png"
    assert as_user("archivist").get(url).status_code == 200
    assert as_user("clerk_a").get(url).status_code == 200
    assert forget_pages(web_env.archive, sha) == 2
    cache = page_cache(web_env.archive)
    assert cache.get(clerk_key, encrypted) is None
    assert cache.get(page_key(sha, 0, PREVIEW_WIDTH, None), encrypted) is None
