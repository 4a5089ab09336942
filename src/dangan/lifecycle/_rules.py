"""Appraisal, disposal and legal-hold rules as pure functions over plain facts.

The services gather the facts (a record's period, holds, batches, who shares its bytes) and ask here;
every refusal is a `Problem` with a stable code and a Chinese reason, so a whole proposal is judged at
once and the user sees every reason, not the first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from dangan.core import DanganError, Problem

from ._retention import Expiry, period_years


class BatchStatus:
    PENDING = "待审批"
    APPROVED = "已批准"
    REJECTED = "已驳回"
    EXECUTING = "执行中"
    EXECUTED = "已执行"
    OPEN = ("待审批", "已批准", "执行中")


class RecordState:
    """`record.lifecycle_status`: None while the record lives."""

    DISPOSING = "销毁中"  # marked: the shredding is under way (a restart finishes it)
    DESTROYED = "已销毁"
    GONE = ("销毁中", "已销毁")


DESTROY = "销毁"
KEEP = "保留"


class ContentDestroyed(DanganError):
    """The record's content was destroyed under an approved disposal; its metadata stays (HTTP 410)."""

    code = "content_destroyed"
    status = 410


def refuse_if_destroyed(state: str | None, archival_code: str) -> None:
    if state in RecordState.GONE:
        raise ContentDestroyed(
            f"档案 {archival_code} 的电子文件已按经批准的销毁清册销毁，内容不可再获取；其目录信息与销毁记录仍予保存。"
        )


@dataclass(frozen=True)
class Candidate:
    """What decides whether a record may be proposed for destruction."""

    record_id: str
    archival_code: str
    expiry: Expiry
    state: str | None = None
    on_hold: bool = False
    in_open_batch: bool = False
    shared_with: Sequence[str] = field(default_factory=tuple)  # 档号 of live records sharing its bytes


def destroy_problems(c: Candidate, on: date) -> list[Problem]:
    code = c.archival_code
    found: list[Problem] = []
    if c.state in RecordState.GONE:
        return [Problem("already_destroyed", f"档案 {code} 已经销毁，不能重复销毁", c.record_id)]
    if c.on_hold:
        found.append(Problem("on_hold", f"档案 {code} 处于冻结（法律保全）状态，不能鉴定销毁", c.record_id))
    if c.expiry.expires_on is None:
        found.append(Problem("permanent", f"档案 {code} 的保管期限为永久，不能销毁", c.record_id))
    elif not c.expiry.due(on):
        found.append(
            Problem(
                "not_due", f"档案 {code} 的保管期限至 {c.expiry.expires_on} 才届满，尚未到期", c.record_id
            )
        )
    if c.in_open_batch:
        found.append(Problem("in_batch", f"档案 {code} 已在另一个未结束的鉴定销毁批次中", c.record_id))
    if c.shared_with:
        others = "、".join(sorted(c.shared_with)[:5])
        found.append(
            Problem(
                "shared_content",
                f"档案 {code} 的文件与其他在存档案（{others}）共用同一存储对象，不能销毁",
                c.record_id,
            )
        )
    return found


def keep_problems(c: Candidate, new_retention: str, reason: str) -> list[Problem]:
    found: list[Problem] = []
    if c.state in RecordState.GONE:
        found.append(Problem("already_destroyed", f"档案 {c.archival_code} 已经销毁", c.record_id))
    if c.in_open_batch:
        found.append(
            Problem("in_batch", f"档案 {c.archival_code} 已在另一个未结束的鉴定销毁批次中", c.record_id)
        )
    try:
        period_years(new_retention)
    except ValueError:
        found.append(
            Problem("bad_retention", f"保留的新保管期限“{new_retention}”无效，可选 永久、30年、10年")
        )
    if not reason.strip():
        found.append(Problem("reason_required", f"保留档案 {c.archival_code} 须写明理由", c.record_id))
    return found


@dataclass(frozen=True)
class Approval:
    username: str
    role: str


def next_step(chain: Sequence[Sequence[str]], approvals: Sequence[Approval]) -> int | None:
    """Index of the step awaiting approval; None when the chain is complete."""
    return len(approvals) if len(approvals) < len(chain) else None


def approval_problem(
    chain: Sequence[Sequence[str]],
    approvals: Sequence[Approval],
    proposer: str,
    status: str,
    who: Approval,
) -> Problem | None:
    if status != BatchStatus.PENDING:
        return Problem("not_pending", f"该批次当前状态为“{status}”，不在待审批中")
    if who.username == proposer:
        return Problem("proposer_cannot_approve", "提出销毁的人不能审批自己的鉴定销毁批次")
    if any(a.username == who.username for a in approvals):
        return Problem("already_approved", "您已审批过该批次，同一人不能重复审批")
    step = next_step(chain, approvals)
    if step is None:
        return Problem("chain_complete", "该批次的审批已全部完成")
    if who.role not in chain[step]:
        return Problem(
            "role_not_in_chain", f"第 {step + 1} 步审批须由以下角色之一进行：{'、'.join(chain[step])}"
        )
    return None


def witness_problems(witnesses: Sequence[str]) -> list[Problem]:
    names = [w.strip() for w in witnesses if w.strip()]
    if len(names) < 2 or len(set(names)) < 2:
        return [Problem("witnesses_required", "销毁须由两名不同的监销人在场，请用 --witness 写明两人姓名")]
    return []


def hold_reason_problem(reason: str) -> Problem | None:
    return None if reason.strip() else Problem("reason_required", "冻结或解除冻结须写明理由")
