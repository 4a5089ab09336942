"""`GET /api/v1/records/{id}/proof`: the record's inclusion proof, the same JSON as `dangan ledger proof`.

The record goes through `record_for` first: a user who may not read it gets the 404 of a missing record.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from dangan.services.archive import ledger_proof
from dangan.services.records import record_for

from ...deps import ApiUser, ArchiveDep
from ...schemas import ErrorResponse


class CheckpointOut(BaseModel):
    origin: str = Field(description="账本名称")
    tree_size: int = Field(description="检查点的树大小（条目数）")
    root: str = Field(description="树根哈希（十六进制）")
    issued_at: str = Field(description="签署时间（UTC）")
    algorithm: str = Field(description="签名算法：ed25519 或 sm2")
    key_id: str = Field(description="签名公钥编号")
    public_key: str = Field(description="签名公钥（十六进制）")
    signature: str = Field(description="对 note 的签名（十六进制）")
    note: str = Field(description="被签名的检查点文本（C2SP tlog-checkpoint 正文）")


class ProofOut(BaseModel):
    record_id: str
    leaf_index: int = Field(description="档案最新账本条目的序号（从 0 起）")
    tree_size: int
    leaf_hash: str = Field(description="SHA-256(0x00 ‖ 条目)（十六进制）")
    root: str
    proof: list[str] = Field(description="RFC 9162 包含证明路径，自下而上（十六进制）")
    checkpoint: CheckpointOut


router = APIRouter(prefix="/api/v1", tags=["防篡改"])
RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "未登录"},
    404: {"model": ErrorResponse, "description": "档案不存在或无权查看"},
}


@router.get("/records/{record_id}/proof", summary="档案的账本包含证明（RFC 9162）", responses=RESPONSES)
def record_proof(archive: ArchiveDep, user: ApiUser, record_id: str) -> ProofOut:
    record = record_for(archive, user, record_id)
    return ProofOut.model_validate(ledger_proof(archive, record.id))
