"""Re-checking a quarantined package: it goes through ingest again, from its quarantine copy.

Kept apart from `quarantine` because it needs the importer, which (through ingest and checks) needs
`quarantine`: this module sits on top of both.
"""

from __future__ import annotations

import shutil

from dangan.access import Principal
from dangan.core import Conflict, utcnow
from dangan.domain import QuarantineStatus
from dangan.services.archive import Archive
from dangan.services.quality import check_department_of_copy, quarantine_entry, quarantine_folder
from dangan.store.catalog import QuarantineEntry

from ._importer import import_one
from ._ingest import IngestOutcome


def recheck_quarantined(archive: Archive, user: Principal, qid: str) -> IngestOutcome:
    """Run the 归档 checks again on the held copy (after a file was replaced or case.json fixed).

    Passing, it is archived like any import and the entry is released; failing, the entry's reasons
    and report are refreshed. A copy already archived meanwhile (a duplicate) also releases it.
    """
    view = quarantine_entry(archive, user, qid)
    if view.entry.status != QuarantineStatus.HELD:
        raise Conflict("该案卷包已处理，不能再重新检测", code="quarantine_closed")
    folder = quarantine_folder(archive, view.entry)
    check_department_of_copy(user, folder)
    outcome = import_one(archive, folder, actor=user.username)
    if outcome.status in ("accepted", "duplicate"):
        with archive.db.write() as session:
            entry = session.get(QuarantineEntry, qid)
            if entry is not None and entry.status == QuarantineStatus.HELD:
                now = utcnow()
                entry.status, entry.record_id = QuarantineStatus.RELEASED, outcome.record_id
                entry.resolved_by, entry.resolved_at, entry.updated_at = user.username, now, now
        shutil.rmtree(folder, ignore_errors=True)
    elif not any(p.code == "quarantined" for p in outcome.problems):
        # Refused before the checks could run (e.g. case.json edited into invalid JSON): say why.
        with archive.db.write() as session:
            entry = session.get(QuarantineEntry, qid)
            if entry is not None:
                entry.reasons, entry.updated_at = [p.as_dict() for p in outcome.problems], utcnow()
    return outcome
