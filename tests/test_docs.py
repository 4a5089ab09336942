"""A setting or command that the README does not mention is a feature nobody can find."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main

from dangan.cli import app
from dangan.core import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_documented(field: str) -> None:
    assert f"DANGAN_{field.upper()}" in README


def _commands() -> list[str]:
    group = typer.main.get_command(app)
    names: list[str] = []
    for name, cmd in group.commands.items():  # type: ignore[attr-defined]
        subs = getattr(cmd, "commands", None)
        names.extend(f"dangan {name} {sub}" for sub in subs) if subs else names.append(f"dangan {name}")
    return sorted(names)


@pytest.mark.parametrize("command", _commands())
def test_every_command_is_documented(command: str) -> None:
    assert command in README
