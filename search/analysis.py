"""Forms, collocates and keywords: the corpus linguist's counts, exact, as sums over speeches.

- **Forms** of a query: the distinct strings its terms matched (a pattern's `三高四新`,
  `三大四新`; a phrase's `GDP`, `gdp`), each with its occurrences and speeches.
- **Collocates** of a query: the items (words, or character n-grams) in a window of
  characters either side of its occurrences, never across a paragraph, a position inside two
  windows counted once and the occurrences themselves left out; scored against their
  frequency in the corpus (or the filtered part of it).
- **Keywords** of a target part of the corpus against a reference part: frequency list and
  keyness.
- **Clusters** of a query (AntConc's clusters, Sketch Engine's n-grams of a node): each
  occurrence with the words that follow it, precede it or both, inside its clause, counted as
  strings as printed (`稳中求进` + 2 words: `稳中求进工作总基调`).

Every figure is a sum of per-speech counts (search/counts.py: the statistics, tallies of words,
n-grams), so counts of parts of a corpus (shards) add up to the counts of the whole. The words
inside a window come from segmenting the window's paragraph, which is how the index segmented it.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter

import numpy as np

from indexer.text import fold_case
from search import limits, matching
from search import query as q
from search.counts import (NGRAM_SIZES, can_overlap, chars_of, collocation_scores, fold_maximal, frequent_ngrams, keeps,
                           keyness_scores, phrase_counts, ranks, word_table)
from search.errors import QueryTooBroad, SearchError, check_choice, positive_int
from search.snippets import folded_holding, occurrences, plain_terms, term_spans

LIMIT = 200  # rows a page or JSON shows unless every row is asked for; CSV has every row
UNITS = ("word", "ngram")
FORM_SORTS = ("occurrences", "speeches", "form")
COLLOCATE_SORTS = ("g2", "mi", "logdice", "freq")
KEYWORD_SORTS = ("g2", "log_ratio", "freq")
# The columns of each kind of row, in the order JSON and CSV give them.
FORM_COLUMNS = ["form", "occurrences", "speeches"]
CLUSTER_SIDES = ("right", "left", "both")
CLUSTER_SORTS = ("occurrences", "speeches", "cluster")
CLUSTER_COLUMNS = ["cluster", "occurrences", "speeches"]
MAX_CLUSTER_WORDS = 8
COLLOCATE_COLUMNS = ["item", "window_freq", "corpus_freq", "g2", "mi", "logdice"]
KEYWORD_COLUMNS = ["item", "target_freq", "reference_freq", "target_speeches", "reference_speeches",
                   "target_per_10k_chars", "reference_per_10k_chars", "g2", "log_ratio"]
# N-gram discovery holds a few arrays of 8 bytes per character of the target: past this many
# characters it is refused (narrow the target, or count words).
MAX_NGRAM_CHARS = 20_000_000


# ---- parts: what one index (or one shard) counts, and the answers merged from them -------------------
# Every answer below is merged from parts, each a sum over one index's speeches: an index
# gives one part, a sharded index one per shard (search.Corpus asks each part's `analysis`,
# search/index.py), so the merged counts equal one index's over the same files. The part
# functions take that part's `Index`; the answers take the Corpus, whose methods hold the defaults.

PART_NAMES = ("forms_part", "clusters_part", "collocates_part", "collocates_counts", "keyword_tallies", "ngram_candidates",
              "ngram_target_counts", "ngram_counts")


def part(index, name: str, *args):
    """Compute one named part on one index."""
    if name not in PART_NAMES:
        raise ValueError(f"no analysis part {name!r}")
    return globals()[name](index, *args)


class Parts:
    """Ask every index of a backend for a part: `parts(name, *args)` is the list of their answers."""

    def __init__(self, ask, count: int):
        self.ask = ask
        self.count = count  # how many indexes answer (shards)

    def __call__(self, name: str, *args) -> list:
        return self.ask(name, *args)


def _limit(rows: list, limit: int | None) -> list:
    return rows if limit is None else rows[:limit]


# ---- forms -----------------------------------------------------------------------------------------


def forms_part(index, query: str, filters: dict | None) -> dict:
    """Count the forms of one index: {form: [occurrences, speeches]} and the speeches matched."""
    parsed = matching.parse(query, filters, require_text=True)
    generation = index.generation()
    matched, _ = matching.matching(generation, parsed)
    terms = matching.terms(parsed)
    found: dict[str, list[int]] = {}
    for done, index in enumerate(matched):
        if done % 32 == 0:
            limits.check()
        for form, count in Counter(m for *_, m in occurrences(generation.text(index).split("\n"), terms)).items():
            entry = found.setdefault(form, [0, 0])
            entry[0] += count
            entry[1] += 1
    return {"forms": found, "speeches": len(matched)}


def _merged_counts(pieces: list[dict], key: str) -> dict[str, list[int]]:
    """Add the parts' {string: [occurrences, speeches]} (a speech lies in one part, so its speeches add up)."""
    merged: dict[str, list[int]] = {}
    for piece in pieces:
        for item, (count, speeches) in piece[key].items():
            entry = merged.setdefault(item, [0, 0])
            entry[0] += count
            entry[1] += speeches
    return merged


def _string_rows(merged: dict[str, list[int]], column: str, min_freq: int, sort: str) -> list[dict]:
    """Return the strings seen at least min_freq times as rows, ordered by occurrences, speeches or the string."""
    rows = [{column: item, "occurrences": count, "speeches": speeches}
            for item, (count, speeches) in merged.items() if count >= min_freq]
    keys = {"occurrences": lambda r: (-r["occurrences"], r[column]),
            "speeches": lambda r: (-r["speeches"], -r["occurrences"], r[column])}
    rows.sort(key=keys.get(sort, lambda r: r[column]))
    return rows


def forms(corpus, query: str, filters: dict | None, sort: str, min_freq: int, limit: int | None) -> dict:
    """Return the distinct strings the query's terms matched (at least min_freq times), with occurrences and speeches."""
    check_choice(sort, FORM_SORTS, "sort")
    min_freq = positive_int(min_freq, "min_freq")
    parsed = matching.parse(query, filters, require_text=True)
    pieces = corpus.analysis_parts()("forms_part", query, filters)
    merged = _merged_counts(pieces, "forms")
    rows = _string_rows(merged, "form", min_freq, sort)
    return {"query": query, "filters": parsed.filters, "index_version": corpus.index_version, "sort": sort,
            "min_freq": min_freq, "total": len(rows), "occurrences": sum(count for count, _ in merged.values()),
            "speeches": sum(piece["speeches"] for piece in pieces), "forms": _limit(rows, limit),
            "parsed": q.describe(parsed)}


# ---- clusters --------------------------------------------------------------------------------------


# Characters of a clause segmented on each side of an occurrence per word asked for: a clause
# may be a hostile file's million characters, and words this far away never change jieba's
# words beside the occurrence.
CLUSTER_REACH = 16


def _clause_words(paragraph: str, start: int, end: int, size: int) -> list[tuple[str, int, int]]:
    """Return the words of an occurrence's clause (its run between punctuation) near it, with their paragraph offsets.

    Only `CLUSTER_REACH` characters a word on each side are read; a word cut where they end is
    left out, so a cluster never holds half a word.
    """
    from indexer.segment import word_spans

    reach = CLUSTER_REACH * size
    low, high = max(0, start - reach), min(len(paragraph), end + reach)
    breaks_before = [found.end() for found in _RUN_BREAK.finditer(paragraph, low, start)]
    whole_left = bool(breaks_before) or low == 0  # the clause begins inside what is read
    low = breaks_before[-1] if breaks_before else low
    break_after = _RUN_BREAK.search(paragraph, end, high)
    whole_right = break_after is not None or high == len(paragraph)
    high = break_after.start() if break_after else high
    return [(word, low + a, low + b) for word, a, b in word_spans(paragraph[low:high])
            if (a > 0 or whole_left) and (b < high - low or whole_right)]


def _cluster(words: list[tuple[str, int, int]], start: int, end: int, side: str, size: int) -> tuple[int, int] | None:
    """Return the stretch of an occurrence and `size` words on its side(s) in its clause, or None when fewer are there.

    A word the occurrence cuts (jieba's 求进工 around a match 稳中求) counts as a word of that side.
    """
    low, high = start, end
    if side in ("left", "both"):
        before = [word for word in words if word[1] < start]
        if len(before) < size:
            return None
        low = before[-size][1]
    if side in ("right", "both"):
        after = [word for word in words if word[2] > end]
        if len(after) < size:
            return None
        high = after[size - 1][2]
    return low, high


def clusters_part(index, query: str, filters: dict | None, side: str, size: int) -> dict:
    """Count one index's clusters: {cluster: [occurrences, speeches]}, the occurrences and the speeches matched."""
    parsed = matching.parse(query, filters, require_text=True)
    generation = index.generation()
    matched, _ = matching.matching(generation, parsed)
    terms = matching.terms(parsed)
    found: dict[str, list[int]] = {}
    nodes = 0
    for done, index in enumerate(matched):
        if done % 16 == 0:
            limits.check()
        in_speech: Counter = Counter()
        for _, paragraph, start, match in occurrences(generation.text(index).split("\n"), terms):
            nodes += 1
            if nodes % 256 == 0:
                limits.check()
            end = start + len(match)
            stretch = _cluster(_clause_words(paragraph, start, end, size), start, end, side, size)
            if stretch is not None:
                in_speech[paragraph[stretch[0]:stretch[1]]] += 1
        for cluster, count in in_speech.items():
            entry = found.setdefault(cluster, [0, 0])
            entry[0] += count
            entry[1] += 1
    return {"clusters": found, "nodes": nodes, "speeches": len(matched)}


def clusters(corpus, query: str, filters: dict | None, side: str, words: int, sort: str, min_freq: int,
             limit: int | None) -> dict:
    """Return the query's occurrences with `words` words on a side (right, left, both) as strings, counted.

    The words are jieba's, as the index segments; a cluster never crosses punctuation (its
    clause ends there), and an occurrence with fewer words on that side in its clause gives none.
    """
    check_choice(side, CLUSTER_SIDES, "side")
    check_choice(sort, CLUSTER_SORTS, "sort")
    words = positive_int(words, "words")
    if words > MAX_CLUSTER_WORDS:
        raise SearchError(f"words must be at most {MAX_CLUSTER_WORDS}, not {words}",
                          f"words 最多为 {MAX_CLUSTER_WORDS}，不能是 {words}")
    min_freq = positive_int(min_freq, "min_freq")
    parsed = matching.parse(query, filters, require_text=True)
    pieces = corpus.analysis_parts()("clusters_part", query, filters, side, words)
    merged = _merged_counts(pieces, "clusters")
    rows = _string_rows(merged, "cluster", min_freq, sort)
    return {"query": query, "filters": parsed.filters, "index_version": corpus.index_version, "side": side,
            "words": words, "sort": sort, "min_freq": min_freq, "total": len(rows),
            "occurrences": sum(piece["nodes"] for piece in pieces),
            "clustered": sum(count for count, _ in merged.values()),
            "speeches": sum(piece["speeches"] for piece in pieces), "clusters": _limit(rows, limit),
            "parsed": q.describe(parsed)}


# ---- collocates ------------------------------------------------------------------------------------


def window_intervals(length: int, spans: list[tuple[int, int]], width: int) -> list[tuple[int, int]]:
    """Return the positions within `width` characters of the spans, less the spans, as sorted [a, b) runs."""
    inside = bytearray(length)
    for start, end in spans:
        low, high = max(0, start - width), min(length, end + width)
        inside[low:start] = b"\x01" * (start - low)
        inside[end:high] = b"\x01" * (high - end)
    for start, end in spans:
        inside[start:end] = bytes(end - start)
    return [found.span() for found in re.finditer(b"\x01+", bytes(inside))]


# Characters jieba never segments across: it cuts a text into runs of ideographs, letters and
# digits first and segments each run on its own, so a paragraph's words around a window are the
# words of the runs that window touches.
_RUN_BREAK = re.compile(r"[，。；：！？、,;:!?\s]")


def _runs_around(paragraph: str, intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return the pieces of the paragraph, cut at run breaks, that hold the intervals, merged, in order."""
    breaks = [found.start() for found in _RUN_BREAK.finditer(paragraph)]
    pieces: list[list[int]] = []
    for low, high in intervals:
        k = bisect.bisect_left(breaks, low)  # breaks[k - 1] is the last before the window
        before = breaks[k - 1] + 1 if k else 0
        k = bisect.bisect_left(breaks, high)  # the first at or after its end
        end = breaks[k] if k < len(breaks) else len(paragraph)
        if pieces and before <= pieces[-1][1]:
            pieces[-1][1] = max(pieces[-1][1], end)
        else:
            pieces.append([before, end])
    return [(low, high) for low, high in pieces]


def _window_words(paragraph: str, intervals: list[tuple[int, int]], counter: Counter) -> int:
    """Count the words lying wholly inside the intervals; return how many there are.

    Only the runs the windows touch are segmented (a window is some 20 characters of a
    paragraph of hundreds): their words are the whole paragraph's words there.
    """
    from indexer.segment import word_spans

    tokens = [(word, low + start, low + end) for low, high in _runs_around(paragraph, intervals)
              for word, start, end in word_spans(paragraph[low:high])]
    starts = [start for _, start, _ in tokens]
    seen = 0
    for low, high in intervals:
        k = bisect.bisect_left(starts, low)
        while k < len(tokens) and tokens[k][1] < high:
            word, _, end = tokens[k]
            if end <= high:
                counter[word.lower()] += 1
                seen += 1
            k += 1
    return seen


def _window_grams(folded: str, intervals: list[tuple[int, int]], counter: Counter, keep_char, sides: dict) -> None:
    """Count every n-gram of usable characters lying wholly inside the intervals (overlaps counted).

    `sides` keeps, for each n-gram, the letter or digit the paragraph holds just before and just
    after it, the same at every occurrence so far ("" at an edge or punctuation, None once two
    occurrences differ): an n-gram that one letter always extends is a cut piece of a longer string.
    """
    end_of = len(folded)
    for low, high in intervals:
        for run in re.finditer(r"\S+", "".join(c if keep_char(c) else " " for c in folded[low:high])):
            text, start = run.group(), low + run.start()
            for size in NGRAM_SIZES:
                for at in range(len(text) - size + 1):
                    gram = text[at : at + size]
                    counter[gram] += 1
                    begin, end = start + at, start + at + size
                    left = folded[begin - 1] if begin and folded[begin - 1].isalnum() else ""
                    right = folded[end] if end < end_of and folded[end].isalnum() else ""
                    seen = sides.get(gram)
                    if seen is None:
                        sides[gram] = (left, right)
                    elif seen != (left, right):
                        sides[gram] = (seen[0] if seen[0] == left else None, seen[1] if seen[1] == right else None)


def merge_sides(pieces: list[dict]) -> dict:
    """Merge the n-grams' neighbours of every part: a side stays a letter only where every part saw that letter."""
    merged: dict = {}
    for piece in pieces:
        for gram, (left, right) in piece.get("sides", {}).items():
            seen = merged.get(gram)
            merged[gram] = (left, right) if seen is None else (seen[0] if seen[0] == left else None,
                                                               seen[1] if seen[1] == right else None)
    return merged


def is_fragment(sides: tuple) -> bool:
    """Tell whether an n-gram is a cut piece of a longer string: the same letter extends it at every occurrence."""
    return bool(sides[0]) or bool(sides[1])


def _grams_in_windows(gram: str, windows: list[tuple[str, list[tuple[int, int]], list[int]]]) -> int:
    """Count a gram's occurrences, chained from each paragraph's start as search counts them, wholly inside windows."""
    total = 0
    for folded, intervals, starts in windows:
        at = folded.find(gram)
        while at != -1:
            k = bisect.bisect_right(starts, at) - 1
            if k >= 0 and at + len(gram) <= intervals[k][1]:
                total += 1
            at = folded.find(gram, at + len(gram))
    return total


def collocates_part(index, query: str, filters: dict | None, width: int, unit: str, punctuation: bool) -> dict:
    """Count one index's items in the windows around the query's occurrences, and the size of its corpus."""
    parsed = matching.parse(query, filters, require_text=True)
    generation = index.generation()
    matched, _ = matching.matching(generation, parsed)
    terms = matching.terms(parsed)
    keep_char = (lambda c: True) if punctuation else str.isalnum
    in_windows: Counter = Counter()
    window_size = nodes = 0
    windows: list[tuple[str, list[tuple[int, int]], list[int]]] = []  # n-grams: each windowed paragraph, folded
    sides: dict = {}  # n-grams: the letters around them (see _window_grams)
    plain = plain_terms(terms)
    for done, index in enumerate(matched):
        if done % 16 == 0:
            limits.check()
        for paragraph in generation.text(index).split("\n"):
            folded = folded_holding(paragraph, terms, plain)
            if folded is None:
                continue
            spans = sorted(span for term in terms for span in term_spans(paragraph, folded, term))
            if not spans:
                continue
            nodes += len(spans)
            intervals = window_intervals(len(paragraph), spans, width)
            if unit == "word":
                window_size += _window_words(paragraph, intervals, in_windows)
            else:
                window_size += sum(high - low for low, high in intervals)
                _window_grams(folded, intervals, in_windows, keep_char, sides)
                windows.append((folded, intervals, [low for low, _ in intervals]))
    # Only a gram seen twice, with a repeated character, can have had overlapping occurrences counted.
    overlapping = [g for g, n in in_windows.items() if unit == "ngram" and n > 1 and len(set(g)) < len(g) and can_overlap(g)]
    for done, gram in enumerate(overlapping):
        if done % 64 == 0:
            limits.check()
        in_windows[gram] = _grams_in_windows(gram, windows)  # overlaps were counted: count as search does
    scope = matching.scope(generation, parsed.filters)
    corpus_size = int(word_table(generation).totals[scope].sum()) if unit == "word" else chars_of(generation, scope)
    return {"window": dict(in_windows), "window_size": window_size, "nodes": nodes, "speeches": len(matched),
            "corpus_size": corpus_size, "sides": {gram: list(pair) for gram, pair in sides.items()}}


def collocates_counts(index, filters: dict, unit: str, items: list[str]) -> list[int]:
    """Count items in one index's speeches passing the filters: words, or n-grams as search counts them."""
    generation = index.generation()
    scope = matching.scope(generation, filters)
    if unit == "word":
        table = word_table(generation)
        whole = table.tally(scope) if filters else table.everything()
        at = generation.vocabulary  # window words are segmented as the index segmented them
        return [int(whole.freq[at[item]]) if item in at else 0 for item in items]
    found = []
    for done, item in enumerate(items):
        if done % 64 == 0:
            limits.check()
        found.append(int(phrase_counts(generation, item)[scope].sum()))
    return found


def collocates(corpus, query: str, filters: dict | None, window: int | None, unit: str, min_freq: int,
               punctuation: bool, numbers: bool, sort: str, limit: int | None) -> dict:
    """Return the words or n-grams within `window` characters of the query's occurrences, scored against the corpus.

    The corpus is every speech passing the filters; the windows are around the occurrences in
    the speeches the query matches.
    """
    check_choice(unit, UNITS, "unit")
    check_choice(sort, COLLOCATE_SORTS, "sort")
    width = positive_int(corpus.settings["collocation_window"] if window is None else window, "window")
    min_freq = positive_int(min_freq, "min_freq")
    parsed = matching.parse(query, filters, require_text=True)
    parts = corpus.analysis_parts()
    pieces = parts("collocates_part", query, filters, width, unit, punctuation)
    in_windows: Counter = Counter()
    for piece in pieces:
        in_windows.update(piece["window"])
    window_size, nodes, corpus_size = (sum(piece[k] for piece in pieces) for k in ("window_size", "nodes", "corpus_size"))
    keep = keeps(punctuation, numbers)
    chosen = {item: count for item, count in in_windows.items() if count >= min_freq and keep(item)}
    if unit == "ngram":
        # Issue 25: n-grams cut by a window's edge (切实提高服, always followed by 务) were listed;
        # a string that the same letter extends at every occurrence is a piece of a longer one.
        sides = merge_sides(pieces)
        chosen = fold_maximal({item: count for item, count in chosen.items() if not is_fragment(sides[item])})
    items = list(chosen)
    corpus_freq = np.sum(parts("collocates_counts", parsed.filters, unit, items), axis=0).tolist() if items else []
    window_freq = [chosen[item] for item in items]
    scores = collocation_scores(window_freq, window_size, corpus_freq, corpus_size, nodes) if items else {}
    rows = [{"item": item, "window_freq": window_freq[k], "corpus_freq": int(corpus_freq[k]),
             "g2": float(scores["g2"][k]), "mi": float(scores["mi"][k]), "logdice": float(scores["logdice"][k])}
            for k, item in enumerate(items)]
    field = {"freq": "window_freq"}.get(sort, sort)
    rows.sort(key=lambda r: (-r[field], -r["window_freq"], r["item"]))
    return {"query": query, "filters": parsed.filters, "index_version": corpus.index_version, "window": width,
            "unit": unit, "min_freq": min_freq, "punctuation": punctuation, "numbers": numbers, "sort": sort,
            "occurrences": nodes, "speeches": sum(piece["speeches"] for piece in pieces), "window_size": window_size,
            "corpus_size": corpus_size, "total": len(rows), "collocates": _limit(rows, limit),
            "parsed": q.describe(parsed)}


# ---- keywords --------------------------------------------------------------------------------------


def _sides(index, query: str, filters: dict | None, against: dict | None):
    """Return one index's generation, target positions (the query's speeches) and reference positions."""
    parsed = matching.parse(query, filters)
    generation = index.generation()
    matched, _ = matching.matching(generation, parsed)
    target = np.array(matched, dtype=np.int64)
    if against:
        return generation, target, matching.scope(generation, against)
    outside = np.ones(len(generation), dtype=bool)
    outside[target] = False
    return generation, target, np.nonzero(outside)[0]


def keyword_tallies(index, query: str, filters: dict | None, against: dict | None) -> dict:
    """Sum one index's words on both sides: {"target": Tally, "reference": Tally}."""
    generation, target, reference = _sides(index, query, filters, against)
    table = word_table(generation)
    mine = table.tally(target)
    return {"target": mine, "reference": table.tally(reference) if against else table.rest(mine)}


def ngram_candidates(index, query: str, filters: dict | None, threshold: int, punctuation: bool) -> dict[str, int]:
    """Return the n-grams one index's target holds at least `threshold` times (overlaps counted), each with its count
    as search counts it."""
    generation, target, _ = _sides(index, query, filters, None)
    chars = chars_of(generation, target)
    if chars > MAX_NGRAM_CHARS:
        raise QueryTooBroad(f"the target holds {chars:,} characters, over the {MAX_NGRAM_CHARS:,} n-gram keywords "
                            "handle; narrow it with a filter such as year: or province:, or count words (unit word)",
                            f"目标语料有 {chars:,} 个字符，超过字符串关键词可处理的 {MAX_NGRAM_CHARS:,}；"
                            "请加年份、省份等筛选缩小范围，或改用词语单位")
    keep_char = (lambda c: True) if punctuation else str.isalnum
    found = frequent_ngrams([fold_case(generation.text(p)) for p in target.tolist()], threshold, keep_char, limits.check)
    for gram in [g for g in found if can_overlap(g)]:  # overlapping occurrences were counted: count as search does
        found[gram] = int(phrase_counts(generation, gram)[target].sum())
    return found


def ngram_target_counts(index, query: str, filters: dict | None, grams: list[str]) -> list[int]:
    """Count grams in one index's target as search counts them."""
    generation, target, _ = _sides(index, query, filters, None)
    texts = [fold_case(generation.text(p)) for p in target.tolist()]
    found = frequent_ngrams(texts, 1, lambda c: True, limits.check, wanted=set(grams))
    for gram in [g for g in found if can_overlap(g)]:  # overlapping occurrences were counted: count as search does
        found[gram] = int(phrase_counts(generation, gram)[target].sum())
    return [found.get(gram, 0) for gram in grams]


def ngram_counts(index, query: str, filters: dict | None, against: dict | None, grams: list[str]) -> dict:
    """Count grams on both sides of one index: occurrences (as search counts them) and speeches, and the sides' sizes."""
    generation, target, reference = _sides(index, query, filters, against)
    side = np.zeros(len(generation) + 1, dtype=np.int8)  # the last entry: a text since removed (position -1)
    side[target] |= 1
    side[reference] |= 2
    found = np.zeros((4, len(grams)), dtype=np.int64)  # target, reference occurrences; target, reference speeches
    segments = [(segment, [(side[segment.speeches] & bit) > 0 for bit in (1, 2)]) for segment in generation.postings.segments]
    for done, gram in enumerate(grams):
        if done % 64 == 0:
            limits.check()
        for segment, sides in segments:
            # Occurrences per text: where each text starts among the sorted positions (a pair that
            # cannot overlap itself is its own positions, taken as they are).
            at = segment.pair_starts(gram[0], gram[1]) if len(gram) == 2 and gram[0] != gram[1] \
                else segment.occurrences(gram)
            if not len(at):
                continue
            per_text = np.diff(np.searchsorted(at, segment.doc_starts))
            for row, inside in enumerate(sides):
                mine = per_text[inside]
                found[row, done] += int(mine.sum())
                found[row + 2, done] += int(np.count_nonzero(mine))
    return {"found": found, "target": [len(target), chars_of(generation, target)],
            "reference": [len(reference), chars_of(generation, reference)]}


def keywords(corpus, query: str, filters: dict | None, against: dict | None, unit: str, min_freq: int,
             punctuation: bool, numbers: bool, sort: str, limit: int | None) -> dict:
    """Return the frequency list of a target (the speeches a query or filters give) with keyness against a reference.

    The reference is every other speech, or with `against` ({field: values}) the speeches
    passing those filters. Sizes are words (word unit) or characters (n-gram unit).
    """
    check_choice(unit, UNITS, "unit")
    check_choice(sort, KEYWORD_SORTS, "sort")
    min_freq = positive_int(min_freq, "min_freq")
    if not query.strip() and not filters:
        raise SearchError("say what the target is: a query or filters, e.g. --year 2021 (keywords against the rest)",
                          "请给出目标语料：检索式或筛选条件，例如 year=2021（与其余讲话比较关键词）")
    parsed = matching.parse(query, filters)
    against = q.check_filters(against, _resolve_province()) if against else {}
    parts = corpus.analysis_parts()
    keep = keeps(punctuation, numbers)
    if unit == "word":
        pieces = parts("keyword_tallies", query, filters, against or None)
        mine, theirs = pieces[0]["target"], pieces[0]["reference"]
        for piece in pieces[1:]:
            mine, theirs = mine.merge(piece["target"]), theirs.merge(piece["reference"])
        theirs = theirs.aligned(mine.labels)
        chosen = np.nonzero(mine.freq >= min_freq)[0]
        chosen = chosen[np.array([keep(mine.labels[k]) for k in chosen.tolist()], dtype=bool)] if len(chosen) else chosen
        labels = [mine.labels[k] for k in chosen.tolist()]
        table = word_table(corpus.generation()) if not corpus.parts.sharded else None
        ties = table.label_ranks()[chosen] if table is not None and table.labels is mine.labels else ranks(labels)
        columns = (mine.freq[chosen], theirs.freq[chosen], mine.speeches[chosen], theirs.speeches[chosen])
        sides = ((mine.count, mine.chars, mine.size), (theirs.count, theirs.chars, theirs.size))
    else:
        threshold = -(-min_freq // parts.count)  # a gram held min_freq times in all holds this many in some shard
        pieces = parts("ngram_candidates", query, filters, threshold, punctuation)
        totals: Counter = Counter()
        if parts.count == 1 or threshold == 1:  # each shard gave every gram its target holds that often: all
            for piece in pieces:
                totals.update(piece)
        else:
            union = sorted(set().union(*pieces))
            for piece in parts("ngram_target_counts", query, filters, union):
                totals.update(dict(zip(union, piece)))
        labels = list(fold_maximal({g: n for g, n in totals.items() if n >= min_freq and keep(g)}))
        counted = parts("ngram_counts", query, filters, against or None, labels)
        found = np.sum([piece["found"] for piece in counted], axis=0) if labels else np.zeros((4, 0), dtype=np.int64)
        columns = tuple(found)
        ties = ranks(labels)
        sides = tuple((sum(p[side][0] for p in counted), sum(p[side][1] for p in counted)) for side in ("target", "reference"))
        sides = tuple((count, chars, chars) for count, chars in sides)
    if not sides[0][0] or not sides[1][0]:
        side, zh = ("target", "目标") if not sides[0][0] else ("reference", "参照")
        raise SearchError(f"the {side} holds no speech; widen its query or filters",
                          f"{zh}语料里没有讲话；请放宽检索式或筛选条件")
    (target_count, target_chars, target_size), (reference_count, reference_chars, reference_size) = sides
    scores = keyness_scores(columns[0], target_size, columns[1], reference_size)
    order = _keyword_order(sort, columns[0], scores, ties)
    shown = order if limit is None else order[:limit]
    rows = [{"item": labels[k], "target_freq": int(columns[0][k]), "reference_freq": int(columns[1][k]),
             "target_speeches": int(columns[2][k]), "reference_speeches": int(columns[3][k]),
             "target_per_10k_chars": int(columns[0][k]) * 10000 / target_chars if target_chars else 0.0,
             "reference_per_10k_chars": int(columns[1][k]) * 10000 / reference_chars if reference_chars else 0.0,
             "g2": float(scores["g2"][k]), "log_ratio": float(scores["log_ratio"][k])} for k in shown.tolist()]
    return {"target": {"query": query, "filters": parsed.filters, "speeches": target_count, "chars": target_chars,
                       "size": target_size},
            "reference": {"filters": against or None, "rest": not against, "speeches": reference_count,
                          "chars": reference_chars, "size": reference_size},
            "unit": unit, "index_version": corpus.index_version, "min_freq": min_freq, "punctuation": punctuation,
            "numbers": numbers, "sort": sort, "total": len(labels), "items": rows}


def _keyword_order(sort: str, target_freq: np.ndarray, scores: dict, ties: np.ndarray) -> np.ndarray:
    """Order keyword rows by G², the items the target uses more first (G² signed by the log ratio); by log ratio;
    or by frequency; ties by item."""
    if sort == "freq":
        primary = -np.asarray(target_freq, dtype=np.float64)
    elif sort == "log_ratio":
        primary = -scores["log_ratio"]
    else:
        primary = -np.where(scores["log_ratio"] > 0, scores["g2"], -scores["g2"])
    return np.lexsort((ties, primary)) if len(primary) else np.arange(0)


def _resolve_province():
    from indexer import provinces

    return provinces.resolve


def export_context(result: dict) -> dict:
    """Return the columns every CSV row of a forms, collocates or keywords answer repeats: what was asked, and of which index."""
    import json

    def dumped(value) -> str:
        return json.dumps(value or {}, ensure_ascii=False)

    if "target" in result:
        return {"query": result["target"]["query"], "filters": dumped(result["target"]["filters"]),
                "against": dumped(result["reference"]["filters"]), "unit": result["unit"],
                "index_version": result["index_version"]}
    context = {"query": result["query"], "filters": dumped(result["filters"])}
    if "window" in result:
        context.update(window=result["window"], unit=result["unit"])
    context["index_version"] = result["index_version"]
    return context
