"""The one schema: what an index generation holds on disk, shared by indexer and search.

An index folder holds generation folders and a CURRENT file naming the one that serves:

    index/CURRENT               name of the serving generation, replaced atomically
    index/.lock                 flock'ed by a build
    index/gen-<version>/
        whoosh/                 Whoosh index: candidate grams, ranking words, facets
        speeches.jsonl          one speech's metadata a line, with offsets into store.bin
        store.bin               cleaned and raw texts, UTF-8, back to back
        aliases.json            {old id: new id} for ids a rebuild changed
        manifest.json           version, build time, corpus files and their hashes, summary
"""

from whoosh import analysis, fields, formats

CURRENT = "CURRENT"
LOCK = ".lock"
GENERATION_PREFIX = "gen-"
WHOOSH_DIR = "whoosh"
SPEECHES = "speeches.jsonl"
STORE = "store.bin"
ALIASES = "aliases.json"
MANIFEST = "manifest.json"
UNKNOWN = "未知"

# The speech fields of the interface, in the order JSON and CSV print them.
SPEECH_FIELDS = (
    "id", "title", "speaker", "position", "meeting", "date", "date_source", "year",
    "year_evidence", "province", "city", "level", "province_evidence", "published", "site",
    "source", "sources", "ordinal", "chars", "group", "corrected",
)
FACETS = ("province", "year", "speaker", "level")
# Fields a query can filter on (province:…, year:…), facets included.
FILTER_FIELDS = FACETS + ("city", "title", "date_source")


def grams(text: str) -> set[str]:
    """Return every character and every pair of adjacent characters inside one paragraph.

    A speech holds a term only if it holds all of the term's pairs (or its one character),
    so these find every candidate; the exact match is then confirmed in the stored text.
    """
    found: set[str] = set()
    for paragraph in text.split("\n"):
        found.update(paragraph)
        found.update(paragraph[i : i + 2] for i in range(len(paragraph) - 1))
    found.discard(" ")
    return found


def term_grams(term: str) -> set[str]:
    """Return the grams every speech containing `term` must hold."""
    if len(term) == 1:
        return {term}
    return {term[i : i + 2] for i in range(len(term) - 1)}


class GramTokenizer(analysis.Tokenizer):
    """Yield the distinct grams of a text, without positions (document-level candidates)."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = analysis.Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for gram in sorted(grams(value)):
            token.text = gram
            token.boost = 1.0
            token.stopped = False
            yield token


class GramField(fields.FieldType):
    """A field that records only whether a speech holds each gram."""

    def __init__(self):
        super().__init__(formats.Existence(), analyzer=GramTokenizer(), scorable=False, stored=False)


# Words are segmented by jieba before they reach Whoosh, one word a line.
WORDS_ANALYZER = analysis.RegexTokenizer(r"[^\n]+") | analysis.LowercaseFilter()


def make_schema() -> fields.Schema:
    """Build the Whoosh schema of a generation."""
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        grams=GramField(),
        words=fields.TEXT(analyzer=WORDS_ANALYZER, phrase=False),
        title=fields.TEXT(analyzer=WORDS_ANALYZER, phrase=False, field_boost=2.0),
        province=fields.ID(sortable=True),
        city=fields.ID(sortable=True),
        year=fields.ID(sortable=True),
        speaker=fields.ID(sortable=True),
        level=fields.ID(sortable=True),
    )
