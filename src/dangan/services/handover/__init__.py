"""Departments' handover batches (移交): create, submit, check, accept or return, and their printed forms."""

from dangan.services.handover._batches import (
    BatchCheck,
    HandoverBatch,
    accept_batch,
    candidates,
    check_batch,
    create_batch,
    get_batch,
    list_batches,
    return_batch,
    submit_batch,
)
from dangan.services.handover._handover_pdf import handover_form_pdf, handover_receipt_pdf

__all__ = [
    "BatchCheck",
    "HandoverBatch",
    "accept_batch",
    "candidates",
    "check_batch",
    "create_batch",
    "get_batch",
    "handover_form_pdf",
    "handover_receipt_pdf",
    "list_batches",
    "return_batch",
    "submit_batch",
]
