"""Split a document into speeches, and name what belongs to none (tables of contents, covers).

The rules are general: a table of contents names the speeches that follow it (numbered
entries, or a book's titles with leaders and page numbers); compilations mark sections
(`第二篇：`, `篇一：`); a page that prints several speeches heads each with its speaker
(`一、王建国同志讲话`, `李明同志的讲话摘要`); a book's pieces open with a title over a dateline
(`（2018年5月4日）`); otherwise a speech starts at a title line (`…在…会议上的讲话`) that is
followed by its byline, dateline or salutation.
"""

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from indexer import patterns as p
from indexer.patterns import heading_key, heading_match
from indexer.names import parse_who
from indexer.speakers import from_lead
from indexer.dates import find_dates
from indexer.text import CLOSING_CHARS, normalize, normalized_lines


@dataclass
class Span:
    """A run of a document's lines [start, end): a speech, or a part that belongs to none."""

    start: int  # index of the first line, from 0
    end: int  # index after the last line
    kind: str  # "speech", or why the lines belong to no speech
    header_lines: int = 0  # non-blank lines of the title block (title, byline, dateline)
    # Lines the document prints for all its speeches (the notice over several speeches on one
    # page), read for the meeting and date a speech does not print itself.
    context: tuple[str, ...] = ()
    siblings: int = 1  # how many speeches the document holds
    # What a book says of this piece outside its body: its title and date as the outline
    # (bookmarks) or the printed contents give them, and which of the two said so.
    heading: str | None = None
    dateline: str | None = None
    witness: str | None = None


def split_document(lines: list[str], kind: str = "document", norm: list[str] | None = None,
                   bookmarks=()) -> list[Span]:
    """Split a document's lines into speech spans and dropped spans, covering every line once.

    `kind` "book" (a PDF book or collected works) also starts a piece at a title over its
    dateline, and drops front matter (title page, 出版说明) and back matter (后记). `norm`
    is the lines as normalized_lines() gives them, when the caller has them already.
    `bookmarks` is a PDF's outline, (depth, title, line or None): a book's first witness of
    where its pieces start, before its printed contents and the headings in its body.
    """
    norm = normalized_lines(lines) if norm is None else norm
    book = kind == "book"
    if bookmarks and book:
        # A book's outline lists its pieces; a long report's lists its own parts, and splits nothing.
        spans = _bookmark_spans(norm, list(bookmarks))
        if spans is not None:
            return _finish(norm, _book_matter(norm, spans) if book else spans)
    if book:
        spans = _contents_spans(norm)
        if spans is not None:
            return _finish(norm, _book_matter(norm, spans))
    spans: list[Span] = []
    toc = _find_toc(norm)
    body_from = 0
    named = [] if toc else _named_speech_starts(norm)
    lined: list[int] = []
    if toc:
        toc_start, toc_end, entries = toc
        starts = _match_toc_entries(norm, toc_end, entries)
        body_from = toc_end
    elif named:
        starts = named
    elif lined := _dated_line_starts(norm):
        starts = lined
    elif excerpts := _dated_excerpt_starts(norm):
        starts = excerpts
    else:
        starts = _find_title_starts(norm) + (_dated_title_starts(norm) if book else [])
    starts = _merge_title_blocks(norm, sorted(set(starts)))
    starts = [_extend_main_title(norm, s, body_from) for s in starts]
    if not starts or not any(norm[body_from : starts[0]]):
        first = starts[0] if starts else len(norm)
    else:
        first = starts[0]
    # What precedes the first speech: a cover or series header is dropped; prose is a speech,
    # except in a book (its title page and notes) and over several speakers' speeches (the notice).
    preamble_kind = "front matter" if book or named or _is_front_matter(norm[:first]) else "speech"
    if starts and preamble_kind == "front matter" and not (book or named or toc) and _leads_into(norm[:first]):
        first = starts[0] = next(i for i, line in enumerate(norm) if line)
    if toc:
        toc_start, toc_end, _ = toc
        if toc_start > 0:
            spans.append(Span(0, toc_start, "front matter"))
        spans.append(Span(toc_start, toc_end, "table of contents"))
        if first > toc_end:
            spans.append(Span(toc_end, first, preamble_kind))
    elif first > 0:
        spans.append(Span(0, first, preamble_kind))
    context = tuple(line for line in norm[:first] if line) if named else ()
    bounds = starts + [len(norm)]
    for start, end in zip(bounds, bounds[1:]):
        # A line that holds a whole speech dates it at its opening: 2019年政府工作报告 …, 2019-03-05 ….
        opening = _DATED_LINE_RE.match(norm[start]) if lined else None
        dateline = (opening.group(0) if "年" in opening.group(0) or not opening.group(0).isdigit()
                    else opening.group(0) + "年") if opening else None
        spans.append(Span(start, end, "speech", header_size(norm, start, end), context,
                          dateline=dateline, witness="line" if opening else None))
    if not starts:
        # No title anywhere: the whole document is one speech.
        spans = [Span(0, len(norm), "speech", 0)]
    if book:
        spans = _book_matter(norm, spans)
    return _finish(norm, spans)


def _finish(norm: list[str], spans: list[Span]) -> list[Span]:
    """Drop empty spans, size each speech's title block and tell each how many speeches stand beside it."""
    spans = [s for s in spans if s.end > s.start]
    for span in spans:
        if span.kind == "speech" and not span.header_lines:
            span.header_lines = header_size(norm, span.start, span.end)
    count = sum(span.kind == "speech" for span in spans)
    for span in spans:
        span.siblings = count
    return spans


# ---------------------------------------------------------------------------------------------
# Books: the outline (bookmarks), then the printed contents, then the headings in the body

# Bookmarks that lead to no piece: a cover, a portrait or an inscription, the contents.
_PLATE_RE = re.compile(r"(?:封面|封底|扉页|版权页?|插页|插图|图片|照片|标准像|画像|肖像|题词|手迹|书影)$")
# The numbering of a part within a piece (一、十一月二十一日的讲话, （二）, 第三部分), not of the book's pieces.
_PART_MARK_RE = re.compile(rf"^(?:[{p.NUM_CN}]+[、.．]|[（(][{p.NUM_CN}]+[）)]|第[{p.NUM_CN}]+(?:部分|节))")
# A date a book's outline or contents prints after a title: 〔一九五八年一月二十四日〕, （2018年5月4日）.
_TRAILING_DATE_RE = re.compile(r"\s*[〔［\[（(]([^〔〕［］\[\]（）()]{0,60}年[^〔〕［］\[\]（）()]{0,60})[〕］\]）)]\s*$")
_LEADING_NUMBER_RE = re.compile(r"^\s*\d{1,3}\s*[.．、]\s*")


def _bare_entry(title: str) -> str:
    """A bookmark's or contents entry's title without spaces, its number and its date."""
    title = _LEADING_NUMBER_RE.sub("", normalize(title))
    return _TRAILING_DATE_RE.sub("", title).strip()


def _entry_date(title: str) -> str | None:
    """The date words a bookmark or contents entry prints after its title, if any."""
    match = _TRAILING_DATE_RE.search(normalize(title))
    return match.group(1) if match and find_dates(match.group(1)) else None


def _bookmark_spans(norm: list[str], bookmarks: list) -> list[Span] | None:
    """Split a book by its outline: each bookmark that names a piece starts one where its heading is.

    Bookmarks up to the contents, and those of covers, portraits and front or back matter,
    start no piece; nor does one numbered as a part (一、…) under a piece, unless the book's
    pieces are all numbered so. Returns None when the outline names fewer than two pieces.
    """
    marks = [(title, line) for _, title, line in bookmarks if line is not None and 0 <= line < len(norm)]
    if len(marks) < 2:
        return None
    contents = max((k for k, (title, _) in enumerate(marks) if p.TOC_HEADING_RE.match(_bare_entry(title))), default=-1)
    kinds = []
    for k, (title, _) in enumerate(marks):
        bare = _bare_entry(title)
        if k <= contents or _PLATE_RE.search(bare) or p.FRONT_MATTER_RE.match(bare):
            kinds.append("front matter" if "speech" not in kinds else "part")
        elif p.BACK_MATTER_RE.match(bare):
            kinds.append("back matter")
        elif _NOTES_RE.match(bare) or _APPENDED_RE.match(bare):
            kinds.append("part" if "speech" in kinds else "front matter")  # a piece's 注释, 附件
        else:
            kinds.append("speech")
    candidates = [k for k, kind in enumerate(kinds) if kind == "speech"]
    marked = [k for k in candidates if _PART_MARK_RE.match(_bare_entry(marks[k][0]))]
    if len(marked) < 0.8 * len(candidates):
        for k in marked:
            if "speech" in kinds[:k]:
                kinds[k] = "part"  # 一、五月二十日的讲话 under 在全省水利工作会议上的讲话
    starts = []  # (line, kind, title)
    for k, (title, line) in enumerate(marks):
        if kinds[k] == "part" or (starts and line <= starts[-1][0]):
            continue
        if kinds[k] == "front matter" and starts:
            continue
        starts.append((line, kinds[k], title))
    pieces = [s for s in starts if s[1] == "speech"]
    if len(pieces) < 2:
        return None
    spans: list[Span] = []
    first = pieces[0][0]
    if first > 0:
        spans.extend(_front_spans(norm, 0, first, contents >= 0 and marks[contents][1]))
    entries = _contents_entries(norm, 0, first)
    cursor = 0
    bounds = [s for s in starts if s[0] >= first] + [(len(norm), "end", "")]
    for (line, kind, title), (end, _, _) in zip(bounds, bounds[1:]):
        if kind != "speech":
            spans.append(Span(line, end, kind if kind != "front matter" else "back matter"))
            continue
        heading, dateline, witness = _bare_entry(title), _entry_date(title), "bookmark"
        entry, cursor = _contents_entry(entries, cursor, heading)
        if dateline is None and entry is not None and entry[1]:
            dateline, witness = entry[1], "contents"
        # The heading the outline leads to opens the title block, numbered as a heading or not.
        header = 1 + header_size(norm, line + 1, end)
        spans.append(Span(line, end, "speech", header, heading=heading or None, dateline=dateline, witness=witness))
    return spans


def _front_spans(norm: list[str], start: int, end: int, contents_line) -> list[Span]:
    """The spans before a book's first piece: front matter, and its contents where they stand."""
    if contents_line is None or contents_line is False or not start <= contents_line < end:
        return [Span(start, end, "front matter")]
    spans = [Span(start, contents_line, "front matter")] if contents_line > start else []
    return spans + [Span(contents_line, end, "table of contents")]


# A printed contents entry: its number, its title (and date), leaders and a page number if any.
_CONTENTS_LINE_RE = re.compile(r"^(?P<number>\d{1,3})\s*[.．、]\s*(?P<title>.+?)(?:[\s.．…·。_]{2,}[-—\s]*\d{1,4}[-—\s]*)?$")
_RUN_ENTRIES_RE = re.compile(r"(?<=[〕）)\]])(?=\d{1,3}[.．、]\D)|(?<=\d -)(?=\S)|(?<=\d-)(?=[^\s\d-])")
_PAGE_TAIL_RE = re.compile(r"[\s.．…·。_]*[-—]?\s*\d{1,4}\s*[-—]?\s*$")


def _contents_entries(norm: list[str], start: int, end: int) -> list[tuple[str, str | None]]:
    """Read the numbered entries of a book's printed contents: [(title, date words or None)]."""
    return _read_contents(norm, start, end)[0]


def _read_contents(norm: list[str], start: int, end: int) -> tuple[list[tuple[str, str | None]], int]:
    """Read the numbered entries of a book's printed contents, and the line after the last.

    An entry wrapped over two lines is one again (28. 在庐山会议上的…八月二 / 日、十六日〕…- 131 -);
    lines numbered as parts (一、…) are parts of the entry above, not entries; unnumbered lines
    before the first entry (封面, 出版说明) list front matter. The contents end where three
    lines in a row are none of these.
    """
    entries: list[list] = []  # [number, title]
    last, misses = start, 0
    for i in range(start, end):
        if not norm[i]:
            continue
        # Entries a PDF's reader ran together (a line of contents that reached the margin): 〔…〕8.中国….
        hit = restart = False
        for line in _RUN_ENTRIES_RE.split(norm[i]):
            match = _CONTENTS_LINE_RE.match(line)
            number = int(match.group("number")) if match else None
            if match and entries and number == 1 and entries[-1][0] >= 3:
                restart = True  # the first piece's heading, numbered as in the contents: the body begins
                break
            if match and (not entries or number == entries[-1][0] + 1 or number == 1):
                if number == 1:
                    entries = []  # a list numbered from 1 again: the contents proper follow a short one
                title = match.group("title")
                entries.append([number, _PAGE_TAIL_RE.sub("", title) if re.search(r"[.．…·]{2,}", line) else title])
                hit = True
            elif entries and not _PART_MARK_RE.match(line) and _open_bracket(entries[-1][1]):
                entries[-1][1] += _PAGE_TAIL_RE.sub("", line) if re.search(r"[.．…·]{2,}", line) else line
                hit = True
            elif (_PART_MARK_RE.match(line) or p.TOC_HEADING_RE.match(line)
                  or (not entries and len(line) <= 80 and not p.ends_sentence(line))):
                hit = True
        if restart:
            break
        if hit:
            misses, last = 0, i + 1
        else:
            misses += 1
            if entries and misses >= 3:
                break
    if len(entries) < 3:
        return [], start
    return [(title, _entry_date(title)) for _, title in entries], last


_TITLE_PARTS_RE = re.compile(r"[－—–]+|-{1,2}")
CONTENTS_SCORE = 0.75  # how well a body line must read as a contents entry to be where its piece starts


def _contents_spans(norm: list[str]) -> list[Span] | None:
    """Split a book by its printed contents (目录 over numbered entries), each piece where its heading is.

    Entries are matched to the body's heading lines in order, after the contents; a piece's
    title and date are the entry's. Returns None unless most entries are found.
    """
    heading = next((i for i, line in enumerate(norm) if p.TOC_HEADING_RE.match(line)), None)
    if heading is None:
        return None
    entries, after = _read_contents(norm, heading + 1, min(len(norm), heading + 2000))
    if not entries:
        return None
    starts, cursor = [], after
    for title, dateline in entries:
        # A title and its subtitle (在…上的讲话－不许镇压学生运动): the body may head the piece with either.
        keys = [heading_key(title)] + [heading_key(part) for part in _TITLE_PARTS_RE.split(_bare_entry(title))
                                       if len(part) >= 4 and part != _bare_entry(title)]
        found = None
        for i in range(cursor, len(norm)):
            line = norm[i]
            # A heading, not a sentence: the contents and the body may word a title a little apart
            # (对北京市委和中宣部的批评 / 对中宣部和北京市委的批评).
            if (line and len(line) <= 2 * len(title) + 20 and line[-1] not in "。；，"
                    and max(heading_match(key, line) for key in keys) >= CONTENTS_SCORE):
                found = i
                break
        if found is None:
            continue
        starts.append((found, _bare_entry(title), dateline))
        cursor = found + 1
    if len(starts) < max(2, 0.8 * len(entries)):
        return None
    spans = _front_spans(norm, 0, starts[0][0], heading)
    bounds = starts + [(len(norm), None, None)]
    for (line, title, dateline), (end, _, _) in zip(bounds, bounds[1:]):
        header = 1 + header_size(norm, line + 1, end)
        spans.append(Span(line, end, "speech", header, heading=title or None, dateline=dateline, witness="contents"))
    return spans


def _open_bracket(text: str) -> bool:
    return any(text.count(left) > text.count(right) for left, right in ("〔〕", "（）", "()", "［］"))


def _contents_entry(entries, cursor: int, heading: str | None, window: int = 6):
    """Find the contents entry for a piece's heading among the next few: (entry or None, new cursor)."""
    if not heading or not entries:
        return None, cursor
    key = _compact(heading)
    best, best_score = None, 0.0
    for k in range(cursor, min(len(entries), cursor + window)):
        other = _compact(_bare_entry(entries[k][0]))
        if not other:
            continue
        if key == other:
            score = 1.0
        elif key in other or other in key:
            score = min(len(key), len(other)) / max(len(key), len(other)) + 0.25
        else:
            score = SequenceMatcher(None, key, other, autojunk=False).ratio()
        if score > best_score:
            best, best_score = k, score
    if best is None or best_score < 0.6:
        return None, cursor
    return entries[best], best + 1


def _compact(text: str) -> str:
    """Drop spaces and the marks titles differ by between a TOC and the body."""
    return re.sub(r"[\s.．…·—\-:：]", "", text)


def _find_toc(norm: list[str]):
    """Find a table of contents: (first line, line after it, [(number, title)]), or None.

    Entries are numbered (`1.…讲话.....5`) or, after a 目录 heading or with dot leaders, a
    book's titles with page numbers (`坚持以人民为中心……1`); a title may wrap onto the next
    line, and short lines without a page number between entries head sections.
    """
    heading = next((i for i, line in enumerate(norm) if p.TOC_HEADING_RE.match(line)), None)
    numbered = next((i for i, line in enumerate(norm) if p.TOC_ENTRY_RE.match(line)), None)
    tries = []
    if numbered is not None:
        tries.append((numbered, True))
    if heading is not None:
        after = next((i for i in range(heading + 1, min(len(norm), heading + 12))
                      if p.TOC_LINE_RE.match(norm[i])), None)
        if after is not None:
            tries.append((after, False))
    dotted = next((i for i, line in enumerate(norm) if _has_leader(line)), None)
    if dotted is not None:
        tries.append((dotted, False))
    for first, is_numbered in sorted(set(tries)):
        found = _read_toc(norm, first, is_numbered)
        if found is None:
            continue
        end, entries, leaders = found
        if not is_numbered and heading is None and leaders * 2 < len(entries):
            continue  # unnumbered lines ending in numbers, with no 目录 and no leaders: not a TOC
        start = heading if heading is not None and heading < first and first - heading < 12 else first
        return start, end, entries
    return None


_LEADER_RE = re.compile(r"(?:[.．…·]{2,}|…)\s*\d{1,4}$")
MIN_WRAPPED = 15  # a TOC line without a page number this long wraps onto the next; shorter, it heads a section
MAX_PAGE_JUMP = 400  # pages of one piece: a larger jump is a number in a title, not a page


def _has_leader(line: str) -> bool:
    return bool(_LEADER_RE.search(line)) and bool(p.TOC_LINE_RE.match(line))


def _toc_entry(text: str, numbered: bool):
    """Read one TOC entry as (number or None, title, page, has leaders) or None."""
    if numbered:
        match = p.TOC_ENTRY_RE.match(text)
        return (int(match.group(1)), match.group(2), int(match.group(3)), True) if match else None
    match = p.TOC_LINE_RE.match(text)
    if not match or len(match.group("title")) < 2 or len(text) > 120 or re.search(r"[。！？；]", match.group("title")):
        return None
    number = int(match.group("number")) if match.group("number") else None
    return number, match.group("title"), int(match.group("page")), bool(match.group("leader").strip())


def _wrapped_entry(pending: list[str], line: str, numbered: bool):
    """Read the entry that `line` ends, with the lines before it that have no page number."""
    lines = list(pending)
    if not numbered:
        # Short lines before an entry head sections (第一编, 一九七八年) unless a date follows them.
        while lines and len(lines[0]) < MIN_WRAPPED and not line.startswith(("（", "(", "—")):
            lines.pop(0)
    return _toc_entry("".join(lines) + line, numbered)


def _read_toc(norm: list[str], first: int, numbered: bool):
    """Read TOC entries from `first`: (line after the last, [(number, title)], entries with leaders)."""
    entries: list[tuple[int, str]] = []
    pending: list[str] = []  # lines since the last entry without a page number
    end, leaders, page = first, 0, 0
    for i in range(first, len(norm)):
        line = norm[i]
        if not line:
            continue
        entry = _wrapped_entry(pending, line, numbered)
        if entry and (numbered or page <= entry[2] <= page + MAX_PAGE_JUMP):
            number, title, page, leader = entry
            entries.append((number if number is not None else len(entries) + 1, title))
            leaders += leader
            pending, end = [], i + 1
            continue
        if p.TOC_HEADING_RE.match(line):
            continue  # a TOC over several pages repeats its heading
        if (len(pending) < 2 and len(line) <= 100 and not re.search(r"[。！？；]", line)
                and (not numbered or pending or re.match(r"^\d{1,3}[.．、]", line))):
            pending.append(line)
            continue
        break
    numbers = [n for n, _ in entries]
    # Three or more entries numbered in order make a table of contents, not a stray line.
    if len(entries) < 3 or numbers != sorted(numbers):
        return None
    return end, entries, leaders


def _title_similarity(entry: str, candidate: str) -> float:
    """Score how well a body line (or two) matches a TOC title."""
    a, b = _compact(entry), _compact(candidate)
    if not a or not b:
        return 0.0
    if a in b or b in a:
        return min(len(a), len(b)) / max(len(a), len(b)) + 0.25
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


# A date a book's TOC prints with the title: 坚持…（2018年5月4日）; the body prints it below.
_DATE_IN_TITLE_RE = re.compile(r"[（(][^（）()]{0,20}(?:\d{4}|[一二][〇○零Ｏ一二三四五六七八九]{3})\s*年[^（）()]{0,16}[）)]")
# How far past a good match to look for a better one, in non-blank lines.
LOOKAHEAD = 300


def _match_toc_entries(norm: list[str], body_from: int, entries) -> list[int]:
    """Find, in order, the body line where each TOC entry's speech starts."""
    starts: list[int] = []
    nonblank = [i for i in range(body_from, len(norm)) if norm[i]]
    compact = [_compact(norm[i]) for i in nonblank]
    cursor = 0
    matcher = SequenceMatcher(autojunk=False)
    for _, title in entries:
        target = _compact(_DATE_IN_TITLE_RE.sub("", title)) or _compact(title)
        if not target:
            continue
        matcher.set_seq2(target)
        best, best_score, best_k = None, 0.0, 0
        for k in range(cursor, len(nonblank)):
            if best is not None and k > best_k + LOOKAHEAD:
                break
            line = norm[nonblank[k]]
            if len(line) > 2 * len(title) + 20 or (line[-1] in "。！？；…" and len(line) > 12):
                continue
            candidates = [compact[k]]
            if k + 1 < len(nonblank):
                candidates.append(compact[k] + compact[k + 1])
                if k + 2 < len(nonblank):
                    candidates.append(candidates[-1] + compact[k + 2])
            score = max(_similarity(matcher, target, c) for c in candidates)
            if score > best_score:
                best, best_score, best_k = nonblank[k], score, k
                if score >= 0.95:
                    break
        if best is not None and best_score >= 0.7:
            starts.append(best)
            cursor = best_k + 1
    return starts


def _similarity(matcher: SequenceMatcher, target: str, candidate: str) -> float:
    """Score a compacted body line against a compacted TOC title (the matcher holds the title)."""
    if not candidate:
        return 0.0
    if target in candidate or candidate in target:
        return min(len(target), len(candidate)) / max(len(target), len(candidate)) + 0.25
    matcher.set_seq1(candidate)
    if matcher.real_quick_ratio() < 0.7 or matcher.quick_ratio() < 0.7:
        return 0.0
    return matcher.ratio()


def _named_speech_starts(norm: list[str]) -> list[int]:
    """Find the heads of several people's speeches on one page: 一、王建国同志讲话, 李明同志的讲话摘要."""
    found = []
    for i, line in enumerate(norm):
        if not line or len(line) > 60 or (line[-1] in "。！？；，" and len(line) > 4):
            continue
        match = p.NAMED_SPEECH_RE.match(line)
        if match:
            name, _ = parse_who(match.group("who"))
            if name:
                found.append((i, name))
    # One named title is an ordinary speech; two or more people make a page of several.
    return [i for i, _ in found] if len({name for _, name in found}) >= 2 else []


# A text that holds one speech a line, each opening with its year or date (2019年政府工作报告 各位代表：…,
# 2019-03-05 …), as scraped collections are saved.
_DATED_LINE_RE = re.compile(r"^(?:(?:19|20)\d\d\s*(?:年|[-./]\d{1,2}[-./]\d{1,2})|[一二][〇○零一二三四五六七八九]{3}年"
                            r"|(?:19|20)\d\d(?=[\s\t,，:：|｜]|[\u4e00-\u9fff]))")  # 2019 政府工作报告 …
MIN_SPEECH_LINE = 300  # characters of a line that holds a whole speech, at least


def _dated_line_starts(norm: list[str]) -> list[int]:
    """Find the speeches of a text that holds one a line, each line opening with its year or date.

    Most of its lines (four in five) must be such: a report whose paragraphs open with a year
    (2024年，我们…) holds many other lines.
    """
    nonblank = [i for i, line in enumerate(norm) if line]
    dated = [i for i in nonblank if len(norm[i]) >= MIN_SPEECH_LINE and _DATED_LINE_RE.match(norm[i])]
    return dated if len(dated) >= 2 and len(dated) >= 0.8 * len(nonblank) else []


_EXCERPT_NUMBER_RE = re.compile(rf"^(?:\d{{1,3}}[.．、]|[{p.NUM_CN}]{{1,3}}、|[（(]\d{{1,3}}[）)])")


def _dated_excerpt_starts(norm: list[str]) -> list[int]:
    """Find numbered excerpts each closed by a dated note, as 论述摘编 print them: each is a piece.

    A note closes an excerpt where prose ends just above it (a dateline under a title does
    not); each excerpt opens with its number (1. / 一、), the first where the number before the
    first note stands. Three or more such notes, nearly all over numbered excerpts, or none.
    """
    nonblank = [i for i, line in enumerate(norm) if line]
    position = {i: k for k, i in enumerate(nonblank)}
    notes = [i for k, i in enumerate(nonblank) if p.SOURCE_NOTE_RE.match(norm[i]) and k
             and p.ends_sentence(norm[nonblank[k - 1]]) and len(norm[nonblank[k - 1]]) > 12]
    if len(notes) < 3:
        return []
    starts = []
    first = next((nonblank[k] for k in range(position[notes[0]] - 1, -1, -1)
                  if _EXCERPT_NUMBER_RE.match(norm[nonblank[k]])), None)
    if first is not None:
        starts.append(first)
    starts += [nonblank[position[note] + 1] for note in notes[:-1] if position[note] + 1 < len(nonblank)]
    numbered = sum(1 for start in starts if _EXCERPT_NUMBER_RE.match(norm[start]))
    return starts if first is not None and numbered >= 0.8 * len(starts) else []


def _dated_title_starts(norm: list[str]) -> list[int]:
    """Find a book's pieces: a title line over its dateline, (2018年5月4日), a subtitle between."""
    nonblank = [i for i, line in enumerate(norm) if line]
    starts = []
    for k, i in enumerate(nonblank):
        line = norm[i]
        if (len(line) > 50 or line[-1] in "。！？；，：,:" or p.is_heading(line) or p.DATELINE_RE.match(line)
                or p.SALUTATION_RE.match(line) or p.is_subtitle(line) or p.PAGE_NUMBER_RE.match(line)
                or _is_signature(line) or _PLATE_RE.search(line)):
            continue
        following = [norm[j] for j in nonblank[k + 1:k + 4]]
        if following and p.is_subtitle(following[0]):
            following = following[1:]
        if not following or not p.DATELINE_RE.match(following[0]):
            continue
        if len(following) < 2 or _NOTES_RE.match(following[1]) or p.FRONT_MATTER_RE.match(following[1]):
            continue  # a name and a date over the notes (注释), a new section or the end: a signature
        start = k
        # A title that wraps over two short lines: 坚持以人民为中心 / 的发展思想.
        while start > 0 and k - start < 2:
            before = norm[nonblank[start - 1]]
            if (p.ends_sentence(before) or len(before) > 30 or p.DATELINE_RE.match(before) or p.is_heading(before)
                    or _is_signature(before) or _PLATE_RE.search(before) or p.FRONT_MATTER_RE.match(before)
                    or p.BACK_MATTER_RE.match(before) or p.TOC_HEADING_RE.match(before) or _NOTES_RE.match(before)):
                break
            start -= 1
        starts.append(nonblank[start])
    return starts


# How letters and notes close over their date: 此致敬礼, a person's name, an organ's name.
_NOTES_RE = re.compile(r"^(?:注\s*释|注|附注|尾注|说明)[：:]?$")
_APPENDED_RE = re.compile(r"^(?:附件|附录|附)[一二三四五六七八九十\d]*[：:]?")
_CLOSING_RE = re.compile(r"^(?:此致|敬礼|此致敬礼|致以[^，。]{0,12}敬礼)[！!。]?$")
_ORGAN_RE = re.compile(r"^[^在关于，。《》]{0,16}(?:中央|委员会|人民政府|政府|国务院|军委|办公厅|办公室|编辑部|编者|出版社"
                       r"|[部局厅])$")


def _is_signature(line: str) -> bool:
    """Tell whether a line over a date signs what stands above it rather than heads what follows."""
    bare = re.sub(r"\s", "", line)
    if _CLOSING_RE.match(bare) or _ORGAN_RE.match(bare):
        return True
    if len(bare) > 40:
        return False
    # 王明, or 某某委员会主任王明: a name, with or without its office, and nothing else.
    name, position = parse_who(bare, strict=False)
    return name is not None and bare.endswith(name) and (position is not None or len(bare) <= 8)


def _book_matter(norm: list[str], spans: list[Span]) -> list[Span]:
    """Mark a book's front and back matter and its bare section headings, which are no speech."""
    marked: list[Span] = []
    for span in spans:
        lines = [line for line in norm[span.start:span.end] if line]
        if span.kind != "speech" or not lines:
            marked.append(span)
            continue
        if p.FRONT_MATTER_RE.match(lines[0]):
            marked.append(Span(span.start, span.end, "front matter"))
            continue
        if p.BACK_MATTER_RE.match(lines[0]):
            marked.append(Span(span.start, span.end, "back matter"))
            continue
        if len(lines) <= 2 and sum(map(len, lines)) <= 40:
            marked.append(Span(span.start, span.end, "section heading"))
            continue
        back = next((i for i in range(span.start + 1, span.end) if p.BACK_MATTER_RE.match(norm[i])), None)
        if back is not None:
            marked.append(Span(span.start, back, "speech", span.header_lines, span.context))
            marked.append(Span(back, span.end, "back matter"))
            continue
        marked.append(span)
    return marked


def _find_title_starts(norm: list[str]) -> list[int]:
    """Find speech starts in a document without a table of contents."""
    nonblank = [i for i, line in enumerate(norm) if line]
    starts = []
    for k, i in enumerate(nonblank):
        line = norm[i]
        if p.SECTION_RE.match(line):
            starts.append(i)
            continue
        if not (p.is_title(line) or (p.is_subtitle(line) and len(line) <= 60)):
            continue
        before = norm[nonblank[k - 1]] if k else ""
        if before and not (p.ends_sentence(before) or p.SECTION_RE.match(before) or len(before) <= 40):
            continue  # the end of a sentence that runs over from the line before
        following = [norm[j] for j in nonblank[k + 1 : k + 5]]
        if (following and following[0][0] in CLOSING_CHARS) or (before and p.ends_open(before)):
            continue  # a title named mid-sentence: 会议听取了…所作的 | 政府工作报告 | 。会议同意…
        if not following or any(
            p.SALUTATION_RE.match(f) or p.DATELINE_RE.match(f) or p.is_subtitle(f) for f in following
        ) or k == 0:
            starts.append(i)
    return starts


def _is_body(line: str) -> bool:
    """Tell whether a line is speech text rather than part of a title block."""
    if p.SALUTATION_RE.match(line) or len(line) > 100:
        return True
    is_head = p.is_title(line) or p.SECTION_RE.match(line) or p.DATELINE_RE.match(line)
    return p.ends_sentence(line) and len(line) > 20 and not is_head


def _merge_title_blocks(norm: list[str], starts: list[int]) -> list[int]:
    """Keep one start per title block: 第二篇：… / title / 篇一： are one speech's head."""
    merged: list[int] = []
    for start in starts:
        if merged and not any(_is_body(norm[i]) for i in range(merged[-1], start)):
            continue
        merged.append(start)
    return merged


def _extend_main_title(norm: list[str], start: int, floor: int) -> int:
    """Move a start that is a subtitle (——在…的讲话) up to its main title lines."""
    following = next((line for line in norm[start + 1 :] if line), "")
    if not (p.is_subtitle(norm[start]) or p.is_subtitle(following)):
        return start
    best = start
    taken = 0
    i = start - 1
    while i >= floor and taken < 3:
        line = norm[i]
        if line:
            if p.ends_sentence(line) or len(line) > 40 or p.is_heading(line):
                break
            best = i
            taken += 1
        i -= 1
    return best


def header_size(norm: list[str], start: int, end: int) -> int:
    """Count the non-blank lines of a speech's title block, up to its first body line."""
    count = 0
    for i in range(start, end):
        line = norm[i]
        if not line:
            continue
        if _is_body(line) or p.is_heading(line) or count >= 6:
            break
        count += 1
    return count


def _leads_into(norm: list[str]) -> bool:
    """Tell whether the lines before the first title are a lead naming the speech (现摘录…的讲话)."""
    lines = [line for line in norm if line]
    return 0 < len(lines) <= 2 and any(from_lead(line).name for line in lines)


def _is_front_matter(norm: list[str]) -> bool:
    """Tell whether the lines before the first speech are a cover, not prose."""
    lines = [line for line in norm if line]
    if not lines:
        return True
    return all(len(re.findall(r"[。！？]", line)) < 2 and len(line) <= 150 for line in lines)
