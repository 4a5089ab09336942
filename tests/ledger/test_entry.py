"""Canonical entry bytes: RFC 8785 key order and number form, versioned fields, strict reading."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangan.ledger import Entry, EntryError, canonical_json, format_time


def test_keys_are_sorted_by_utf16_code_units_as_in_rfc8785() -> None:
    # RFC 8785 §3.2.3: U+1F600 (a surrogate pair D83D DE00) sorts before U+FB33 in UTF-16 order,
    # after it in code-point order; a code-point sort would get this wrong.
    doc = {"\u20ac": 1, "\r": 2, "\ufb33": 3, "1": 4, "\U0001f600": 5, "\u0080": 6, "\u00f6": 7}
    text = canonical_json(doc).decode("utf-8")
    assert text == '{"\\r":2,"1":4,"\u0080":6,"\u00f6":7,"\u20ac":1,"\U0001f600":5,"\ufb33":3}'


def test_no_insignificant_whitespace_and_minimal_escapes() -> None:
    assert canonical_json({"b": [1, None, True, False], "a": 'x\n\u0001"\\/é'}) == (
        '{"a":"x\\n\\u0001\\"\\\\/é","b":[1,null,true,false]}'.encode()
    )


@pytest.mark.parametrize(
    ("bits", "text"),
    [  # IEEE-754 bit patterns and their ES6 forms (RFC 8785 Appendix B)
        ("0000000000000000", "0"),
        ("8000000000000000", "0"),
        ("0000000000000001", "5e-324"),
        ("7fefffffffffffff", "1.7976931348623157e+308"),
        ("4340000000000000", "9007199254740992"),
        ("444b1ae4d6e2ef50", "1e+21"),
        ("444b1ae4d6e2ef4f", "999999999999999900000"),
        ("3eb0c6f7a0b5ed8d", "0.000001"),
        ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ],
)
def test_numbers_take_the_es6_form(bits: str, text: str) -> None:
    (value,) = struct.unpack(">d", bytes.fromhex(bits))
    assert canonical_json(value).decode() == text


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), {1: "x"}, {"d": datetime.now(UTC)}, "\ud800"])
def test_what_cannot_be_canonical_is_refused(bad: object) -> None:
    with pytest.raises(EntryError):
        canonical_json(bad)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)  # fmt: skip


@given(json_values)
def test_an_entry_reads_back_to_the_same_bytes(detail: object) -> None:
    entry = Entry("ingest", "2026-01-02T03:04:05.000006Z", "张三", "R1", 7, {"x": detail})
    body = entry.body()
    assert Entry.parse(body).body() == body


def test_parse_refuses_non_canonical_or_unknown_versions() -> None:
    body = Entry("login", format_time(datetime(2026, 1, 2, tzinfo=UTC))).body()
    assert b'"v":1' in body and b'"at":"2026-01-02T00:00:00.000000Z"' in body
    with pytest.raises(EntryError):
        Entry.parse(body.replace(b",", b", ", 1))  # whitespace
    with pytest.raises(EntryError):
        Entry.parse(body.replace(b'"v":1', b'"v":2'))
    with pytest.raises(EntryError):
        Entry.parse(b"not json")


def test_times_are_utc_with_microseconds() -> None:
    east8 = timezone(timedelta(hours=8))
    assert format_time(datetime(2026, 1, 2, 8, 0, 0, 5, tzinfo=east8)) == "2026-01-02T00:00:00.000005Z"
    assert format_time(datetime(2026, 1, 2)) == "2026-01-02T00:00:00.000000Z"  # naive = UTC


def _exact(value: object) -> bytes:
    from dangan.ledger.entry import _write

    out: list[str] = []
    _write(value, out, "$")
    return "".join(out).encode("utf-8")


@given(json_values)
def test_the_fast_writer_gives_the_exact_writers_bytes(value: object) -> None:
    """`json.dumps` is used where it is provably canonical: it must never disagree with the exact writer."""
    from dangan.ledger.entry import _plain_json

    fast = _plain_json(value)
    try:
        exact = _exact(value)
    except EntryError:
        assert fast is None  # a lone surrogate: only the exact writer may answer (with the error)
        return
    assert fast is None or fast == exact
    assert canonical_json(value) == exact


def test_the_fast_writer_steps_aside_where_json_dumps_would_be_wrong() -> None:
    from dangan.ledger.entry import _plain_json

    assert _plain_json({"a": [1, "x", None, True], "b": {"c": ("t",)}}) is not None
    assert _plain_json({"x": 1.0}) is None  # floats need the ES6 form ("1", not "1.0")
    assert _plain_json({"\ufb33": 1, "\U0001f600": 2}) is None  # UTF-16 order differs from code points
    assert _plain_json({"k": "\ud800"}) is None  # a lone surrogate: the exact writer refuses it
    assert canonical_json({"x": 1.0}) == b'{"x":1}'


@given(json_values, st.one_of(st.none(), st.text(max_size=8)), st.one_of(st.none(), st.integers(0, 2**40)))
def test_a_spliced_detail_gives_the_same_bytes(
    detail: object, actor: str | None, event_id: int | None
) -> None:
    """record_event hands its canonical detail to the entry instead of canonicalising it twice."""
    if not isinstance(detail, dict):
        detail = {"value": detail}
    plain = Entry("ingest", "2024-01-02T03:04:05.000006Z", actor, "R1", event_id, detail)
    spliced = Entry(plain.kind, plain.at, actor, "R1", event_id, detail, detail_json=canonical_json(detail))
    assert spliced.body() == plain.body()
    assert Entry.parse(spliced.body()).body() == plain.body()
