"""Digitization: scans read (OCR, seals, tables), checked against DA/T 31 and repaired — a loose file
(`dangan ocr`, `dangan qc`), and the pipeline over stored records: background jobs on ingest of scans
and on demand, results kept per page, the OCR text in the record's search text."""

from dangan.services.digitization._classifier import classifier_status, suggest, train_classifier
from dangan.services.digitization._confirm import (
    confirm,
    confirmed_description,
    proposals_for,
    propose_record,
)
from dangan.services.digitization._files import ocr_file, qc_file
from dangan.services.digitization._jobs import DIGITIZE, RESUME, enqueue, install
from dangan.services.digitization._pages import describe_view, page_detail, page_tables, scan_summary
from dangan.services.digitization._pipeline import (
    FileOutcome,
    PageDone,
    RunSummary,
    open_files,
    read_one,
    run_file,
    run_open,
)
from dangan.services.digitization._plan import DigitizeSettings
from dangan.services.digitization._proposals import compute_proposals
from dangan.services.digitization._results import (
    STATUS_LABELS,
    batch_progress,
    batches,
    page_image,
    record_digitization,
    require_digitizer,
    verify_page_images,
)
from dangan.services.digitization._scan_pdf_delivery import scan_pdf
from dangan.services.digitization._scans import is_image, is_scan, may_be_scan
from dangan.services.digitization._start import Started, enqueue_scans, start

__all__ = [
    "DIGITIZE",
    "RESUME",
    "STATUS_LABELS",
    "DigitizeSettings",
    "FileOutcome",
    "PageDone",
    "RunSummary",
    "Started",
    "batch_progress",
    "batches",
    "classifier_status",
    "compute_proposals",
    "confirm",
    "confirmed_description",
    "describe_view",
    "enqueue",
    "enqueue_scans",
    "install",
    "is_image",
    "is_scan",
    "may_be_scan",
    "ocr_file",
    "open_files",
    "page_detail",
    "page_image",
    "page_tables",
    "proposals_for",
    "propose_record",
    "qc_file",
    "read_one",
    "record_digitization",
    "require_digitizer",
    "run_file",
    "run_open",
    "scan_pdf",
    "scan_summary",
    "start",
    "suggest",
    "train_classifier",
    "verify_page_images",
]
