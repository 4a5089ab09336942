"""Ranking that learns from use: which results people open for a query, and which they pass over.

A search run from the web is logged with what it meant (the parsed query, so "2023年的食品经营许可" and
"食品经营许可 2023年" are one meaning) and the first page shown; opening a result logs a click. Who searched is
a keyed hash (the archive's secret), kept with the role only: the log answers "what do archivists open
for this", never "what did 王某 look at".

The click model is a cascade model (Craswell et al. 2008; the DBN of Chapelle & Zhang 2009 without the
satisfaction step): a person reads results top-down until the last one they open, so every result above
it was seen and passed over. A result's attractiveness is (clicks + 1) / (seen + 2); it moves a result
up or down only inside the first 50 of a ranking the policy already filtered, so learning can reorder
what a user may see but never adds to it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.access import Principal
from dangan.core import NotFound
from dangan.services.archive import Archive
from dangan.store.catalog import Record, SearchClick, SearchLog

LEARN_DEPTH = 50  # how deep learning may reorder
WEIGHT = 0.6  # how far attractiveness (0..1, prior 0.5) moves a normalised score (0..1)
_MEMORY = 500  # the most recent logs of a meaning that count


def meaning_of(parsed: dict[str, Any]) -> str:
    """The canonical form of a parsed query: filters and keywords, order-free."""
    doc = {k: v for k, v in parsed.items() if k not in ("chips", "keywords") and v}
    doc["keywords"] = sorted(parsed.get("keywords") or [])
    return json.dumps(doc, ensure_ascii=False, sort_keys=True)[:400]


def user_key(archive: Archive, user: Principal) -> str:
    secret = archive.settings.secret_key.get_secret_value().encode()
    return hmac.new(secret, f"search:{user.username}".encode(), hashlib.sha256).hexdigest()[:32]


def log_search(archive: Archive, user: Principal, parsed: dict[str, Any], shown: list[int]) -> int:
    """Log a page of results a person was shown; returns the id their result links carry."""
    with archive.db.write() as s:
        row = SearchLog(meaning=meaning_of(parsed), role=user.role.code, user_key=user_key(archive, user),
                        shown=list(shown))  # fmt: skip
        s.add(row)
        s.flush()
        return int(row.id)


def log_click(archive: Archive, user: Principal, log_id: int, record_id: str) -> None:
    """A result opened from a logged search. Only the person who searched can add to their log, and only
    for a result that page showed; anything else is ignored as "not found" (no error to probe with)."""
    with archive.db.write() as s:
        log = s.get(SearchLog, log_id)
        seq = s.scalar(select(Record.seq).where(Record.id == record_id))
        if log is None or seq is None or log.user_key != user_key(archive, user) or seq not in log.shown:
            raise NotFound("没有这次检索记录", code="search_log_not_found")
        s.add(SearchClick(log_id=log_id, record_seq=seq, position=log.shown.index(seq) + 1))


def attractiveness(s: Session, parsed: dict[str, Any], role: str) -> dict[int, float]:
    """Cascade-model attractiveness per record seq for this meaning and role (empty when never logged)."""
    logs = s.execute(
        select(SearchLog.id, SearchLog.shown).where(SearchLog.meaning == meaning_of(parsed), SearchLog.role == role)
        .order_by(SearchLog.id.desc()).limit(_MEMORY)
    ).all()  # fmt: skip
    if not logs:
        return {}
    clicks: dict[int, set[int]] = defaultdict(set)
    for log_id, seq in s.execute(
        select(SearchClick.log_id, SearchClick.record_seq).where(SearchClick.log_id.in_([i for i, _ in logs]))
    ):
        clicks[log_id].add(seq)
    seen: dict[int, int] = defaultdict(int)
    chosen: dict[int, int] = defaultdict(int)
    for log_id, shown in logs:
        opened = clicks.get(log_id)
        if not opened:
            continue  # a page nobody opened says nothing about which results were read
        last = max(shown.index(seq) for seq in opened if seq in shown)
        for seq in shown[: last + 1]:
            seen[seq] += 1
            chosen[seq] += seq in opened
    return {seq: (chosen[seq] + 1) / (seen[seq] + 2) for seq in seen}


def rerank(
    scored: list[tuple[Any, float]], weights: dict[int, float], seq_of: Any
) -> list[tuple[Any, float]]:
    """`scored` (best first) reordered by normalised score + WEIGHT × (attractiveness − ½)."""
    if not weights or not scored:
        return scored
    top = max((score for _, score in scored), default=1.0) or 1.0
    count = len(scored)

    def value(item: tuple[int, tuple[Any, float]]) -> float:
        position, (row, score) = item
        base = score / top if top > 0 else 1 - position / count  # date-ordered or flat scores: by position
        return base + WEIGHT * (weights.get(seq_of(row), 0.5) - 0.5)

    ordered = sorted(enumerate(scored), key=lambda item: (-value(item), item[0]))
    return [pair for _, pair in ordered]
