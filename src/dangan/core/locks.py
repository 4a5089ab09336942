"""Process-wide locks around libraries that are not thread-safe.

PDFium is not: two threads in it at once corrupt its heap and kill the process (seen with concurrent
pushes and previews). Every use of pypdfium2, in any layer, holds `PDFIUM`.
"""

from __future__ import annotations

import threading

PDFIUM = threading.RLock()
