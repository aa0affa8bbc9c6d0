"""The two text functions: normalize() for text and queries alike, repair() for documents only."""

import re

# Han ideographs (with extensions and compatibility forms), CJK symbols and punctuation,
# full-width forms and the curly quotes and dashes Chinese text uses.
CJK_CLASS = (
    "\u2014-\u2026\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\uff00-\uffef\U00020000-\U0003134f"
)
HAN_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HAN_RE = re.compile(f"[{HAN_CLASS}]")

# Full-width ASCII letters and digits fold to ASCII; full-width punctuation stays, because
# Chinese punctuation is part of what researchers quote.
_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)}
_FOLD.update({cp: cp - 0xFEE0 for cp in range(0xFF21, 0xFF3B)})
_FOLD.update({cp: cp - 0xFEE0 for cp in range(0xFF41, 0xFF5B)})
# Invisible characters scraped pages carry: zero-width spaces and joiners, soft hyphens, BOMs.
_FOLD.update({cp: None for cp in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD)})

_SPACE_RE = re.compile(r"[^\S\n]+")  # any whitespace but a line break
_SPACE_NEAR_CJK_RE = re.compile(f"(?<=[{CJK_CLASS}]) | (?=[{CJK_CLASS}])")


def normalize(text: str) -> str:
    """Fold text or a query term the one way both are matched.

    Full-width letters and digits become ASCII, every run of spaces (ideographic, tab,
    no-break...) becomes one space, and a space next to a CJK character is removed: PDF
    extraction leaves `分析 会上的讲话`, `20XX 年`, `第 73 次`. Line breaks are kept, and
    leading and trailing spaces of each line are dropped.
    """
    text = text.translate(_FOLD)
    text = _SPACE_RE.sub(" ", text)
    text = _SPACE_NEAR_CJK_RE.sub("", text)
    return "\n".join(line.strip(" ") for line in text.split("\n"))


def count_han(text: str) -> int:
    """Count the Han characters in text (splitting and cleaning must conserve them)."""
    return len(HAN_RE.findall(text))
