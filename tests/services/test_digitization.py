"""The digitization pipeline over stored records: a scanned 决定书 imported, queued by the ingest, read
page by page (a bad page marked with its reason, the others done), found by search through its words,
its enhanced pages kept as derivatives that verify, and its results shown under the access policy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PIL import Image
from sqlalchemy import select

from dangan.core import NotFound, PermissionDenied
from dangan.services.digitization import (
    batch_progress,
    page_image,
    record_digitization,
    run_open,
    start,
    verify_page_images,
)
from dangan.services.utilisation import search
from dangan.store.catalog import DigitizationBatch, DigitizationFile, DigitizationPage, Event, get_record
from tests.services.digitization_helpers import (
    DOC_NUMBER,
    ID_NUMBER,
    RARE_WORD,
    Scanned,
    decision_lines,
    scanned_archive,
    text_page,
)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scanned]:
    """One record whose scan has a readable page and a 1×1 'page'; the pipeline run once for all tests."""
    pages = [text_page(decision_lines()), Image.new("RGB", (1, 1), "white")]
    with scanned_archive(tmp_path_factory.mktemp("digitization"), 4101, pages) as scanned:
        yield scanned


def test_ingest_queues_the_scan_and_only_the_scan(scanned: Scanned) -> None:
    with scanned.archive.db.read() as s:
        batch = s.scalars(select(DigitizationBatch)).one()
        files = s.scalars(
            select(DigitizationFile).where(DigitizationFile.record_id == scanned.record_id)
        ).all()
    assert batch.origin == "ingest" and batch.records == 1 and batch.files == 1
    scans = [f for f in files if f.status != "skipped"]
    assert len(scans) == 1 and scans[0].batch_id == batch.id
    assert len(files) > 1, "the born-digital PDFs are judged once and left alone"


def test_each_page_is_stored_with_its_result_and_a_bad_page_with_its_reason(scanned: Scanned) -> None:
    with scanned.archive.db.read() as s:
        rows = s.scalars(select(DigitizationPage).order_by(DigitizationPage.page)).all()
    assert [(r.page, r.status) for r in rows] == [(1, "done"), (2, "failed")]
    good, bad = rows
    assert good.qc is not None and good.qc["page"] == 1 and good.qc["verdict"] in ("pass", "warn", "fail")
    assert good.ocr is not None and RARE_WORD in good.ocr["text"].replace(" ", "")
    assert DOC_NUMBER in good.ocr["text"]
    assert all(len(line["box"]) == 4 for line in good.ocr["lines"])
    assert good.image_sha256 and good.image_media_type == "image/png" and good.image_encrypted
    assert bad.error and any("\u4e00" <= ch <= "\u9fff" for ch in bad.error), "a reason in Chinese"
    assert bad.ocr is None and bad.image_sha256 is None
    progress = batch_progress(scanned.archive, scanned.user("arch1", "archivist"), 1)
    assert progress["finished"] and progress["files"]["done"] == 1
    assert progress["pages"] == {"known": 2, "done": 1, "failed": 1}


def test_search_finds_the_scanned_record_by_a_word_only_its_scan_holds(scanned: Scanned) -> None:
    arch = scanned.user("arch2", "archivist", clearance="机密")
    hits = search(scanned.archive, arch, RARE_WORD).hits
    assert {h.record_id for h in hits} == {scanned.record_id}


def test_the_enhanced_page_is_a_derivative_that_verifies_and_the_original_is_untouched(
    scanned: Scanned,
) -> None:
    checked = verify_page_images(scanned.archive, scanned.record_id)
    assert len(checked) == 1 and checked[0]["ok"] and all(checked[0]["copies"])
    with scanned.archive.db.read() as s:
        record = get_record(s, scanned.record_id)
        assert record is not None
        originals = [(f.sha256, f.encrypted) for f in record.files]
    assert checked[0]["sha256"] not in {sha for sha, _ in originals}
    assert all(scanned.archive.objects.verify(sha, enc) for sha, enc in originals)
    with scanned.archive.db.read() as s:
        events = s.scalars(select(Event).where(Event.kind == "digitize")).all()
    assert len(events) == 1 and events[0].detail["pages"] == 2 and events[0].detail["failed"] == 1


def test_a_clerk_of_another_department_is_told_not_found(scanned: Scanned) -> None:
    other = scanned.user("clerk_other", "clerk", department="某县自然资源和规划局")
    with pytest.raises(NotFound) as refused:
        record_digitization(scanned.archive, other, scanned.record_id)
    with pytest.raises(NotFound) as missing:
        record_digitization(scanned.archive, other, "01ZZZZZZZZZZZZZZZZZZZZZZZZ")
    assert refused.value.message == missing.value.message
    with pytest.raises(NotFound):
        page_image(scanned.archive, other, scanned.record_id, 3, 1)


def test_ocr_text_is_masked_for_who_must_see_personal_data_masked(scanned: Scanned) -> None:
    clerk = scanned.user("clerk_own", "clerk", department=scanned.department)
    arch = scanned.user("arch_secret", "archivist", clearance="秘密")
    shown = record_digitization(scanned.archive, clerk, scanned.record_id)
    clear = record_digitization(scanned.archive, arch, scanned.record_id)
    assert shown["masked"] and not clear["masked"]
    page = next(f for f in shown["files"] if f["status"] == "done")["page_results"][0]
    assert ID_NUMBER not in str(page["ocr"]), "no raw ID number anywhere in what the clerk sees"
    assert ID_NUMBER[:6] + "********" + ID_NUMBER[-4:] in page["ocr"]["text"]
    raw = next(f for f in clear["files"] if f["status"] == "done")["page_results"][0]
    assert ID_NUMBER in raw["ocr"]["text"]
    position = next(f for f in shown["files"] if f["status"] == "done")["position"]
    assert page_image(scanned.archive, clerk, scanned.record_id, position, 1) != page_image(
        scanned.archive, arch, scanned.record_id, position, 1
    ), "the line holding the ID number is blacked out in the clerk's image"


def test_only_an_archivist_starts_digitization(scanned: Scanned) -> None:
    clerk = scanned.user("clerk_run", "clerk", department=scanned.department)
    with pytest.raises(PermissionDenied):
        start(scanned.archive, clerk, [scanned.record_id])


def test_a_second_run_reads_nothing_again_and_redo_reads_with_other_settings(scanned: Scanned) -> None:
    from dangan.services.digitization import DigitizeSettings

    arch = scanned.user("arch_redo", "archivist")
    again = start(scanned.archive, arch, [scanned.record_id])
    assert again.queued == 0 and run_open(scanned.archive, again.record_ids).files == []
    redo = start(
        scanned.archive, arch, [scanned.record_id], redo=True, settings=DigitizeSettings(enhance=False)
    )
    assert redo.queued == 1
    summary = run_open(scanned.archive, redo.record_ids, batch_id=redo.batch_id)
    assert [(f.read, f.failed) for f in summary.files] == [(2, 1)]
    with scanned.archive.db.read() as s:
        rows = s.scalars(select(DigitizationPage).order_by(DigitizationPage.page)).all()
    assert [r.settings["enhance"] for r in rows] == [False, False] and len(rows) == 2
    assert rows[0].image_sha256 is None, "no enhancement, no derivative"
    assert {h.record_id for h in search(scanned.archive, arch, RARE_WORD).hits} == {scanned.record_id}
