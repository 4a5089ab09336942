"""Catalogue fields proposed from a document's text, for the archivist to confirm or correct.

Nothing here decides: each value is a `Proposal` with a confidence and the span it came from (and, for
OCR text, the page box of its lines), so the record page can highlight the source beside the field.
Values are read after the labels approval forms print (申请人名称, 统一社会信用代码 …), and a value ends at
the next known label: text out of a PDF or a table row runs label, value, label, value with no separator.
Identifiers are checked by their check characters (GB 32100, GB 11643); one that fails is still proposed,
with a low confidence and the reason, never dropped or silently "fixed". Pure and fast: regular
expressions over the text, no model. Numerals are read by `digitize.numerals`, identifier repairs are
`dangan.domain`'s, so the OCR's line repairs and these proposals judge a value alike.
"""

from __future__ import annotations

from ._model import FIELD_LABELS, LineLike, MatterRef, Proposal, best
from ._propose import propose

__all__ = ["FIELD_LABELS", "LineLike", "MatterRef", "Proposal", "best", "propose"]
