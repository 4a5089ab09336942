"""BagIt bags on their own (`dangan bag validate`): the limits of the archive's settings apply to ZIPs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from dangan.collect import BagReport, UnpackLimits, validate_bag
from dangan.core import Settings


def check_bag(
    path: Path, settings: Settings, *, fast: bool = False, on_progress: Callable[[int], None] | None = None
) -> BagReport:
    """Validate a bag folder or a ZIP of one against RFC 8493; nothing is stored or changed."""
    return validate_bag(path, fast=fast, limits=UnpackLimits.from_settings(settings), on_progress=on_progress)
