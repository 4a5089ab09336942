"""The shared list macros in `_macros.html`: every list page (API keys, subscriptions, matters, requests,
handover and disposal batches) relies on them for its table, its empty state, its per-row POST form and
its status filter, so a slip here would break all of them at once."""

from __future__ import annotations

from dangan.web.render import make_templates

_PAGE = """{% from "_macros.html" import listing, row_form, status_chips %}
{% call(r) listing(rows, ['名称', ''], '还没有密钥', '请先创建。', 'table keys-table') %}
<tr><td>{{ r.name }}</td><td>{{ row_form('/admin/x/' ~ r.id ~ '/revoke', '吊销', csrf_token, {'id': r.id}) }}</td></tr>
{% endcall %}
{{ status_chips('/handover', statuses, status) }}"""


def _render(**context: object) -> str:
    env = make_templates().env
    return env.from_string(_PAGE).render(csrf_token="tok<1>", statuses=["待接收", "已接收"], **context)


def test_listing_writes_one_row_per_item_with_a_csrf_form_and_escapes_values() -> None:
    html = _render(rows=[{"id": "k1", "name": "<b>系统</b>"}, {"id": "k2", "name": "乙"}], status="已接收")
    assert '<table class="table keys-table">' in html
    assert "<thead><tr><th>名称</th><th></th></tr></thead>" in html
    assert html.count('<form method="post" action="/admin/x/k1/revoke" class="inline-form">') == 1
    assert html.count('name="csrf_token" value="tok&lt;1&gt;"') == 2
    assert '<input type="hidden" name="id" value="k2">' in html
    assert "&lt;b&gt;系统&lt;/b&gt;" in html and "<b>系统" not in html
    assert "还没有密钥" not in html
    assert '<span class="chip" aria-current="page"><strong>已接收</strong></span>' in html
    assert '<a class="chip" href="/handover?status=%E5%BE%85%E6%8E%A5%E6%94%B6">待接收</a>' in html
    assert '<a class="chip" href="/handover">全部</a>' in html


def test_an_empty_list_shows_the_empty_state_and_no_table() -> None:
    html = _render(rows=[], status=None)
    assert "<table" not in html and "<form" not in html
    assert '<p class="empty-title">还没有密钥</p>' in html and "请先创建。" in html
    assert '<span class="chip" aria-current="page"><strong>全部</strong></span>' in html
