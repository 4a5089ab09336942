"""case.json is read strictly: what two readers could take differently, or this system could not store,
is refused with a Chinese reason under `invalid_case_json`; the files it lists must be regular files
whose names the filesystem can hold. Everything here went through `dangan import` as a crash or a
silent choice before."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from dangan.collect import PackageRejected, decode_case_bytes, decode_case_json, read_folder
from dangan.core import ValidationFailed
from tests.factories import package_dir


def _reason(text: str) -> str:
    with pytest.raises(ValidationFailed) as info:
        decode_case_json(text)
    assert [p.code for p in info.value.problems] == ["invalid_case_json"]
    return info.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"source_id": "A", "source_id": "B"}', "字段“source_id”出现了不止一次"),
        ('{"a": {"b": 1, "b": 2}}', "字段“b”出现了不止一次"),
        ('{"n": NaN}', "NaN"),
        ('{"n": -Infinity}', "-Infinity"),
        ('{"n": ' + "9" * 5000 + "}", "位数过多"),
        ('{"title": "\\ud800"}', "孤立的代理项"),
        ("[" * 100_000 + "]" * 100_000, "嵌套层数过深"),
        ("[1, 2]", "实际是数组"),
        ('"text"', "实际是字符串"),
        ("null", "实际是null"),
        ("", "第 1 行第 1 列，此处应为一个值"),
        ('{"a": 1,}', "第 1 行第 9 列，此处应为用英文双引号括起的字段名"),
        ('{"a": 1}\n{"b": 2}', "第 2 行第 1 列，JSON 对象之后还有多余内容"),
    ],
)
def test_refused_with_the_reason(text: str, expected: str) -> None:
    assert expected in _reason(text)


def test_what_json_allows_and_means_one_thing_is_read() -> None:
    doc = decode_case_json('\ufeff{"a": [1, 2.5, "档案", {"b": null}], "c": "\\u6863"}')
    assert doc == {"a": [1, 2.5, "档案", {"b": None}], "c": "档"}


def test_bytes_must_be_utf8_and_gbk_is_named() -> None:
    doc = {"title": "食品经营许可"}
    assert decode_case_bytes(b"\xef\xbb\xbf" + json.dumps(doc, ensure_ascii=False).encode()) == doc
    with pytest.raises(ValidationFailed, match="GBK/GB18030"):
        decode_case_bytes(json.dumps(doc, ensure_ascii=False).encode("gbk"))
    with pytest.raises(ValidationFailed, match="不是 UTF-8") as info:
        decode_case_bytes(b'{"a": "\xff\xfe\xfd\xfc"}')
    assert "GBK" not in info.value.message


def _rewrite(pkg: Path, text: str) -> None:
    (pkg / "case.json").write_text(text, encoding="utf-8")


def _problems(pkg: Path) -> list[tuple[str, str]]:
    with pytest.raises(PackageRejected) as info:
        read_folder(pkg)
    assert info.value.problems, "a rejection always says why"
    return [(p.code, p.message) for p in info.value.problems]


def test_a_package_with_an_ambiguous_case_json_is_rejected(tmp_path: Path) -> None:
    pkg = package_dir(tmp_path, 0)
    text = (pkg / "case.json").read_text(encoding="utf-8")
    _rewrite(pkg, text.rstrip().removesuffix("}") + ', "source_id": "OTHER"}')
    [(code, message)] = _problems(pkg)
    assert code == "invalid_case_json" and "source_id" in message


def test_a_top_level_array_is_rejected_with_a_reason(tmp_path: Path) -> None:
    pkg = package_dir(tmp_path, 0)
    _rewrite(pkg, "[]")
    assert _problems(pkg) == [("invalid_case_json", "case.json 的顶层应为 JSON 对象（{…}），实际是数组")]


def _list(pkg: Path, path: str) -> None:
    doc = json.loads((pkg / "case.json").read_text(encoding="utf-8"))
    doc["files"].append({"path": path, "role": "其他材料"})
    _rewrite(pkg, json.dumps(doc, ensure_ascii=False))


def test_a_name_longer_than_the_filesystem_allows_is_unsafe_not_a_crash(tmp_path: Path) -> None:
    pkg = package_dir(tmp_path, 0)
    _list(pkg, "长" * 90 + ".pdf")  # 274 bytes in UTF-8
    [(code, message)] = _problems(pkg)
    assert code == "unsafe_path" and "255 字节" in message


def test_listed_directories_and_pipes_are_not_regular_files(tmp_path: Path) -> None:
    """A FIFO would block a reader forever; it is refused without being opened."""
    pkg = package_dir(tmp_path, 0)
    (pkg / "子目录").mkdir()
    os.mkfifo(pkg / "管道.pdf")
    _list(pkg, "子目录")
    _list(pkg, "管道.pdf")
    problems = _problems(pkg)
    assert [code for code, _ in problems] == ["file_missing", "file_missing"]
    assert all("不是普通文件" in message for _, message in problems)


def test_dot_segments_and_doubled_slashes_name_the_same_file(tmp_path: Path) -> None:
    pkg = package_dir(tmp_path, 0)
    doc = json.loads((pkg / "case.json").read_text(encoding="utf-8"))
    first = doc["files"][0]["path"]
    doc["files"][0]["path"] = f"./{first}"
    _rewrite(pkg, json.dumps(doc, ensure_ascii=False))
    package = read_folder(pkg)
    assert package.files[0].path == first
    (pkg / "材料").mkdir()
    (pkg / "材料" / "附件.pdf").write_bytes((pkg / first).read_bytes())
    _list(pkg, "材料//./附件.pdf")
    assert read_folder(pkg).files[-1].path == "材料/附件.pdf"
