"""Forms, collocates and keywords: the corpus linguist's counts, exact, as sums over speeches.

- **Forms** of a query: the distinct strings its terms matched (a pattern's `三高四新`,
  `三大四新`; a phrase's `GDP`, `gdp`), each with its occurrences and speeches.
- **Collocates** of a query: the items (words, or character n-grams) in a window of
  characters either side of its occurrences, never across a paragraph, a position inside two
  windows counted once and the occurrences themselves left out; scored against their
  frequency in the corpus (or the filtered part of it).
- **Keywords** of a target part of the corpus against a reference part: frequency list and
  keyness.

Every figure is a sum of per-speech counts (`Tally`), so counts of parts of a corpus (shards)
add up to the counts of the whole. Words are the ranking words the index already holds (rjieba,
lower-cased; search/corpus.py ranks with them): their counts per speech come from the word
postings, whose weights count a title word three times (body plus twice the title), less the
title's words; the words inside a window come from segmenting the window's paragraph, which is
how the index segmented it. Character n-grams are of the case-folded text, as phrases are
matched, and count as `search` counts a phrase: leftmost non-overlapping, within a paragraph.

The statistics (README, "Methods"): log-likelihood G² (Dunning 1993) over the 2×2 table of an
item's count in one part against the rest, natural logarithm; mutual information log2(O/E);
logDice 14 + log2(2·f_xy / (f_x + f_y)) (Rychlý 2008); log ratio log2 of the ratio of relative
frequencies, a zero count taken as 0.5 (Hardie 2014).
"""

from __future__ import annotations

import bisect
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass

import numpy as np

from indexer.text import fold_case
from search import query as q

LIMIT = 200  # rows a page or JSON shows unless every row is asked for; CSV has every row
UNITS = ("word", "ngram")
NGRAM_SIZES = range(2, 9)  # character n-grams of 2 to 8 characters
COLLOCATE_MIN_FREQ, KEYWORD_MIN_FREQ = 3, 5
FORM_SORTS = ("occurrences", "speeches", "form")
COLLOCATE_SORTS = ("g2", "mi", "logdice", "freq")
KEYWORD_SORTS = ("g2", "log_ratio", "freq")
# The columns of each kind of row, in the order JSON and CSV give them.
FORM_COLUMNS = ["form", "occurrences", "speeches"]
COLLOCATE_COLUMNS = ["item", "window_freq", "corpus_freq", "g2", "mi", "logdice"]
KEYWORD_COLUMNS = ["item", "target_freq", "reference_freq", "target_speeches", "reference_speeches",
                   "target_per_10k_chars", "reference_per_10k_chars", "g2", "log_ratio"]
# N-gram discovery holds a few arrays of 8 bytes per character of the target: past this many
# characters it is refused (narrow the target, or count words).
MAX_NGRAM_CHARS = 20_000_000
_NUMBER_EXTRA = set(".．%％")


# ---- the statistics ------------------------------------------------------------------------------


def log_likelihood(o11, o12, o21, o22) -> np.ndarray:
    """Return Dunning's G² of 2×2 tables (arrays of the four cells), natural logarithm; a zero cell adds 0."""
    cells = [np.maximum(np.asarray(o, dtype=np.float64), 0) for o in (o11, o12, o21, o22)]
    o11, o12, o21, o22 = cells
    n = o11 + o12 + o21 + o22
    rows, columns = (o11 + o12, o21 + o22), (o11 + o21, o12 + o22)
    total = np.zeros(np.broadcast(*cells).shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        for observed, row, column in ((o11, 0, 0), (o12, 0, 1), (o21, 1, 0), (o22, 1, 1)):
            expected = rows[row] * columns[column] / n
            total += np.where(observed > 0, observed * np.log(observed / expected), 0.0)
    return 2 * total


def collocation_scores(window_freq, window_size: int, corpus_freq, corpus_size: int, node_freq: int) -> dict:
    """Return G², MI and logDice of collocates (arrays), from their counts in the windows and the corpus.

    The table of an item y: in the windows (y, other items) and outside them (y, other items):
    O11 = f_xy, O12 = R − f_xy, O21 = f_y − f_xy, O22 = N − R − f_y + f_xy, with R the items in
    the windows and N the items of the corpus. MI = log2(O11 / E11), E11 = R·f_y / N; logDice =
    14 + log2(2·f_xy / (f_x + f_y)), f_x the occurrences of the node.
    """
    a = np.asarray(window_freq, dtype=np.float64)
    c = np.asarray(corpus_freq, dtype=np.float64)
    g2 = log_likelihood(a, window_size - a, c - a, corpus_size - window_size - c + a)
    with np.errstate(divide="ignore", invalid="ignore"):
        mi = np.log2(a * corpus_size / (window_size * c))
        logdice = 14 + np.log2(2 * a / (node_freq + c))
    return {"g2": g2, "mi": mi, "logdice": logdice}


def keyness_scores(target_freq, target_size: int, reference_freq, reference_size: int) -> dict:
    """Return G² and log ratio of items (arrays) in a target against a reference, sizes in items.

    G² over the table (a, c − a; b, d − b), a and b the item's counts, c and d the sizes; log
    ratio = log2((a / c) / (b / d)) with a zero count taken as 0.5 (Hardie 2014).
    """
    a = np.asarray(target_freq, dtype=np.float64)
    b = np.asarray(reference_freq, dtype=np.float64)
    g2 = log_likelihood(a, target_size - a, b, reference_size - b)
    log_ratio = np.log2((np.where(a > 0, a, 0.5) / target_size) / (np.where(b > 0, b, 0.5) / reference_size))
    return {"g2": g2, "log_ratio": log_ratio}


# ---- items -----------------------------------------------------------------------------------------


def is_number(item: str) -> bool:
    """Tell whether an item is a number: digits of any script (2021, 十四, ２), with . or %."""
    return any(c.isnumeric() for c in item) and all(c.isnumeric() or c in _NUMBER_EXTRA for c in item)


def has_punctuation(item: str) -> bool:
    """Tell whether an item holds a character that is no letter or digit (a number's . and % aside)."""
    return not is_number(item) and not all(c.isalnum() for c in item)


def _keeps(punctuation: bool, numbers: bool):
    """Return the test an item must pass to be listed."""
    return lambda item: (punctuation or not has_punctuation(item)) and (numbers or not is_number(item))


# ---- sums over speeches ------------------------------------------------------------------------------


@dataclass
class Tally:
    """Counts over a set of speeches: each item's occurrences and speeches, and the set's size.

    `size` is in the unit's items (words) or characters (n-grams); `chars` the characters of
    the speeches' texts; `count` the speeches. Tallies of disjoint sets add up (`merge`).
    """

    labels: list[str]
    freq: np.ndarray
    speeches: np.ndarray
    size: int
    chars: int
    count: int

    def merge(self, other: "Tally") -> "Tally":
        """Return the tally of both sets of speeches (disjoint), items matched by label."""
        if self.labels is other.labels:
            labels, freq, speeches = self.labels, self.freq + other.freq, self.speeches + other.speeches
        else:
            at = {label: k for k, label in enumerate(self.labels)}
            labels = list(self.labels) + [label for label in other.labels if label not in at]
            for label in labels[len(self.labels):]:
                at[label] = len(at)
            where = np.array([at[label] for label in other.labels], dtype=np.int64)
            freq = np.zeros(len(labels), dtype=np.int64)
            speeches = np.zeros(len(labels), dtype=np.int64)
            freq[: len(self.labels)] += self.freq
            speeches[: len(self.labels)] += self.speeches
            np.add.at(freq, where, other.freq)
            np.add.at(speeches, where, other.speeches)
        return Tally(labels, freq, speeches, self.size + other.size, self.chars + other.chars, self.count + other.count)

    def aligned(self, labels: list[str]) -> "Tally":
        """Return the tally with its items in the order of `labels` (0 for an item it has not)."""
        if labels is self.labels:
            return self
        at = {label: k for k, label in enumerate(self.labels)}
        index = np.array([at.get(label, -1) for label in labels], dtype=np.int64)
        found = index >= 0
        freq = np.zeros(len(labels), dtype=np.int64)
        speeches = np.zeros(len(labels), dtype=np.int64)
        freq[found], speeches[found] = self.freq[index[found]], self.speeches[index[found]]
        return Tally(labels, freq, speeches, self.size, self.chars, self.count)


def _chars(generation, positions: np.ndarray) -> int:
    return int(sum(generation.records[p]["chars"] for p in positions.tolist()))


class WordTable:
    """Each speech's words and their counts in its text, speech by speech (built once per generation)."""

    def __init__(self, generation):
        from indexer.segment import words

        postings, vocabulary = generation.postings, generation.vocabulary
        size = len(vocabulary)
        self.labels = [""] * size
        for word, number in vocabulary.items():
            self.labels[number] = word
        docs = np.asarray(postings.word_docs).astype(np.int64)
        word_of = np.repeat(postings.word_keys.astype(np.int64), np.diff(postings.word_starts))
        counts = np.rint(np.asarray(postings.word_weights)).astype(np.int64)
        order = np.argsort(docs, kind="stable")  # speech by speech, words ascending within each
        docs, word_of, counts = docs[order], word_of[order], counts[order]
        del order
        keys = docs * size + word_of
        # The postings weigh a title word three times (its count in the text plus twice its count
        # in the title, for ranking); the title's words come off again here. The title is the one
        # the words were counted with: before any correction.
        fixes: Counter = Counter()
        for position, record in enumerate(generation.records):
            for word, count in Counter(w.lower() for w in words(_indexed_title(record) or "")).items():
                if word in vocabulary:
                    fixes[position * size + vocabulary[word]] += 2 * count
        if fixes:
            fix_keys = np.fromiter(fixes.keys(), dtype=np.int64, count=len(fixes))
            at = np.searchsorted(keys, fix_keys)
            counts[at] -= np.fromiter(fixes.values(), dtype=np.int64, count=len(fixes))
        keep = counts > 0
        self.ids = word_of[keep].astype(np.int32)
        self.counts = counts[keep].astype(np.int32)
        kept_docs = docs[keep]
        self.starts = np.concatenate([[0], np.cumsum(np.bincount(kept_docs, minlength=len(generation)))])
        self.totals = np.bincount(kept_docs, weights=self.counts, minlength=len(generation)).astype(np.int64)
        self.generation = generation
        self._everything = None
        self._ranks = None

    def label_ranks(self) -> np.ndarray:
        """Return each word's place in alphabetical order."""
        if self._ranks is None:
            self._ranks = _ranks(self.labels)
        return self._ranks

    def tally(self, positions: np.ndarray) -> Tally:
        """Return the words of the speeches at positions, summed."""
        positions = np.asarray(positions, dtype=np.int64)
        lengths = self.starts[positions + 1] - self.starts[positions]
        offsets = np.repeat(self.starts[positions] - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
        ids, counts = self.ids[offsets], self.counts[offsets]
        size = len(self.labels)
        return Tally(self.labels, np.bincount(ids, weights=counts, minlength=size).astype(np.int64),
                     np.bincount(ids, minlength=size).astype(np.int64), int(self.totals[positions].sum()),
                     _chars(self.generation, positions), len(positions))

    def everything(self) -> Tally:
        """Return the words of every speech."""
        if self._everything is None:
            self._everything = self.tally(np.arange(len(self.generation)))
        return self._everything

    def rest(self, tally: Tally) -> Tally:
        """Return the words of every speech not in a tally."""
        whole = self.everything()
        return Tally(self.labels, whole.freq - tally.freq, whole.speeches - tally.speeches, whole.size - tally.size,
                     whole.chars - tally.chars, whole.count - tally.count)


def _indexed_title(record: dict) -> str | None:
    """Return the title a speech's words were counted with: the one read, before a correction."""
    corrected = (record.get("corrected") or {}).get("title")
    return corrected["from"] if corrected else record.get("title")


_TABLES: dict[str, WordTable] = {}
_TABLES_LOCK = threading.Lock()


def word_table(generation) -> WordTable:
    """Return the word table of a generation, built when first asked for (the last two are kept)."""
    key = str(generation.path)
    with _TABLES_LOCK:
        table = _TABLES.get(key)
        if table is None or table.generation is not generation:
            table = WordTable(generation)
            while len(_TABLES) >= 2:
                _TABLES.pop(next(iter(_TABLES)))
            _TABLES[key] = table
        return table


# ---- character n-grams -----------------------------------------------------------------------------


def _can_overlap(gram: str) -> bool:
    """Tell whether two occurrences of a gram can overlap (some proper prefix is also a suffix)."""
    return any(gram[:k] == gram[-k:] for k in range(1, len(gram)))


def frequent_ngrams(texts: list[str], min_freq: int, keep_char, check) -> dict[str, int]:
    """Return every n-gram of 2-8 characters found at least min_freq times (overlaps counted), within paragraphs.

    `texts` are case-folded; `keep_char(c)` says whether an n-gram may hold c. Level by level
    in numpy: an n-gram is counted only where its first and last n-1 characters are both
    frequent, so each level handles fewer positions.
    """
    codes = np.frombuffer("\n".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    if len(codes) < 2:
        return {}
    alphabet, rank = np.unique(codes, return_inverse=True)
    usable = np.array([chr(c) != "\n" and keep_char(chr(c)) for c in alphabet.tolist()], dtype=bool)
    width = np.int64(len(alphabet))
    ids = np.where(usable[rank], rank, -1)  # level 1: a usable character's rank
    names = [chr(c) for c in alphabet.tolist()]
    found: dict[str, int] = {}
    for size in NGRAM_SIZES:
        check()
        if len(ids) < 2:
            break
        # ids[i] names the (size-1)-gram at i; it extends by the character at i + size - 1.
        both = np.nonzero((ids[:-1] >= 0) & (ids[1:] >= 0))[0]
        if not len(both):
            break
        last = rank[both + size - 1]
        keys = ids[both] * width + last
        distinct, inverse, times = np.unique(keys, return_inverse=True, return_counts=True)
        frequent = times >= min_freq
        renumber = np.full(len(distinct), -1, dtype=np.int64)
        renumber[frequent] = np.arange(int(frequent.sum()))
        kept = distinct[frequent]
        names = [names[int(key // width)] + chr(int(alphabet[key % width])) for key in kept.tolist()]
        found.update(zip(names, times[frequent].tolist()))
        ids = np.full(len(ids) - 1, -1, dtype=np.int64)
        ids[both] = renumber[inverse.ravel()]
        if not frequent.any():
            break
    return found


def fold_maximal(counts: dict[str, int]) -> dict[str, int]:
    """Drop each n-gram that a candidate one character longer holds with the same count (it is folded into it)."""
    folded = set()
    for gram, count in counts.items():
        if len(gram) > min(NGRAM_SIZES):
            for inner in (gram[:-1], gram[1:]):
                if counts.get(inner) == count:
                    folded.add(inner)
    return {gram: count for gram, count in counts.items() if gram not in folded}


def _phrase_counts(generation, gram: str) -> np.ndarray:
    """Return a gram's occurrences per speech as search counts them (the postings fold case as the gram is)."""
    return generation.postings.counts(gram)


# ---- forms -----------------------------------------------------------------------------------------


def _clock(corpus):
    """Return a check that raises QueryTooBroad once the request has run past the time limit."""
    started = time.monotonic()
    return lambda: corpus._check_time(started)


def _limit(rows: list, limit: int | None) -> list:
    return rows if limit is None else rows[:limit]


def _check_choice(value: str, choices: tuple, what: str) -> str:
    from search.corpus import SearchError

    if value not in choices:
        raise SearchError(f"unknown {what} {value!r}; use one of {', '.join(choices)}",
                          f"没有“{value}”这种{'排序' if what == 'sort' else '单位'}；可用 {'、'.join(choices)}")
    return value


def forms(corpus, query: str, filters: dict | None = None, sort: str = "occurrences", min_freq: int = 1,
          limit: int | None = LIMIT) -> dict:
    """Return the distinct strings the query's terms matched (at least min_freq times), with occurrences and speeches."""
    from search.corpus import _occurrences, _positive_int, _terms

    _check_choice(sort, FORM_SORTS, "sort")
    min_freq = _positive_int(min_freq, "min_freq")
    check = _clock(corpus)
    parsed = corpus.parse(query, filters, require_text=True)
    generation, matched, _ = corpus.matching(parsed)
    terms = _terms(parsed)
    occurrences: Counter = Counter()
    speeches: Counter = Counter()
    for done, index in enumerate(matched):
        if done % 32 == 0:
            check()
        found = Counter(match for _, _, _, match in _occurrences(generation.text(index).split("\n"), terms))
        occurrences.update(found)
        speeches.update(found.keys())
    rows = [{"form": form, "occurrences": count, "speeches": speeches[form]} for form, count in occurrences.items()
            if count >= min_freq]
    keys = {"occurrences": lambda r: (-r["occurrences"], r["form"]),
            "speeches": lambda r: (-r["speeches"], -r["occurrences"], r["form"]),
            "form": lambda r: r["form"]}
    rows.sort(key=keys[sort])
    return {"query": query, "filters": parsed.filters, "index_version": generation.version, "sort": sort,
            "min_freq": min_freq, "total": len(rows), "occurrences": sum(occurrences.values()), "speeches": len(matched),
            "forms": _limit(rows, limit), "parsed": q.describe(parsed)}


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


def _window_words(paragraph: str, intervals: list[tuple[int, int]], counter: Counter) -> int:
    """Count the words lying wholly inside the intervals; return how many there are."""
    from indexer.segment import word_spans

    tokens = word_spans(paragraph)
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


def _window_grams(folded: str, intervals: list[tuple[int, int]], counter: Counter, keep_char) -> None:
    """Count every n-gram of usable characters lying wholly inside the intervals (overlaps counted)."""
    for low, high in intervals:
        for run in re.finditer(r"\S+", "".join(c if keep_char(c) else " " for c in folded[low:high])):
            text = run.group()
            for size in NGRAM_SIZES:
                for at in range(len(text) - size + 1):
                    counter[text[at : at + size]] += 1


def _grams_in_windows(gram: str, windows: list[tuple[str, list[tuple[int, int]]]]) -> int:
    """Count a gram's occurrences, chained from each paragraph's start as search counts them, wholly inside windows."""
    total = 0
    for folded, intervals in windows:
        starts = [low for low, _ in intervals]
        at = folded.find(gram)
        while at != -1:
            k = bisect.bisect_right(starts, at) - 1
            if k >= 0 and at + len(gram) <= intervals[k][1]:
                total += 1
            at = folded.find(gram, at + len(gram))
    return total


def collocates(corpus, query: str, filters: dict | None = None, window: int | None = None, unit: str = "word",
               min_freq: int = COLLOCATE_MIN_FREQ, punctuation: bool = False, numbers: bool = True,
               sort: str = "g2", limit: int | None = LIMIT) -> dict:
    """Return the words or n-grams within `window` characters of the query's occurrences, scored against the corpus.

    The corpus is every speech passing the filters; the windows are around the occurrences in
    the speeches the query matches.
    """
    from search.corpus import _positive_int, _term_spans, _terms

    _check_choice(unit, UNITS, "unit")
    _check_choice(sort, COLLOCATE_SORTS, "sort")
    width = _positive_int(corpus.settings["collocation_window"] if window is None else window, "window")
    min_freq = _positive_int(min_freq, "min_freq")
    check = _clock(corpus)
    parsed = corpus.parse(query, filters, require_text=True)
    generation, matched, _ = corpus.matching(parsed)
    terms = _terms(parsed)
    keep = _keeps(punctuation, numbers)
    keep_char = (lambda c: True) if punctuation else str.isalnum
    in_windows: Counter = Counter()
    window_size = nodes = 0
    windows: list[tuple[str, list[tuple[int, int]]]] = []  # n-grams: each windowed paragraph, folded
    for done, index in enumerate(matched):
        if done % 16 == 0:
            check()
        for paragraph in generation.text(index).split("\n"):
            folded = fold_case(paragraph)
            spans = sorted(span for term in terms for span in _term_spans(paragraph, folded, term))
            if not spans:
                continue
            nodes += len(spans)
            intervals = window_intervals(len(paragraph), spans, width)
            if unit == "word":
                window_size += _window_words(paragraph, intervals, in_windows)
            else:
                window_size += sum(high - low for low, high in intervals)
                _window_grams(folded, intervals, in_windows, keep_char)
                windows.append((folded, intervals))
    scope = np.nonzero(corpus._filter_mask(generation, parsed.filters))[0]
    if unit == "word":
        whole = word_table(generation).tally(scope) if parsed.filters else word_table(generation).everything()
        at = generation.vocabulary  # window words are segmented as the index segmented them
        items = [item for item, count in in_windows.items() if count >= min_freq and keep(item)]
        corpus_freq = [int(whole.freq[at[item]]) if item in at else 0 for item in items]
        corpus_size = whole.size
        window_freq = [in_windows[item] for item in items]
    else:
        exact = {}
        for item, count in in_windows.items():
            if count >= min_freq and keep(item):
                exact[item] = _grams_in_windows(item, windows) if _can_overlap(item) else count
        exact = fold_maximal({item: count for item, count in exact.items() if count >= min_freq})
        items = list(exact)
        corpus_freq = []
        for done, item in enumerate(items):
            if done % 64 == 0:
                check()
            corpus_freq.append(int(_phrase_counts(generation, item)[scope].sum()))
        corpus_size = _chars(generation, scope)
        window_freq = [exact[item] for item in items]
    check()
    scores = collocation_scores(window_freq, window_size, corpus_freq, corpus_size, nodes) if items else {}
    rows = [{"item": item, "window_freq": window_freq[k], "corpus_freq": corpus_freq[k],
             "g2": float(scores["g2"][k]), "mi": float(scores["mi"][k]), "logdice": float(scores["logdice"][k])}
            for k, item in enumerate(items)]
    field = {"freq": "window_freq"}.get(sort, sort)
    rows.sort(key=lambda r: (-r[field], -r["window_freq"], r["item"]))
    return {"query": query, "filters": parsed.filters, "index_version": generation.version, "window": width,
            "unit": unit, "min_freq": min_freq, "punctuation": punctuation, "numbers": numbers, "sort": sort,
            "occurrences": nodes, "speeches": len(matched), "window_size": window_size, "corpus_size": corpus_size,
            "total": len(rows), "collocates": _limit(rows, limit), "parsed": q.describe(parsed)}


# ---- keywords --------------------------------------------------------------------------------------


def keywords(corpus, query: str = "", filters: dict | None = None, against: dict | None = None, unit: str = "word",
             min_freq: int = KEYWORD_MIN_FREQ, punctuation: bool = False, numbers: bool = True, sort: str = "g2",
             limit: int | None = LIMIT) -> dict:
    """Return the frequency list of a target (the speeches a query or filters give) with keyness against a reference.

    The reference is every other speech, or with `against` ({field: values}) the speeches
    passing those filters. Sizes are words (word unit) or characters (n-gram unit).
    """
    from search.corpus import SearchError, _positive_int

    _check_choice(unit, UNITS, "unit")
    _check_choice(sort, KEYWORD_SORTS, "sort")
    min_freq = _positive_int(min_freq, "min_freq")
    check = _clock(corpus)
    if not query.strip() and not filters:
        raise SearchError("say what the target is: a query or filters, e.g. --year 2021 (keywords against the rest)",
                          "请给出目标语料：检索式或筛选条件，例如 year=2021（与其余讲话比较关键词）")
    parsed = corpus.parse(query, filters)
    generation, matched, _ = corpus.matching(parsed)
    target = np.array(matched, dtype=np.int64)
    against = q.check_filters(against, _resolve_province()) if against else {}
    if against:
        reference = np.nonzero(corpus._filter_mask(generation, against))[0]
    else:
        outside = np.ones(len(generation), dtype=bool)
        outside[target] = False
        reference = np.nonzero(outside)[0]
    if not len(target) or not len(reference):
        side, zh = ("target", "目标") if not len(target) else ("reference", "参照")
        raise SearchError(f"the {side} holds no speech; widen its query or filters",
                          f"{zh}语料里没有讲话；请放宽检索式或筛选条件")
    keep = _keeps(punctuation, numbers)
    if unit == "word":
        table = word_table(generation)
        mine = table.tally(target)
        theirs = table.tally(reference) if against else table.rest(mine)
        check()
        chosen = np.nonzero(mine.freq >= min_freq)[0]
        chosen = chosen[np.array([keep(table.labels[k]) for k in chosen.tolist()], dtype=bool)] if len(chosen) else chosen
        labels = [table.labels[k] for k in chosen.tolist()]
        ties = table.label_ranks()[chosen]
        columns = (mine.freq[chosen], theirs.freq[chosen], mine.speeches[chosen], theirs.speeches[chosen])
    else:
        mine, theirs, labels, columns = _ngram_keyness(generation, target, reference, min_freq, punctuation, keep, check)
        ties = _ranks(labels)
    scores = keyness_scores(columns[0], mine.size, columns[1], theirs.size)
    order = _keyword_order(sort, columns[0], scores, ties)
    shown = order if limit is None else order[:limit]
    rows = [{"item": labels[k], "target_freq": int(columns[0][k]), "reference_freq": int(columns[1][k]),
             "target_speeches": int(columns[2][k]), "reference_speeches": int(columns[3][k]),
             "target_per_10k_chars": int(columns[0][k]) * 10000 / mine.chars if mine.chars else 0.0,
             "reference_per_10k_chars": int(columns[1][k]) * 10000 / theirs.chars if theirs.chars else 0.0,
             "g2": float(scores["g2"][k]), "log_ratio": float(scores["log_ratio"][k])} for k in shown.tolist()]
    return {"target": {"query": query, "filters": parsed.filters, **_side(mine)},
            "reference": {"filters": against or None, "rest": not against, **_side(theirs)},
            "unit": unit, "index_version": generation.version, "min_freq": min_freq, "punctuation": punctuation,
            "numbers": numbers, "sort": sort, "total": len(labels), "items": rows}


def _side(tally: Tally) -> dict:
    """Describe one side of a comparison: its speeches, characters and size in the unit's items."""
    return {"speeches": tally.count, "chars": tally.chars, "size": tally.size}


def _ranks(labels: list[str]) -> np.ndarray:
    """Return each label's place in alphabetical order (ties between rows are broken by it)."""
    ranks = np.empty(len(labels), dtype=np.int64)
    ranks[sorted(range(len(labels)), key=labels.__getitem__)] = np.arange(len(labels))
    return ranks


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


def _ngram_keyness(generation, target, reference, min_freq, punctuation, keep, check):
    """Find the target's maximal n-grams and count them, per speech, on both sides."""
    from search.corpus import QueryTooBroad

    chars = _chars(generation, target)
    if chars > MAX_NGRAM_CHARS:
        raise QueryTooBroad(f"the target holds {chars:,} characters, over the {MAX_NGRAM_CHARS:,} n-gram keywords "
                            "handle; narrow it with a filter such as year: or province:, or count words (unit word)",
                            f"目标语料有 {chars:,} 个字符，超过字符串关键词可处理的 {MAX_NGRAM_CHARS:,}；"
                            "请加年份、省份等筛选缩小范围，或改用词语单位")
    keep_char = (lambda c: True) if punctuation else str.isalnum
    texts = [fold_case(generation.text(p)) for p in target.tolist()]
    candidates = frequent_ngrams(texts, min_freq, keep_char, check)
    del texts
    per_speech: dict[str, np.ndarray] = {}
    exact = {}
    for gram, count in candidates.items():
        if not keep(gram):
            continue
        if _can_overlap(gram):  # overlapping occurrences were counted: count as search does
            per_speech[gram] = _phrase_counts(generation, gram)
            count = int(per_speech[gram][target].sum())
        if count >= min_freq:
            exact[gram] = count
    labels = list(fold_maximal(exact))
    found = np.zeros((4, len(labels)), dtype=np.int64)
    for k, gram in enumerate(labels):
        if k % 64 == 0:
            check()
        counts = per_speech[gram] if gram in per_speech else _phrase_counts(generation, gram)
        mine, theirs = counts[target], counts[reference]
        found[:, k] = (mine.sum(), theirs.sum(), (mine > 0).sum(), (theirs > 0).sum())
    mine = Tally(labels, found[0], found[2], chars, chars, len(target))
    reference_chars = _chars(generation, reference)
    theirs = Tally(labels, found[1], found[3], reference_chars, reference_chars, len(reference))
    return mine, theirs, labels, (found[0], found[1], found[2], found[3])


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
