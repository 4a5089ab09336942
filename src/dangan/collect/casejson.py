"""Reading a case.json strictly: one meaning per document, or a clear reason why not.

Python's `json` accepts things RFC 8259 does not promise to mean anything (NaN and Infinity, the same
name twice in one object, lone UTF-16 surrogates) and fails on others with an English traceback (a number
of more than 4,300 digits). An archive keeps the document as evidence, so a package whose case.json two
readers could take differently (which `source_id`, when it is given twice?) is refused with the reason,
in Chinese, under the one code `invalid_case_json`; so is one this system could not store or show.
"""

from __future__ import annotations

import json
from typing import Any

from dangan.core import Problem, ValidationFailed

CODE = "invalid_case_json"
_KINDS = {list: "数组", str: "字符串", int: "数字", float: "数字", bool: "布尔值", type(None): "null"}


# json's messages, as a clerk fixing the file by hand needs them (the position is given beside them)
_MESSAGES = {
    "Expecting value": "此处应为一个值",
    "Expecting property name enclosed in double quotes": "此处应为用英文双引号括起的字段名",
    "Expecting ',' delimiter": "此处缺少英文逗号",
    "Expecting ':' delimiter": "此处缺少英文冒号",
    "Unterminated string starting at": "字符串缺少结束的引号",
    "Extra data": "JSON 对象之后还有多余内容",
    "Invalid control character at": "字符串中含有未转义的控制字符（如换行）",
    "Invalid \\escape": "无效的转义序列",
    "Invalid \\uXXXX escape": "无效的 \\u 转义序列",
}


class _DuplicateName(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class _NonStandardNumber(ValueError):
    pass


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for name, value in pairs:
        if name in obj:
            raise _DuplicateName(name)
        obj[name] = value
    return obj


def _constant(name: str) -> Any:
    raise _NonStandardNumber(name)


def _refuse(reason: str, label: str) -> ValidationFailed:
    return ValidationFailed(reason, problems=[Problem(CODE, reason, label)])


def decode_case_json(text: str, label: str = "case.json") -> dict[str, Any]:
    """The document as a dict, or `ValidationFailed` (code `invalid_case_json`) saying what is wrong."""
    try:
        doc = json.loads(text.removeprefix("\ufeff"), object_pairs_hook=_object, parse_constant=_constant)
    except _DuplicateName as exc:
        raise _refuse(
            f"{label} 的同一对象中字段“{exc.name}”出现了不止一次，无法确定以哪个值为准", label
        ) from None
    except _NonStandardNumber as exc:
        raise _refuse(f"{label} 含有 {exc} ，这不是标准 JSON 的数值", label) from None
    except RecursionError:
        raise _refuse(f"{label} 的嵌套层数过深", label) from None
    except json.JSONDecodeError as exc:
        message = _MESSAGES.get(exc.msg, exc.msg)
        raise _refuse(
            f"{label} 不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{message}", label
        ) from None
    except ValueError:  # int() refuses numbers of more than 4,300 digits
        raise _refuse(f"{label} 含有位数过多、无法处理的数字", label) from None
    if not isinstance(doc, dict):
        kind = _KINDS.get(type(doc), type(doc).__name__)
        raise _refuse(f"{label} 的顶层应为 JSON 对象（{{…}}），实际是{kind}", label)
    try:
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise _refuse(
            f"{label} 含有无效的 Unicode 字符（孤立的代理项，如 \\ud800），无法保存", label
        ) from None
    return doc


def decode_case_bytes(data: bytes, label: str = "case.json") -> dict[str, Any]:
    """As `decode_case_json`, from bytes that must be UTF-8 (a BOM is allowed, as Windows writes one)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        reason = f"{label} 不是 UTF-8 编码（第 {exc.start} 个字节起无法解码）"
        try:
            data.decode("gb18030")
            reason += "，看起来是 GBK/GB18030 编码，请另存为 UTF-8 后重新提交"
        except UnicodeDecodeError:
            pass
        raise _refuse(reason, label) from None
    return decode_case_json(text, label)
