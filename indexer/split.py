"""Split a document into speeches, and name what belongs to none (tables of contents, covers).

The rules are general: a table of contents names the speeches that follow it; compilations
mark sections (`第二篇：`, `篇一：`); otherwise a speech starts at a title line
(`…在…会议上的讲话`) that is followed by its byline, dateline or salutation.
"""

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from indexer import patterns as p
from indexer.text import normalize


@dataclass
class Span:
    """A run of a document's lines [start, end): a speech, or a part that belongs to none."""

    start: int  # index of the first line, from 0
    end: int  # index after the last line
    kind: str  # "speech", or why the lines belong to no speech
    header_lines: int = 0  # non-blank lines of the title block (title, byline, dateline)


def split_document(lines: list[str]) -> list[Span]:
    """Split a document's lines into speech spans and dropped spans, covering every line once."""
    norm = [normalize(line).strip() for line in lines]
    spans: list[Span] = []
    toc = _find_toc(norm)
    body_from = 0
    if toc:
        toc_start, toc_end, entries = toc
        starts = _match_toc_entries(norm, toc_end, entries)
        body_from = toc_end
    else:
        starts = _find_title_starts(norm)
    starts = _merge_title_blocks(norm, sorted(set(starts)))
    starts = [_extend_main_title(norm, s, body_from) for s in starts]
    if not starts or not any(norm[body_from : starts[0]]):
        first = starts[0] if starts else len(norm)
    else:
        first = starts[0]
    # What precedes the first speech: a cover or series header is dropped; prose is a speech.
    preamble_kind = "front matter" if _is_front_matter(norm[:first]) else "speech"
    if toc:
        toc_start, toc_end, _ = toc
        if toc_start > 0:
            spans.append(Span(0, toc_start, "front matter"))
        spans.append(Span(toc_start, toc_end, "table of contents"))
        if first > toc_end:
            spans.append(Span(toc_end, first, preamble_kind))
    elif first > 0:
        spans.append(Span(0, first, preamble_kind))
    bounds = starts + [len(norm)]
    for start, end in zip(bounds, bounds[1:]):
        spans.append(Span(start, end, "speech", _header_size(norm, start, end)))
    if not starts:
        # No title anywhere: the whole document is one speech.
        spans = [Span(0, len(norm), "speech", 0)]
    spans = [s for s in spans if s.end > s.start]
    for span in spans:
        if span.kind == "speech" and not span.header_lines:
            span.header_lines = _header_size(norm, span.start, span.end)
    return spans


def _compact(text: str) -> str:
    """Drop spaces and the marks titles differ by between a TOC and the body."""
    return re.sub(r"[\s.．…·—\-:：]", "", text)


def _find_toc(norm: list[str]):
    """Find a table of contents: (first line, line after it, [(number, title)]), or None."""
    heading = next((i for i, line in enumerate(norm) if p.TOC_HEADING_RE.match(line)), None)
    first_entry = next((i for i, line in enumerate(norm) if p.TOC_ENTRY_RE.match(line)), None)
    if first_entry is None:
        return None
    start = heading if heading is not None and heading < first_entry and first_entry - heading < 5 else first_entry
    entries: list[tuple[int, str]] = []
    pending: str | None = None  # an entry whose title wrapped onto the next line
    end = first_entry
    for i in range(first_entry, len(norm)):
        line = norm[i]
        if not line:
            continue
        joined = (pending or "") + line
        match = p.TOC_ENTRY_RE.match(joined)
        if match:
            entries.append((int(match.group(1)), match.group(2)))
            pending = None
            end = i + 1
        elif pending is None and re.match(r"^\d{1,3}[.．、]", line) and len(line) <= 100:
            pending = line
        else:
            break
    numbers = [n for n, _ in entries]
    # Three or more entries numbered in order make a table of contents, not a stray line.
    if len(entries) < 3 or numbers != sorted(numbers):
        return None
    return start, end, entries


def _title_similarity(entry: str, candidate: str) -> float:
    """Score how well a body line (or two) matches a TOC title."""
    a, b = _compact(entry), _compact(candidate)
    if not a or not b:
        return 0.0
    if a in b or b in a:
        return min(len(a), len(b)) / max(len(a), len(b)) + 0.25
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def _match_toc_entries(norm: list[str], body_from: int, entries) -> list[int]:
    """Find, in order, the body line where each TOC entry's speech starts."""
    starts: list[int] = []
    cursor = body_from
    nonblank = [i for i in range(body_from, len(norm)) if norm[i]]
    for _, title in entries:
        best, best_score = None, 0.0
        for k, i in enumerate(nonblank):
            if i < cursor:
                continue
            line = norm[i]
            if len(line) > 2 * len(title) + 20 or p.ends_sentence(line):
                continue
            candidates = [line]
            if k + 1 < len(nonblank):
                candidates.append(line + norm[nonblank[k + 1]])
            score = max(_title_similarity(title, c) for c in candidates)
            if score > best_score:
                best, best_score = i, score
                if score >= 0.95:
                    break
        if best is not None and best_score >= 0.7:
            starts.append(best)
            cursor = best + 1
    return starts


def _find_title_starts(norm: list[str]) -> list[int]:
    """Find speech starts in a document without a table of contents."""
    nonblank = [i for i, line in enumerate(norm) if line]
    starts = []
    for k, i in enumerate(nonblank):
        line = norm[i]
        if p.SECTION_RE.match(line):
            starts.append(i)
            continue
        if not (p.is_title(line) or (p.SUBTITLE_RE.match(line) and len(line) <= 60)):
            continue
        before = norm[nonblank[k - 1]] if k else ""
        if before and not (p.ends_sentence(before) or p.SECTION_RE.match(before) or len(before) <= 40):
            continue  # the end of a sentence that runs over from the line before
        following = [norm[j] for j in nonblank[k + 1 : k + 5]]
        if not following or any(
            p.SALUTATION_RE.match(f) or p.DATELINE_RE.match(f) or p.SUBTITLE_RE.match(f) for f in following
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
    if not (p.SUBTITLE_RE.match(norm[start]) or p.SUBTITLE_RE.match(following)):
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


def _is_front_matter(norm: list[str]) -> bool:
    """Tell whether the lines before the first speech are a cover, not prose."""
    lines = [line for line in norm if line]
    if not lines:
        return True
    return all(len(re.findall(r"[。！？]", line)) < 2 and len(line) <= 150 for line in lines)
