"""Hypothesis against the OFD reader and the SES (GM/T 0031) parser: whatever the bytes, the answer is a
document or the reader's own error with a Chinese message (`OfdError`; `Damaged`/`NotSes` for seals),
never another exception. Inputs are the shipped samples mutated member by member (bytes flipped, cut,
replaced, members dropped or added) and plain arbitrary bytes; derandomized, a few dozen examples each.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangan.checks import OfdError, read_ofd
from dangan.checks.ses import Damaged, NotSes, parse_ses
from tests.conftest import VECTORS

OFD_DIR = VECTORS / "docs" / "ofd"
SAMPLES = sorted(OFD_DIR.glob("*.ofd"))
SIGNED = [OFD_DIR / "ofdrw-sign__v4signed.ofd", OFD_DIR / "ofdrw-reader__SESV4SignDoc.ofd"]
SIGNED_VALUE = "Doc_0/Signs/Sign_0/SignedValue.dat"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
FUZZ = settings(max_examples=40, derandomize=True, database=None, deadline=None,
                suppress_health_check=list(HealthCheck))  # fmt: skip


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist() if not i.is_dir()}


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """`data` flipped, cut, grown, spliced or replaced: the shapes a damaged or hostile file takes."""
    kind = draw(st.sampled_from(["flip", "cut", "grow", "splice", "replace", "xml"]))
    if kind == "flip" and data:
        at = draw(st.integers(0, len(data) - 1))
        return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
    if kind == "cut":
        return data[: draw(st.integers(0, max(0, len(data) - 1)))]
    if kind == "grow":
        return data + draw(st.binary(min_size=1, max_size=200))
    if kind == "splice" and data:
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.binary(max_size=64)) + data[at + draw(st.integers(0, 64)) :]
    if kind == "xml":
        return draw(st.sampled_from([
            b"", b"<", b"<?xml version='1.0'?><ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'/>",
            b"<!DOCTYPE x [<!ENTITY a 'aaaa'><!ENTITY b '&a;&a;&a;&a;'>]><x>&b;</x>",
            b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>",
            b"<OFD><DocBody><DocRoot>../../../etc/passwd</DocRoot></DocBody></OFD>",
            b"<OFD><DocBody><DocRoot>/Doc_0/Document.xml</DocRoot></DocBody></OFD>",
        ]))  # fmt: skip
    return draw(st.binary(max_size=300))


@st.composite
def ofd_files(draw: st.DrawFn) -> bytes:
    members = _members(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(sorted(members)))
        action = draw(st.sampled_from(["mutate", "mutate", "drop", "add"]))
        if action == "drop":
            members.pop(name, None)
        elif action == "add":
            members[draw(st.sampled_from(["../evil.xml", "Doc_0/Pages/Page_9/Content.xml", "/abs.xml"]))] = (
                b"<x/>"
            )
        elif name in members:
            members[name] = draw(mutated(members[name]))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def _read(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.ofd"
    path.write_bytes(data)
    try:
        doc = read_ofd(path)
    except OfdError as exc:
        assert CHINESE.search(str(exc)), f"not a clear message: {exc}"
        return
    assert doc.pages >= 1  # read_ofd refuses a document without pages


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for the module: hypothesis runs a test many times with one fixture value."""
    return tmp_path_factory.mktemp("fuzz-ofd")


def test_the_samples_are_there() -> None:
    assert len(SAMPLES) >= 5 and all(p.is_file() for p in SIGNED)


@FUZZ
@given(data=ofd_files())
def test_a_damaged_ofd_is_read_or_refused_with_ofd_error(scratch: Path, data: bytes) -> None:
    _read(scratch, data)


@FUZZ
@given(
    data=st.one_of(st.binary(max_size=2000), st.builds(lambda b: b"PK\x03\x04" + b, st.binary(max_size=500)))
)
def test_arbitrary_bytes_are_refused_with_ofd_error(scratch: Path, data: bytes) -> None:
    _read(scratch, data)


def _parse_seal(data: bytes) -> None:
    try:
        parse_ses(data)
    except (Damaged, NotSes) as exc:
        assert CHINESE.search(str(exc)), f"not a clear message: {exc}"


@FUZZ
@given(st.data())
def test_a_damaged_seal_is_parsed_or_refused(data: st.DataObject) -> None:
    signed = _members(data.draw(st.sampled_from(SIGNED)))[SIGNED_VALUE]
    _parse_seal(data.draw(mutated(signed)))


@FUZZ
@given(st.binary(max_size=600))
def test_arbitrary_bytes_are_not_a_seal(data: bytes) -> None:
    _parse_seal(data)
