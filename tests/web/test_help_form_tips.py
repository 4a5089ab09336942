"""Every form field whose meaning is not obvious carries an ⓘ tip, and every tip leads somewhere real.

`FIELDS` is the audit of the forms (issue #21, acceptance 3): one row per field that must carry a tip, by
form and field name, with the page that shows it and the role that sees it. Each page is rendered as that
role; the tip must sit on the field's own label (or right after it), and its link must open a manual page
that holds the anchor it names. A new non-obvious field is caught by adding its row here; a tip that
loses its field, or a link whose glossary term is renamed, fails here rather than in front of a user.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.services.accounts import add_user
from dangan.store.catalog import Record
from dangan.web.help import GLOSSARY, anchors, load_manual
from tests.web.conftest import DEPT_A, PASSWORD, WebEnv, csrf_of, login

ACCOUNTS = {"archivist": "archivist", "clerk": "clerk_a", "other_clerk": "clerk_b", "dept_head": "ft_head",
            "secadmin": "ft_sec", "sysadmin": "ft_admin"}  # fmt: skip
_TIP = r'\s*<span class="tip"><a class="tip-icon" href="([^"]+)"'
_HREF = re.compile(r'<a class="tip-icon" href="([^"]+)"')


@dataclass(frozen=True)
class Field:
    """`at` finds the field's label: `#id` (its <label for>), `name=x` (a checkbox label around the
    input), `th:text` (a column header), `label:text` (a label by its words) or `after:text` (the tip follows that text on the page)."""

    form: str
    field: str
    role: str
    path: str
    at: str


FIELDS = [
    Field("上传案卷", "retention", "clerk", "/upload", "#f-retention"),
    Field("上传案卷", "security_level", "clerk", "/upload", "#f-security_level"),
    Field("上传案卷", "open_to_public", "clerk", "/upload", "name=open_to_public"),
    Field("上传案卷", "档号规则", "clerk", "/upload", "after:生成档号"),
    Field("利用申请", "purpose", "clerk", "/requests", "#r-purpose"),
    Field("利用申请", "scope", "clerk", "/requests", "#r-scope"),
    Field("利用申请", "unmask", "clerk", "/requests", "name=unmask"),
    Field("利用审批", "scope", "dept_head", "/requests/review", "label:批准方式"),
    Field("利用审批", "unmask", "dept_head", "/requests/review", "name=unmask"),
    Field("共享目录规则", "security_level", "archivist", "/sharing", "#r-level"),
    Field("共享目录规则", "kind", "archivist", "/sharing", "#r-kind"),
    Field("到期鉴定", "decision", "archivist", "/lifecycle/due?on=2200-01-01", "th:鉴定意见"),
    Field("到期鉴定", "keep", "archivist", "/lifecycle/due?on=2200-01-01", "th:新期限"),
    Field("冻结", "reason", "archivist", "/lifecycle/holds", "#hold-reason"),
    Field("档案保管与鉴定：冻结", "reason", "archivist", "/lifecycle/records/{record}", "#hold-reason"),
    Field("档案详情：冻结", "reason", "archivist", "/records/{record}", "#hold-reason"),
    Field("档案详情：出证", "purpose", "archivist", "/records/{record}", 'after:仅供…使用”中）">'),
    Field("档案详情", "档号", "archivist", "/records/{record}", "after:{archival_code}</span>"),
    Field("档案详情", "保管期限", "archivist", "/records/{record}", "after:保管期限 {retention}</span>"),
    Field("移交批次", "移交检测", "archivist", "/handover/{batch}", "after:移交检测</button>\n    </form>"),
    Field("新增用户", "role", "secadmin", "/admin/users", "#u-role"),
    Field("新增用户", "clearance", "secadmin", "/admin/users", "#u-clearance"),
    Field("修改用户", "role", "secadmin", "/admin/users/clerk_a", "#e-role"),
    Field("修改用户", "clearance", "secadmin", "/admin/users/clerk_a", "#e-clearance"),
    Field("档案详情：出证", "format", "archivist", "/records/{record}", "after:</option></select>"),
    Field("订阅", "system", "sysadmin", "/admin/subscriptions", "#s-system"),
    Field("订阅", "url", "sysadmin", "/admin/subscriptions", "#s-url"),
    Field("接口密钥", "system", "sysadmin", "/admin/apikeys", "#k-system"),
]
# Not rendered here: the 监销人 field of an approved disposal batch and the 重新识别 options of a record
# with scans need far more setup than a page render; test_every_tip_in_the_templates_links_somewhere_real
# still checks their links.


def _tip_href(html: str, at: str) -> str | None:
    kind, _, key = at.partition(":")
    if at.startswith("#"):
        pattern = rf'<label[^>]*\bfor="{re.escape(at[1:])}"[^>]*>(?:(?!</label>).)*?(?:</label>)?{_TIP}'
    elif at.startswith("name="):
        name = re.escape(at[5:])
        pattern = rf'<label[^>]*>(?:(?!</label>).)*name="{name}"(?:(?!</label>).)*</label>{_TIP}'
    elif kind == "th":
        pattern = rf"<th[^>]*>{re.escape(key)}(?:(?!</th>).)*?{_TIP}"
    elif kind == "label":  # a label found by its words (its for= carries a row's id)
        pattern = rf"<label[^>]*>{re.escape(key)}</label>{_TIP}"
    else:
        pattern = re.escape(key) + _TIP
    m = re.search(pattern, html, re.S)
    return m.group(1) if m else None


@pytest.fixture(scope="module")
def scene(web_env: WebEnv) -> dict[str, str]:
    """Users of each role, a submitted handover batch and a pending request, so every form is shown."""
    archive = web_env.archive
    add_user(archive, "ft_head", PASSWORD, "dept_head", department=DEPT_A, clearance="秘密")
    add_user(archive, "ft_sec", PASSWORD, "secadmin", clearance="公开")
    add_user(archive, "ft_admin", PASSWORD, "sysadmin", clearance="公开")
    with archive.db.read() as s:
        record = s.scalar(select(Record).where(Record.id == web_env.a_ids[0]))
        assert record is not None
        facts = {"record": record.id, "archival_code": record.archival_code, "retention": record.retention}
    return facts


@dataclass(frozen=True)
class Rendered:
    facts: dict[str, str]  # what the paths and locators name: {record}, {batch}, {archival_code} …
    html: dict[tuple[str, str], str]  # (role, path) → page

    def page(self, field: Field) -> str:
        return self.html[(field.role, field.path.format(**self.facts))]


@pytest.fixture(scope="module")
def pages(scene: dict[str, str], web_env: WebEnv) -> Rendered:
    """Each listed page rendered once as its role (one login per role)."""
    clients = {role: TestClient(web_env.app, follow_redirects=False) for role in ACCOUNTS}
    for role, c in clients.items():
        assert login(c, ACCOUNTS[role]).status_code == 303, role
    clerk, other = clients["clerk"], clients["other_clerk"]
    made = clerk.post("/handover", data={"csrf_token": csrf_of(clerk.get("/handover").text)})
    batch = made.headers["location"].rsplit("/", 1)[-1]
    submitted = clerk.post(
        f"/handover/{batch}/submit", data={"csrf_token": csrf_of(clerk.get("/handover").text)}
    )
    assert "已移交" in submitted.text, submitted.text[:300]
    asked = other.post("/requests", data={"csrf_token": csrf_of(other.get("/requests").text), "purpose": "核实许可依据",
                                          "codes": scene["archival_code"], "scope": "download", "days": "5",
                                          "unmask": "1"})  # fmt: skip
    assert asked.status_code == 303, asked.text[:300]
    facts = {**scene, "batch": batch}
    html: dict[tuple[str, str], str] = {}
    for f in FIELDS:
        key = (f.role, f.path.format(**facts))
        if key not in html:
            response = clients[f.role].get(key[1])
            assert response.status_code == 200, (key, response.status_code)
            html[key] = response.text
    return Rendered(facts, html)


@pytest.mark.parametrize("field", [pytest.param(f, id=f"{f.form}-{f.field}") for f in FIELDS])
def test_non_obvious_field_carries_a_tip(field: Field, pages: Rendered) -> None:
    href = _tip_href(pages.page(field), field.at.format(**pages.facts))
    assert href, f"{field.form} · {field.field}: no ⓘ tip on its label ({field.at})"
    assert href.startswith("/help/"), href


def _resolves(client: TestClient, href: str) -> str | None:
    """None when the link opens a page holding its anchor, else what is wrong."""
    parts = urlsplit(href)
    response = client.get(parts.path, follow_redirects=True)
    if response.status_code != 200:
        return f"{href}: {response.status_code}"
    fragment = unquote(parts.fragment)
    if fragment and f'id="{fragment}"' not in response.text:
        return f"{href}: no #{fragment} on the page"
    return None


def test_every_rendered_tip_links_to_an_existing_page_and_anchor(
    pages: Rendered, as_user: Callable[[str], TestClient]
) -> None:
    client = as_user("archivist")
    hrefs = {h for html in pages.html.values() for h in _HREF.findall(html)}
    assert len(hrefs) >= 10
    problems = [p for p in (_resolves(client, h) for h in sorted(hrefs)) if p]
    assert not problems, problems


def test_every_tip_in_the_templates_links_somewhere_real(as_user: Callable[[str], TestClient]) -> None:
    """Also the tips of forms not rendered above: their literal links, read from the template source."""
    from pathlib import Path

    import dangan.web

    root = Path(dangan.web.__file__).parent / "templates"
    hrefs = set()
    for path in root.glob("*.html"):
        for call in re.findall(r"tip\((?:'[^']*'|[^,])*,\s*'([^']+)'\)", path.read_text(encoding="utf-8")):
            hrefs.add(call)
    assert any(h.startswith(f"/help/{GLOSSARY}#") for h in hrefs)
    client = as_user("archivist")
    problems = [p for p in (_resolves(client, h) for h in sorted(hrefs)) if p]
    assert not problems, problems


def test_glossary_has_one_anchor_per_term_and_is_found_and_linked(
    client: TestClient, as_user: Callable[[str], TestClient]
) -> None:
    terms = ["档号", "档号规则", "全宗", "保管期限", "密级", "四性检测", "真实性", "完整性", "可用性", "安全性",
             "移交", "出证", "利用申请", "利用目的", "共享类型", "到期鉴定", "销毁清册", "冻结", "练习模式",
             "元数据", "DA-T-46", "DA-T-70", "OFD", "电子签章", "API-Key", "签名密钥", "数据订阅源"]  # fmt: skip
    ids = anchors(load_manual().page(GLOSSARY).body)
    assert len(ids) == len(set(ids)) and set(terms) <= set(ids), set(terms) - set(ids)
    public = client.get("/help/glossary")  # no login needed: the portal's words need explaining too
    assert public.status_code == 200 and 'id="保管期限"' in public.text and "术语表" in public.text
    staff = as_user("clerk_a")
    assert 'href="/help/glossary"' in staff.get("/help").text  # the help index
    assert 'href="/help/glossary"' in staff.get("/records").text  # the navigation beside 帮助
    found = staff.get("/help/search", params={"q": "监销人"})
    assert "/help/clerk/glossary" in found.text


def test_heading_anchors_are_unique_and_readable() -> None:
    from dangan.web.help import to_html

    html = to_html("## 用途\n\n### DA/T 46\n\n### 用途\n")
    assert '<h2 id="用途">' in html and '<h3 id="DA-T-46">' in html and '<h3 id="用途-2">' in html
