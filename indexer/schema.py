"""The one schema: what an index generation holds on disk, shared by indexer and search.

An index folder holds generation folders and a CURRENT file naming the one that serves:

    index/CURRENT               name of the serving generation, replaced atomically
    index/.lock                 flock'ed by a build
    index/gen-<version>/
        whoosh/                 Whoosh index: ids and facet columns
        speeches.jsonl          one speech's metadata a line, with offsets into store.bin
        store.bin               cleaned and raw texts, UTF-8, back to back
        pairs/<segment>/, pairs.json  where every character pair starts (indexer/postings.py)
        words.json, words.*.npy jieba words and the speeches holding them, for ranking
        signatures.npy          each speech's MinHash signature (near-duplicate groups)
        verdicts.json           near-duplicate verdicts on pairs, reused by the next build
        aliases.json            {old id: new id} for ids a rebuild changed
        manifest.json           version, build time, corpus files and their hashes, summary
"""

from whoosh import fields

CURRENT = "CURRENT"
LOCK = ".lock"
GENERATION_PREFIX = "gen-"
WHOOSH_DIR = "whoosh"
SPEECHES = "speeches.jsonl"
STORE = "store.bin"
ALIASES = "aliases.json"
MANIFEST = "manifest.json"
PAIRS_DIR = "pairs"  # one folder per segment, each holding the four files below
PAIR_SEGMENTS = "pairs.json"  # the segments and the generation position of each one's texts
PAIR_KEYS = "keys.npy"
PAIR_STARTS = "starts.npy"
PAIR_POSITIONS = "positions.npy"
DOC_STARTS = "texts.npy"
VOCABULARY = "words.json"
WORD_KEYS = "words.keys.npy"
WORD_STARTS = "words.starts.npy"
WORD_DOCS = "words.docs.npy"
WORD_WEIGHTS = "words.weights.npy"
DOC_LENGTHS = "words.lengths.npy"
SIGNATURES = "signatures.npy"
VERDICTS = "verdicts.json"  # pairs of ids whose exact shingle Jaccard was computed, and its verdict
UNKNOWN = "未知"

# The speech fields of the interface, in the order JSON and CSV print them.
SPEECH_FIELDS = (
    "id", "title", "speaker", "position", "meeting", "date", "date_source", "year",
    "year_evidence", "province", "city", "level", "province_evidence", "published", "site",
    "source", "sources", "ordinal", "chars", "group", "corrected", "speaker_evidence",
)
FACETS = ("province", "year", "speaker", "level")
# Fields a query can filter on (province:…, year:…), facets included.
FILTER_FIELDS = FACETS + ("city", "title", "date_source")


def make_schema() -> fields.Schema:
    """Build the Whoosh schema of a generation."""
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        province=fields.ID(sortable=True),
        city=fields.ID(sortable=True),
        year=fields.ID(sortable=True),
        speaker=fields.ID(sortable=True),
        level=fields.ID(sortable=True),
    )
