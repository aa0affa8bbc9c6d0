"""The one schema: the speech fields of the interface and what an index generation holds on disk.

Shared by indexer/ (which writes generations through indexer/store.py) and search/ (which
reads them through it). This module imports nothing heavy: the command line reads it to
build its options.

An index folder holds generation folders and a CURRENT file naming the one that serves:

    index/CURRENT               name of the serving generation, replaced atomically
    index/.lock                 flock'ed by a build, which writes its process id and start time into it
    index/.checked              which files' checksums were found right, by what stat said of them then
    index/gen-<version>/
        whoosh/                 Whoosh index: every speech's key words, for similar speeches (indexer/fields.py)
        speeches.jsonl          one speech's whole record a line, with offsets into store.bin
        store.bin               cleaned and raw texts, UTF-8, back to back
        pairs/<segment>/, pairs.json  where every character pair starts (indexer/postings.py)
        words.json, words.*.npy jieba words and the speeches holding them, for ranking
        signatures.npy          each speech's MinHash signature (near-duplicate groups)
        verdicts.json           near-duplicate verdicts on pairs, reused by the next build
        aliases.json            {old id: new id} for ids a rebuild changed
        manifest.json           version, format and fields (the schema, which travels with the index),
                                build time, corpus files and their hashes, summary, every other
                                file's size and SHA-256, and the SHA-256 of itself
"""

from dataclasses import dataclass

CURRENT = "CURRENT"
LOCK = ".lock"
CHECKED = ".checked"  # a cache: files whose SHA-256 matched the manifest, keyed by inode, size and mtime
GENERATION_PREFIX = "gen-"
WHOOSH_DIR = "whoosh"
SPEECHES = "speeches.jsonl"
STORE = "store.bin"
ALIASES = "aliases.json"
MANIFEST = "manifest.json"
PAIRS_DIR = "pairs"  # one folder per segment, each holding the six files below
PAIR_SEGMENTS = "pairs.json"  # the segments and the generation position of each one's texts
PAIR_KEYS = "keys.npy"
PAIR_STARTS = "starts.npy"
PAIR_POSITIONS = "positions.npy"
DOC_STARTS = "texts.npy"
CHAR_KEYS = "chars.npy"  # the segment's frequent characters, whose counts per text are kept ...
CHAR_COUNTS = "chars.counts.npy"  # ... here, one row of counts per character: a one-character term's counts
VOCABULARY = "words.json"
WORD_KEYS = "words.keys.npy"
WORD_STARTS = "words.starts.npy"
WORD_DOCS = "words.docs.npy"
WORD_WEIGHTS = "words.weights.npy"
DOC_LENGTHS = "words.lengths.npy"
SIGNATURES = "signatures.npy"
VERDICTS = "verdicts.json"  # pairs of ids whose exact shingle Jaccard was computed, and its verdict
UNKNOWN = "未知"
CENTRAL = "中央"  # the level of national organs and leaders
NATIONAL = "全国"  # where a central speech is counted in the province facet: not 未知, which is unknown

# How a speech's date is known, most direct first: when two sources give a date, the more
# direct one wins. Each with its label on pages.
DATE_SOURCES = {
    "corrected": "人工更正",  # a researcher's corrections file
    "given": "数据集给出",  # a dataset's column
    "printed": "文中印明",  # printed in the text: dateline, subtitle, title
    "meta": "网页元数据",  # a web page's metadata about the speech
    "inferred": "推断",  # inferred from dated events the speech mentions
}
DATE_SOURCES_EN = {"corrected": "corrected", "given": "given by the dataset", "printed": "printed",
                   "meta": "page metadata", "inferred": "inferred"}
# The date sources a citation qualifies: what the document itself (its text, or the dataset it
# came in) does not state. A year shown as 2018（推断） is cited with the mark, never as a bare 2018.
QUALIFIED_DATE_SOURCES = ("corrected", "meta", "inferred")
# The two facet keys that are no data value, as the English interface shows them.
KEYS_EN = {UNKNOWN: "unknown", NATIONAL: "national"}

# How a filter value matches a speech's value of its field.
EQUAL = "equal"  # the same value (province names are resolved to full names first)
YEAR = "year"  # a year, or a range Y1-Y2
CONTAINS = "contains"  # a substring of it


@dataclass(frozen=True)
class Field:
    """One speech field: how it is labelled, printed, filtered, counted, read and shown."""

    name: str
    label: str  # its name on pages
    help: str  # what it holds, for --help and the README
    label_en: str = ""  # its name on pages in English (default: the name with spaces)
    facet: bool = False  # counted over every result (the sidebar, the overview, the JSON facets)
    filter: str | None = None  # how `name:value` matches (EQUAL, YEAR, CONTAINS); None: not a filter
    flag: bool = False  # a command-line option (--name, dashed), repeatable, values ORed
    overview: bool = False  # a table of its own on the corpus overview page
    example: str = ""  # a filter in use, for error messages
    kwic: int = 0  # its place among a concordance row's speech columns (0: not in a row)
    by: int = 0  # its place among the fields a comparison may go by (0: not one)
    kept: bool = False  # kept by a citable snapshot for each speech, to show what was re-dated since
    correctable: bool = False  # a corrections file may set it
    read: type | None = None  # read from the text by indexer/describe.py, of this type (describe.Metadata)
    given_as: tuple[str, ...] = ()  # the column names a dataset may give it under (indexer/readers/datasets.py)
    page: bool = False  # a row of its own in a speech page's table
    evidence: str = ""  # the field holding the words its value was read from, shown beside it

    @property
    def english(self) -> str:
        """Return its label on English pages."""
        return self.label_en or self.name.replace("_", " ")


# The speech fields of the interface, in the order JSON and CSV print them. Adding a field, a
# facet or a filter is one entry here: the filters, the facet sidebar, the overview, the
# command line's options, the CSV and concordance columns, the comparisons, the snapshots,
# the corrections, what describe reads and what a dataset may give, the speech page's rows
# and the README's list all follow; the manifest records them with each generation.
FIELDS = (
    Field("id", "编号", "16+ hex digits derived from the speech's content", label_en="ID", kwic=1),
    Field("title", "标题", "the title line(s)", filter=CONTAINS, example='title:经济运行 or title:"经济 运行"', kwic=2,
          kept=True, correctable=True, read=str, given_as=("title", "标题")),
    Field("speaker", "讲话人", "the speaker's personal name", facet=True, filter=EQUAL, flag=True,
          example="speaker:何良军", kwic=3, by=5, kept=True, correctable=True, read=str,
          given_as=("speaker", "讲话人", "作者"), page=True),
    Field("position", "职务", "the speaker's office as printed", correctable=True, read=str, given_as=("position", "职务"),
          page=True),
    Field("meeting", "会议", "the meeting the speech was given at", correctable=True, read=str, page=True),
    Field("date", "日期", "ISO date as far as known: 2022-09-23, 2022-09 or 2022", kwic=5, kept=True, correctable=True,
          read=str, given_as=("date", "日期"), page=True),
    Field("date_source", "日期来源", "how the date is known: printed, meta, given, inferred or corrected", label_en="date source",
          facet=True, filter=EQUAL, flag=True, example="date_source:printed", kwic=6, by=6, read=str, page=True),
    Field("year", "年份", "the year, printed or inferred", facet=True, filter=YEAR, flag=True, overview=True,
          example="year:2021 or year:2018-2020", kwic=4, by=1, kept=True, correctable=True, read=int,
          given_as=("year", "年份"), page=True, evidence="year_evidence"),
    Field("year_evidence", "年份依据", "the words the year rests on", label_en="year evidence", read=str),
    Field("province", "省份", "full official name of the province", facet=True, filter=EQUAL, flag=True,
          overview=True, example="province:湖南", kwic=7, by=2, kept=True, correctable=True, read=str,
          given_as=("province", "省份"), page=True, evidence="province_evidence"),
    Field("city", "城市", "the prefecture-level city", filter=EQUAL, flag=True, example="city:郴州市", kwic=8, by=3,
          correctable=True, read=str, given_as=("city", "城市"), page=True),
    Field("level", "层级", "level of government: 省 市 县 区 州 …", facet=True, filter=EQUAL, flag=True,
          overview=True, example="level:县", kwic=9, by=4, correctable=True, read=str, page=True),
    Field("province_evidence", "省份依据", "the words an inferred province rests on", label_en="province evidence",
          read=str),
    Field("published", "发布日期", "a web page's publication date, not the speech's", label_en="published",
          given_as=("publish_date", "发布日期"), page=True),
    Field("site", "网站", "a web page's site name", page=True),
    Field("source", "来源文件", "path of its file under the corpus folder", label_en="source file", page=True),
    Field("sources", "全部来源", "every file the same speech arrived in", label_en="all sources"),
    Field("ordinal", "序号", "1-based position inside its source file", label_en="position in file"),
    Field("chars", "字数", "characters of its cleaned text", label_en="characters", page=True),
    Field("group", "版本组", "shared by near-duplicate versions of one speech", label_en="version group", page=True),
    Field("corrected", "更正", "original values and notes of corrected fields", label_en="corrections", page=True),
    # Last, so that the columns scripts already read keep their places.
    Field("speaker_evidence", "讲话人依据", "the words the speaker was read from", label_en="speaker evidence", read=str),
)


def field(name: str) -> Field:
    """Return the registry entry of a field, or raise KeyError."""
    for entry in FIELDS:
        if entry.name == name:
            return entry
    raise KeyError(name)


_speech_fields: tuple = (None, ())  # (the registry they were read from, the names)


def speech_fields() -> tuple[str, ...]:
    """Return the interface fields of a speech, in JSON and CSV order."""
    global _speech_fields
    # Asked for by every hit shown: computed again only when the registry is another one.
    if _speech_fields[0] is not FIELDS:
        _speech_fields = (FIELDS, tuple(f.name for f in FIELDS))
    return _speech_fields[1]


def facets() -> tuple[str, ...]:
    """Return the fields counted over every result."""
    return tuple(f.name for f in FIELDS if f.facet)


def filters() -> tuple[str, ...]:
    """Return the fields a query can filter on (`province:…`, `?province=`)."""
    return tuple(f.name for f in FIELDS if f.filter)


def columns() -> tuple[str, ...]:
    """Return the fields Whoosh holds with a column: every facet and filter."""
    return tuple(f.name for f in FIELDS if f.facet or f.filter)


def _ordered(attribute: str) -> tuple[str, ...]:
    return tuple(f.name for f in sorted((f for f in FIELDS if getattr(f, attribute)), key=lambda f: getattr(f, attribute)))


def kwic_fields() -> tuple[str, ...]:
    """Return the speech fields a concordance row carries, in its column order."""
    return _ordered("kwic")


def compare_fields() -> tuple[str, ...]:
    """Return the fields a comparison may go by, in the order they are offered."""
    return _ordered("by")


def kept_fields() -> tuple[str, ...]:
    """Return the fields a citable snapshot keeps of each speech."""
    return tuple(f.name for f in FIELDS if f.kept)


def correctable_fields() -> tuple[str, ...]:
    """Return the fields a corrections file may set."""
    return tuple(f.name for f in FIELDS if f.correctable)


def read_fields() -> tuple[Field, ...]:
    """Return the fields indexer/describe.py reads from a text."""
    return tuple(f for f in FIELDS if f.read)


def dataset_columns() -> dict[str, tuple[str, ...]]:
    """Return {field: the column names a dataset may give it under}."""
    return {f.name: f.given_as for f in FIELDS if f.given_as}


def page_fields() -> tuple[Field, ...]:
    """Return the fields a speech page shows a row of, in its order."""
    return tuple(f for f in FIELDS if f.page)


def flag(name: str) -> str:
    """Return the command-line option of a field: date_source -> --date-source."""
    return "--" + name.replace("_", "-")


def labels(language: str = "zh") -> dict[str, str]:
    """Return each field's label for pages, in Chinese or (language "en") in English."""
    return {f.name: f.english if language == "en" else f.label for f in FIELDS}


def date_source_labels(language: str = "zh") -> dict[str, str]:
    """Return each date source's label for pages, in Chinese or (language "en") in English."""
    return dict(DATE_SOURCES_EN) if language == "en" else dict(DATE_SOURCES)


def column_value(record: dict, name: str) -> str:
    """Return a speech's value of a field as filters and facets see it: text, unknowns as 未知.

    A central speech (level 中央) has no province; its province column holds 全国, so that
    facets, filters and comparisons count "national" apart from "unknown".
    """
    value = record.get(name)
    if value is None and name == "province" and record.get("level") == CENTRAL:
        return NATIONAL
    return UNKNOWN if value is None else str(value)
