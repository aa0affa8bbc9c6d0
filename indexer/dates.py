"""Dates as speeches print them, and the year a page's publication date implies.

Forms read: `2018年5月4日`, `（2018年5月4日）`, `2019年2月`, `2022学年`, `二〇一九年二月三日` (with 〇, ○ or 零),
`2019.2.3`, `2019-02-03`, `2019/2/3`, and a month and day alone (`1月21日`), which takes its
year only from a publication date shortly after it. A range of dates (`2019年12月至2020年1月`)
is one mention that keeps its first date; a span of years alone (`2016—2020年`) gives no year.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

_NUMERALS = {"零": 0, "〇": 0, "○": 0, "Ｏ": 0, "O": 0, "o": 0, "一": 1, "二": 2, "两": 2, "三": 3,
             "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_DIGIT = "〇○零Ｏ一二三四五六七八九"
_YEAR = rf"(?:19|20)\d\d|[一二][{_CN_DIGIT}]{{3}}"
_MONTH = r"1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九]"
_DAY = r"3[01]|[12]\d|0?[1-9]|三十一?|二十[一二三四五六七八九]?|十[一二三四五六七八九]?|[一二三四五六七八九]"
_NOT_BEFORE = rf"(?<![\d{_CN_DIGIT}十])"
_WRITTEN_RE = re.compile(
    rf"{_NOT_BEFORE}(?P<y>{_YEAR})\s*学?年(?:\s*(?P<m>{_MONTH})\s*月(?:份)?(?:\s*(?P<d>{_DAY})\s*[日号])?)?")
_NUMERIC_RE = re.compile(
    r"(?<![\d.．/-])(?P<y>(?:19|20)\d\d)\s*(?P<sep>[.．/-])\s*(?P<m>1[0-2]|0?[1-9])"
    r"(?:\s*(?P=sep)\s*(?P<d>3[01]|[12]\d|0?[1-9]))?(?![\d.．/-]*\d)")
_MONTH_DAY_RE = re.compile(rf"(?<![\d{_CN_DIGIT}十年])(?P<m>{_MONTH})\s*月\s*(?P<d>{_DAY})\s*[日号]")
# 2016—2020年, 2016年—2020年, 2016-2020, 二〇一六至二〇二〇年: a span of years.
_YEAR_SPAN_RE = re.compile(
    rf"{_NOT_BEFORE}(?P<a>{_YEAR})\s*年?\s*(?:—{{1,2}}|[－\-–~～至到])\s*(?P<b>{_YEAR})(?!\d)\s*年?")
_JOINER_RE = re.compile(r"^\s*(?:—{1,2}|[－\-–~～至到])\s*$")
_MONTH_ONLY_RE = re.compile(rf"\s*(?:—{{1,2}}|[－\-–~～至到])\s*(?:{_MONTH})\s*月")


@dataclass(frozen=True)
class DateMention:
    """A date printed in a text: where, what it says, and the words."""

    start: int
    end: int
    year: int | None
    month: int | None
    day: int | None
    words: str
    span_years: tuple[int, int] | None = None  # a range of dates: its first and last year

    @property
    def iso(self) -> str | None:
        """The date as far as known: 2019-02-03, 2019-02 or 2019 (None without a year)."""
        if self.year is None:
            return None
        text = str(self.year)
        if self.month:
            text += f"-{self.month:02d}"
            if self.day:
                text += f"-{self.day:02d}"
        return text

    @property
    def spans_years(self) -> bool:
        return self.span_years is not None and self.span_years[0] != self.span_years[1]

    @property
    def precision(self) -> int:
        return (self.year is not None) + (self.month is not None) + (self.day is not None)


def number(text: str) -> int | None:
    """Read 70, 七十, 一百, 一百零一, 十五, 二〇一九 (digit by digit) as an integer."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _NUMERALS and ch not in "十百" for ch in text):
        return None
    if "十" not in text and "百" not in text:
        return int("".join(str(_NUMERALS[ch]) for ch in text))  # 二〇一九
    total, digit = 0, None
    for ch in text:
        if ch == "百":
            total += (digit if digit is not None else 1) * 100
            digit = None
        elif ch == "十":
            total += (digit if digit is not None else 1) * 10
            digit = None
        else:
            digit = _NUMERALS[ch]
    return total + (digit or 0)


def _valid(year: int | None, month: int | None, day: int | None) -> bool:
    if month is not None and not 1 <= month <= 12:
        return False
    if day is not None:
        try:
            datetime.date(year or 2000, month or 1, day)
        except ValueError:
            return False
    return True


def find_dates(text: str, standalone: bool = False) -> list[DateMention]:
    """Every date printed in text, in order; ranges joined into one mention.

    `standalone` says the text is a dateline by itself, where `2019.2` is a date too.
    """
    if not text or not any(ch in text for ch in "年月.．/-"):
        return []
    found: list[DateMention] = []
    for match in _YEAR_SPAN_RE.finditer(text):
        a, b = number(match.group("a")), number(match.group("b"))
        if a and b and a < b:
            found.append(DateMention(match.start(), match.end(), None, None, None, match.group(0), (a, b)))
    taken = [(m.start, m.end) for m in found]

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for regex in (_WRITTEN_RE, _NUMERIC_RE):
        for match in regex.finditer(text):
            if not free(match.start(), match.end()):
                continue
            if regex is _NUMERIC_RE and match.group("d") is None and (not standalone or match.group("sep") == "-"):
                continue  # 2019.2 is a number, 2016-2020 a range, unless a dateline says it alone
            year, month = number(match.group("y")), match.group("m") and number(match.group("m"))
            day = match.group("d") and number(match.group("d"))
            if not _valid(year, month or None, day or None):
                continue
            found.append(DateMention(match.start(), match.end(), year, month or None, day or None, match.group(0)))
            taken.append((match.start(), match.end()))
    for match in _MONTH_DAY_RE.finditer(text):
        month, day = number(match.group("m")), number(match.group("d"))
        if free(match.start(), match.end()) and _valid(None, month, day):
            found.append(DateMention(match.start(), match.end(), None, month, day, match.group(0)))
    found.sort(key=lambda m: m.start)
    return _join_ranges(text, found)


def _join_ranges(text: str, found: list[DateMention]) -> list[DateMention]:
    """Join `2019年12月至2020年1月` into one range; `2019年1月至3月` stays within 2019."""
    joined: list[DateMention] = []
    for mention in found:
        previous = joined[-1] if joined else None
        if previous and previous.year and _JOINER_RE.match(text[previous.end:mention.start]):
            last = mention.year or previous.year
            # A range keeps where it starts: a piece given over months takes its first date.
            joined[-1] = DateMention(previous.start, mention.end, previous.year, previous.month, previous.day,
                                     text[previous.start:mention.end], (previous.year, last))
            continue
        if mention.year and mention.month and _MONTH_ONLY_RE.match(text, mention.end):
            tail = _MONTH_ONLY_RE.match(text, mention.end)
            joined.append(DateMention(mention.start, tail.end(), mention.year, mention.month, mention.day,
                                      text[mention.start:tail.end()], (mention.year, mention.year)))
            continue
        joined.append(mention)
    return joined


def parse_iso(value: str | None) -> tuple[int, int | None, int | None] | None:
    """Read an ISO date or part of one (2024-01-22, 2024-01, 2024) as (year, month, day)."""
    match = re.match(r"^\s*((?:19|20)\d\d)(?:-(\d{1,2})(?:-(\d{1,2}))?)?", value or "")
    if not match:
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    return (year, month, day) if _valid(year, month, day) else None


# How long before its publication a page's undated speech may be: a repost of a speech given
# in the weeks before. Beyond half a year the month and day no longer tell the year.
MAX_PUBLICATION_LAG_DAYS = 183


def year_before_publication(month: int, day: int | None, published: str | None) -> int | None:
    """The year of a `1月21日` a page published on `published` speaks of, or None if unclear.

    The date is the latest one on or before the publication: a `12月28日` published on
    2 January is of the year before. A publication date without a month tells nothing.
    """
    parts = parse_iso(published)
    if not parts or parts[1] is None:
        return None
    year, pub_month, pub_day = parts
    if (month, day or 1) > (pub_month, pub_day or 31):
        year -= 1
    try:
        spoken = datetime.date(year, month, day or 1)
        issued = datetime.date(parts[0], pub_month, pub_day or 28)
    except ValueError:
        return None
    return year if 0 <= (issued - spoken).days <= MAX_PUBLICATION_LAG_DAYS else None
