"""Webhook deliveries: the background worker turns new changes into signed deliveries and sends them,
retrying with back-off (1 min, 5 min, 30 min, 2 h, 12 h) and logging every attempt; a run every minute.

Safe with several workers: a subscription's cursor moves only in the transaction that stores the
delivery made from it, and only from the value the worker read (else another worker was first and this
one drops its copy); a delivery is claimed by a conditional UPDATE before it is sent, the claim lapsing
after `CLAIM` should the worker die mid-send. A delivery is made once, frozen: the receiver gets the
records as the system could see them when they changed, and a retry sends the same signed bytes.
"""

from __future__ import annotations

import logging
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from sqlalchemy import or_, select, update

from dangan.core import DanganError, utcnow
from dangan.domain import SecurityLevel
from dangan.services.accounts import system_principal
from dangan.services.archive import Archive
from dangan.services.preservation import Jobs, add_tasks
from dangan.share import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, next_try, sign, webhook_body
from dangan.store.catalog import Subscription, WebhookAttempt, WebhookDelivery

from ._subscriptions import changes_for, signing_secret

log = logging.getLogger("dangan.webhooks")
BATCH = 100  # changes per delivery
PAGES_PER_RUN = 20  # deliveries made per subscription per run: a large backlog drains over several runs
SEND_PER_RUN = 50
CLAIM = timedelta(minutes=2)
TIMEOUT_SECONDS = 10.0
TASK = "webhook_deliver"
CHAIN_KEY = "dangan.webhooks.chain"
INTERVAL = 60  # seconds between runs


@dataclass
class RunReport:
    made: int = 0
    delivered: int = 0
    retried: int = 0
    failed: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "made": self.made,
            "delivered": self.delivered,
            "retried": self.retried,
            "failed": self.failed,
        }


def make_deliveries(archive: Archive, now: datetime | None = None) -> int:
    """New changes of every active subscription, as deliveries; returns how many were made."""
    now = now or utcnow()
    with archive.db.read() as s:
        subs = [(r.id, r.system, r.department, r.clearance) for r in
                s.scalars(select(Subscription).where(Subscription.active.is_(True)))]  # fmt: skip
    made = 0
    for sub_id, system, department, clearance in subs:
        reader = system_principal(archive, system, department, SecurityLevel.parse(clearance))
        for _ in range(PAGES_PER_RUN):
            with archive.db.read() as s:
                row = s.get(Subscription, sub_id)
                cursor = int(row.cursor) if row is not None and row.active else None
            if cursor is None:
                break
            page = changes_for(archive, reader, cursor=cursor, limit=BATCH)
            if page.next_cursor == cursor and not page.entries:
                break
            with archive.db.write() as s:
                row = s.get(Subscription, sub_id, with_for_update=True)
                if row is None or not row.active or int(row.cursor) != cursor:
                    break  # removed, or another worker took this page
                row.cursor = page.next_cursor
                if page.entries:
                    s.add(WebhookDelivery(
                        subscription_id=sub_id, created_at=now, first_leaf=page.entries[0].cursor,
                        last_leaf=page.entries[-1].cursor, entries=len(page.entries),
                        body=webhook_body(sub_id, system, page.entries).decode("utf-8"), status="pending",
                        attempts=0, next_try_at=now,
                    ))  # fmt: skip
                    made += 1
            if not page.more:
                break
    return made


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int | None, str | None]:
    """(HTTP status, error) of one POST; redirects are not followed (the URL is what was configured)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with opener.open(request, timeout=timeout) as response:
            return int(response.status), None
    except urllib.error.HTTPError as exc:
        return int(exc.code), f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"连接失败：{reason}"[:500]


def _claim(archive: Archive, delivery_id: int, now: datetime) -> bool:
    with archive.db.write() as s:
        d = WebhookDelivery
        done = s.execute(
            update(d).where(d.id == delivery_id, d.status == "pending",
                            or_(d.claimed_until.is_(None), d.claimed_until < now))
            .values(claimed_until=now + CLAIM)
        )  # fmt: skip
        return bool(getattr(done, "rowcount", 0) == 1)


def send_due(archive: Archive, now: datetime | None = None, *, timeout: float = TIMEOUT_SECONDS) -> RunReport:
    """Send every delivery whose time has come (at most `SEND_PER_RUN`), recording each attempt."""
    now = now or utcnow()
    report = RunReport()
    with archive.db.read() as s:
        due = s.execute(
            select(WebhookDelivery.id, WebhookDelivery.body, Subscription.url, Subscription.id, Subscription.secret)
            .join(Subscription, Subscription.id == WebhookDelivery.subscription_id)
            .where(WebhookDelivery.status == "pending", WebhookDelivery.next_try_at <= now,
                   Subscription.active.is_(True))
            .order_by(WebhookDelivery.next_try_at, WebhookDelivery.id).limit(SEND_PER_RUN)
        ).all()  # fmt: skip
    for delivery_id, body_text, url, sub_id, stored in due:
        try:
            secret = signing_secret(archive, sub_id, stored)
        except (InvalidTag, DanganError, ValueError):  # a retired master key discarded, a damaged row
            log.exception("webhook secret of subscription %s cannot be opened: delivery %s waits", sub_id,
                          delivery_id)  # fmt: skip
            continue
        if not _claim(archive, delivery_id, now):
            continue
        body = body_text.encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", SIGNATURE_HEADER: sign(secret, body),
                   DELIVERY_HEADER: str(delivery_id), EVENT_HEADER: "records.changed",
                   "User-Agent": "Dangan-Webhook/1"}  # fmt: skip
        started = time.perf_counter()
        status, error = _post(url, body, headers, timeout)
        millis = int((time.perf_counter() - started) * 1000)
        ok = status is not None and 200 <= status < 300
        with archive.db.write() as s:
            d = s.get(WebhookDelivery, delivery_id, with_for_update=True)
            if d is None:
                continue
            d.attempts += 1
            s.add(WebhookAttempt(delivery_id=d.id, attempt=d.attempts, at=now, status_code=status, error=error,
                                 millis=millis))  # fmt: skip
            d.last_status, d.last_error, d.claimed_until = status, error, None
            if ok:
                d.status, d.delivered_at, d.next_try_at = "delivered", now, None
                report.delivered += 1
            elif (later := next_try(d.attempts, now)) is not None:
                d.next_try_at = later
                report.retried += 1
            else:
                d.status, d.next_try_at = "failed", None
                report.failed += 1
                log.warning("webhook delivery %s failed after %s attempts", d.id, d.attempts)
    return report


def run_webhooks(
    archive: Archive, now: datetime | None = None, *, timeout: float = TIMEOUT_SECONDS
) -> RunReport:
    """One worker run: make deliveries of new changes, then send what is due."""
    made = make_deliveries(archive, now)
    report = send_due(archive, now, timeout=timeout)
    report.made = made
    return report


def _keep_chain(huey: Any, chain: str) -> bool:
    """One chain of runs per queue: a chain goes on while it holds the claim, or once the claim has
    lapsed (its worker died); every other chain (each worker thread starts one) ends here."""
    now = time.time()
    held = huey.get(CHAIN_KEY, peek=True)
    if held is not None:
        owner, _, until = str(held).partition("@")
        if owner != chain and float(until or 0) > now:
            return False
        huey.delete(CHAIN_KEY)
    return bool(huey.put_if_empty(CHAIN_KEY, f"{chain}@{now + 3 * INTERVAL}"))


def install(jobs: Jobs) -> None:
    """A run every `INTERVAL` seconds, as a task that schedules its successor (started by each worker;
    `_keep_chain` leaves one chain alive), rather than a periodic task: the periodic schedule stays
    exactly what the settings turn on."""

    def deliver(chain: str | None = None) -> dict[str, Any]:
        if chain is not None and not _keep_chain(jobs.huey, chain):
            return {"chain": "ended"}
        try:
            return run_webhooks(jobs.archive()).as_json()
        finally:
            if chain is not None:
                task.schedule(args=(chain,), delay=INTERVAL)

    jobs.tasks[TASK] = task = jobs.huey.task(name=TASK)(deliver)
    jobs.huey.on_startup(name=f"{TASK}_on_start")(lambda: task(secrets.token_hex(8)))


add_tasks(install)
