"""The guided first tour per role, as data: `tours.json` maps a role to its steps.

Steps name the page they are shown on and a `[data-tour="…"]` selector rather than a layout position,
so a template keeps the tour working by keeping its attribute; the browser test walks every step on the
real pages, which makes a removed attribute a failing test instead of a silently broken tour.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ._pages import ROLES

TOURS_FILE = Path(__file__).parent / "tours.json"
MIN_STEPS, MAX_STEPS = 4, 7
_SELECTOR = re.compile(r'^\[data-tour="[a-z][a-z0-9-]{1,40}"\]$')
_FIELDS = ("page", "selector", "title", "text")


@dataclass(frozen=True)
class TourStep:
    page: str  # the path the step is shown on, e.g. "/quarantine"
    selector: str  # always `[data-tour="name"]`
    title: str
    text: str

    def as_json(self) -> dict[str, str]:
        return asdict(self)


def _step(role: str, n: int, raw: Any) -> TourStep:
    if not isinstance(raw, dict) or set(raw) != set(_FIELDS):
        raise ValueError(f"tour {role} step {n}: needs exactly {_FIELDS}")
    if not all(isinstance(raw[f], str) and raw[f].strip() for f in _FIELDS):
        raise ValueError(f"tour {role} step {n}: every field must be a non-empty string")
    if not raw["page"].startswith("/") or "{" in raw["page"]:
        raise ValueError(f"tour {role} step {n}: page must be a fixed path")
    if not _SELECTOR.match(raw["selector"]):
        raise ValueError(f'tour {role} step {n}: selector must be [data-tour="name"]')
    return TourStep(**{f: raw[f].strip() for f in _FIELDS})


def parse_tours(data: Any) -> dict[str, tuple[TourStep, ...]]:
    """Validate the whole file at load: a malformed tour fails at start-up, not in a user's browser."""
    if not isinstance(data, dict):
        raise ValueError("tours.json must map roles to lists of steps")
    tours: dict[str, tuple[TourStep, ...]] = {}
    for role, steps in data.items():
        if role not in ROLES or role == "public":
            raise ValueError(f"tour for unknown or anonymous role {role!r}")
        if not isinstance(steps, list) or not MIN_STEPS <= len(steps) <= MAX_STEPS:
            raise ValueError(f"tour {role}: {MIN_STEPS}–{MAX_STEPS} steps expected")
        tours[role] = tuple(_step(role, n, s) for n, s in enumerate(steps, 1))
    return tours


@functools.cache
def load_tours() -> dict[str, tuple[TourStep, ...]]:
    return parse_tours(json.loads(TOURS_FILE.read_text(encoding="utf-8")))


def tour_for(role: str) -> tuple[TourStep, ...]:
    """The role's steps; a role without a tour (the public) gets none."""
    return load_tours().get(role, ())
