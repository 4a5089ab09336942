"""Finding a CJK TrueType font on the system: watermarks and demo scans need one to draw Chinese."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
FONT_FILES = (
    "wqy-zenhei.ttc",
    "wqy-microhei.ttc",
    "NotoSansCJK-Regular.ttc",
    "NotoSerifCJK-Regular.ttc",
    "NotoSansCJKsc-Regular.otf",
    "NotoSansSC-Regular.otf",
    "SourceHanSansSC-Regular.otf",
    "DroidSansFallbackFull.ttf",
)


def find_cjk_font(dirs: Iterable[Path] | None = None) -> Path | None:
    """The first known CJK font file under `dirs` (default: the system font folders), or None."""
    return _search(FONT_DIRS if dirs is None else tuple(Path(d) for d in dirs))


@lru_cache(maxsize=8)
def _search(dirs: tuple[Path, ...]) -> Path | None:
    for name in FONT_FILES:
        for d in dirs:
            if d.is_dir():
                found = sorted(d.rglob(name))
                if found:
                    return found[0]
    return None


@lru_cache(maxsize=16)
def pil_cjk_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A Pillow font of `size` pixels that draws Chinese (Pillow's own font when the system has none)."""
    path = find_cjk_font()
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(str(path), size, index=0)
