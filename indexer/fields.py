"""What a generation says of its fields, and the Whoosh index that finds similar speeches.

The schema travels with the index, as Whoosh's TOC and tantivy's meta.json carry theirs: the
manifest records the format of the generation's files (`FORMAT`) and the registry's fields as
the build knew them (`fields`). A reader compares them with its own:

- a field the registry has and the generation lacks (code with one more field than the build)
  is unknown (未知) for every speech, never damage;
- a field the generation has and the registry lacks is kept in the records and left unshown;
- files of a format this code does not read (an index built by an older version) are said to
  be older, with the cure (`speeches index --full`), never "damaged".

The field columns that facets, filters and comparisons count are read from the records the
generation keeps (speeches.jsonl, which the reader opens anyway): 0.5 ms for the shipped
corpus, where reading them back from Whoosh's columns took 620 ms. Whoosh holds what it does
well and nothing here does otherwise: each speech's key words (the words that weigh most in it
by tf·idf: their counts in it over jieba's idf table, so a shard chooses them as one index
does) in a scorable field, over which
`more_like` finds a speech's similar speeches (相似讲话): Bo1 picks the most informative of its
key words, and BM25F ranks every speech holding them.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer import schema

# The format of a generation's files. 2: Whoosh holds the key words of every speech (similar
# speeches), and the manifest records the fields. A generation without one is of format 1.
FORMAT = 2
OLDEST_READABLE = 1  # every format from this one on answers searches
KEY_WORDS = 48  # words of each speech Whoosh holds for similarity
SIMILAR_TERMS = 16  # of them, the ones more_like searches for
WORDS_FIELD = "words"
_BUDGET = 1 << 24  # postings read at once while choosing key words: bounds the build's memory


@dataclass
class Column:
    """One field over every speech: its distinct values (as filters and facets see them) and each speech's."""

    values: list[str]
    numbers: np.ndarray  # per speech position, the index of its value in `values`


def recorded_fields() -> list[dict]:
    """Return the registry's fields as a manifest records them: what a later reader compares with its own."""
    return [{"name": f.name, "facet": f.facet, "filter": f.filter} for f in schema.FIELDS]


def format_of(manifest: dict) -> int:
    """Return the format of a generation's files: 1 for a generation built before formats were recorded."""
    found = manifest.get("format")
    return found if type(found) is int else 1


def missing_fields(manifest: dict) -> list[str]:
    """Return the registry's fields the generation was built without (unknown for every speech there)."""
    recorded = manifest.get("fields")
    if not isinstance(recorded, list):
        return []  # a generation of before fields were recorded: every record says what it holds
    known = {entry.get("name") for entry in recorded if isinstance(entry, dict)}
    return [f.name for f in schema.FIELDS if f.name not in known]


def columns_of(records) -> dict[str, Column]:
    """Return every facet and filter field's column, from the generation's records (schema.column_value)."""
    columns = {}
    levels = records.strings("level")
    for name in schema.columns():
        distinct: dict[str, int] = {}
        values = records.strings(name)
        numbers = np.fromiter((distinct.setdefault(schema.column_value({name: value, "level": level}, name),
                                                   len(distinct)) for value, level in zip(values, levels)),
                              dtype=np.int64, count=len(values))
        columns[name] = Column(list(distinct), numbers)
    return columns


def make_schema():
    """Build the Whoosh schema of a generation: each speech's id and its key words."""
    from whoosh import fields as whoosh_fields

    return whoosh_fields.Schema(id=whoosh_fields.ID(stored=True, unique=True),
                                **{WORDS_FIELD: whoosh_fields.KEYWORD(stored=True, scorable=True)})


def _static_idf(words: list[str]) -> np.ndarray:
    """Return each word's idf from jieba's table (jieba.analyse's TF-IDF keywords), the table's median for another.

    A speech's key words must not hang on the corpus it is built with: a shard of a sharded
    index chooses the same ones as one index over every file.
    """
    import importlib.util

    table = Path(importlib.util.find_spec("jieba").origin).parent / "analyse" / "idf.txt"
    known: dict[str, float] = {}
    with open(table, encoding="utf-8") as handle:
        for line in handle:
            word, _, value = line.strip().partition(" ")
            if value:
                known[word] = float(value)
    median = float(np.median(list(known.values())))
    return np.array([known.get(word, median) for word in words], dtype=np.float64)


def key_words(folder: Path, words: list[str], count: int) -> list[list[str]]:
    """Return each speech's key words: the KEY_WORDS words of two or more letters that weigh most in it by tf·idf.

    Term frequencies come from the word postings just written into `folder`, idf from jieba's
    table; a range of speeches at a time, so the build holds at most _BUDGET postings whatever
    the corpus size.
    """
    word_keys = np.load(folder / schema.WORD_KEYS)
    starts = np.load(folder / schema.WORD_STARTS)
    docs = np.load(folder / schema.WORD_DOCS, mmap_mode="r")
    weights = np.load(folder / schema.WORD_WEIGHTS, mmap_mode="r")
    usable = np.array([len(words[k]) >= 2 and words[k].isalnum() and not words[k].isnumeric()
                       for k in word_keys.tolist()], dtype=bool)
    labels = [words[k] for k in word_keys.tolist()]
    idf = np.where(usable, _static_idf(labels), 0.0)
    # Ties are broken by the word itself, never by its id, which differs from one index (or shard) to another.
    alphabetical = np.empty(len(labels), dtype=np.int64)
    alphabetical[sorted(range(len(labels)), key=labels.__getitem__)] = np.arange(len(labels))
    chosen: list[list[str]] = [[] for _ in range(count)]
    per_range = max(1, int(_BUDGET * count // max(1, len(docs))))
    for low in range(0, count, per_range):
        inside = np.nonzero((docs >= low) & (docs < low + per_range))[0]
        entry = np.searchsorted(starts, inside, side="right") - 1  # each posting's word (its place in word_keys)
        keep = usable[entry]
        inside, entry = inside[keep], entry[keep]
        score = np.asarray(weights[inside], dtype=np.float64) * idf[entry]
        speech = np.asarray(docs[inside], dtype=np.int64)
        order = np.lexsort((alphabetical[entry], -score, speech))  # speech by speech, the weightiest first
        speech, entry = speech[order], entry[order]
        first = np.searchsorted(speech, speech, side="left")
        rank = np.arange(len(speech)) - first
        for position, word in zip(speech[rank < KEY_WORDS].tolist(), word_keys[entry[rank < KEY_WORDS]].tolist()):
            chosen[position].append(words[word])
    return chosen


def write_fields(folder: Path, ids: list[str], chosen: list[list[str]]) -> None:
    """Write the Whoosh index of a generation: every speech's id and key words."""
    from whoosh import index as whoosh_index

    target = folder / schema.WHOOSH_DIR
    target.mkdir()
    writer = whoosh_index.create_in(str(target), make_schema()).writer(limitmb=128)
    for speech_id, words in zip(ids, chosen):
        writer.add_document(id=speech_id, **{WORDS_FIELD: " ".join(words)})
    writer.commit()


class Similarity:
    """A generation's Whoosh index opened for finding similar speeches.

    Whoosh's `more_like` in two steps, so the parts of a sharded index answer as one index:
    the key terms are chosen (`key_terms`) and the speeches scored (`search`) with the
    statistics of the whole corpus (`statistics`, summed over the parts), as
    dfs_query_then_fetch does for BM25.
    """

    def __init__(self, folder: Path):
        from whoosh import index as whoosh_index

        self.index = whoosh_index.open_dir(str(folder))
        if WORDS_FIELD not in self.index.schema:
            raise LookupError("the Whoosh index holds no key words")

    def words(self, speech_id: str) -> list[str]:
        """Return a speech's key words (none for an id the index does not hold)."""
        with self.index.searcher() as searcher:
            docnum = searcher.document_number(id=speech_id)
            return [] if docnum is None else searcher.stored_fields(docnum)[WORDS_FIELD].split()

    def statistics(self, words: list[str]) -> dict:
        """Return what scoring the words needs of this index: speeches, words in all, each word's weight and speeches."""
        with self.index.searcher() as searcher:
            reader = searcher.reader()
            return {"docs": reader.doc_count_all(), "length": reader.field_length(WORDS_FIELD),
                    "frequency": {w: reader.frequency(WORDS_FIELD, w) for w in words},
                    "held": {w: reader.doc_frequency(WORDS_FIELD, w) for w in words}}

    def search(self, terms: list, top: int, leave_out: str | None, stats: dict) -> list[tuple[str, float]]:
        """Return (id, score) of the `top` speeches that best hold the weighted key words, `leave_out` left out.

        Speeches scored as the last of them are all given: the caller orders ties by id, so one
        index and the parts of a sharded one cut at the same speech.
        """
        from whoosh import query

        if not terms:
            return []
        with self.index.searcher(weighting=_CorpusBM25F(stats)) as searcher:
            asked = query.Or([query.Term(WORDS_FIELD, word, boost=weight) for word, weight in terms])
            docnum = searcher.document_number(id=leave_out) if leave_out is not None else None
            scored = searcher.search(asked, limit=None, mask={docnum} if docnum is not None else None).top_n
            scored = [(score, number) for score, number in scored if len(scored) <= top or score >= scored[top - 1][0]]
            return [(searcher.stored_fields(number)["id"], float(score)) for score, number in scored]


def summed_statistics(parts: list[dict]) -> dict:
    """Add the statistics of the parts of an index (shards) up: the whole corpus's."""
    total: dict = {"docs": 0, "length": 0, "frequency": {}, "held": {}}
    for part in parts:
        total["docs"] += part["docs"]
        total["length"] += part["length"]
        for key in ("frequency", "held"):
            for word, count in part[key].items():
                total[key][word] = total[key].get(word, 0) + count
    return total


class _Collection:
    """The corpus-wide statistics, as the reader Whoosh's query expansion asks them of."""

    def __init__(self, stats: dict):
        from whoosh import fields as whoosh_fields

        self.stats = stats
        self.schema = whoosh_fields.Schema(**{WORDS_FIELD: whoosh_fields.KEYWORD(stored=True, scorable=True)})

    def doc_count_all(self) -> int:
        return self.stats["docs"]

    def field_length(self, fieldname: str) -> int:
        return self.stats["length"]

    def __contains__(self, term) -> bool:
        return self.stats["frequency"].get(term[1].decode("utf-8"), 0) > 0

    def frequency(self, fieldname: str, text: bytes) -> float:
        return self.stats["frequency"][text.decode("utf-8")]


def key_terms(words: list[str], stats: dict) -> list[tuple[str, float]]:
    """Return the SIMILAR_TERMS most informative of a speech's key words with their weights: Whoosh's Bo1 expansion
    (what `more_like` searches for), over the whole corpus's statistics."""
    from whoosh import classify

    expander = classify.Expander(_Collection(stats), WORDS_FIELD, model=classify.Bo1Model)
    expander.add((word, 1) for word in words)
    return expander.expanded_terms(SIMILAR_TERMS, normalize=False)


def _CorpusBM25F(stats: dict):
    """Return Whoosh's BM25F scoring with the whole corpus's statistics: idf and average length of every part's."""
    import math

    from whoosh import scoring

    class CorpusBM25F(scoring.BM25F):
        def scorer(self, searcher, fieldname, text, qf=1):
            scorer = super().scorer(searcher, fieldname, text, qf)
            held = stats["held"].get(text.decode("utf-8"), 0)
            scorer.idf = math.log(stats["docs"] / (held + 1)) + 1  # Whoosh's idf, of the whole corpus
            scorer.avgfl = stats["length"] / stats["docs"] if stats["docs"] else 1
            scorer.setup(searcher, fieldname, text)  # the bound on a block's score, with these statistics
            return scorer

    return CorpusBM25F()
