"""The counts the research tools are made of: the statistics, the items, tallies of words per speech, n-grams.

Every figure is a sum of per-speech counts (`Tally`), so counts of parts of a corpus (shards)
add up to the counts of the whole. Words are the ranking words the index already holds (rjieba,
lower-cased; search/ranking.py ranks with them): their counts per speech come from the word
postings, whose weights count a title word three times (body plus twice the title), less the
title's words. Character n-grams are of the case-folded text, as phrases are matched, and
count as `search` counts a phrase: leftmost non-overlapping, within a paragraph.

The statistics (README, "Methods"): log-likelihood G² (Dunning 1993) over the 2×2 table of an
item's count in one part against the rest, natural logarithm; mutual information log2(O/E);
logDice 14 + log2(2·f_xy / (f_x + f_y)) (Rychlý 2008); log ratio log2 of the ratio of relative
frequencies, a zero count taken as 0.5 (Hardie 2014).
"""

import threading
from collections import Counter
from dataclasses import dataclass

import numpy as np

NGRAM_SIZES = range(2, 9)  # character n-grams of 2 to 8 characters
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


def keeps(punctuation: bool, numbers: bool):
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


def chars_of(generation, positions: np.ndarray) -> int:
    return int(generation.chars[positions].sum())


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
            self._ranks = ranks(self.labels)
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
                     chars_of(self.generation, positions), len(positions))

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


def can_overlap(gram: str) -> bool:
    """Tell whether two occurrences of a gram can overlap (some proper prefix is also a suffix)."""
    return any(gram[:k] == gram[-k:] for k in range(1, len(gram)))


def frequent_ngrams(texts: list[str], min_freq: int, keep_char, check, wanted: set[str] | None = None) -> dict[str, int]:
    """Return every n-gram of 2-8 characters found at least min_freq times (overlaps counted), within paragraphs.

    `texts` are case-folded; `keep_char(c)` says whether an n-gram may hold c. Level by level
    in numpy: an n-gram is counted only where its first and last n-1 characters are both
    frequent, so each level handles fewer positions. With `wanted`, every one of those
    n-grams the texts hold is counted instead, however rare.
    """
    codes = np.frombuffer("\n".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    if len(codes) < 2:
        return {}
    alphabet, rank = np.unique(codes, return_inverse=True)
    usable = np.array([chr(c) != "\n" and keep_char(chr(c)) for c in alphabet.tolist()], dtype=bool)
    char_ok = usable[rank]
    width = np.int64(len(alphabet))
    ids = np.where(char_ok, rank, -1)  # level 1: a usable character's rank
    names = [chr(c) for c in alphabet.tolist()]
    prefixes = {size: {w[:size] for w in wanted if len(w) >= size} for size in NGRAM_SIZES} if wanted is not None else None
    found: dict[str, int] = {}
    for size in NGRAM_SIZES:
        check()
        if len(ids) < 2:
            break
        # ids[i] names the (size-1)-gram at i; it extends by the character at i + size - 1.
        extends = (ids[:-1] >= 0) & char_ok[size - 1 :]
        both = np.nonzero(extends & (ids[1:] >= 0) if prefixes is None else extends)[0]
        if not len(both):
            break
        keys = ids[both] * width + rank[both + size - 1]
        distinct, inverse, times = np.unique(keys, return_inverse=True, return_counts=True)
        if prefixes is None:
            kept = np.nonzero(times >= min_freq)[0]
            names = [names[int(key // width)] + chr(int(alphabet[key % width])) for key in distinct[kept].tolist()]
        else:
            every = [names[int(key // width)] + chr(int(alphabet[key % width])) for key in distinct.tolist()]
            kept = np.array([k for k, name in enumerate(every) if name in prefixes[size]], dtype=np.int64)
            names = [every[k] for k in kept.tolist()]
            found.update((name, count) for name, count in zip(names, times[kept].tolist()) if name in wanted)
        if prefixes is None:
            found.update(zip(names, times[kept].tolist()))
        renumber = np.full(len(distinct), -1, dtype=np.int64)
        renumber[kept] = np.arange(len(kept))
        ids = np.full(len(ids) - 1, -1, dtype=np.int64)
        ids[both] = renumber[inverse.ravel()]
        if not len(kept):
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


def phrase_counts(generation, gram: str) -> np.ndarray:
    """Return a gram's occurrences per speech as search counts them (the postings fold case as the gram is)."""
    return generation.postings.counts(gram)


def ranks(labels: list[str]) -> np.ndarray:
    """Return each label's place in alphabetical order (ties between rows are broken by it)."""
    ranks = np.empty(len(labels), dtype=np.int64)
    ranks[sorted(range(len(labels)), key=labels.__getitem__)] = np.arange(len(labels))
    return ranks
