"""One printable PDF per role: the role's pages in order, text and screenshots, in the built-in CID font
(STSong-Light, as the other reports: no font file needed on the server, every reader has it).

Printed manuals are what trainees take to their desks; the PDF is built from the same Markdown as the
web pages, so the two never disagree.
"""

from __future__ import annotations

import functools
import io
import re
from xml.sax.saxutils import escape

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ._pages import IMG_DIR, ROLES, HelpPage, load_manual

FONT = "STSong-Light"
MM = 72 / 25.4
_IMG = re.compile(r"^img/([A-Za-z0-9_-]+\.png)$")


@functools.cache
def _styles() -> dict[str, object]:
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    base = {"fontName": FONT, "wordWrap": "CJK"}
    return {
        "cover": ParagraphStyle("cover", fontSize=24, leading=32, alignment=1, spaceAfter=10 * MM, **base),
        "h1": ParagraphStyle("h1", fontSize=16, leading=22, spaceBefore=4 * MM, spaceAfter=3 * MM, **base),
        "h2": ParagraphStyle(
            "h2", fontSize=12.5, leading=18, spaceBefore=3 * MM, spaceAfter=1.5 * MM, **base
        ),
        "p": ParagraphStyle("p", fontSize=10, leading=15, spaceAfter=1.5 * MM, **base),
        "li": ParagraphStyle("li", fontSize=10, leading=15, leftIndent=6 * MM, bulletIndent=2 * MM, **base),
        "toc": ParagraphStyle("toc", fontSize=11, leading=18, **base),
    }


def _inline(token: Token) -> str:
    """Inline Markdown as reportlab mark-up: text escaped, bold and code kept, links as their text."""
    out = []
    for child in token.children or []:
        if child.type == "text":
            out.append(escape(child.content))
        elif child.type == "code_inline":
            out.append(f'<font color="#8a1c1c">{escape(child.content)}</font>')
        elif child.type in ("strong_open", "strong_close"):
            out.append("<b>" if child.type == "strong_open" else "</b>")
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" ")
    return "".join(out)


def _image(src: str, width: float) -> list[object]:
    from reportlab.platypus import Image

    match = _IMG.match(src)
    path = IMG_DIR / match.group(1) if match else None
    if path is None or not path.is_file():
        return []
    from PIL import Image as PILImage

    with PILImage.open(path) as im:
        w, h = im.size
    scale = min(width / w, 150 * MM / h)
    return [Image(str(path), width=w * scale, height=h * scale)]


def _page_story(page: HelpPage, width: float) -> list[object]:
    from reportlab.platypus import Paragraph

    s = _styles()
    story: list[object] = [Paragraph(escape(page.title), s["h1"])]
    if page.image is not None:
        story += _image(f"img/{page.image.name}", width)
    tokens = MarkdownIt("commonmark").enable("table").parse(page.body)
    bullet: list[str] = []  # the list markers open around the current item
    heading = ""
    for i, tok in enumerate(tokens):
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            bullet.append("•" if tok.type == "bullet_list_open" else "1")
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            bullet.pop()
        elif tok.type == "heading_open":
            heading = tok.tag
        elif tok.type == "inline":
            images = [c for c in tok.children or [] if c.type == "image"]
            for img in images:
                story += _image(str(img.attrs.get("src", "")), width)
            text = _inline(tok)
            if not text.strip():
                continue
            prev = tokens[i - 1].type if i else ""
            if heading and prev == "heading_open":
                story.append(Paragraph(text, s["h1" if heading == "h1" else "h2"]))
                heading = ""
            elif bullet:
                marker = bullet[-1]
                if marker != "•":
                    bullet[-1] = str(int(marker) + 1)
                story.append(Paragraph(text, s["li"], bulletText=marker if marker == "•" else f"{marker}."))
            else:
                story.append(Paragraph(text, s["p"]))
    return story


def manual_pdf(role: str) -> bytes:
    """The whole manual of `role` (a key of ROLES) as an A4 PDF."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    s = _styles()
    pages = load_manual().for_role(role)
    buf = io.BytesIO()
    title = f"档案管理系统用户手册 · {ROLES[role]}"
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * MM, rightMargin=18 * MM, topMargin=18 * MM,
                            bottomMargin=18 * MM, title=title, author="Dangan 档案")  # fmt: skip
    story: list[object] = [Paragraph(escape(title), s["cover"])]
    story += [Paragraph(f"{n}. {escape(p.title)}", s["toc"]) for n, p in enumerate(pages, 1)]
    for page in pages:
        story += [PageBreak(), *_page_story(page, doc.width)]
    doc.build(story)
    return buf.getvalue()
