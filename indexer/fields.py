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
against the corpus, by tf·idf over the word postings) in a scorable field, over which
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


def key_words(folder: Path, words: list[str], count: int) -> list[list[str]]:
    """Return each speech's key words: the KEY_WORDS words of two or more letters that weigh most in it by tf·idf.

    Read from the word postings just written into `folder`, a range of speeches at a time, so
    the build holds at most _BUDGET postings whatever the corpus size.
    """
    word_keys = np.load(folder / schema.WORD_KEYS)
    starts = np.load(folder / schema.WORD_STARTS)
    docs = np.load(folder / schema.WORD_DOCS, mmap_mode="r")
    weights = np.load(folder / schema.WORD_WEIGHTS, mmap_mode="r")
    held = np.diff(starts)
    usable = np.array([len(words[k]) >= 2 and words[k].isalnum() and not words[k].isnumeric()
                       for k in word_keys.tolist()], dtype=bool)
    idf = np.where(usable, np.log((count + 1) / (held + 0.5)), 0.0)
    chosen: list[list[str]] = [[] for _ in range(count)]
    per_range = max(1, int(_BUDGET * count // max(1, len(docs))))
    for low in range(0, count, per_range):
        inside = np.nonzero((docs >= low) & (docs < low + per_range))[0]
        entry = np.searchsorted(starts, inside, side="right") - 1  # each posting's word (its place in word_keys)
        keep = usable[entry]
        inside, entry = inside[keep], entry[keep]
        score = np.asarray(weights[inside], dtype=np.float64) * idf[entry]
        speech = np.asarray(docs[inside], dtype=np.int64)
        order = np.lexsort((word_keys[entry], -score, speech))  # speech by speech, the weightiest first, ties by word
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
    """A generation's Whoosh index opened for finding similar speeches."""

    def __init__(self, folder: Path):
        from whoosh import index as whoosh_index

        self.index = whoosh_index.open_dir(str(folder))
        if WORDS_FIELD not in self.index.schema:
            raise LookupError("the Whoosh index holds no key words")

    def key_terms(self, speech_id: str) -> list[tuple[str, float]]:
        """Return the most informative key words of a speech with their weights (Bo1), none for an unknown id."""
        with self.index.searcher() as searcher:
            docnum = searcher.document_number(id=speech_id)
            if docnum is None:
                return []
            return searcher.key_terms([docnum], WORDS_FIELD, numterms=SIMILAR_TERMS)

    def search(self, terms: list[tuple[str, float]], top: int, leave_out: str | None = None) -> list[tuple[str, float]]:
        """Return (id, score) of the `top` speeches that best hold the weighted key words, `leave_out` left out."""
        from whoosh import query

        if not terms:
            return []
        with self.index.searcher() as searcher:
            asked = query.Or([query.Term(WORDS_FIELD, word, boost=weight) for word, weight in terms])
            mask = None
            if leave_out is not None:
                docnum = searcher.document_number(id=leave_out)
                mask = {docnum} if docnum is not None else None
            return [(hit["id"], float(hit.score)) for hit in searcher.search(asked, limit=top, mask=mask)]
