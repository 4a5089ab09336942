"""Subscriptions as data: change entries, the signed webhook body, the back-off schedule, and the JSON
and Atom feeds.

Pure on purpose: what a business system receives is decided by the services (the access policy picks
the records and masks them); here it is only written down, signed and timed, so the same entries read
alike in a webhook and in either feed, and the signature can be checked by anyone with the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET

SIGNATURE_HEADER = "X-Dangan-Signature"
DELIVERY_HEADER = "X-Dangan-Delivery"
EVENT_HEADER = "X-Dangan-Event"
# Waits after the 1st, 2nd, … failed try: 1 min, 5 min, 30 min, 2 h, 12 h; then the delivery has failed.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
           timedelta(hours=12))  # fmt: skip
MAX_ATTEMPTS = 1 + len(BACKOFF)
CREATED, UPDATED, DELETED = "created", "updated", "deleted"
CHANGE_LABELS = {CREATED: "新归档", UPDATED: "著录变更", DELETED: "已销毁"}
ATOM_NS = "http://www.w3.org/2005/Atom"
TOMBSTONE_NS = "http://purl.org/atompub/tombstones/1.0"


@dataclass(frozen=True)
class ChangeEntry:
    """One change to one record as a subscriber may see it: `record` holds the metadata it may read
    (masked already), empty for a deletion, which names only the record and its 档号."""

    cursor: int
    change: str
    at: datetime
    record_id: str
    archival_code: str
    record: Mapping[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"cursor": self.cursor, "change": self.change, "at": self.at.isoformat(),
                "record_id": self.record_id, "archival_code": self.archival_code,
                "record": dict(self.record) if self.change != DELETED else None}  # fmt: skip


def new_secret() -> str:
    """A signing secret for one subscription (256 random bits), shown once."""
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: HMAC-SHA-256 of the exact body bytes, hex."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    return bool(header) and hmac.compare_digest(sign(secret, body), str(header).strip())


def next_try(attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failed tries; None once the schedule is spent."""
    if attempts < 1 or attempts > len(BACKOFF):
        return None
    return now + BACKOFF[attempts - 1]


def webhook_body(subscription_id: str, system: str, entries: Sequence[ChangeEntry]) -> bytes:
    """The delivery's body, byte-exact as it is signed and stored (sorted keys, UTF-8, no spaces)."""
    doc = {
        "subscription": subscription_id,
        "system": system,
        "cursor": entries[-1].cursor if entries else None,
        "entries": [e.as_json() for e in entries],
    }
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def json_feed(
    entries: Sequence[ChangeEntry], *, title: str, feed_url: str, next_cursor: int, next_url: str | None
) -> dict[str, Any]:
    """A JSON Feed 1.1 document; each item carries the change under `_dangan` (the spec's extension key)."""
    items = []
    for e in entries:
        rec = e.record or {}
        items.append({
            "id": f"{e.record_id}#{e.cursor}",
            "title": f"{CHANGE_LABELS.get(e.change, e.change)}：{rec.get('title') or e.archival_code}",
            "date_modified": e.at.isoformat(),
            "url": rec.get("url"),
            "_dangan": e.as_json(),
        })  # fmt: skip
    doc: dict[str, Any] = {"version": "https://jsonfeed.org/version/1.1", "title": title, "feed_url": feed_url,
                           "items": items, "next_cursor": next_cursor}  # fmt: skip
    if next_url:
        doc["next_url"] = next_url
    return doc


def atom_feed(
    entries: Sequence[ChangeEntry],
    *,
    feed_id: str,
    title: str,
    updated: datetime,
    self_url: str,
    next_url: str | None,
) -> bytes:
    """An Atom feed (RFC 4287); a destroyed record is a tombstone (`at:deleted-entry`, RFC 6721)."""
    ET.register_namespace("", ATOM_NS)
    ET.register_namespace("at", TOMBSTONE_NS)

    def el(
        parent: ET.Element, tag: str, text: str | None = None, ns: str = ATOM_NS, **attrs: str
    ) -> ET.Element:
        node = ET.SubElement(parent, f"{{{ns}}}{tag}", attrs)
        if text is not None:
            node.text = text
        return node

    root = ET.Element(f"{{{ATOM_NS}}}feed")
    el(root, "id", feed_id)
    el(root, "title", title)
    el(root, "updated", updated.isoformat())
    el(root, "link", rel="self", href=self_url)
    if next_url:
        el(root, "link", rel="next", href=next_url)
    for e in entries:
        entry_id = f"urn:dangan:record:{e.record_id}"
        if e.change == DELETED:
            gone = el(root, "deleted-entry", ns=TOMBSTONE_NS, ref=entry_id, when=e.at.isoformat())
            el(gone, "comment", f"{CHANGE_LABELS[DELETED]}：{e.archival_code}", ns=TOMBSTONE_NS)
            continue
        rec = e.record
        entry = el(root, "entry")
        el(entry, "id", entry_id)
        el(entry, "title", str(rec.get("title") or e.archival_code))
        el(entry, "updated", e.at.isoformat())
        if rec.get("url"):
            el(entry, "link", href=str(rec["url"]))
        el(entry, "category", term=e.change, label=CHANGE_LABELS.get(e.change, e.change))
        summary = "；".join(f"{k}：{rec[k]}" for k in ("archival_code", "department", "matter", "result")
                           if rec.get(k))  # fmt: skip
        el(entry, "summary", summary)
        content = el(entry, "content", json.dumps(e.as_json(), ensure_ascii=False, sort_keys=True))
        content.set("type", "application/json")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")).encode(
        "utf-8"
    )
