"""The year a session of a people's congress met, read from its name: 第十四届全国人民代表大会第三次会议 → 2025.

A national session's year comes from the table of the National People's Congress's sessions
(data/sessions.tsv; the CPPCC's National Committee has met with it since 1978). A province's
congress numbers its terms its own way, but all have begun their five-year terms in the same
years since 1983 (1983, 1988, … 2023), so its session k met in one of those years plus k − 1:
of those, the one its text speaks of most (2025年 in a report given in 2025) is taken, and the
evidence says both. A session named under a speech's title or in its lead dates it; one named
in its body is often another (十三届全国人大一次会议以来) and is not read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from indexer.dates import number

SESSIONS_PATH = Path(__file__).resolve().parent / "data" / "sessions.tsv"
# The years the provinces' congresses began their terms in, since terms have run five years.
PROVINCIAL_TERMS_BEGAN = tuple(range(1983, 2029, 5))

_N = r"[一二三四五六七八九十\d]{1,3}"
# 第十四届全国人民代表大会第三次会议, 十三届全国人大一次会议, 全国政协十三届一次会议,
# 中国人民政治协商会议第十三届全国委员会第一次会议 (not the standing committee's many sessions).
_NATIONAL_RE = re.compile(
    rf"第?(?P<term>{_N})届全国(?:人民代表大会|人大)(?!常务委员会|常委会)第?(?P<session>{_N})次(?:全体)?会议"
    rf"|全国政协第?(?P<cterm>{_N})届第?(?P<csession>{_N})次会议"
    rf"|政治协商会议第?(?P<pterm>{_N})届全国委员会第?(?P<psession>{_N})次会议")
# 湖北省第十四届人民代表大会第四次会议, 省十四届人大四次会议.
_PROVINCIAL_RE = re.compile(
    rf"(?<!全国)(?<!全国人民)第?(?P<term>{_N})届(?:人民代表大会|人大)(?!常务委员会|常委会)第?(?P<session>{_N})次(?:全体)?会议")
_YEAR_MENTION_RE = re.compile(r"(?<!\d)((?:19|20)\d\d)年")


PREMIERS_PATH = Path(__file__).resolve().parent / "data" / "premiers.tsv"
# A report that opens by saying it is the government's work report, delivered for the State Council
# (我代表国务院，向大会作政府工作报告; 我受国务院的委托，向全国人民代表大会报告政府工作), not a plan's or a
# budget's report a vice-premier delivered (作关于…计划的报告).
# 报告过去五年的政府工作, 报告本届政府过去五年的工作: a work report at the end of a term too.
_WORK_REPORT_RE = re.compile(r"我(?:现在)?(?:代表国务院|受国务院的?委托)[^。；]{0,40}?"
                             r"(?:作政府工作报告|报告[^。；，]{0,12}?工作)")


@dataclass(frozen=True)
class SessionYear:
    """The year a session met, the words that name it, and whether a table gives it (else inferred)."""

    year: int
    words: str
    evidence: str


# A session the text looks back to, not the one it is given at: 从去年9月第五届…第三次会议到现在, …会议以来.
_BEFORE_PAST_RE = re.compile(r"(?:从|自|去年|前年|上次|上一次|曾在|此前)[^，。；]{0,12}$")
_AFTER_PAST_RE = re.compile(r"^(?:以来|到现在|至今|之后|以后|后[，,]|闭幕|召开以来|精神)")


def _current(regex: re.Pattern, text: str) -> re.Match | None:
    """The first session a text names that is not one it looks back to."""
    for found in regex.finditer(text):
        if not (_BEFORE_PAST_RE.search(text[max(0, found.start() - 16): found.start()])
                or _AFTER_PAST_RE.match(text[found.end():])):
            return found
    return None


@lru_cache(maxsize=1)
def national_sessions() -> dict[tuple[int, int], int]:
    """Read data/sessions.tsv once: {(term, session): year}."""
    table = {}
    for line in SESSIONS_PATH.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            term, session, year = line.split("\t")
            table[(int(term), int(session))] = int(year)
    return table


def session_year(head: str, text: str = "") -> SessionYear | None:
    """Read the year of the session a speech's head names: the table for a national one, the
    province's term years and the text's own years for a provincial one. None when none is named
    or a province's session cannot be placed."""
    found = _current(_NATIONAL_RE, head)
    if found:
        term = number(found.group("term") or found.group("cterm") or found.group("pterm") or "")
        session = number(found.group("session") or found.group("csession") or found.group("psession") or "")
        cppcc = found.group("term") is None
        year = national_sessions().get((term, session)) if term and session and not (cppcc and term < 5) else None
        if year is not None:
            return SessionYear(year, found.group(0), f"{found.group(0)} (→{year}, sessions of the NPC)")
        return None
    found = _current(_PROVINCIAL_RE, head)
    if not found:
        return None
    session = number(found.group("session"))
    if not session or session > 7:
        return None
    candidates = [began + session - 1 for began in PROVINCIAL_TERMS_BEGAN]
    mentions = {year: len(re.findall(rf"(?<!\d){year}年", head + "\n" + text)) for year in candidates}
    best = max(candidates, key=lambda year: (mentions[year], year))
    if not mentions[best] or sorted(mentions.values())[-2:] == [mentions[best]] * 2:
        return None  # the text speaks of none of the years, or of two alike
    return SessionYear(best, found.group(0),
                       f"{found.group(0)} (provincial terms began in {', '.join(map(str, PROVINCIAL_TERMS_BEGAN[-3:]))}…; "
                       f"the text names {best}年 {mentions[best]} times)")


@lru_cache(maxsize=1)
def premiers() -> list[tuple[str, str, str]]:
    """Read data/premiers.tsv once: [(name, from, to)] with ISO dates, to '' while in office."""
    rows = []
    for line in PREMIERS_PATH.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, start, end = (line.split("\t") + [""])[:3]
            rows.append((name, start, end.strip()))
    return rows


def work_report_premier(opening: str, year: int | None) -> tuple[str, str] | None:
    """Name the premier who delivered a national government work report that names no speaker.

    Only a report that says it is the government's work report, delivered for the State Council
    (`_WORK_REPORT_RE`), is given one: the premier in office on the first of March of its year,
    when sessions open (the outgoing premier in a year a new one is chosen). A plan's or a budget's
    report, which vice-premiers delivered, gets none. Returns (name, evidence) or None.
    """
    found = _WORK_REPORT_RE.search(opening)
    if not found or year is None:
        return None
    day = f"{year}-03-01"
    for name, start, end in premiers():
        if start <= day and (not end or day < end):
            return name, f"inferred: premier in office in {year} (table of premiers); {found.group(0)}"
    return None
