"""Digitization: scans read (OCR, seals, tables), checked against DA/T 31 and repaired — for a loose file
today (`dangan ocr`, `dangan qc`); the pipeline over stored records comes next."""

from dangan.services.digitization._files import ocr_file, qc_file

__all__ = ["ocr_file", "qc_file"]
