"""The pair postings find every occurrence a substring scan finds, and nothing else."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.text import fold_case
from indexer.postings import WordPostingsWriter, new_segment, write_pairs
from indexer.postings import Postings
from indexer.store import read_segment_plan, write_segment_plan


def open_postings(folder, texts: list[str], segments: int = 1) -> Postings:
    """Index texts in `segments` segments, the last text of each segment but the first since removed."""
    plan, positions = [], list(range(len(texts)))
    for part in range(segments):
        mine = positions[part::segments]
        plan.append((new_segment(folder, lambda mine=mine: (texts[k] for k in mine)), mine))
    WordPostingsWriter(folder).write(len(texts))
    write_segment_plan(folder, plan, len(texts))
    return Postings(folder)


def drop_first_speech(folder) -> Postings:
    """Record, as a later generation's plan records a speech it dropped, that speech 0 is gone; reopen."""
    plan = read_segment_plan(folder)
    speeches = max(p for _, positions in plan for p in positions) + 1
    write_segment_plan(folder, [(name, [-1 if p == 0 else p for p in positions]) for name, positions in plan], speeches)
    return Postings(folder)


def scan(texts: list[str], term: str) -> list[int]:
    """Occurrences per text as the README defines them: str.count within each paragraph, ASCII case folded."""
    return [sum(fold_case(paragraph).count(fold_case(term)) for paragraph in text.split("\n")) for text in texts]


def every_substring(texts: list[str], longest: int = 6) -> set[str]:
    return {t[i : i + n] for t in texts for n in range(1, longest + 1) for i in range(len(t) - n + 1)}


TEXTS = [
    "稳中求进，稳中求进。哈哈哈哈哈\n双过半双过半半\n",
    "",
    "\n\n第一段\n𠀀𠀀𠀀 生僻字 𠀀\nABAB ABA",
    "一一一一一\n六稳六保 六稳",
]


def test_every_substring_of_written_texts_counts_as_a_scan(tmp_path):
    postings = open_postings(tmp_path, TEXTS)
    terms = every_substring(TEXTS) | {"不在其中", "求进求进", "半\n双", "\n", "一一一一一一", "𠀀 生"}
    for term in sorted(terms):
        assert postings.counts(term).tolist() == scan(TEXTS, term), term


def test_positions_are_where_the_term_starts(tmp_path):
    postings = open_postings(tmp_path, TEXTS)
    space = "\n".join(TEXTS) + "\n"
    for term in ("稳中求进", "哈哈", "半", "𠀀𠀀"):
        found = postings.segments[0].starts(term).tolist()
        expected = [i for i in range(len(space)) if space.startswith(term, i)]
        assert found == expected, term


def test_segments_count_together_as_one(tmp_path):
    postings = open_postings(tmp_path, TEXTS, segments=3)
    assert len(postings.segments) == 3
    for term in sorted(every_substring(TEXTS)):
        assert postings.counts(term).tolist() == scan(TEXTS, term), term


def test_a_removed_text_is_not_counted(tmp_path):
    open_postings(tmp_path, TEXTS)
    postings = drop_first_speech(tmp_path)
    assert postings.counts("稳中求进").tolist() == [0] + scan(TEXTS, "稳中求进")[1:]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="双过半稳进\n 𠀀a", max_size=40), min_size=1, max_size=5),
       st.text(alphabet="双过半稳进\n 𠀀a", min_size=1, max_size=4))
def test_any_term_in_any_texts_counts_as_a_scan(tmp_path_factory, texts, term):
    postings = open_postings(tmp_path_factory.mktemp("p"), texts, segments=1 + len(texts) % 2)
    assert postings.counts(term).tolist() == scan(texts, term)
    for sub in every_substring(texts, 4):
        assert postings.counts(sub).tolist() == scan(texts, sub), sub


def test_the_shipped_index_counts_every_sampled_term_as_a_scan(shipped_index, corpus):
    """Terms cut from every speech (and from across paragraph ends) against a scan of all texts."""
    generation = corpus.generation()
    texts = [generation.text(i) for i in range(len(generation))]
    rng = np.random.default_rng(5)
    terms = set()
    for text in texts:
        for _ in range(20):
            length = int(rng.integers(1, 8))
            start = int(rng.integers(0, max(1, len(text) - length)))
            terms.add(text[start : start + length])
    assert len(terms) > 500
    for term in sorted(terms):
        assert generation.postings.counts(term).tolist() == scan(texts, term), term


def test_sorting_in_many_small_buckets_writes_the_same_postings(tmp_path):
    """The build sorts pairs a range of first characters at a time; the ranges change nothing."""
    texts = TEXTS * 5
    one, many = tmp_path / "one", tmp_path / "many"
    one.mkdir(), many.mkdir()
    write_pairs(lambda: iter(texts), one)
    write_pairs(lambda: iter(texts), many, budget=7)
    for name in ("keys.npy", "starts.npy", "positions.npy", "texts.npy", "chars.npy", "chars.counts.npy"):
        assert np.array_equal(np.load(one / name), np.load(many / name)), name
    assert sorted(p.name for p in many.iterdir()) == sorted(p.name for p in one.iterdir())


def _word_table(postings: Postings, words: int) -> dict:
    table = {}
    for word in range(words):
        docs, weights = postings.word(word)
        for doc, weight in zip(docs.tolist(), weights.tolist()):
            table[(word, doc)] = weight
    return table


def test_word_postings_are_written_and_carried_into_the_next_generation(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir(), new.mkdir()
    rows = {0: {0: 3, 2: 1}, 1: {1: 2}, 2: {0: 1, 1: 1, 3: 5}}  # speech -> {word id: weight}
    fresh = [(doc, np.array(list(w), dtype=np.uint32), np.array(list(w.values()), dtype=np.float32))
             for doc, w in rows.items()]
    write_segment_plan(old, [], 3)
    writer = WordPostingsWriter(old)
    for row in fresh:
        writer.add(*row)
    writer.write(3)
    assert _word_table(Postings(old), 4) == {(w, d): float(v) for d, ws in rows.items() for w, v in ws.items()}
    assert Postings(old).doc_lengths.tolist() == [4.0, 2.0, 7.0]
    # Next generation: old speech 0 moves to 2, old 1 is gone, old 2 moves to 0; a new speech is 1.
    write_segment_plan(new, [], 3)
    writer = WordPostingsWriter(new)
    writer.add(1, np.array([3], dtype=np.uint32), np.array([9], dtype=np.float32))
    writer.carry(old, np.array([2, -1, 0]))
    writer.write(3)
    assert not list(new.glob("*.scratch"))
    expected = {(w, {0: 2, 2: 0}[d]): float(v) for d, ws in rows.items() if d != 1 for w, v in ws.items()}
    expected[(3, 1)] = 9.0
    assert _word_table(Postings(new), 4) == expected
    assert Postings(new).doc_lengths.tolist() == [7.0, 9.0, 4.0]


def test_word_postings_sorted_in_many_small_buckets_are_the_same(tmp_path):
    """Word postings are sorted a range of word ids at a time, as pairs are; the ranges change nothing."""
    rng = np.random.default_rng(17)
    rows = []
    for doc in range(40):
        ids = np.unique(rng.integers(0, 300, size=60)).astype(np.uint32)
        rows.append((doc, ids, rng.integers(1, 50, size=len(ids)).astype(np.float32)))
    folders = {budget: tmp_path / f"budget-{budget}" for budget in (1 << 24, 25, 1)}
    for budget, folder in folders.items():
        folder.mkdir()
        write_segment_plan(folder, [], len(rows))
        writer = WordPostingsWriter(folder, budget=budget)
        for doc, ids, weights in reversed(rows):  # in any order: the sort puts them right
            writer.add(doc, ids, weights)
        writer.write(len(rows))
        assert not list(folder.glob("*scratch*"))
    expected = {(int(w), doc): float(v) for doc, ids, weights in rows for w, v in zip(ids, weights)}
    one = folders[1 << 24]
    assert _word_table(Postings(one), 300) == expected
    for folder in folders.values():
        assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in one.iterdir())
        for name in one.iterdir():
            assert (folder / name.name).read_bytes() == name.read_bytes(), (folder.name, name.name)


def test_postings_handled_in_small_chunks_are_the_same(tmp_path, monkeypatch):
    """Scratch files are read, and sorted buckets unpacked, a chunk at a time; chunks change nothing."""
    import indexer.postings as postings

    texts = TEXTS * 3
    rows = [(doc, np.arange(doc % 5, 40 + doc, 3, dtype=np.uint32), np.full(len(range(doc % 5, 40 + doc, 3)), doc + 1.0,
                                                                             dtype=np.float32)) for doc in range(12)]
    written = {}
    monkeypatch.setattr(postings, "ROW_PER_TEXT", 1)  # rows of counts for the frequent characters, windows per chunk
    monkeypatch.setattr(postings, "ROW_BLOCK", 5)  # chunks that reach into two blocks, and past them
    for label, chunk in (("whole", postings._CHUNK), ("chunks", 7)):
        monkeypatch.setattr(postings, "_CHUNK", chunk)
        folder = tmp_path / label
        folder.mkdir()
        write_pairs(lambda: iter(texts), folder, budget=50)
        writer = WordPostingsWriter(folder, budget=30)
        for row in rows:
            writer.add(*row)
        writer.write(len(rows))
        written[label] = {path.name: path.read_bytes() for path in sorted(folder.iterdir())}
    assert written["chunks"] == written["whole"]
    assert len(np.load(tmp_path / "whole" / "chars.npy")) > 3


def test_frequent_characters_are_counted_from_their_rows_as_a_scan(tmp_path, monkeypatch):
    """A character far more frequent than texts is counted from its row of counts per text, as a scan counts."""
    import indexer.postings as postings

    texts = TEXTS * 3 + ["的的的，的 A a\n的", "Aa的".replace("的", "的的") * 9]
    plain = open_postings(tmp_path / "plain", texts)
    monkeypatch.setattr(postings, "ROW_PER_TEXT", 1)
    monkeypatch.setattr(postings, "ROW_BLOCK", 4)  # texts in several blocks, the last one partly filled
    for segments in (1, 3):
        folder = tmp_path / f"rows{segments}"
        rowed = open_postings(folder, texts, segments=segments)
        chars = {chr(c) for segment in rowed.segments for c in segment.row_chars.tolist()}
        assert {"的", "哈", "a"} <= chars and not chars & {"\n", "A"}  # folded, as terms are matched
        for term in sorted({t for t in every_substring(texts, 1)} | {"A", "B", "的"}):
            assert rowed.counts(term).tolist() == plain.counts(term).tolist() == scan(texts, term), term
    for segments in (1, 3):  # a speech a later generation dropped is not counted
        rowed = drop_first_speech(tmp_path / f"rows{segments}")
        assert rowed.counts("哈").tolist() == [0] + scan(texts, "哈")[1:]


def test_a_segment_written_before_rows_counts_from_positions(tmp_path, monkeypatch):
    import indexer.postings as postings

    monkeypatch.setattr(postings, "ROW_PER_TEXT", 1)
    postings_ = open_postings(tmp_path, TEXTS)
    for segment in postings_.segments:
        (segment.folder / "chars.npy").unlink()
        (segment.folder / "chars.counts.npy").unlink()
    older = Postings(tmp_path)
    assert not len(older.segments[0].row_chars)
    for term in ("稳", "一", "半", "𠀀"):
        assert older.counts(term).tolist() == scan(TEXTS, term), term


def test_a_row_that_disagrees_with_the_positions_is_damage_not_a_count(tmp_path, monkeypatch):
    import pytest

    import indexer.postings as postings
    from indexer.integrity import StoreError

    monkeypatch.setattr(postings, "ROW_PER_TEXT", 1)
    rowed = open_postings(tmp_path, TEXTS * 3)
    counts_file = rowed.segments[0].folder / "chars.counts.npy"
    rows = np.load(counts_file)
    rows[0, 0, 0] += 1  # the first frequent character counted once more in the first text
    np.save(counts_file, rows)
    first = chr(int(rowed.segments[0].row_chars[0]))
    with pytest.raises(StoreError, match="disagrees with the positions"):
        Postings(tmp_path).counts(first)

