"""Tell the year a speech was given from what it says, when no date is printed.

Compilations redact dates (`20XX年`), yet most speeches name things that happened in one year:
anniversaries (新中国成立70周年 → 2019), plan periods (“十四五”开局之年 → 2021), congresses
(迎接党的二十大胜利召开 → 2022), censuses, campaigns, and now and then the current year itself
(2018年我县…重点工作清单). The anchors live in `data/anchors.tsv`, one a line with the year
each implies and its source, so researchers can read and extend them.

How the evidence is weighed (`infer_year`):
- A match gives a year, a range of years, or a bound (新冠 → 2020 or later). Bounds never give a
  year alone; they veto candidates outside them and narrow ranges (十四五规划编制 2019–2020 and
  新冠 ≥2020 → 2020). A weekday (9月23日（星期五）) is a set of years that narrows the same way.
- A time word in the anchor's sentence moves it: 明年是建党100周年 → the speech is of 2020,
  去年，我们庆祝… → one year later. A sentence opening with a year (20XX年是…, 2011年是…) takes
  its time from the text just before it: a 关于明年工作安排 heading moves it a year back, a
  2011年工作回顾 heading a year on. Anchors are set aside in a sentence dated by its own year
  (2019年，我们庆祝新中国成立70周年), said of the past (隆重庆祝了…, 成功举办…) or looking back
  over years (五年来…): they speak of another year than the speech's.
- Evidence more than a year apart is a conflict: no year, and the evidence names both sides.
  Evidence within a year (2019 and 2020 in a speech given around New Year) gives the year with
  the most support: a current-year statement in digits counts 2, any other single-year anchor 1,
  a range that contains the year 0.5, each anchor once however often it recurs. A tie goes to
  the later year: speeches early in a year look back on last year's milestones without saying
  去年 more often than late-year speeches look ahead without saying 明年.
- A printed year is kept unless the anchors on their own give a year more than one away, or a
  bound excludes it: then the year is None and the evidence names both (003 prints 2024 in a
  title over a speech whose events are of 2020).
"""

from __future__ import annotations

import bisect
import datetime
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from indexer.dates import number as read_number
from indexer.wordfinder import WordFinder

ANCHORS_PATH = Path(__file__).resolve().parent / "data" / "anchors.tsv"
FIRST_YEAR, LAST_YEAR = 1990, 2035
WEEKDAY_FIRST, WEEKDAY_LAST = 2000, 2030
UNIVERSE = frozenset(range(FIRST_YEAR, LAST_YEAR + 1))

# Full-width ASCII becomes ASCII (，；：（） included) and U+3000 a space; quotation marks go.
_TRANSLATE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_TRANSLATE[0x3000] = 0x20
DROPPED = "“”‘’「」『』\""
_TRANSLATE.update({ord(ch): None for ch in DROPPED})
_DROPPED_RE = re.compile(f"[{re.escape(DROPPED)}]")
_TRANSLATED_RE = re.compile("[" + "".join(re.escape(chr(cp)) for cp in _TRANSLATE) + "]")

SENTENCE_END = "。!?;\n"
_SENTENCE_END_RE = re.compile(f"[{re.escape(SENTENCE_END)}]")

# Time words that can make an anchor's sentence speak of another year than the speech's.
_SUBJECT_RE = re.compile(
    r"(今年|本年度|本年|明年|来年|去年|上年|前年|过去一年|过去的一年)|((?:19|20)\d\d)年"
    r"|((?:19|20)?[X×xＸ*]{2})年"
)
_SUBJECT_SHIFT = {"今年": 0, "本年度": 0, "本年": 0, "明年": -1, "来年": -1, "去年": 1, "上年": 1,
                  "前年": 2, "过去一年": 1, "过去的一年": 1}
# A time word is the sentence's topic when one of these follows it, or when it stands right
# before the anchor (明年十四五开局).
_SUBJECT_FOLLOWERS = ("是", ",", "、", ":", "我", "全", "要", "将", "的", "既", "也", "又", "正", "恰", "适逢",
                      "以来")
_ADJACENT = 3
# Said of the past: 隆重庆祝了新中国成立70周年, 成功举办厦门金砖峰会; five-year reviews.
_PAST_BEFORE_RE = re.compile(
    r"(?:(?:庆祝|纪念|举办|举行|召开|迎来|经历|走过|度过|完成|实现|取得)了[^,。;]{0,8}"
    r"|(?<!确保)(?<!力争)(?<!全力)(?:成功|圆满)(?:举办|举行|承办)了?[^,。;]{0,4})$"
)
_RETROSPECT_RE = re.compile(r"五年来|过去五年|近五年|十年来|过去十年|近年来")
# A sentence that opens with a year (20XX年是…, 2011年是…) takes its time from the text just
# before it: a review of last year (一、2011年工作回顾, 一年来…) or a plan for next year
# (二、关于明年工作安排).
_OPENS_WITH_YEAR_RE = re.compile(r"(?:(?:19|20)\d\d|(?:19|20)?[X×xＸ*]{2})年,?是")
_CONTEXT_LOOKBACK = 200
_CONTEXT_RE = re.compile(r"(工作(?:的)?回顾|执行情况的?回顾|过去一年|过去的一年|一年来|刚刚过去的)|(今年|本年)|(明年|来年)")
# The sentences after one that opens with a year call that year this year: 1995年是…重要一年。在今年的…
_CALLED_THIS_YEAR_RE = re.compile(r"[^\n]{0,80}?(?:今年|本年)")
# A report's part headed as a review of the year before (一、2015年工作回顾, 一、过去一年工作回顾):
# what it says of a year, it says of the one before the speech.
_REVIEW_HEADING_RE = re.compile(r"(?:^|\n)[一二三四五六七八九十]{1,3}、[^\n]{0,30}(?:回顾|过去一年|执行情况)[^\n]{0,10}(?=\n)")
# A review of several years (一、过去五年工作回顾): what it says may be of any of them.
_YEARS_REVIEW_RE = re.compile(r"[五十几多两三四]年|以来|届")
_NEXT_HEADING_RE = re.compile(r"\n[一二三四五六七八九十]{1,3}、")
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}


@dataclass(frozen=True)
class Anchor:
    """One row of anchors.tsv, compiled."""

    pattern: re.Pattern
    year: str
    kind: str
    source: str
    line: int
    # Words one of which every match contains (one per top-level alternative): a text without
    # any of them is not searched. None when the pattern has no such words.
    required: tuple[str, ...] | None = None
    # The pattern less the lookbehinds it opens with, which the regex engine can look for fast
    # (it tries a pattern that opens with a lookbehind at every character): see _matches.
    screen: re.Pattern | None = None


class Candidate(NamedTuple):
    """One anchor found in a speech: the years it allows, the words, and why."""

    years: int | tuple[int | None, int | None] | frozenset  # a year, (from, to), or a set
    words: str
    kind: str
    source: str
    note: str = ""  # how it was read: shifted by a time word, vetoed, set aside


@dataclass
class YearInference:
    """The year a speech was given, the words it rests on, and every anchor found."""

    year: int | None
    evidence: str | None
    candidates: list = field(default_factory=list)
    source: str | None = None  # 'printed', 'inferred', 'conflict', or None when nothing says


@dataclass
class _Hit:
    years: frozenset  # within UNIVERSE; narrowed by bounds while weighing
    words: str
    kind: str
    source: str
    row: int
    note: str = ""
    status: str = "used"  # used, bound, skipped, vetoed
    read: frozenset = frozenset()  # the years as read, before bounds narrowed them

    @property
    def label(self) -> str:
        years = _describe_years(self.read or self.years, self.kind)
        return f"{self.words} ({years}{'; ' + self.note if self.note else ''})"


@lru_cache(maxsize=1)
def load_anchors() -> list[Anchor]:
    """Read anchors.tsv once: comment lines (#) and blank lines are skipped."""
    anchors = []
    for number, line in enumerate(ANCHORS_PATH.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 4:
            raise ValueError(f"anchors.tsv:{number}: expected 4 tab-separated columns, got {len(parts)}")
        pattern, year, kind, source = (part.strip() for part in parts)
        try:
            compiled = re.compile(pattern)
        except re.error as error:
            raise ValueError(f"anchors.tsv:{number}: bad pattern: {error}") from error
        _check_year_spec(year, kind, number)
        required = _required_words(pattern)
        anchors.append(Anchor(compiled, year, kind, source, number, required, _screen(pattern) if required else None))
    return anchors


@lru_cache(maxsize=1)
def _required_finder() -> WordFinder:
    """Return a finder of every anchor's required words: one pass tells which a text holds."""
    return WordFinder(word for anchor in load_anchors() for word in anchor.required or ())


def _translated(text: str) -> str:
    """Return text.translate(_TRANSLATE), character by character, at a fraction of its cost.

    str.translate looks up every character (some 0.1 µs each); here only the few distinct
    characters to change are replaced, the dropped ones first, so that a full-width quote
    mark that becomes " is not then dropped as " would be.
    """
    present = set(_TRANSLATED_RE.findall(text))
    for ch in sorted(present, key=lambda ch: _TRANSLATE[ord(ch)] is not None):
        replacement = _TRANSLATE[ord(ch)]
        text = text.replace(ch, "" if replacement is None else chr(replacement))
    return text


def infer_year(paragraphs: list[str], printed_year: int | None = None,
               printed_words: str | None = None, check_printed: bool = True) -> YearInference:
    """Tell the year a speech was given from its paragraphs (title block included).

    A printed year is returned as the year (source 'printed') unless `check_printed` and the
    anchors contradict it: they give on their own a year more than one away, or a bound
    excludes it. Then the year is None (source 'conflict') and the evidence names both.
    """
    original = "\n".join(paragraphs)
    hits = _find(original)
    result = _resolve(hits)
    if printed_year is None:
        return result
    printed = f"{printed_words or f'{printed_year}年'} (printed)"
    if check_printed:
        bounds = [hit for hit in hits if hit.status == "bound" and printed_year not in hit.years]
        if bounds:
            return YearInference(None, f"conflict: {printed} vs {bounds[0].label}", result.candidates, "conflict")
        if result.year is not None and abs(result.year - printed_year) > 1:
            return YearInference(None, f"conflict: {printed} vs {result.evidence}", result.candidates, "conflict")
    return YearInference(printed_year, printed_words or f"{printed_year}年", result.candidates, "printed")


# ---------------------------------------------------------------------------------------------
# Finding anchors


def _find(original: str) -> list[_Hit]:
    """Every anchor match in the text, with its years and how its sentence reads it."""
    text = _translated(original)
    # Where each dropped quote would sit in the translated text, to map matches back.
    drops = [match.start() - i for i, match in enumerate(_DROPPED_RE.finditer(original))]
    ends = [match.start() for match in _SENTENCE_END_RE.finditer(text)]
    hits = []
    held = _required_finder().found(text)
    for row, anchor in enumerate(load_anchors()):
        if anchor.required and not any(word in held for word in anchor.required):
            continue
        for match in _matches(anchor, text):
            years = _years(anchor, match)
            if not years:
                continue
            words = _words(original, _to_original(match.start(), drops), _to_original(match.end() - 1, drops) + 1)
            hit = _Hit(years, words, anchor.kind, anchor.source, row)
            if anchor.kind == "bound":
                hit.status = "bound"
            elif anchor.kind != "weekday":
                _read_subject(hit, text, match.start(), ends)
            hit.read = hit.years
            hits.append(hit)
    return hits


_OPENING, _CLOSING = "“‘「『", "”’」』"
_MAX_WORDS = 40


def _words(original: str, start: int, end: int) -> str:
    """The matched words as printed, quotes balanced: “十四五”规划编制, not 十四五”规划编制."""
    words = original[start:end]
    for opening, closing in zip(_OPENING, _CLOSING):
        if words.count(closing) > words.count(opening) and start > 0 and original[start - 1] == opening:
            start -= 1
            words = original[start:end]
        if words.count(opening) > words.count(closing) and original[end:end + 1] == closing:
            end += 1
            words = original[start:end]
    if len(words) > _MAX_WORDS:
        words = words[:_MAX_WORDS // 2 - 1] + "…" + words[-(_MAX_WORDS // 2 - 1):]
    return words


def _to_original(index: int, drops: list[int]) -> int:
    """Map an index in the translated text back to the original: only quotes were dropped."""
    return index + bisect.bisect_right(drops, index)


def _read_subject(hit: _Hit, text: str, start: int, ends: list[int]) -> None:
    """Shift or set aside an anchor by the time word its sentence, or the text before, gives it."""
    position = bisect.bisect_left(ends, start)
    sentence_start = ends[position - 1] + 1 if position else 0
    opens_with_year = _OPENS_WITH_YEAR_RE.match(text, sentence_start)
    if hit.kind != "explicit":
        subject = None
        for match in _SUBJECT_RE.finditer(text, sentence_start, start):
            following = text[match.end():match.end() + 2]
            if start - match.end() <= _ADJACENT or following.startswith(_SUBJECT_FOLLOWERS):
                subject = match
        if subject is not None and subject.group(1):
            shift = _SUBJECT_SHIFT[subject.group(1)]
            if shift:
                _shift(hit, shift, subject.group(0))
            return
        if subject is not None and subject.group(2):
            _set_aside(hit, f"speaks of {subject.group(0)}")
            return
        before = text[sentence_start:start]
        if subject is None and _PAST_BEFORE_RE.search(before):
            _set_aside(hit, "said of the past")
            return
        if subject is None and _RETROSPECT_RE.search(before):
            _set_aside(hit, "in a look back over years")
            return
    if not opens_with_year:
        if hit.kind != "explicit" and _in_review(text, start):
            _shift(hit, 1, "in a review of the year before")
        return
    sentence_end = ends[position] if position < len(ends) else len(text)
    if _CALLED_THIS_YEAR_RE.match(text, sentence_end + 1):
        return  # what follows calls the year this year: no review heading shifts it
    if _in_review(text, start):
        _shift(hit, 1, "in a review of the year before")
        return
    context = text[max(0, sentence_start - _CONTEXT_LOOKBACK):sentence_start]
    said = list(_CONTEXT_RE.finditer(context))
    if said:
        last = said[-1]
        if last.group(1):
            _shift(hit, 1, f"{last.group(0)} before it")
        elif last.group(3):
            _shift(hit, -1, f"{last.group(0)} before it")


def _in_review(text: str, position: int) -> bool:
    """Tell whether a position lies in a part its heading calls a review of the year before."""
    heading = None
    for heading in _REVIEW_HEADING_RE.finditer(text, 0, position):
        pass
    return (heading is not None and not _YEARS_REVIEW_RE.search(heading.group())
            and not _NEXT_HEADING_RE.search(text, heading.end(), position))


def _set_aside(hit: _Hit, note: str) -> None:
    hit.status = "skipped"
    hit.note = note


def _shift(hit: _Hit, shift: int, words: str) -> None:
    hit.years = frozenset(year + shift for year in hit.years) & UNIVERSE
    hit.note = f"{'after' if words.endswith(' before it') else 'said of'} {words.removesuffix(' before it')}: {shift:+d}"


def _years(anchor: Anchor, match: re.Match) -> frozenset:
    """The years a match allows, from its row's year column."""
    spec = anchor.year
    if spec == "weekday":
        month, day, weekday = match.group(1), match.group(2), match.group(3)
        return frozenset(_weekday_years(int(month), int(day), _WEEKDAYS[weekday]))
    if spec.startswith(">="):
        return frozenset(range(int(spec[2:]), LAST_YEAR + 1)) & UNIVERSE
    if spec.startswith("<="):
        return frozenset(range(FIRST_YEAR, int(spec[2:]) + 1)) & UNIVERSE
    if "$" in spec:
        low, _, high = spec.partition("..")
        first = _evaluate(low, match)
        last = _evaluate(high, match) if high else first
        if first is None or last is None:
            return frozenset()
        return frozenset(range(first, last + 1)) & UNIVERSE
    low, _, high = spec.partition("-")
    return frozenset(range(int(low), int(high or low) + 1)) & UNIVERSE


def _evaluate(expression: str, match: re.Match) -> int | None:
    """Evaluate `1949+$1`, `$1-1`, `$1`: integers and groups added and subtracted."""
    total = 0
    for sign, term in re.findall(r"([+-]?)\s*(\$\d+|\d+)", expression):
        if term.startswith("$"):
            value = read_number(match.group(int(term[1:])) or "")
            if value is None:
                return None
        else:
            value = int(term)
        total += -value if sign == "-" else value
    return total


def _weekday_years(month: int, day: int, weekday: int) -> list[int]:
    years = []
    for year in range(WEEKDAY_FIRST, WEEKDAY_LAST + 1):
        try:
            if datetime.date(year, month, day).weekday() == weekday:
                years.append(year)
        except ValueError:
            continue
    return years


def _matches(anchor: Anchor, text: str):
    """Yield what anchor.pattern.finditer(text) yields, found through the anchor's screen.

    Where the pattern matches, its screen matches too (a lookbehind consumes nothing), so the
    pattern is tried only where the screen matches, leftmost first, as finditer tries it. A
    pattern with required words never matches empty, so a match always moves on.
    """
    if anchor.screen is None:
        yield from anchor.pattern.finditer(text)
        return
    position = 0
    while (found := anchor.screen.search(text, position)) is not None:
        match = anchor.pattern.match(text, found.start())  # its lookbehind sees the text before
        if match is None:
            position = found.start() + 1
            continue
        yield match
        position = match.end()


def _screen(pattern: str) -> re.Pattern | None:
    """Compile a pattern less the lookbehinds it opens with, or None if it opens with none."""
    rest = pattern
    while rest.startswith(("(?<!", "(?<=")):
        end = _group_end(rest)
        if end is None:
            return None
        try:
            re.compile(rest[:end])  # a lookbehind on its own, or the group was misread
        except re.error:
            return None
        rest = rest[end:]
    if rest == pattern or not rest:
        return None
    try:
        return re.compile(rest)
    except re.error:
        return None  # the rest refers to a group the lookbehind holds


def _group_end(pattern: str) -> int | None:
    """Return the index after the group that opens pattern, or None if it is not closed."""
    depth, i = 0, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            i += 1
            while i < len(pattern) and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


_HAN_RE = re.compile(r"[\u4e00-\u9fff]")


def _required_words(pattern: str) -> tuple[str, ...] | None:
    """The longest run of plain Han characters each top-level alternative must match.

    Only characters outside groups and classes count, and not one a quantifier makes optional:
    in (?:迎接|喜迎)(?:党的)?十九大|十九大召开 the words are 十九大 and 十九大召开.
    """
    branches, depth, i = [], 0, 0
    runs: list[str] = []
    run = ""
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            run, i = _end_run(runs, run), i + 2
            continue
        if ch == "[":
            run = _end_run(runs, run)
            i += 1
            while i < len(pattern) and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
            i += 1
            continue
        if ch == "(":
            depth += 1
            run = _end_run(runs, run)
        elif ch == ")":
            depth -= 1
            run = _end_run(runs, run)
        elif ch == "|" and depth == 0:
            run = _end_run(runs, run)
            branches.append(runs)
            runs = []
        elif depth == 0 and _HAN_RE.match(ch):
            following = pattern[i + 1:i + 2]
            if following in ("?", "*") or pattern[i + 1:i + 3] == "{0":
                run = _end_run(runs, run)
            else:
                run += ch
        else:
            run = _end_run(runs, run)
        i += 1
    _end_run(runs, run)
    branches.append(runs)
    words = []
    for runs in branches:
        if not runs:
            return None
        words.append(max(runs, key=len))
    return tuple(words)


def _end_run(runs: list[str], run: str) -> str:
    if run:
        runs.append(run)
    return ""


def _check_year_spec(spec: str, kind: str, number: int) -> None:
    """Refuse a year column the reader cannot read, or a bound that is not kind `bound`."""
    valid = (re.fullmatch(r"\d{4}(?:-\d{4})?", spec) or re.fullmatch(r"[<>]=\d{4}", spec)
             or spec == "weekday" or re.fullmatch(r"[\d$+\-]+(?:\.\.[\d$+\-]+)?", spec) and "$" in spec)
    if not valid:
        raise ValueError(f"anchors.tsv:{number}: cannot read year {spec!r}")
    if (kind == "bound") != bool(re.fullmatch(r"[<>]=\d{4}", spec)):
        raise ValueError(f"anchors.tsv:{number}: a bound (>=, <=) must be of kind bound, and only a bound")
    if (kind == "weekday") != (spec == "weekday"):
        raise ValueError(f"anchors.tsv:{number}: weekday rows have year and kind weekday")


# ---------------------------------------------------------------------------------------------
# Weighing the evidence


def _resolve(hits: list[_Hit]) -> YearInference:
    allowed = UNIVERSE
    narrowing = []
    for hit in hits:
        if hit.status == "bound" or hit.kind == "weekday":
            if not allowed & hit.years:
                rival = next((h for h in narrowing if not h.years & hit.years), narrowing[-1])
                evidence = f"conflict: {rival.label} vs {hit.label}"
                return YearInference(None, evidence, _candidates(hits), "conflict")
            allowed &= hit.years
            narrowing.append(hit)
    evidence_hits = []
    for hit in hits:
        if hit.status != "used" or hit.kind == "weekday":
            continue
        if not hit.years & allowed:
            hit.status = "vetoed"
            vetoes = [h.words for h in narrowing if not hit.years & h.years]
            hit.note = (hit.note + "; " if hit.note else "") + f"vetoed by {vetoes[0] if vetoes else 'bounds'}"
            continue
        hit.years = hit.years & allowed
        evidence_hits.append(hit)
    candidates = _candidates(hits)
    vetoed = [hit for hit in hits if hit.status == "vetoed"]
    if vetoed and not evidence_hits:
        # Every anchor fell outside the bounds: they contradict each other.
        first = vetoed[0]
        rival = next((h for h in narrowing if not first.read & h.years), narrowing[0])
        return YearInference(None, f"conflict: {first.label} vs {rival.label}", candidates, "conflict")
    worst = None
    for i, first in enumerate(evidence_hits):
        for second in evidence_hits[i + 1:]:
            gap = _gap(first.years, second.years)
            if gap > 1 and (worst is None or gap > worst[0]):
                worst = (gap, first, second)
    if worst:
        _, first, second = worst
        if min(first.years) > min(second.years):
            first, second = second, first
        return YearInference(None, f"conflict: {first.label} vs {second.label}", candidates, "conflict")
    points = {min(hit.years) for hit in evidence_hits if len(hit.years) == 1}
    if points:
        seen, scores = set(), {year: 0.0 for year in points}
        for hit in evidence_hits:
            key = (hit.row, hit.years)
            if key in seen:
                continue
            seen.add(key)
            for year in points & hit.years:
                if len(hit.years) == 1:
                    scores[year] += 2 if hit.kind == "explicit" else 1
                else:
                    scores[year] += 0.5
        year = max(points, key=lambda y: (scores[y], y))
    else:
        common = allowed
        ranged = evidence_hits + [hit for hit in narrowing if hit.kind == "weekday"]
        if not ranged:
            return YearInference(None, None, candidates, None)
        for hit in ranged:
            common &= hit.years
        if len(common) != 1:
            return YearInference(None, None, candidates, None)
        year = min(common)
    support, rows = [], set()
    for hit in evidence_hits:  # the first match of each row that supports the year
        if year in hit.years and hit.row not in rows:
            rows.add(hit.row)
            support.append(hit)
    support.sort(key=lambda hit: (len(hit.read) != 1, hit.kind != "explicit"))
    labels = [hit.label for hit in support]
    if not any(len(hit.read) == 1 for hit in support):
        # The year came from narrowing: name the bounds and weekdays that did it.
        labels += [bound.label for bound in narrowing
                   if any(hit.read - bound.years for hit in support) or not support]
    labels = list(dict.fromkeys(labels))
    return YearInference(year, "; ".join(labels[:6]), candidates, "inferred")


def _gap(first: frozenset, second: frozenset) -> int:
    return min(abs(a - b) for a in first for b in second)


def _describe_years(years: frozenset, kind: str) -> str:
    low, high = min(years), max(years)
    if kind == "weekday" or (len(years) != high - low + 1):
        return "→" + "/".join(str(y) for y in sorted(years))
    if low == high:
        return f"→{low}"
    if high == LAST_YEAR:
        return f"≥{low}"
    if low == FIRST_YEAR:
        return f"≤{high}"
    return f"→{low}–{high}"


def _candidates(hits: list[_Hit]) -> list[Candidate]:
    """The hits for display: one per distinct words and reading."""
    found, seen = [], set()
    for hit in hits:
        years: int | tuple | frozenset
        low, high = min(hit.years), max(hit.years)
        if hit.kind == "weekday" or len(hit.years) != high - low + 1:
            years = hit.years
        elif low == high:
            years = low
        else:
            years = (None if low == FIRST_YEAR else low, None if high == LAST_YEAR else high)
        note = hit.note if hit.status in ("used", "bound") else f"{hit.status}: {hit.note}"
        key = (hit.words, years, note)
        if key in seen:
            continue
        seen.add(key)
        found.append(Candidate(years, hit.words, hit.kind, hit.source, note))
    return found
