"""Response models of `/api/v1`, so that the OpenAPI document says what each endpoint answers."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Literal

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field


class ErrorBody(BaseModel):
    code: str = Field(description="稳定的错误代码，如 not_found、unauthenticated、validation_failed")
    message: str = Field(description="给人看的中文说明")
    details: list[dict[str, Any]] | None = Field(default=None, description="逐项问题（如参数校验）")


class ErrorResponse(BaseModel):
    error: ErrorBody


class RecordSummary(BaseModel):
    record_id: str
    archival_code: str = Field(description="档号")
    title: str = Field(description="题名")
    source_system: str
    source_id: str
    department: str = Field(description="形成部门")
    matter: str = Field(description="审批事项")
    year: int
    decided_at: date = Field(description="办结日期")
    security_level: str = Field(description="密级")
    url: str = Field(description="档案详情接口地址")


class RecordList(BaseModel):
    total: int
    page: int
    per_page: int
    pages: int
    items: list[RecordSummary]


class FileInfo(BaseModel):
    position: int
    path: str
    role: str | None
    media_type: str
    size: int
    sha256: str
    download_url: str
    preview_url: str


class Applicant(BaseModel):
    name: str
    type: str | None = None
    uscc: str | None = Field(default=None, description="统一社会信用代码")
    legal_representative: str | None = None
    id_number: str | None = None
    phone: str | None = None
    address: str | None = None


class CodedValue(BaseModel):
    code: str
    name: str | None = None


class RecordDetail(BaseModel):
    record_id: str
    archival_code: str
    fonds_code: str
    title: str
    doc_number: str | None
    source_system: str
    source_id: str
    department: str
    matter: str
    matter_code: str | None
    applicant: Applicant
    district: CodedValue | None
    industry: CodedValue | None
    accepted_at: date
    decided_at: date
    year: int
    result: str
    retention: str
    security_level: str
    open_to_public: bool
    extra: dict[str, Any]
    created_at: datetime
    files: list[FileInfo]


class ParsedQuery(BaseModel):
    model_config = ConfigDict(extra="allow")

    keywords: list[str] = Field(description="检索词")
    time_from: date | str | None = None
    time_to: date | str | None = None
    district: str | list[str] | None = None
    department: str | list[str] | None = None
    matter: str | list[str] | None = None
    industry: str | list[str] | None = None
    result: str | None = None
    security_level: str | None = None
    enterprise: str | None = None
    person: str | None = None
    chips: list[dict[str, str]] = Field(default_factory=list, description="理解出的条件，每个可单独去掉")


class SearchHitModel(BaseModel):
    record_id: str
    source_system: str
    source_id: str
    archival_code: str
    title: str
    score: float
    matched: str | None = Field(
        default=None,
        description="检索词与之完全一致的编号（档号、办件编号、文号、统一社会信用代码），或“材料正文”：编号见于材料文字",
    )
    department: str = ""
    matter: str = ""
    decided_at: str = ""
    snippet: str | None = Field(default=None, description="材料正文中含检索词的一段（已按查看者权限遮蔽）")
    highlights: list[str] = Field(default_factory=list, description="题名与摘要中标出的词")
    shared: str | None = Field(
        default=None,
        description="其他部门的档案按共享目录共享给查看者的类型：无条件共享 / 有条件共享；本部门的为 null",
    )


class GraphNodeModel(BaseModel):
    id: str = Field(description="节点编号（企业为统一社会信用代码，人员与地址为不透明编号）")
    kind: str
    label: str


class GraphEnterpriseModel(GraphNodeModel):
    via: list[GraphNodeModel] = Field(description="关联经由的人员或地址")
    records: int = Field(description="当前用户可查看的该企业档案数")


class GraphAnswerModel(BaseModel):
    question: Literal["represented_by", "same_representative", "at_address"]
    subject: str = Field(description="问题中的人员、企业或地址")
    center: list[GraphNodeModel]
    enterprises: list[GraphEnterpriseModel] = Field(description="最多 200 家，按档案数排序")
    enterprise_count: int
    truncated: bool


class SearchResponse(BaseModel):
    parsed: ParsedQuery
    total: int
    hits: list[SearchHitModel]
    suggestions: list[str] = Field(default_factory=list, description="检索无结果时，相差一个字符的编号")
    facets: dict[str, list[dict[str, str | int]]] | None = Field(
        default=None, description="分面计数（facets=true 时）：部门、事项、年度、地区、行业、结果、密级"
    )
    graph: GraphAnswerModel | None = Field(
        default=None,
        description="知识图谱问题（如“张伟担任法定代表人的企业”）的回答：所涉企业；hits 为这些企业的全部可见档案",
    )


class Stats(BaseModel):
    records: int = Field(description="档案数")
    files: int = Field(description="文件数")
    bytes: int = Field(description="总容量（字节）")
    departments: int = Field(description="部门数")
    matters: int = Field(description="事项数")


class SimilarRecordModel(RecordSummary):
    score: float = Field(description="语义相似度（余弦，越大越相似）")


class SimilarRecords(BaseModel):
    record_id: str
    ready: bool = Field(description="该档案是否已生成语义向量；false 时后台索引尚未完成，items 为空")
    items: list[SimilarRecordModel] = Field(description="您可查看的相似档案，最相似的在前，不含该档案本身")


PUBLIC_API = frozenset({"/api/v1/certificates/{certificate_id}"})  # answered without login or key
UNSAFE = frozenset({"post", "put", "patch", "delete"})


def declare_common_errors(app: FastAPI) -> None:
    """Document on every `/api` operation the errors that app-wide machinery answers with.

    The NUL guard (422) and CSRF (403 on unsafe methods) apply to every route, every operation but
    the public ones needs a session or an API key (401) and passes the role policy (403), an id in the path may name nothing (404) and
    a body may not parse (400); a router need not remember to declare them. What an operation
    declares itself is kept, except FastAPI's default 422 model, which is not the body we send. Done
    on the generated document (FastAPI's documented way to customise it), so routers added later
    are covered without change here.
    """
    generate = app.openapi

    def error(description: str) -> dict[str, Any]:
        schema = {"$ref": "#/components/schemas/ErrorResponse"}
        return {"description": description, "content": {"application/json": {"schema": schema}}}

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = generate()
        for path, operations in document.get("paths", {}).items():
            for method, operation in operations.items():
                if not path.startswith("/api/") or not isinstance(operation, dict):
                    continue
                answers = operation.setdefault("responses", {})
                answers.setdefault("422", error("参数有误（含不允许的字符）"))
                if "HTTPValidationError" in json.dumps(answers["422"]):  # FastAPI's default: not our body
                    answers["422"] = error(answers["422"].get("description") or "参数有误")
                if "{" in path:
                    answers.setdefault("404", error("不存在，或您无权查看"))
                if "requestBody" in operation:
                    answers.setdefault("400", error("请求体无法解析"))
                if path not in PUBLIC_API:
                    answers.setdefault("401", error("未登录，或凭据无效、已过期"))
                if path not in PUBLIC_API or method in UNSAFE:  # the role policy; CSRF on unsafe methods
                    answers.setdefault("403", error("无权执行此操作，或页面已过期（CSRF 校验未通过）"))
        defined = document.get("components", {}).get("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):  # the first refers to the second
            if f"/{name}" not in json.dumps(document):
                defined.pop(name, None)
        return document

    app.openapi = openapi  # type: ignore[method-assign]
