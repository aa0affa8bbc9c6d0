"""The library a researcher uses: open an index, search it exactly, count, cut snippets.

    from search import Corpus
    corpus = Corpus("index")
    result = corpus.search("双过半 province:湖南")
    rows = corpus.kwic("六稳")

Membership is exact: the Whoosh gram field proposes candidate speeches (every character pair
of each term present), and a substring scan of the stored cleaned text decides and locates
every occurrence. Whoosh's BM25F over jieba words only orders the results.
"""

import html
import json
import mmap
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from indexer import schema
from indexer.segment import words as segment_words
from search import query as q


class SearchError(Exception):
    """A problem the user can fix; the message says how."""

    status = 400


class NoIndex(SearchError):
    """There is no index to search yet."""

    status = 503


class UnknownSpeech(SearchError):
    """No speech has this id."""

    status = 404


class QueryTooBroad(SearchError):
    """The query took longer than the query time limit: no partial counts are given."""

    status = 503


DEFAULT_SETTINGS = {
    "page_size": 20,
    "max_page_size": 200,
    "kwic_width": 30,
    "query_time_limit_ms": 10000,
    "base_url": "",
    "snippets_per_hit": 3,
}


@dataclass
class _Generation:
    """One loaded index generation: metadata in memory, texts memory-mapped."""

    path: Path
    version: str
    speeches: list[dict]
    by_id: dict[str, int]
    aliases: dict[str, str]
    store: mmap.mmap | bytes
    whoosh: object
    docnum_to_index: list[int]
    manifest: dict


@dataclass
class _Ranked:
    """A query's matching speeches, counted and ordered."""

    parsed: q.Query
    generation: _Generation
    terms: list[str]
    texts: dict[int, str]
    occurrences: dict[int, int]
    folded: dict[int, int]
    order: list[tuple[int, float]]


class Corpus:
    """An index folder opened for searching; picks up a rebuilt index by itself."""

    def __init__(self, index_dir="index", settings: dict | None = None):
        self.index_dir = Path(index_dir)
        self.settings = {**DEFAULT_SETTINGS, **(settings or {})}
        self._generation: _Generation | None = None
        self._lock = threading.Lock()
        self._local = threading.local()

    # ---- loading -------------------------------------------------------------------------

    def _current_name(self) -> str | None:
        try:
            return (self.index_dir / schema.CURRENT).read_text(encoding="utf-8").strip() or None
        except OSError:
            return None

    def generation(self) -> _Generation:
        """Return the serving generation, loading it again when CURRENT has moved."""
        name = self._current_name()
        if name is None:
            raise NoIndex(f"no index in {self.index_dir}: build it with `speeches index --index {self.index_dir}`")
        loaded = self._generation
        if loaded is not None and loaded.path.name == name:
            return loaded
        with self._lock:
            if self._generation is None or self._generation.path.name != name:
                self._generation = self._load(self.index_dir / name)
            return self._generation

    def _load(self, path: Path) -> _Generation:
        from whoosh import index as whoosh_index

        try:
            manifest = json.loads((path / schema.MANIFEST).read_text(encoding="utf-8"))
            with open(path / schema.SPEECHES, encoding="utf-8") as handle:
                speeches = [json.loads(line) for line in handle]
            aliases = json.loads((path / schema.ALIASES).read_text(encoding="utf-8"))
            with open(path / schema.STORE, "rb") as handle:
                size = handle.seek(0, 2)
                store = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
            ix = whoosh_index.open_dir(str(path / schema.WHOOSH_DIR))
        except (OSError, ValueError) as error:
            raise NoIndex(f"the index in {self.index_dir} cannot be read ({error}); rebuild it with `speeches index`") from None
        by_id = {speech["id"]: i for i, speech in enumerate(speeches)}
        with ix.searcher() as searcher:
            docnum_to_index = [0] * searcher.doc_count_all()
            for docnum, fields in searcher.reader().iter_docs():
                docnum_to_index[docnum] = by_id[fields["id"]]
        return _Generation(path, manifest["index_version"], speeches, by_id, aliases, store, ix,
                           docnum_to_index, manifest)

    def _searcher(self, generation: _Generation):
        """Return this thread's Whoosh searcher on the generation (searchers are not shared)."""
        cached = getattr(self._local, "searcher", None)
        if cached is None or cached[0] is not generation:
            if cached is not None:
                cached[1].close()
            self._local.searcher = (generation, generation.whoosh.searcher())
        return self._local.searcher[1]

    # ---- speeches ------------------------------------------------------------------------

    @property
    def index_version(self) -> str:
        """Return the version of the serving index, recorded in every output."""
        return self.generation().version

    def resolve_id(self, speech_id: str) -> str:
        """Return the current id of a speech, following the alias of an id a rebuild changed."""
        generation = self.generation()
        if speech_id in generation.by_id:
            return speech_id
        if speech_id in generation.aliases:
            return generation.aliases[speech_id]
        raise UnknownSpeech(f"no speech has the id {speech_id!r}; `speeches list` shows every id")

    def text(self, index: int, generation: _Generation | None = None) -> str:
        """Return the cleaned text of the speech at a position in the generation."""
        generation = generation or self.generation()
        offset, length, _ = generation.speeches[index]["store"]
        return bytes(generation.store[offset : offset + length]).decode("utf-8")

    def raw(self, speech_id: str) -> str:
        """Return the original, uncleaned text of a speech's source span."""
        generation = self.generation()
        speech = generation.speeches[generation.by_id[self.resolve_id(speech_id)]]
        offset, length, raw_length = speech["store"]
        return bytes(generation.store[offset + length : offset + length + raw_length]).decode("utf-8")

    def speech(self, speech_id: str, with_text: bool = True) -> dict:
        """Return one speech's fields, with its text unless asked not to."""
        generation = self.generation()
        index = generation.by_id[self.resolve_id(speech_id)]
        record = public_fields(generation.speeches[index])
        if with_text:
            record["text"] = self.text(index, generation)
        return record

    def speeches(self) -> list[dict]:
        """Return every indexed speech's fields, without text, in source order."""
        return [public_fields(s) for s in self.generation().speeches]

    # ---- matching ------------------------------------------------------------------------

    def parse(self, query: str, filters: dict | None = None) -> q.Query:
        """Parse a query and extra filters ({field: values}) with this corpus's province names."""
        from indexer.places import gazetteer

        return q.parse(query, filters=filters, resolve_province=gazetteer().province)

    def _candidates(self, generation, searcher, node) -> set[int] | None:
        """Return positions of speeches that may match the tree; None means all of them."""
        if node is None:
            return None
        if isinstance(node, q.Term):
            return self._term_candidates(generation, searcher, node.text)
        if isinstance(node, q.Near):
            return self._intersect(self._term_candidates(generation, searcher, t.text) for t in node.terms)
        if isinstance(node, q.And):
            return self._intersect(
                self._candidates(generation, searcher, item) for item in node.items if not isinstance(item, q.Not)
            )
        if isinstance(node, q.Or):
            union: set[int] = set()
            for item in node.items:
                found = self._candidates(generation, searcher, item)
                if found is None:
                    return None
                union |= found
            return union
        return None  # NOT alone restricts nothing

    @staticmethod
    def _intersect(sets) -> set[int] | None:
        result = None
        for found in sets:
            if found is None:
                continue
            result = found if result is None else result & found
        return result

    def _term_candidates(self, generation, searcher, term: str) -> set[int]:
        """Return speeches holding every character pair of a term (or its one character)."""
        reader = searcher.reader()
        grams = sorted(schema.term_grams(term), key=lambda g: reader.doc_frequency("grams", g))
        result: set[int] | None = None
        for gram in grams:
            if ("grams", gram) not in reader:
                return set()
            docnums = reader.postings("grams", gram).all_ids()
            found = {generation.docnum_to_index[d] for d in docnums}
            result = found if result is None else result & found
            if not result:
                return set()
        return result or set()

    def _filter_ok(self, speech: dict, filters: dict) -> bool:
        """Tell whether a speech passes every field filter (values ORed within a field)."""
        for field, values in filters.items():
            if not any(_filter_value_ok(speech, field, value) for value in values):
                return False
        return True

    def matching(self, parsed: q.Query):
        """Return (generation, [(position, cleaned text)]) of every speech the query matches."""
        started = time.monotonic()
        limit = self.settings["query_time_limit_ms"] / 1000
        generation = self.generation()
        searcher = self._searcher(generation)
        filters = parsed.filters
        candidates = self._candidates(generation, searcher, parsed.text)
        # Without NEAR, and with no term holding a line break, a term is in some paragraph
        # exactly when it is in the whole text: test the text without splitting it.
        whole_text = parsed.text is not None and not _needs_paragraphs(parsed.text)
        positions = sorted(candidates) if candidates is not None else range(len(generation.speeches))
        matched = []
        for count, index in enumerate(positions):
            if count % 64 == 0 and time.monotonic() - started > limit:
                raise QueryTooBroad(
                    f"the query took longer than {self.settings['query_time_limit_ms']} ms; "
                    "narrow it with a longer phrase or a filter such as province: or year:"
                )
            speech = generation.speeches[index]
            if filters and not self._filter_ok(speech, filters):
                continue
            text = self.text(index, generation)
            if parsed.text is None or q.matches(parsed.text, [text] if whole_text else text.split("\n")):
                matched.append((index, text))
        return generation, matched

    # ---- results -------------------------------------------------------------------------

    def search(self, query: str, filters: dict | None = None, sort: str = "relevance", page: int = 1,
               page_size: int | None = None, collapse: bool = False) -> dict:
        """Return one page of ranked speeches with exact totals, facets and snippets."""
        page_size = self._page_size(page_size)
        page = _positive_int(page, "page")
        ranked = self._ranked(query, filters, sort, collapse)
        hits = []
        for index, score in ranked.order[(page - 1) * page_size : page * page_size]:
            hits.append(self._hit(ranked, index, score, snippets=True))
        return {
            "query": query,
            "filters": ranked.parsed.filters,
            "index_version": ranked.generation.version,
            "sort": sort,
            "total": len(ranked.order),
            "occurrences": sum(ranked.occurrences[index] for index, _ in ranked.order),
            "page": page,
            "page_size": page_size,
            "facets": facet_counts(ranked.generation.speeches[index] for index, _ in ranked.order),
            "hits": hits,
        }

    def hits(self, query: str, filters: dict | None = None, sort: str = "relevance", collapse: bool = False):
        """Yield every matching speech in result order, without snippets (for exports)."""
        ranked = self._ranked(query, filters, sort, collapse)
        for index, score in ranked.order:
            yield self._hit(ranked, index, score, snippets=False)

    def _ranked(self, query: str, filters: dict | None, sort: str, collapse: bool) -> "_Ranked":
        """Match, count, collapse and order: everything a page or an export needs."""
        if sort not in ("relevance", "date"):
            raise SearchError(f"unknown sort {sort!r}; use relevance or date")
        parsed = self.parse(query, filters)
        generation, matched = self.matching(parsed)
        terms = [t.text for t in q.positive_terms(parsed.text)] if parsed.text is not None else []
        occurrences = {index: _count(text, terms) for index, text in matched}
        folded = {}
        if collapse:
            matched, folded = self._collapse(generation, matched)
        order = self._order(generation, [index for index, _ in matched], terms, sort)
        return _Ranked(parsed, generation, terms, dict(matched), occurrences, folded, order)

    def _hit(self, ranked: "_Ranked", index: int, score: float, snippets: bool) -> dict:
        record = public_fields(ranked.generation.speeches[index])
        record.update(score=round(score, 4), occurrences=ranked.occurrences[index],
                      folded=ranked.folded.get(index, 0))
        if snippets:
            record["snippets"] = self._snippets(ranked.texts[index].split("\n"), ranked.terms)
        return record

    def facets(self, query: str, filters: dict | None = None, collapse: bool = False) -> dict:
        """Return exact facet counts over every speech the query matches."""
        parsed = self.parse(query, filters)
        generation, matched = self.matching(parsed)
        if collapse:
            matched, _ = self._collapse(generation, matched)
        return facet_counts(generation.speeches[index] for index, _ in matched)

    def kwic(self, query: str, filters: dict | None = None, width: int | None = None) -> dict:
        """Return every occurrence of the query's terms in the matching speeches, one row each."""
        parsed = self.parse(query, filters)
        width = self.settings["kwic_width"] if width is None else _positive_int(width, "width", allow_zero=True)
        generation, matched = self.matching(parsed)
        terms = [t.text for t in q.positive_terms(parsed.text)] if parsed.text is not None else []
        rows = []
        base = self.settings["base_url"].rstrip("/")
        for index, text in matched:
            speech = generation.speeches[index]
            for number, paragraph, offset, term in _occurrences(text.split("\n"), terms):
                rows.append({
                    "id": speech["id"], "title": speech["title"], "speaker": speech["speaker"],
                    "year": speech["year"], "province": speech["province"], "paragraph": number,
                    "offset": offset, "left": paragraph[max(0, offset - width) : offset], "match": term,
                    "right": paragraph[offset + len(term) : offset + len(term) + width],
                    "url": f"{base}/speech/{speech['id']}#p{number}",
                })
        return {"query": query, "filters": parsed.filters,
                "index_version": generation.version, "total": len(rows), "rows": rows}

    def _page_size(self, page_size) -> int:
        if page_size is None:
            return self.settings["page_size"]
        size = _positive_int(page_size, "page size")
        return min(size, self.settings["max_page_size"])

    def _order(self, generation, indexes: list[int], terms: list[str], sort: str) -> list[tuple[int, float]]:
        """Order matched speeches: BM25F over words and title, or newest first."""
        if sort == "date":
            def date_key(index):
                speech = generation.speeches[index]
                return (speech["date"] is None, _negated_date(speech["date"]), speech["id"])
            return [(index, 0.0) for index in sorted(indexes, key=date_key)]
        scores = self._scores(generation, set(indexes), terms)
        return sorted(((i, scores.get(i, 0.0)) for i in indexes),
                      key=lambda pair: (-pair[1], generation.speeches[pair[0]]["id"]))

    def _scores(self, generation, indexes: set[int], terms: list[str]) -> dict[int, float]:
        """Score speeches with BM25F over the jieba words of the query terms."""
        from whoosh import query as wq

        query_words = {w.lower() for term in terms for w in segment_words(term)}
        if not query_words or not indexes:
            return {}
        searcher = self._searcher(generation)
        subqueries = [wq.Term(field, w) for w in sorted(query_words) for field in ("words", "title")]
        results = searcher.search(wq.Or(subqueries), limit=None)
        scores = {}
        for hit in results:
            index = generation.docnum_to_index[hit.docnum]
            if index in indexes:
                scores[index] = hit.score
        return scores

    def _collapse(self, generation, matched):
        """Keep one speech per near-duplicate group: the earliest dated, then lowest id."""
        groups: dict[str, list] = {}
        kept = []
        for index, paragraphs in matched:
            group = generation.speeches[index].get("group")
            if group is None:
                kept.append((index, paragraphs))
            else:
                groups.setdefault(group, []).append((index, paragraphs))
        folded = {}
        for members in groups.values():
            members.sort(key=lambda m: (generation.speeches[m[0]]["date"] is None,
                                        generation.speeches[m[0]]["date"] or "", generation.speeches[m[0]]["id"]))
            kept.append(members[0])
            folded[members[0][0]] = len(members) - 1
        kept.sort()
        return kept, folded

    def _snippets(self, paragraphs: list[str], terms: list[str]) -> list[dict]:
        """Cut up to a few snippets around the first occurrences, marking exactly each match."""
        snippets = []
        width = self.settings["kwic_width"] * 2
        for number, paragraph, offset, term in _occurrences(paragraphs, terms):
            if len(snippets) >= self.settings["snippets_per_hit"]:
                break
            if snippets and snippets[-1]["paragraph"] == number:
                continue
            start = max(0, offset - width)
            end = min(len(paragraph), offset + len(term) + width)
            snippets.append({"paragraph": number, "html": mark(paragraph, terms, start, end)})
        return snippets


# ---- helpers shared by the CLI and the web layer ---------------------------------------------


def public_fields(speech: dict) -> dict:
    """Return the interface fields of a speech record, in order."""
    return {name: speech.get(name) for name in schema.SPEECH_FIELDS}


def _filter_value_ok(speech: dict, field: str, value: str) -> bool:
    actual = speech.get(field)
    if value == schema.UNKNOWN:
        return actual is None
    if actual is None:
        return False
    if field == "year":
        if "-" in value:
            low, high = value.split("-", 1)
            return int(low) <= int(actual) <= int(high)
        return str(actual) == value
    if field == "title":
        return value in actual
    return str(actual) == value


def facet_counts(speeches) -> dict:
    """Count matched speeches per province, year, speaker and level; unknowns under 未知."""
    counts = {facet: {} for facet in schema.FACETS}
    for speech in speeches:
        for facet in schema.FACETS:
            value = speech.get(facet)
            key = schema.UNKNOWN if value is None else str(value)
            counts[facet][key] = counts[facet].get(key, 0) + 1
    return {facet: dict(sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))) for facet, values in counts.items()}


def _needs_paragraphs(node) -> bool:
    """Tell whether matching a tree must look paragraph by paragraph (NEAR, or a term with a line break)."""
    if isinstance(node, q.Near):
        return True
    if isinstance(node, q.Term):
        return "\n" in node.text
    if isinstance(node, q.Not):
        return _needs_paragraphs(node.item)
    return any(_needs_paragraphs(item) for item in node.items)


def _count(text: str, terms: list[str]) -> int:
    """Count leftmost non-overlapping occurrences of the terms, paragraph by paragraph.

    A term without a line break cannot cross paragraphs, so counting in the whole text gives
    the same number; a term with one never occurs inside a paragraph.
    """
    return sum(text.count(term) for term in terms if "\n" not in term)


def _occurrences(paragraphs: list[str], terms: list[str]):
    """Yield (paragraph number from 1, paragraph, offset, term) for every occurrence, in text order."""
    for number, paragraph in enumerate(paragraphs, 1):
        found = []
        for term in terms:
            start = paragraph.find(term)
            while start != -1:
                found.append((start, term))
                start = paragraph.find(term, start + len(term))
        for offset, term in sorted(found):
            yield number, paragraph, offset, term


def mark(paragraph: str, terms: list[str], start: int = 0, end: int | None = None) -> str:
    """Escape a stretch of paragraph as HTML with <mark> around exactly each occurrence."""
    end = len(paragraph) if end is None else end
    # Look only near the window: a paragraph may hold a million occurrences (a hostile file).
    longest = max((len(term) for term in terms), default=0)
    low, high = max(0, start - longest), min(len(paragraph), end + longest)
    found = []
    for term in terms:
        position = paragraph.find(term, low, high)
        while position != -1:
            found.append((position, position + len(term)))
            position = paragraph.find(term, position + len(term), high)
    # Leftmost first, the longer term first where two begin together; overlaps are skipped.
    found.sort(key=lambda span: (span[0], -span[1]))
    spans = []
    for a, b in found:
        if not spans or a >= spans[-1][1]:
            spans.append((a, b))
    # Widen the window so no mark is cut in half.
    for a, b in spans:
        if a < start < b:
            start = a
        if a < end < b:
            end = b
    out = ["…" if start > 0 else ""]
    cursor = start
    for a, b in spans:
        if b <= start or a >= end:
            continue
        out.append(html.escape(paragraph[cursor:a]))
        out.append("<mark>" + html.escape(paragraph[a:b]) + "</mark>")
        cursor = b
    out.append(html.escape(paragraph[cursor:end]))
    out.append("…" if end < len(paragraph) else "")
    return "".join(out)


def _negated_date(date: str | None) -> tuple:
    """Sort key making later dates come first; a partial date counts as its first day."""
    if not date:
        return (0, 0, 0)
    parts = [int(x) for x in date.split("-")] + [1, 1]
    return (-parts[0], -parts[1], -parts[2])


def _positive_int(value, name: str, allow_zero: bool = False) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SearchError(f"{name} must be a whole number, not {value!r}") from None
    if number < (0 if allow_zero else 1) or number > 10**6:
        raise SearchError(f"{name} must be between {0 if allow_zero else 1} and 1000000, not {number}")
    return number
