"""The demo accounts: the 查阅用户 `reader` can actually use an approved 利用申请 for a 内部 record.

Grants are capped at the user's clearance, so a reader at 公开 could ask and be approved and still see
nothing — the demo would show a broken feature.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dangan.core import NotFound
from dangan.services.accounts import get_principal
from dangan.services.archive import Archive
from dangan.services.intake import ensure_demo_accounts, import_paths
from dangan.services.records import record_for
from dangan.services.utilisation import RequestForm, approve_request, create_request
from tests.factories import package_dir


def test_demo_reader_reads_an_internal_record_once_a_request_is_approved(
    archive: Archive, tmp_path: Path
) -> None:
    pkg = package_dir(tmp_path / "in", 71, security_level="内部", open_to_public=False)
    report = import_paths(archive, [pkg])
    assert len(report.accepted) == 1
    record_id = str(report.accepted[0].record_id)
    ensure_demo_accounts(archive)
    reader = get_principal(archive, "reader")
    assert reader.clearance.label == "内部"
    with pytest.raises(NotFound):  # a reader sees open records only, until a grant says otherwise
        record_for(archive, reader, record_id)
    code = record_for(archive, get_principal(archive, "archivist"), record_id).archival_code
    rid = create_request(archive, reader, RequestForm(purpose="核实企业许可情况", codes=(code,))).id
    approve_request(archive, get_principal(archive, "archivist"), rid)
    assert record_for(archive, get_principal(archive, "reader"), record_id).id == record_id
