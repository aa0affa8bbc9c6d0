"""Positional character-pair postings and word postings, in numpy arrays a generation keeps on disk.

Every speech's cleaned text is laid end to end, each followed by a line break, in one
"character space". For every pair of adjacent characters whose first is not a line break
the index records where the pair starts. A term of two or more characters occurs at p exactly
when each of its pairs starts at p + j, so intersecting a few sorted arrays finds every
occurrence of any phrase without reading a text; a single character is the first half of
the pairs it starts (a character before a line break pairs with the break). Whoosh decodes
postings in pure Python, which at thousands of speeches cost more than scanning the texts;
these arrays are searched by numpy in C.

A character far more frequent than texts (的 occurs 28 M times in 100,000 speeches) also gets
a row of its count in every text: a one-character term is counted from that row instead of
gathering and sorting its millions of positions.

Word postings hold, for each jieba word, the speeches it is in and its weight there (body
count plus twice the title count), from which the search layer ranks with BM25.

This module writes them (`write_pairs`, `WordPostingsWriter`) and reads them (`Postings`).
"""

import os
import time
from pathlib import Path

import numpy as np

from indexer import schema
from indexer.generations import link_folder
from indexer.integrity import SAMPLE, StoreError, check_increasing, check_starts, load_array, load_json, require, sample
from indexer.text import fold_case

# The character space is addressed with 32-bit positions: 4 G characters, some 450,000
# speeches of 9,000 characters, on one machine; beyond that the index must be sharded.
MAX_CHARS = 2**32 - 1
_CHUNK = 1 << 22  # characters handled at once while building: bounds temporary memory
_NEWLINE = 10
_DOC_BITS, _WEIGHT_BITS = 20, 20  # word postings: word id | speech | weight in one uint64
_WORD_SHIFT = np.uint64(_DOC_BITS + _WEIGHT_BITS)
# A character gets a row of counts per text when it occurs this many times per text on average:
# the row (4 bytes a text) then costs at most an eighth of its positions, on disk and to read.
ROW_PER_TEXT = 8
ROW_BLOCK = 4096  # texts per block of the rows file (see _Rows)
MAX_SPEECHES = 2**_DOC_BITS


class PostingsError(Exception):
    """A corpus beyond what one index can address; the message says which limit."""


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def write_pairs(texts, folder: Path, budget: int = 1 << 24) -> None:
    """Write the pair postings of the texts `texts()` yields, in speech order, into folder.

    Each pair is packed as one 64-bit key (dense pair number above, position below), which
    numpy sorts in place fast. The texts' code points go to a scratch file; one pass over it
    deals the keys into bucket files, each holding the pairs of a range of first characters
    and at most `budget` keys (128 MB); each bucket is then sorted on its own and appended to
    the postings. The build holds one bucket at a time whatever the corpus size.
    """
    scratch = folder / "pairs.scratch"
    counts = np.zeros(0x110000, dtype=np.int64)
    doc_starts, space = [], 0
    batch, held = [], 0  # characters are counted a few million at a time (a count per text was slow)
    with open(scratch, "wb") as handle:
        for text in texts():
            doc_starts.append(space)
            points = _code_points(fold_case(text) + "\n")  # matched as terms are: ASCII case folded
            handle.write(points.tobytes())
            space += len(points)
            batch.append(points)
            held += len(points)
            if held >= _CHUNK:
                counts += np.bincount(np.concatenate(batch), minlength=len(counts))
                batch, held = [], 0
    if batch:
        counts += np.bincount(np.concatenate(batch), minlength=len(counts))
    doc_starts.append(space)
    doc_starts = np.array(doc_starts, dtype=np.int64)
    try:
        _write_sorted_pairs(scratch, counts, doc_starts, folder, budget)
    finally:
        for leftover in folder.glob("pairs.scratch*"):
            leftover.unlink()
    np.save(folder / schema.DOC_STARTS, doc_starts)


def _write_sorted_pairs(scratch: Path, counts: np.ndarray, doc_starts: np.ndarray, folder: Path, budget: int) -> None:
    space, texts = int(doc_starts[-1]), len(doc_starts) - 1
    if space > MAX_CHARS:
        raise PostingsError(f"the corpus holds {space:,} characters; one index addresses at most {MAX_CHARS:,}")
    alphabet = np.nonzero(counts)[0].astype(np.uint32)
    position_bits = max(1, int(space).bit_length())
    if (len(alphabet) ** 2).bit_length() > 64 - position_bits:
        raise PostingsError(f"{len(alphabet):,} distinct characters over {space:,} positions do not fit one index")
    # Every character but a line break starts one pair (the last of a text pairs with its break).
    starting = counts[alphabet].copy()
    starting[alphabet == _NEWLINE] = 0
    bucket_of = _bucket_of(starting, budget)  # dense first character -> its bucket
    if bucket_of is None:
        raise PostingsError(f"{space:,} positions need more than {2**16 - 1} sorting buckets; raise the budget")
    newline = int(np.searchsorted(alphabet, _NEWLINE))
    size = np.uint64(len(alphabet))
    dense = np.zeros(0x110000, dtype=np.uint32)  # code point -> its number in the alphabet
    dense[alphabet] = np.arange(len(alphabet))
    frequent = np.nonzero(starting >= ROW_PER_TEXT * max(texts, 1))[0]  # dense numbers of the frequent characters
    row_of = np.full(len(alphabet), len(frequent), dtype=np.int64)  # dense number -> its row (len(frequent): none)
    row_of[frequent] = np.arange(len(frequent))
    np.save(folder / schema.CHAR_KEYS, alphabet[frequent])
    rows = _Rows(folder / schema.CHAR_COUNTS, len(frequent), doc_starts)
    buckets = [open(f"{scratch}.{k}", "wb") for k in range(int(bucket_of[-1]) + 1 if len(bucket_of) else 1)]
    try:
        with open(scratch, "rb") as source:
            # Read (not map) the scratch file a chunk at a time: mapped pages would stay resident.
            for begin in range(0, max(0, space - 1), _CHUNK):
                source.seek(begin * 4)
                numbers = dense[np.fromfile(source, dtype=np.uint32, count=min(space, begin + _CHUNK + 1) - begin)]
                keep = np.nonzero(numbers[:-1] != newline)[0]
                first = numbers[keep]
                keys = (first.astype(np.uint64) * size + numbers[keep + 1].astype(np.uint64)) << np.uint64(position_bits)
                keys |= keep.astype(np.uint64) + np.uint64(begin)
                _deal(keys, bucket_of[first], buckets)
                if len(frequent) and len(keep):
                    rows.add(row_of[first], keep + begin)
        rows.finish()
    finally:
        rows.close()
        for handle in buckets:
            handle.close()
    total = int(starting.sum())
    mask = np.uint64((1 << position_bits) - 1)
    keys_out, starts_out, filled = [], [], 0
    with _array_file(folder / schema.PAIR_POSITIONS, "<u4", total) as out:
        for k in range(len(buckets)):
            keys = np.fromfile(f"{scratch}.{k}", dtype=np.uint64)
            Path(f"{scratch}.{k}").unlink()
            keys.sort()
            for begin, chunk, firsts, pairs in _runs(keys, np.uint64(position_bits)):
                starts_out.append(firsts + (begin + filled))
                keys_out.append(pairs)
                out.write((chunk & mask).astype(np.uint32).tobytes())
            filled += len(keys)
            del keys
    numbers = np.concatenate(keys_out) if keys_out else np.empty(0, dtype=np.uint64)
    pair_keys = (alphabet[(numbers // size).astype(np.int64)].astype(np.uint64) << np.uint64(21)) | \
        alphabet[(numbers % size).astype(np.int64)].astype(np.uint64)
    np.save(folder / schema.PAIR_KEYS, pair_keys)
    np.save(folder / schema.PAIR_STARTS, np.concatenate(starts_out + [np.array([filled], dtype=np.int64)]))


class _Rows:
    """Counts per frequent character and text, written to a file a block of ROW_BLOCK texts at a time.

    The file holds (blocks, characters, ROW_BLOCK) counts: a character's counts are one run per
    block, and the build holds only the blocks its current chunk of text reaches (a whole
    character x text table would be 110 MB at 100,000 speeches, 500 MB at 450,000).
    """

    def __init__(self, path: Path, characters: int, doc_starts: np.ndarray):
        self.characters, self.doc_starts = characters, doc_starts
        texts = len(doc_starts) - 1
        self.blocks = -(-texts // ROW_BLOCK)
        self.out = open(path, "wb")
        np.lib.format.write_array_header_1_0(
            self.out, {"descr": "<u4", "fortran_order": False, "shape": (self.blocks, characters, ROW_BLOCK)})
        self.written = 0  # blocks written so far, in order
        self.held: dict[int, np.ndarray] = {}

    def add(self, row: np.ndarray, positions: np.ndarray) -> None:
        """Count the characters (their rows; `characters` for none) starting pairs at `positions`, a sorted run.

        The run spans a few hundred texts: numbering its positions by text and counting (row,
        text) in that window takes linear time, where a search per position would not.
        """
        doc_starts, characters = self.doc_starts, self.characters
        first_text = int(np.searchsorted(doc_starts, positions[0], side="right")) - 1
        last_text = int(np.searchsorted(doc_starts, positions[-1], side="right")) - 1
        width = last_text - first_text + 1
        bounds = np.clip(doc_starts[first_text : last_text + 2], positions[0], positions[-1] + 1) - positions[0]
        text_at = np.repeat(np.arange(width), np.diff(bounds))  # text of each position from the run's first on
        kept = row < characters
        window = np.bincount(row[kept] * width + text_at[positions[kept] - positions[0]], minlength=characters * width)
        window = window.reshape(characters, width).astype(np.uint32)
        for block in range(first_text // ROW_BLOCK, last_text // ROW_BLOCK + 1):
            low, high = max(first_text, block * ROW_BLOCK), min(last_text + 1, (block + 1) * ROW_BLOCK)
            held = self.held.setdefault(block, np.zeros((characters, ROW_BLOCK), dtype=np.uint32))
            held[:, low - block * ROW_BLOCK : high - block * ROW_BLOCK] += window[:, low - first_text : high - first_text]
        self._write_until(first_text // ROW_BLOCK)  # runs come in text order: earlier blocks are complete

    def _write_until(self, block: int) -> None:
        while self.written < min(block, self.blocks):
            counts = self.held.pop(self.written, None)
            if counts is None:
                counts = np.zeros((self.characters, ROW_BLOCK), dtype=np.uint32)
            self.out.write(counts.tobytes())
            self.written += 1

    def finish(self) -> None:
        """Write every block not yet written."""
        self._write_until(self.blocks)

    def close(self) -> None:
        self.out.close()


def _runs(keys: np.ndarray, shift: np.uint64):
    """Yield sorted keys a chunk at a time, with where in the chunk each run of equal `keys >> shift` starts.

    Yields (offset of the chunk, the chunk, run starts in it, their `keys >> shift`). A chunk at
    a time: whole-bucket temporaries would hold three times its memory (a bucket of one
    character, 的 at 100,000 speeches, holds 28 M pairs).
    """
    previous = None
    for begin in range(0, len(keys), _CHUNK):
        chunk = keys[begin : begin + _CHUNK]
        heads = chunk >> shift
        starts = np.nonzero(heads[1:] != heads[:-1])[0] + 1
        if previous is None or heads[0] != previous:
            starts = np.concatenate([[0], starts])
        previous = heads[-1]
        yield begin, chunk, starts.astype(np.int64), heads[starts]


def _bucket_of(counts: np.ndarray, budget: int) -> np.ndarray | None:
    """Number the buckets of sorted items: consecutive keys whose counts sum to at most budget.

    Returns each key's bucket (16-bit), or None when that takes more than 2**16 buckets; a key
    counted more than budget times has a bucket of its own.
    """
    bounds, held = [], 0  # first key of each bucket after the first
    for k, count in enumerate(counts.tolist()):
        if held and held + count > budget:
            bounds.append(k)
            held = 0
        held += count
    if len(bounds) >= 2**16:
        return None
    return np.searchsorted(np.array(bounds, dtype=np.int64), np.arange(len(counts)), side="right").astype(np.uint16)


def _deal(keys: np.ndarray, bucket: np.ndarray, handles: list) -> None:
    """Append each key to its bucket's file, keeping their order within a bucket."""
    if len(handles) == 1:
        handles[0].write(keys.tobytes())
        return
    # 16-bit bucket numbers: numpy sorts them stably by radix, in linear time.
    keys = keys[np.argsort(bucket, kind="stable")]
    cuts = np.cumsum(np.bincount(bucket, minlength=len(handles)))
    for k, (low, high) in enumerate(zip(np.concatenate([[0], cuts[:-1]]), cuts)):
        if high > low:
            handles[k].write(keys[low:high].tobytes())


def _array_file(path: Path, dtype: str, length: int):
    """Open a .npy file for an array of `length` items of `dtype`, to be written in pieces."""
    out = open(path, "wb")
    np.lib.format.write_array_header_1_0(out, {"descr": dtype, "fortran_order": False, "shape": (length,)})
    return out


def new_segment(folder: Path, texts) -> str:
    """Write the pair postings of texts as a new segment of the generation in folder; return its name."""
    name = f"s{time.time_ns():x}{os.getpid():x}"
    target = folder / schema.PAIRS_DIR / name
    target.mkdir(parents=True)
    write_pairs(texts, target)
    return name


def link_segment(source: Path, folder: Path, name: str) -> None:
    """Take an existing segment into the generation in folder: segments are never rewritten."""
    (folder / schema.PAIRS_DIR).mkdir(exist_ok=True)
    link_folder(source / schema.PAIRS_DIR / name, folder / schema.PAIRS_DIR / name)


class WordPostingsWriter:
    """Gather word postings speech by speech in a scratch file, then sort and write them.

    Each posting is one 64-bit key (word id, speech position, weight), appended to the scratch
    file as it comes. They are sorted as the pairs are, in buckets of word ids holding at most
    `budget` postings (128 MB): a build holds one bucket at a time, whatever the corpus size
    (100,000 real speeches hold some 170 M postings).
    """

    def __init__(self, folder: Path, budget: int = 1 << 24):
        self.folder, self.budget = folder, budget
        self.scratch = folder / "words.scratch"
        self.handle = open(self.scratch, "wb")
        self.lengths: dict[int, float] = {}

    def add(self, position: int, ids: np.ndarray, weights: np.ndarray) -> None:
        """Add one speech's words: word ids and their weights (body count plus twice the title's)."""
        if position >= MAX_SPEECHES:
            raise PostingsError(f"one index holds at most {MAX_SPEECHES:,} speeches")
        self.lengths[position] = float(weights.sum())
        clipped = np.minimum(weights, 2**_WEIGHT_BITS - 1).astype(np.uint64)
        keys = (ids.astype(np.uint64) << _WORD_SHIFT) | (np.uint64(position) << np.uint64(_WEIGHT_BITS)) | clipped
        self.handle.write(keys.tobytes())

    def carry(self, old: Path, moved: np.ndarray) -> None:
        """Take the postings of speeches kept from the generation in `old`, a chunk at a time.

        `moved[old position]` is a speech's new position, or -1 for a speech not kept.
        """
        old_keys, old_starts = np.load(old / schema.WORD_KEYS), np.load(old / schema.WORD_STARTS)
        docs = np.load(old / schema.WORD_DOCS, mmap_mode="r")
        weights = np.load(old / schema.WORD_WEIGHTS, mmap_mode="r")
        word_of = np.repeat(np.arange(len(old_keys)), np.diff(old_starts)) if len(old_keys) else np.empty(0, np.int64)
        for begin in range(0, len(docs), _CHUNK):
            new_docs = moved[np.asarray(docs[begin : begin + _CHUNK])]
            kept = new_docs >= 0
            keys = (old_keys[word_of[begin : begin + _CHUNK][kept]].astype(np.uint64) << _WORD_SHIFT) | \
                (new_docs[kept].astype(np.uint64) << np.uint64(_WEIGHT_BITS)) | \
                np.asarray(weights[begin : begin + _CHUNK])[kept].astype(np.uint64)
            self.handle.write(keys.tobytes())
        old_lengths = np.load(old / schema.DOC_LENGTHS)
        for position in np.nonzero(moved >= 0)[0].tolist():
            self.lengths[int(moved[position])] = float(old_lengths[position])

    def _chunks(self):
        """Yield the scratch file's keys a chunk at a time (read, not mapped: mapped pages stay resident)."""
        with open(self.scratch, "rb") as source:
            while len(chunk := np.fromfile(source, dtype=np.uint64, count=_CHUNK)):
                yield chunk

    def write(self, count: int) -> None:
        """Sort the gathered postings and write them, with the lengths of the generation's `count` speeches."""
        self.handle.close()
        per_word = np.zeros(0, dtype=np.int64)
        for chunk in self._chunks():
            found = np.bincount((chunk >> _WORD_SHIFT).astype(np.intp))
            per_word = np.pad(per_word, (0, max(0, len(found) - len(per_word))))
            per_word[: len(found)] += found
        bucket_of = _bucket_of(per_word, self.budget)
        if bucket_of is None:
            raise PostingsError(f"{int(per_word.sum()):,} word postings need more than {2**16 - 1} sorting buckets")
        names = [self.scratch] if len(bucket_of) == 0 or bucket_of[-1] == 0 else \
            [Path(f"{self.scratch}.{k}") for k in range(int(bucket_of[-1]) + 1)]
        if len(names) > 1:
            buckets = [open(name, "wb") for name in names]
            try:
                for chunk in self._chunks():
                    _deal(chunk, bucket_of[(chunk >> _WORD_SHIFT).astype(np.intp)], buckets)
            finally:
                for handle in buckets:
                    handle.close()
            self.scratch.unlink()
        total = int(per_word.sum())
        word_keys, firsts, filled = [], [], 0
        with _array_file(self.folder / schema.WORD_DOCS, "<u4", total) as docs, \
                _array_file(self.folder / schema.WORD_WEIGHTS, "<f4", total) as weights:
            for name in names:
                keys = np.fromfile(name, dtype=np.uint64)
                name.unlink()
                keys.sort()
                for begin, chunk, starts, word_ids in _runs(keys, _WORD_SHIFT):
                    firsts.append(starts + (begin + filled))
                    word_keys.append(word_ids.astype(np.uint32))
                    docs.write(((chunk >> np.uint64(_WEIGHT_BITS)) & np.uint64(MAX_SPEECHES - 1)).astype(np.uint32).tobytes())
                    weights.write((chunk & np.uint64(2**_WEIGHT_BITS - 1)).astype(np.float32).tobytes())
                filled += len(keys)
                del keys
        starts = np.concatenate(firsts + [np.array([filled], dtype=np.int64)])
        lengths = np.zeros(count, dtype=np.float32)
        for position, length in self.lengths.items():
            lengths[position] = length
        np.save(self.folder / schema.WORD_KEYS, np.concatenate(word_keys) if word_keys else np.empty(0, np.uint32))
        np.save(self.folder / schema.WORD_STARTS, starts)
        np.save(self.folder / schema.DOC_LENGTHS, lengths)


# ---- reading ------------------------------------------------------------------------------------
# Pair keys are both code points side by side, each pair's positions sorted; word postings are
# (speech, weight) runs per word id.


def pair_code(first: str, second: str) -> int:
    """Return the key of a character pair: both code points side by side."""
    return (ord(first) << 21) | ord(second)


class PairSegment:
    """One segment of pair postings: some speeches' texts in a character space of their own."""

    def __init__(self, folder: Path, speeches: np.ndarray):
        self.folder = folder
        self.keys = load_array(folder / schema.PAIR_KEYS, "<u8")
        self.starts_of = load_array(folder / schema.PAIR_STARTS, "<i8")
        self.positions = load_array(folder / schema.PAIR_POSITIONS, "<u4", mapped=True)
        self.doc_starts = load_array(folder / schema.DOC_STARTS, "<i8")
        self.speeches = speeches  # generation position of each of its texts, -1 for one since removed
        self.whole = False  # set by Postings when its texts are every speech of the generation, in order
        check_increasing(self.keys, folder / schema.PAIR_KEYS)
        check_starts(self.starts_of, folder / schema.PAIR_STARTS, len(self.keys), len(self.positions))
        check_starts(self.doc_starts, folder / schema.DOC_STARTS, len(speeches), int(self.doc_starts[-1])
                      if len(self.doc_starts) else 0)
        self.space = int(self.doc_starts[-1])  # characters of its texts laid end to end
        self.row_chars, self.rows = self._rows(folder, len(speeches))
        require(bool(np.all(sample(self.positions) < self.space)), folder / schema.PAIR_POSITIONS,
                 "holds positions beyond its texts")
        # A sample of the pairs' runs, each sorted as searchsorted needs.
        for index in np.linspace(0, len(self.keys) - 1, min(len(self.keys), 64)).astype(np.int64).tolist():
            run = np.asarray(self.positions[self.starts_of[index] : min(self.starts_of[index + 1],
                                                                        self.starts_of[index] + SAMPLE)])
            require(bool(np.all(run[1:] > run[:-1])), folder / schema.PAIR_POSITIONS, "holds positions out of order")

    @staticmethod
    def _rows(folder: Path, texts: int) -> tuple[np.ndarray, np.ndarray]:
        """Load the frequent characters and their counts per text, in blocks of texts (none in a segment written before them)."""
        if not (folder / schema.CHAR_KEYS).exists():
            return np.empty(0, dtype=np.uint32), np.empty((0, 0, 1), dtype=np.uint32)
        chars = load_array(folder / schema.CHAR_KEYS, "<u4")
        check_increasing(chars, folder / schema.CHAR_KEYS)
        path = folder / schema.CHAR_COUNTS
        counts = load_array(path, "<u4", mapped=True, dimensions=3)
        # (blocks of texts, characters, texts a block): see indexer/postings.py's _Rows.
        require(counts.shape[2] > 0 and counts.shape[1] == len(chars) and counts.shape[0] == -(-texts // counts.shape[2]), path,
                 f"holds counts of shape {counts.shape} for {len(chars):,} characters in {texts:,} texts")
        return chars, counts

    def text_counts(self, term: str) -> np.ndarray | None:
        """Return how often term occurs in each of the segment's texts (leftmost non-overlapping, as str.count).

        None when it occurs in none of them.
        """
        folded = fold_case(term)
        if len(folded) == 1:
            row = int(np.searchsorted(self.row_chars, ord(folded)))
            if row < len(self.row_chars) and int(self.row_chars[row]) == ord(folded):
                counts = np.asarray(self.rows[:, row, :]).reshape(-1)[: len(self.speeches)].astype(np.int64)
                # The row must add up to the character's positions: a damaged row would miscount silently.
                require(int(counts.sum()) == len(self._first(ord(folded))), self.folder / schema.CHAR_COUNTS,
                         "disagrees with the positions")
                return counts
        found = self.occurrences(term)
        if not len(found):
            return None
        # The positions are sorted: where each text starts among them counts them per text, in
        # time of the number of texts rather than of positions (改革 holds millions).
        return np.diff(np.searchsorted(found, self.doc_starts)).astype(np.int64)

    def _within(self, found: np.ndarray) -> np.ndarray:
        """Return positions read from the postings, refusing any beyond the texts (a damaged file)."""
        if len(found) and int(found.max()) >= self.space:
            raise StoreError(self.folder / schema.PAIR_POSITIONS, "holds positions beyond its texts")
        return found

    def _first(self, code: int) -> np.ndarray:
        """Return the positions of every pair whose first character is `code`, pair by pair (not sorted)."""
        low = int(np.searchsorted(self.keys, np.uint64(code << 21)))
        high = int(np.searchsorted(self.keys, np.uint64((code + 1) << 21)))
        return self.positions[self.starts_of[low] : self.starts_of[high]]

    def _pair(self, code: int) -> np.ndarray:
        index = int(np.searchsorted(self.keys, np.uint64(code)))
        if index == len(self.keys) or int(self.keys[index]) != code:
            return self.positions[:0]
        return self.positions[self.starts_of[index] : self.starts_of[index + 1]]

    def starts(self, term: str) -> np.ndarray:
        """Return every position where term starts, overlapping occurrences included, sorted.

        The postings are of the case-folded text, so the term is folded the same way.
        """
        term = fold_case(term)
        if not term or "\n" in term:
            return np.empty(0, dtype=np.uint32)
        if len(term) == 1:
            found = np.array(self._first(ord(term)))
            found.sort()
            return self._within(found)
        # Pairs at offsets 0, 2, 4, … (and the last one) pin every character: no need for all n - 1.
        offsets = sorted(set(range(0, len(term) - 1, 2)) | {len(term) - 2})
        pairs = [(j, self._pair(pair_code(term[j], term[j + 1]))) for j in offsets]
        pairs.sort(key=lambda pair: len(pair[1]))
        offset, rarest = pairs[0]
        found = self._within(np.asarray(rarest, dtype=np.int64)) - offset
        found = found[found >= 0]
        for j, positions in pairs[1:]:
            if not len(found):
                break
            wanted = found + j
            at = np.searchsorted(positions, wanted)
            at[at == len(positions)] = 0
            found = found[positions[at] == wanted] if len(positions) else found[:0]
        return found.astype(np.uint32)

    def pair_starts(self, first: str, second: str) -> np.ndarray:
        """Return every position where the pair of two characters starts, sorted (a line break second included)."""
        return self._pair(pair_code(first, second))

    def occurrences(self, term: str) -> np.ndarray:
        """Return where term occurs, leftmost non-overlapping within each text (as str.count counts)."""
        found = self.starts(term)
        if _can_overlap(term) and len(found) > 1:
            kept, end = [], -1
            for position in found.tolist():
                if position >= end:
                    kept.append(position)
                    end = position + len(term)
            found = np.array(kept, dtype=np.uint32)
        return found

    def speech_of(self, positions: np.ndarray) -> np.ndarray:
        """Return the generation position of the speech holding each character position (-1: removed)."""
        return self.speeches[np.searchsorted(self.doc_starts, positions, side="right") - 1]


class Postings:
    """A generation's postings, memory-mapped, answering where terms occur and which speeches hold words."""

    def __init__(self, folder: Path):
        plan = load_json(folder / schema.PAIR_SEGMENTS)
        try:
            self.speeches = int(plan["speeches"])
            entries = [(str(entry["name"]), np.array(entry["speeches"], dtype=np.int64)) for entry in plan["segments"]]
        except (KeyError, TypeError, ValueError, OverflowError):
            raise StoreError(folder / schema.PAIR_SEGMENTS, "is not a plan of segments") from None
        for name, speeches in entries:
            require("/" not in name and name not in ("", ".", "..") and
                     bool(np.all((speeches >= -1) & (speeches < self.speeches))),
                     folder / schema.PAIR_SEGMENTS, "names segments or speeches out of bounds")
        self.segments = [PairSegment(folder / schema.PAIRS_DIR / name, speeches) for name, speeches in entries]
        for segment in self.segments:
            segment.speeches.setflags(write=False)  # read once from the plan: `whole` must stay true of it
            segment.whole = bool(len(segment.speeches) == self.speeches
                                 and np.array_equal(segment.speeches, np.arange(self.speeches)))
        self.word_keys = load_array(folder / schema.WORD_KEYS, "<u4")
        self.word_starts = load_array(folder / schema.WORD_STARTS, "<i8")
        self.word_docs = load_array(folder / schema.WORD_DOCS, "<u4", mapped=True)
        self.word_weights = load_array(folder / schema.WORD_WEIGHTS, "<f4", mapped=True)
        self.doc_lengths = load_array(folder / schema.DOC_LENGTHS, "<f4")
        check_increasing(self.word_keys, folder / schema.WORD_KEYS)
        check_starts(self.word_starts, folder / schema.WORD_STARTS, len(self.word_keys), len(self.word_docs))
        require(len(self.word_weights) == len(self.word_docs), folder / schema.WORD_WEIGHTS,
                 f"holds {len(self.word_weights):,} weights for {len(self.word_docs):,} postings")
        require(bool(np.all(sample(self.word_docs) < max(self.speeches, 1))), folder / schema.WORD_DOCS,
                 "names speeches beyond the generation's")
        weights = sample(self.word_weights)
        require(bool(np.all(np.isfinite(weights) & (weights > 0))), folder / schema.WORD_WEIGHTS,
                 "holds weights out of bounds")

    def counts(self, term: str) -> np.ndarray:
        """Return the number of occurrences of term in every speech."""
        total = np.zeros(self.speeches, dtype=np.int64)
        for segment in self.segments:
            counts = segment.text_counts(term)
            if counts is None:
                continue
            if segment.whole:
                total += counts
            else:
                kept = segment.speeches >= 0
                total[segment.speeches[kept]] += counts[kept]
        return total

    def word(self, word_id: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (speech positions, weights) of a word id."""
        index = int(np.searchsorted(self.word_keys, word_id))
        if index == len(self.word_keys) or int(self.word_keys[index]) != word_id:
            return self.word_docs[:0], self.word_weights[:0]
        span = slice(self.word_starts[index], self.word_starts[index + 1])
        return self.word_docs[span], self.word_weights[span]


def _can_overlap(term: str) -> bool:
    """Tell whether two occurrences of term can overlap: some proper prefix is also a suffix."""
    return any(term[:k] == term[-k:] for k in range(1, len(term)))
