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
from indexer.names import parse_who
from indexer.speakers import from_lead
from indexer.text import normalized_lines


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


def split_document(lines: list[str], kind: str = "document", norm: list[str] | None = None) -> list[Span]:
    """Split a document's lines into speech spans and dropped spans, covering every line once.

    `kind` "book" (a PDF book or collected works) also starts a piece at a title over its
    dateline, and drops front matter (title page, 出版说明) and back matter (后记). `norm`
    is the lines as normalized_lines() gives them, when the caller has them already.
    """
    norm = normalized_lines(lines) if norm is None else norm
    book = kind == "book"
    spans: list[Span] = []
    toc = _find_toc(norm)
    body_from = 0
    named = [] if toc else _named_speech_starts(norm)
    if toc:
        toc_start, toc_end, entries = toc
        starts = _match_toc_entries(norm, toc_end, entries)
        body_from = toc_end
    elif named:
        starts = named
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
        spans.append(Span(start, end, "speech", _header_size(norm, start, end), context))
    if not starts:
        # No title anywhere: the whole document is one speech.
        spans = [Span(0, len(norm), "speech", 0)]
    if book:
        spans = _book_matter(norm, spans)
    spans = [s for s in spans if s.end > s.start]
    for span in spans:
        if span.kind == "speech" and not span.header_lines:
            span.header_lines = _header_size(norm, span.start, span.end)
    count = sum(span.kind == "speech" for span in spans)
    for span in spans:
        span.siblings = count
    return spans


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


def _dated_title_starts(norm: list[str]) -> list[int]:
    """Find a book's pieces: a title line over its dateline, (2018年5月4日), a subtitle between."""
    nonblank = [i for i, line in enumerate(norm) if line]
    starts = []
    for k, i in enumerate(nonblank):
        line = norm[i]
        if (len(line) > 50 or line[-1] in "。！？；，：,:" or p.is_heading(line) or p.DATELINE_RE.match(line)
                or p.SALUTATION_RE.match(line) or p.is_subtitle(line) or p.PAGE_NUMBER_RE.match(line)):
            continue
        following = [norm[j] for j in nonblank[k + 1:k + 3]]
        if following and p.is_subtitle(following[0]):
            following = following[1:]
        if not following or not p.DATELINE_RE.match(following[0]):
            continue
        start = k
        # A title that wraps over two short lines: 坚持以人民为中心 / 的发展思想.
        while start > 0 and k - start < 2:
            before = norm[nonblank[start - 1]]
            if p.ends_sentence(before) or len(before) > 30 or p.DATELINE_RE.match(before) or p.is_heading(before):
                break
            start -= 1
        starts.append(nonblank[start])
    return starts


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


def _header_size(norm: list[str], start: int, end: int) -> int:
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
