"""The search backend interface: everything `web/` and the `speeches` command ask of an index.

`search.Corpus` (numpy pair postings beside a Whoosh index of the fields, one machine) implements it.
Another backend, such as OpenSearch or Elasticsearch with a character n-gram field
(docs/SCALING.md), replaces it by implementing these methods with the same answers; the web
layer and the command line are not touched. A test checks that they call nothing else.
"""

from typing import Iterator, Protocol, runtime_checkable

from search import limits  # noqa: F401 (named in an annotation)
from search import query as q


@runtime_checkable
class SearchBackend(Protocol):
    """What a backend answers. Every dict is the JSON the README documents; counts are exact."""

    @property
    def index_version(self) -> str:
        """The version of the serving index, recorded in every output."""

    def manifest(self) -> dict:
        """How the serving index was built: version, time, corpus folder, files and their hashes."""

    def overview(self) -> dict:
        """{"index_version", "total", "facets"} over every speech."""

    def parse(self, query: str, filters: dict | None = None, require_text: bool = False) -> q.Query:
        """Parse a query and filters, or raise search.query.QueryError saying what is wrong."""

    def marked_terms(self, query: str) -> list:
        """The terms of a query to mark in a text: phrases' texts and patterns (search.query.Pattern)."""

    def search(self, query: str, filters: dict | None = None, sort: str = "relevance", page: int = 1,
               page_size: int | None = None, collapse: bool = False, facets: bool = True) -> dict:
        """One page of ranked speeches with exact total, occurrences, facets (unless not asked) and snippets."""

    def hits(self, query: str, filters: dict | None = None, sort: str = "relevance",
             collapse: bool = False) -> Iterator[dict]:
        """Every matching speech in result order, without snippets."""

    def speech_list(self, query: str = "", filters: dict | None = None, sort: str = "relevance",
                    collapse: bool = False) -> dict:
        """Every matching speech (every speech when nothing is asked), `hits` an iterator."""

    def suggestions(self, query: str, filters: dict | None = None, collapse: bool = False) -> list[dict]:
        """Return what the user may have meant by the parser's fixed rules, each with the speeches it finds."""

    def facets(self, query: str, filters: dict | None = None, collapse: bool = False) -> dict:
        """Exact facet counts over every matching speech."""

    def year_series(self, query: str, filters: dict | None = None) -> dict:
        """Matching speeches per year (split by date_source) and all speeches per year under the same filters."""

    def compare(self, terms: list[str], by="year", filters: dict | None = None, collapse: bool = False) -> dict:
        """Each term's occurrences and speeches per bucket of one or two fields, beside each bucket's denominators."""

    def cite(self, query, filters: dict | None = None, collapse: bool = False, by: str | None = None,
             client: str | None = None) -> dict:
        """Store a snapshot of what a query (or each of several terms) finds now; return it with its short id.

        `client` (a web request's address) is held to citations_per_hour."""

    def snapshot(self, snapshot_id: str) -> dict:
        """A stored snapshot as it was taken, with what the same queries find now (`now`)."""

    def kwic(self, query: str, filters: dict | None = None, width: int | None = None, page: int | None = None,
             page_size: int | None = None, sort: str | None = None) -> dict:
        """Every occurrence of the query's terms, one row each (one page of them with `page`)."""

    def kwic_rows(self, query: str, filters: dict | None = None, width: int | None = None,
                  sort: str | None = None) -> dict:
        """The concordance, `rows` an iterator that finds each row as it is read (exports stream it)."""

    def query_deadline(self) -> "limits.Deadline":
        """A deadline of query_time_limit_ms from now (the web app puts each expensive request under one)."""

    def verify(self) -> dict:
        """Every file of the serving index checked against its checksum: {"index_version", "files", "damaged"}."""

    def forms(self, query: str, filters: dict | None = None, sort: str = "occurrences", min_freq: int = 1,
              limit: int | None = 200) -> dict:
        """The distinct strings the query's terms matched, each with occurrences and speeches."""

    def collocates(self, query: str, filters: dict | None = None, window: int | None = None, unit: str = "word",
                   min_freq: int = 3, punctuation: bool = False, numbers: bool = True, sort: str = "g2",
                   limit: int | None = 200) -> dict:
        """The words or n-grams within a window of the query's occurrences, with G², MI and logDice."""

    def keywords(self, query: str = "", filters: dict | None = None, against: dict | None = None, unit: str = "word",
                 min_freq: int = 5, punctuation: bool = False, numbers: bool = True, sort: str = "g2",
                 limit: int | None = 200) -> dict:
        """A target's frequency list with keyness against the rest of the corpus or the `against` filters."""

    def speech(self, speech_id: str, with_text: bool = True) -> dict:
        """One speech's fields (and cleaned text)."""

    def speeches(self) -> list[dict]:
        """Every speech's fields, in source order."""

    def raw(self, speech_id: str) -> str:
        """The original text of a speech's span in its file."""

    def resolve_id(self, speech_id: str) -> str:
        """The current id of a speech, following the alias of an id a rebuild changed."""
