"""The configuration reference, generated from the settings model so it cannot fall behind the code:
a setting added without a description fails the test that renders this table."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from dangan.core import Settings

MARKER = "<!-- settings-reference -->"


class UndocumentedSetting(ValueError):
    pass


def _default(value: Any) -> str:
    if isinstance(value, SecretStr):
        return "（开发用默认值，生产环境必须修改）"
    if value is None:
        return "—"
    if isinstance(value, dict | list | tuple) and not value:
        return "—"
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def settings_rows() -> list[tuple[str, str, str]]:
    """(environment variable, default, description) per setting; raises when one has no description."""
    rows = []
    missing = []
    for name, info in Settings.model_fields.items():
        if not (info.description or "").strip():
            missing.append(name)
            continue
        default = info.get_default(call_default_factory=True)
        rows.append((f"DANGAN_{name.upper()}", _default(default), info.description or ""))
    if missing:
        raise UndocumentedSetting(f"settings without a description: {', '.join(missing)}")
    return rows


def settings_reference() -> str:
    """The Markdown table the administrator's guide shows under its configuration reference."""
    lines = ["| 环境变量 | 默认值 | 说明 |", "|---|---|---|"]
    lines += [f"| `{env}` | {_cell(d)} | {_cell(desc)} |" for env, d, desc in settings_rows()]
    return "\n".join(lines) + "\n"


def admin_guide(source: str) -> str:
    """The guide with its marker replaced by the current table (docs/admin-guide.md is this output)."""
    return source.replace(MARKER, settings_reference().rstrip("\n"), 1)
