"""`GET /api/v1/records/{id}/proof`: the CLI's JSON, and the same 404 for a record one may not read."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from dangan.ledger import verify_inclusion
from dangan.services.archive import ledger_proof
from tests.web.conftest import WebEnv

Client = Callable[[str], TestClient]


def test_proof_over_the_api_matches_the_service_and_verifies(web_env: WebEnv, as_user: Client) -> None:
    record_id = web_env.a_ids[0]
    response = as_user("clerk_a").get(f"/api/v1/records/{record_id}/proof")
    assert response.status_code == 200, response.text
    doc = response.json()
    assert doc == ledger_proof(web_env.archive, record_id)
    verify_inclusion(
        bytes.fromhex(doc["leaf_hash"]),
        doc["leaf_index"],
        doc["tree_size"],
        [bytes.fromhex(p) for p in doc["proof"]],
        bytes.fromhex(doc["checkpoint"]["root"]),
    )


def test_a_record_one_may_not_read_is_a_plain_404(
    web_env: WebEnv, as_user: Client, client: TestClient
) -> None:
    clerk_b = as_user("clerk_b")
    hidden = clerk_b.get(f"/api/v1/records/{web_env.a_ids[0]}/proof")
    missing = clerk_b.get("/api/v1/records/01NOSUCHRECORD000000000000/proof")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert client.get(f"/api/v1/records/{web_env.a_ids[0]}/proof").status_code == 401
