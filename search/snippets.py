"""Snippets and the concordance: every occurrence found in a paragraph as written, marked or cut out with its context.

Terms are found in the case-folded paragraph, which keeps the offsets of the paragraph as
written; a pattern in the paragraph as written. An occurrence is a leftmost, non-overlapping
match within one paragraph, as the postings count it.
"""

import html

from indexer import provinces, schema, store
from indexer.text import fold_case, folds_alike
from search import limits

# The orders a concordance can be listed in; the first is its own (source) order.
KWIC_SORTS = (None, "source", "left", "match", "right", "date", "province")
# Where and what a concordance row matched, after the speech's fields (the registry's `kwic`).
KWIC_MATCH_COLUMNS = ("paragraph", "offset", "left", "match", "right", "url")


def kwic_columns() -> list[str]:
    """Return the columns of a concordance row, in JSON and CSV order: the speech's, then the match's."""
    return list(schema.kwic_fields()) + list(KWIC_MATCH_COLUMNS)


def term_spans(paragraph: str, folded: str, term, low: int = 0, high: int | None = None):
    """Yield (start, end) of each occurrence of a term starting before `high` (all when None).

    A phrase is found in the case-folded paragraph from `low` on (its offsets are those of the
    paragraph as written); a pattern's matches are chained from the paragraph's start, as they are counted.
    """
    if isinstance(term, str):
        start = folded.find(term, low)
        while start != -1 and (high is None or start < high):
            yield start, start + len(term)
            start = folded.find(term, start + len(term))
        return
    from search.patterns import compile_pattern, holds, spans

    compiled = compile_pattern(term.source)
    if not holds(compiled.requirement, folded if len(folded) == len(paragraph) else fold_case(paragraph)):
        return  # it lacks what every match holds
    for start, end in spans(compiled, paragraph):
        if high is not None and start >= high:
            return
        yield start, end


def plain_terms(terms: list) -> bool:
    """Tell whether every term is a phrase folding leaves alike (`folds_alike`: no Latin letter, no character a
    traditional form folds to): found alike in a paragraph as written and folded, a paragraph without them is skipped unfolded."""
    return all(isinstance(term, str) and folds_alike(term) for term in terms)


def folded_holding(paragraph: str, terms: list, plain: bool) -> str | None:
    """Return the paragraph case-folded, or None when plain terms (`plain_terms`) are not in it."""
    if plain:
        return paragraph if any(term in paragraph for term in terms) else None
    return fold_case(paragraph)


def occurrences(paragraphs: list[str], terms: list):
    """Yield (paragraph number from 1, paragraph, offset, match as written) for every occurrence, in text order.

    Terms are found in the case-folded paragraph, which has the offsets of the paragraph as
    written; patterns in the paragraph as written.
    """
    plain = plain_terms(terms)
    for number, paragraph in enumerate(paragraphs, 1):
        if number % 32 == 1:
            limits.check()
        folded = folded_holding(paragraph, terms, plain)
        if folded is None:
            continue
        found = []
        for term in terms:
            for start, end in term_spans(paragraph, folded, term):
                found.append((start, folded[start:end], end))
                if len(found) % 4096 == 0:
                    limits.check()  # a paragraph may hold a million occurrences (a hostile file)
        for offset, _, end in sorted(found):
            yield number, paragraph, offset, paragraph[offset:end]


def mark(paragraph: str, terms: list[str], start: int = 0, end: int | None = None) -> str:
    """Escape a stretch of paragraph as HTML with <mark> around exactly each occurrence."""
    end = len(paragraph) if end is None else end
    # Look only near the window: a paragraph may hold a million occurrences (a hostile file).
    longest = max((len(term) for term in terms if isinstance(term, str)), default=0)
    low, high = max(0, start - longest), min(len(paragraph), end + longest)
    window = fold_case(paragraph[:high])  # terms are case-folded, as the text is matched
    found = []
    for term in terms:
        for a, b in term_spans(paragraph, window, term, low, high):
            if b > low:
                found.append((a, b))
    # Leftmost first, the longer term first where two begin together; overlaps are skipped.
    found.sort(key=lambda span: (span[0], -span[1]))
    spans = []
    for a, b in found:
        if not spans or a >= spans[-1][1]:
            spans.append((a, b))
    # Widen the window so no mark is cut in half.
    for a, b in spans:
        if a < start < b:
            start = a
        if a < end < b:
            end = b
    out = ["…" if start > 0 else ""]
    cursor = start
    for a, b in spans:
        if b <= start or a >= end:
            continue
        out.append(html.escape(paragraph[cursor:a]))
        out.append("<mark>" + html.escape(paragraph[a:b]) + "</mark>")
        cursor = b
    out.append(html.escape(paragraph[cursor:end]))
    out.append("…" if end < len(paragraph) else "")
    return "".join(out)


def snippets(paragraphs: list[str], terms: list, width: int, most: int) -> list[dict]:
    """Cut up to `most` snippets, one a paragraph, around the first occurrences, marking exactly each match."""
    found = []
    for number, paragraph, offset, term in occurrences(paragraphs, terms):
        if len(found) >= most:
            break
        if found and found[-1]["paragraph"] == number:
            continue
        start = max(0, offset - width)
        end = min(len(paragraph), offset + len(term) + width)
        found.append({"paragraph": number, "html": mark(paragraph, terms, start, end)})
    return found


def kwic_spots(generation, matched: list[int], terms: list, width: int):
    """Yield (position, paragraph number, offset, left, match, right) of every occurrence, in source and text order."""
    for index in matched:
        limits.check()
        for count, (number, paragraph, offset, term) in enumerate(occurrences(generation.text(index).split("\n"), terms)):
            if count % 256 == 255:
                limits.check()
            yield (index, number, offset, paragraph[max(0, offset - width) : offset], term,
                   paragraph[offset + len(term) : offset + len(term) + width])


def kwic_row(generation, spot: tuple, base_url: str) -> dict:
    """Return the concordance row of one occurrence."""
    index, number, offset, left, match, right = spot
    row = generation.records.pick(index, schema.kwic_fields())
    speech_id = generation.records.value(index, "id")
    row.update(paragraph=number, offset=offset, left=left, match=match, right=right,
               url=f"{base_url}/speech/{speech_id}#p{number}")
    return row


def kwic_sort_key(generation, sort: str):
    """Return the key of a concordance order over (position, paragraph, offset, left, match, right) spots."""
    if sort == "left":
        return lambda spot: spot[3][::-1]  # the nearest character first, as corpus tools sort left contexts
    if sort == "match":
        return lambda spot: spot[4]
    if sort == "right":
        return lambda spot: spot[5]
    records = generation.records
    if sort == "date":
        return lambda spot: store.date_key(records.value(spot[0], "date"), records.value(spot[0], "id"))

    def province(spot):
        name = records.value(spot[0], "province")
        return (name is None, provinces.code(name or "") or "")
    return province


def source_key(generation, spot: tuple) -> tuple:
    """Return where a spot stands in source order: file path, place in the file, paragraph, offset."""
    records = generation.records
    return (records.value(spot[0], "source").split("#row=")[0], records.value(spot[0], "ordinal"), spot[1], spot[2])


def kwic_rows(generation, matched: list[int], terms: list, width: int, sort: str | None, base_url: str, keyed: bool):
    """Yield the concordance rows of the matched speeches in an order of KWIC_SORTS, ties in source order.

    Source order holds one row at a time; another order holds a compact entry per row while it
    sorts. `keyed` rows carry `_key`, their place in the order, by which parts are merged.
    """
    spots = kwic_spots(generation, matched, terms, width)
    first = None if sort in (None, "source") else kwic_sort_key(generation, sort)
    if first is not None:
        kept = []
        written: dict[str, str] = {}  # one string per distinct match as written, shared by its rows
        for spot in spots:
            kept.append(spot[:4] + (written.setdefault(spot[4], spot[4]),) + spot[5:])
        limits.check()
        kept.sort(key=first)  # stable: ties stay in source order
        spots = kept
    for count, spot in enumerate(spots):
        if count % 256 == 0:
            limits.check()
        row = kwic_row(generation, spot, base_url)
        if keyed:
            row["_key"] = (first(spot), source_key(generation, spot)) if first else source_key(generation, spot)
        yield row
