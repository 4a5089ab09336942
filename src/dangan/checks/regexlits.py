"""What a PRONOM signature's regex demands of the bytes, read from the regex itself.

`formats` tries a few hundred of fido's regexes per file; most fail, and a `bytes.find` or `startswith`
says so far sooner than the regex engine. These functions read the cheap necessary conditions: the
literal a BOF pattern must start with, and a literal every match must contain (and where). They are
computed once, when `data/pronom.json` is built, or on first use without it.
"""

from __future__ import annotations

import re
import re._constants as sre_c  # type: ignore[import-not-found]  # the parser behind `re`, no stubs
import re._parser as sre_parse  # type: ignore[import-not-found]

_META = set(b".^$*+?{}[]|()\\")
Hint = tuple[int, int, bytes]  # a literal every match contains, starting within [lo, hi)


def pattern_hint(kind: int, source: bytes, bufsize: int) -> Hint | None:
    """A cheap necessary condition for a pattern, tested with `bytes.find` before the regex runs.

    BOF patterns `\\A.{lo,hi}LITERAL…` need LITERAL to start between lo and hi; EOF and anywhere
    patterns need their longest top-level run of literal bytes somewhere. On 100 KB files this skips
    most of the ~400 regexes fido's signatures try per file (3-3 was half of the 四性检测's time).
    Read from the parsed regex, so only what the regex itself demands is assumed; None when unsure.
    """
    try:
        parsed = sre_parse.parse(source)
    except (re.error, TypeError, ValueError, OverflowError):
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    items = list(parsed)
    if kind == 0:
        if not items or items[0] != (sre_c.AT, sre_c.AT_BEGINNING_STRING):
            return None
        lo = hi = 0
        i = 1
        while i < len(items):
            op, av = items[i]
            if op is sre_c.ANY:
                lo, hi = lo + 1, hi + 1
            elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT) and list(av[2]) == [(sre_c.ANY, None)]:
                if av[1] is sre_c.MAXREPEAT:
                    return None
                lo, hi = lo + av[0], hi + av[1]
            else:
                break
            i += 1
        literal = bytearray()
        while i < len(items) and items[i][0] is sre_c.LITERAL:
            literal.append(items[i][1])
            i += 1
        if len(literal) < 2 or hi == 0:  # a literal at a fixed start: the regex itself is as quick
            return None
        return lo, hi + len(literal), bytes(literal)
    best, run = b"", bytearray()
    for op, av in [*items, (None, None)]:
        if op is sre_c.LITERAL:
            run.append(av)
            continue
        if len(run) > len(best):
            best = bytes(run)
        run = bytearray()
    return (0, bufsize + 1, best) if len(best) >= 4 else None


def _top_level_alternation(regex: bytes) -> bool:
    depth, i, in_class = 0, 0, False
    while i < len(regex):
        c = regex[i : i + 1]
        if c == b"\\":
            i += 2
            continue
        if in_class:
            in_class = c != b"]"
        elif c == b"[":
            in_class = True
        elif c == b"(":
            depth += 1
        elif c == b")":
            depth -= 1
        elif c == b"|" and depth == 0:
            return True
        i += 1
    return False


def literal_prefix(regex: bytes) -> bytes:
    """The bytes a BOF pattern `(?s)\\A...` must start with: a cheap test before the regex."""
    if not regex.startswith(b"(?s)\\A") or _top_level_alternation(regex):
        return b""
    out = bytearray()
    i = len(b"(?s)\\A")
    while i < len(regex):
        c = regex[i]
        if c == 0x5C:  # backslash
            nxt = regex[i + 1 : i + 2]
            if nxt == b"x" and re.fullmatch(rb"[0-9a-fA-F]{2}", regex[i + 2 : i + 4]):
                out.append(int(regex[i + 2 : i + 4], 16))
                i += 4
            elif nxt and nxt[0] in _META:
                out.append(nxt[0])
                i += 2
            else:
                break
        elif c in _META:
            break
        else:
            out.append(c)
            i += 1
    # A quantifier after the last literal makes that literal optional: drop it.
    if i < len(regex) and regex[i : i + 1] in (b"*", b"?", b"{") and out:
        out.pop()
    return bytes(out)
