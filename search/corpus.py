"""The library a researcher uses: open an index, search it exactly, count, compare, read every hit in context.

    from search import Corpus
    corpus = Corpus("index")
    result = corpus.search("双过半 province:湖南")
    rows = corpus.kwic("六稳")

`Corpus` is the one public API, each method and its defaults written here once. It answers
over providers of parts (search/parts.py): the one `Index` of an index folder, or the shards
of a sharded one (search/sharded.py), in this process or held by Dask workers. Every answer
is merged from the parts' answers (counts and facets added up, hits and rows merged by their
keys), so one index and its shards answer alike. Matching (search/matching.py) is exact;
BM25 over jieba words only orders results (search/ranking.py); facets come from the field
columns (search/facets.py); snippets and the concordance find every occurrence as written
(search/snippets.py); forms, collocates and keywords are search/analysis.py.
"""

import heapq
import itertools
import math
from pathlib import Path

from indexer import shards
from search import facets as facet_counts
from search import limits, matching, ranking
from search import query as q
from search import settings as named_settings
from search.analysis import LIMIT
from search.errors import (DamagedIndex, NoIndex, OlderIndex, QueryTooBroad, SearchError, ShardUnavailable,  # noqa: F401
                           UnknownSnapshot, UnknownSpeech, positive_int)
from search.index import guarded, limited, query_deadline, sized_page
from search.snippets import KWIC_SORTS, mark  # noqa: F401 (part of the library's interface)


def _merged(parts: list, key: str = "_key"):
    """Merge the parts' rows, each part's in order, by their keys; drop the keys."""
    rows = parts[0] if len(parts) == 1 else heapq.merge(*parts, key=lambda row: row[key])
    return ({k: v for k, v in row.items() if k != key} for row in rows)


def _source_key(speech: dict) -> tuple:
    """Order speeches as one index stores them: by file path, then by their place in the file."""
    return (speech["source"].split("#row=")[0], speech["ordinal"])


class Corpus:
    """An index folder (one index, or a sharded one) opened for searching; picks up a rebuilt index by itself.

    `client` (a dask.distributed Client) holds and searches the shards of a sharded index on
    its workers; `verify_in_background` checks every file's checksum after a generation opens
    (the server does).
    """

    def __init__(self, index_dir="index", settings: dict | None = None, verify_in_background: bool = False,
                 client=None, sharded: bool | None = None):
        from search.parts import LocalParts

        self.index_dir = Path(index_dir)
        self.settings = named_settings.resolve(settings)
        if sharded if sharded is not None else shards.is_sharded(self.index_dir):
            from search.sharded import Shards

            self.parts = Shards(self.index_dir, self.settings, client, verify_in_background)
        else:
            self.parts = LocalParts(self.index_dir, self.settings, verify_in_background)

    # ---- the index -----------------------------------------------------------------------

    @property
    def index_version(self) -> str:
        """Return the version of the serving index, recorded in every output."""
        return self.parts.index_version

    def manifest(self) -> dict:
        """Return how the serving index was built: version, time, corpus folder, files, summary."""
        return self.parts.manifest()

    def generation(self):
        """Return the serving generation of an index that is not sharded (what the research tools read)."""
        return self.parts.generation()

    def query_deadline(self) -> limits.Deadline:
        """Return a deadline of query_time_limit_ms from now, whose expiry is QueryTooBroad."""
        return query_deadline(self.settings)

    def recheck(self) -> None:
        """Raise DamagedIndex when a file opened in this process changed since it was checked (a server asks first)."""
        for part in self.parts.local():
            part.recheck()

    def release_memory(self) -> None:
        """Let go of the mapped index pages this process touched (a server does when it has gone idle)."""
        for part in self.parts.local():
            part.release_memory()

    def verify(self) -> dict:
        """Check every file of the serving index against the size and checksum its manifest records.

        Returns {"index_version", "generation", "files", "damaged": [{"file", "problem", "error"}]};
        a generation found damaged answers nothing more (DamagedIndex) until it is rebuilt.
        """
        found = self.parts.each("verify")
        return {"index_version": self.index_version if self.parts.sharded else found[0]["index_version"],
                "generation": [p["generation"] for p in found] if self.parts.sharded else found[0]["generation"],
                "files": sum(p["files"] for p in found), "damaged": [d for p in found for d in p["damaged"]]}

    @limited
    def overview(self) -> dict:
        """Return the total and the facet counts over every speech."""
        found = self.parts.each("overview")
        return {"index_version": self.index_version, "total": sum(p["total"] for p in found),
                "facets": facet_counts.summed([p["facets"] for p in found])}

    # ---- speeches ------------------------------------------------------------------------

    def _owner(self, speech_id: str) -> int:
        """Return the part holding a speech (or an old id of one)."""
        if self.parts.count == 1:
            return 0
        for number, held in enumerate(self.parts.each("holds", speech_id)):
            if held:
                return number
        raise UnknownSpeech(speech_id)

    def resolve_id(self, speech_id: str) -> str:
        """Return the current id of a speech, following the alias of an id a rebuild changed."""
        return self.parts.ask(self._owner(speech_id), "resolve_id", speech_id)

    def speech(self, speech_id: str, with_text: bool = True) -> dict:
        """Return one speech's fields, with its text unless asked not to."""
        return self.parts.ask(self._owner(speech_id), "speech", speech_id, with_text)

    def raw(self, speech_id: str) -> str:
        """Return the original, uncleaned text of a speech's source span."""
        return self.parts.ask(self._owner(speech_id), "raw", speech_id)

    def speeches(self) -> list[dict]:
        """Return every indexed speech's fields, without text, in source order."""
        return list(self._every_speech())

    def _every_speech(self):
        parts = self.parts.stream("records")
        return iter(parts[0]) if len(parts) == 1 else heapq.merge(*parts, key=_source_key)

    def similar(self, speech_id: str, top: int | None = None) -> dict:
        """Return the speeches most like one (相似讲话): Whoosh's more_like_this over every speech's key words.

        Its near-duplicate versions and the speeches on the same topic come first; `top`
        (else the similar_speeches setting) at most, each with its fields and score. Key terms
        and scores use the whole corpus's statistics, so a sharded index answers as one index.
        """
        from indexer import fields

        current = self.resolve_id(speech_id)
        count = self.settings["similar_speeches"] if top is None else positive_int(top, "top")
        words = self.parts.ask(self._owner(current), "similar_words", current)
        stats = fields.summed_statistics(self.parts.each("word_statistics", words))
        found = [hit for part in self.parts.each("similar", fields.key_terms(words, stats), count, current, stats)
                 for hit in part]
        found.sort(key=lambda hit: (-hit["score"], hit["id"]))
        return {"id": current, "index_version": self.index_version,
                "similar": [dict(hit, score=round(hit["score"], 4)) for hit in found[:count]]}

    # ---- matching ------------------------------------------------------------------------

    def parse(self, query: str, filters: dict | None = None, require_text: bool = False) -> q.Query:
        """Parse a query and extra filters ({field: values}); `require_text` refuses filters alone."""
        return matching.parse(query, filters, require_text)

    def marked_terms(self, query: str) -> list:
        """Return the terms of a query to mark in a text (none for an empty query): phrases' texts and patterns."""
        if not query.strip():
            return []
        return matching.terms(self.parse(query))

    @limited
    def count(self, query: str, filters: dict | None = None, collapse: bool = False) -> int:
        """Return how many speeches a query matches."""
        return sum(self.parts.each("count", query, filters, collapse))

    @limited
    def suggestions(self, query: str, filters: dict | None = None, collapse: bool = False) -> list[dict]:
        """Return what the user may have meant, by the parser's fixed rules, each with the speeches it finds."""
        offered = []
        for candidate, unmatched in q.suggestions(query):
            limits.check()
            if unmatched is not None and any(self.parts.each("finds", unmatched)):
                continue
            try:
                self.parse(candidate, filters)
            except q.QueryError:
                continue
            total = self.count(candidate, filters, collapse)
            if total:
                offered.append({"query": candidate, "total": total})
        return offered

    @limited
    def facets(self, query: str, filters: dict | None = None, collapse: bool = False) -> dict:
        """Return exact facet counts over every speech the query matches."""
        return facet_counts.summed(self.parts.each("facets", query, filters, collapse))

    @limited
    def year_series(self, query: str, filters: dict | None = None) -> dict:
        """Return what a per-year chart draws: matching speeches per year, split by how the year is known.

        `counts` count every matching speech per year and `by_source` split them by
        `date_source` (a year printed in the text is not one inferred from its events);
        `totals` count every speech passing the same filters, so the rate counts/totals
        compares like with like (near-duplicate versions are not collapsed on either side).
        """
        by_source = facet_counts.summed_years(self.parts.each("years", query, filters))
        counts = {year: sum(split.values()) for year, split in by_source.items()}
        limits.check()
        totals = self.facets("", filters)["year"] if filters else self.overview()["facets"]["year"]
        return {"counts": counts, "by_source": by_source, "totals": totals}

    # ---- results -------------------------------------------------------------------------

    def _stats(self, query: str) -> dict | None:
        """Return the corpus-wide ranking statistics of a query's words when the index has parts to share them."""
        return ranking.summed_stats(self.parts.each("stats", query)) if self.parts.count > 1 else None

    @limited
    def search(self, query: str, filters: dict | None = None, sort: str = "relevance", page: int = 1,
               page_size: int | None = None, collapse: bool = False, facets: bool = True, chart: bool = False) -> dict:
        """Return one page of ranked speeches with exact totals, facets and snippets.

        With `facets` false the facet counts are not computed (`facets` is None): an answer
        that will not show them need not load the field columns. With `chart`, `chart` holds
        what the search page draws, from the same match: `year_series`'s answer and, under
        `provinces`, `compare([query], "province")`'s buckets.
        """
        size = self._page_size(page_size)
        page = positive_int(page, "page")
        ranking.check_sort(sort)
        found = self.parts.each("search", query, filters, sort, page * size, collapse, facets, self._stats(query), chart)
        hits = list(itertools.islice(_merged([p["hits"] for p in found]), (page - 1) * size, page * size))
        extra = {}
        if chart:
            from search import compare as measures

            by_source = facet_counts.summed_years([p["chart"]["by_source"] for p in found])
            extra["chart"] = {"counts": {year: sum(split.values()) for year, split in by_source.items()},
                              "by_source": by_source,
                              "totals": facet_counts.order(facet_counts.added([p["chart"]["totals"] for p in found])),
                              "provinces": {"terms": [query], "by": ["province"], "buckets": measures.merged(
                                  [p["chart"]["provinces"] for p in found], [query], ["province"])}}
        return extra | {
            "query": query, "filters": found[0]["filters"], "index_version": self.index_version, "sort": sort,
            "total": sum(p["total"] for p in found), "occurrences": sum(p["occurrences"] for p in found),
            "page": page, "page_size": size,
            "facets": facet_counts.summed([p["facets"] for p in found]) if facets else None,
            "hits": hits, "parsed": found[0]["parsed"],
            "suggestions": self.suggestions(query, found[0]["filters"], collapse),
        }

    def _page_size(self, given) -> int:
        return sized_page(self.settings, given)

    def _ranked_hits(self, query: str, filters: dict | None, sort: str, collapse: bool) -> tuple[int, object]:
        """Return (total, every matching speech in result order): matched now, the speeches read as they are yielded."""
        ranking.check_sort(sort)
        found = self.parts.stream("hits", query, filters, sort, collapse, self._stats(query))
        return sum(p["total"] for p in found), _merged([p["hits"] for p in found])

    @limited
    def hits(self, query: str, filters: dict | None = None, sort: str = "relevance", collapse: bool = False):
        """Yield every matching speech in result order, without snippets (for exports).

        Matching and ranking happen now, under the query time limit; the speeches are read as
        they are yielded, under the deadline active then (an export's own).
        """
        return self._ranked_hits(query, filters, sort, collapse)[1]

    @limited
    def speech_list(self, query: str = "", filters: dict | None = None, sort: str = "relevance",
                    collapse: bool = False) -> dict:
        """Return the speeches a query matches, every one, as {query, filters, index_version, total, hits}.

        With neither query nor filters every speech is listed, in source order. `hits` is an
        iterator, so an export streams it; the rest is known before the first row.
        """
        if not query.strip() and not filters:
            return {"query": query, "filters": {}, "index_version": self.index_version,
                    "total": sum(self.parts.each("size")), "hits": self._every_speech()}
        parsed = self.parse(query, filters)
        total, hits = self._ranked_hits(query, filters, sort, collapse)
        return {"query": query, "filters": parsed.filters, "index_version": self.index_version, "total": total,
                "hits": hits}

    @limited
    def compare(self, terms: list[str], by="year", filters: dict | None = None, collapse: bool = False) -> dict:
        """Count each term per bucket of one or two fields, beside the bucket's speeches and characters.

        Buckets hold the speeches passing the filters (with `collapse`, representatives of
        near-duplicate groups only), in key order; each term is any query and is counted as
        `search` counts it (with `collapse`, its representatives among the speeches it matches).
        See search/compare.py for the measures.
        """
        from search import compare as measures

        try:
            terms, by = measures.check(list(terms), [by] if isinstance(by, str) else list(by))
        except measures.CompareError as error:
            raise SearchError(str(error), error.zh) from None
        found = self.parts.each("compare", terms, by, filters, collapse)
        buckets = measures.merged([p["buckets"] for p in found], terms, by)
        return {"terms": terms, "by": by, "filters": found[0]["filters"], "collapse": collapse,
                "index_version": self.index_version, "buckets": buckets, "totals": measures.series_totals(buckets, terms),
                "parsed": found[0]["parsed"]}

    def cite(self, query, filters: dict | None = None, collapse: bool = False, by: str | None = None,
             client: str | None = None) -> dict:
        """Store a snapshot of what a query (or each term of a list) finds now, and return it with its id.

        It needs a query or filters and may hold max_citation_kb; a `client` (the address of a
        web request) stores at most citations_per_hour an hour (search/snapshots.py).
        """
        from search import snapshots

        return snapshots.take(self, query, filters, collapse, by, client)

    def snapshot(self, snapshot_id: str) -> dict:
        """Return a stored snapshot as it was taken, and under `now` what the same queries find today."""
        from search import snapshots

        return snapshots.show(self, snapshot_id)

    # ---- the concordance -----------------------------------------------------------------

    def _concordance(self, query: str, filters: dict | None, width: int | None, sort: str | None,
                     start: int = 0) -> tuple[dict, object]:
        """Match a concordance query: everything but its rows, and the rows from `start` on, found as they are read."""
        if sort not in KWIC_SORTS:
            raise SearchError(f"unknown concordance sort {sort!r}; use one of {', '.join(KWIC_SORTS[1:])}",
                              f"没有“{sort}”这种排序；可用 {'、'.join(KWIC_SORTS[1:])}")
        width = self.settings["kwic_width"] if width is None else positive_int(width, "width", allow_zero=True)
        one = self.parts.count == 1
        found = self.parts.stream("kwic", query, filters, width, sort, start if one else 0, not one)
        rows = iter(found[0]["rows"]) if one else _merged([p["rows"] for p in found])
        rows = itertools.islice(rows, start - found[0]["skipped"] if one else start, None)
        head = {"query": query, "filters": found[0]["filters"], "index_version": self.index_version,
                "total": sum(p["total"] for p in found), "parsed": found[0]["parsed"]}
        return head, rows

    @limited
    def kwic(self, query: str, filters: dict | None = None, width: int | None = None, page: int | None = None,
             page_size: int | None = None, sort: str | None = None) -> dict:
        """Return every occurrence of the query's terms in the matching speeches, one row each.

        Rows come in source order (file, position in it, paragraph, offset) unless `sort` is one
        of KWIC_SORTS: `left` by the characters just left of the match, nearest first; `match`;
        `right`; `date` newest first; `province` by division code; ties in source order. With
        `page`, only that page's rows (`page_size`, else the kwic_page_size setting, at most
        max_page_size), and `total` still counts every row. Every row is found under the time
        limit; an export streams `kwic_rows` instead.
        """
        if page is None:
            head, rows = self._concordance(query, filters, width, sort)
            return {**head, "rows": list(rows)}
        page = positive_int(page, "page")
        size = sized_page(self.settings, page_size, "kwic_page_size")
        head, rows = self._concordance(query, filters, width, sort, (page - 1) * size)
        return {**head, "rows": list(itertools.islice(rows, size)), "page": page, "page_size": size,
                "pages": max(1, math.ceil(head["total"] / size))}

    @limited
    def kwic_rows(self, query: str, filters: dict | None = None, width: int | None = None,
                  sort: str | None = None) -> dict:
        """Return the concordance as `kwic` does, `rows` an iterator that finds each row as it is read (for exports).

        Matching and the total happen now, under the query time limit; the rows are found
        while they are read, under the deadline active then (an export's own). A sorted
        concordance holds a compact entry per row while it sorts; source order holds one row.
        """
        head, rows = self._concordance(query, filters, width, sort)
        return {**head, "rows": guarded(rows)}

    # ---- forms, collocates, keywords (search/analysis.py) -------------------------------

    def analysis_parts(self):
        """Return what the research tools ask every part of the index for (search/analysis.py's Parts)."""
        from search.analysis import Parts

        return Parts(lambda name, *args: self.parts.each("analysis", name, *args), self.parts.count)

    @limited
    def forms(self, query: str, filters: dict | None = None, sort: str = "occurrences", min_freq: int = 1,
              limit: int | None = LIMIT) -> dict:
        """Return the distinct strings the query's terms matched, with occurrences and speeches (`limit` None: all)."""
        from search import analysis

        return analysis.forms(self, query, filters, sort, min_freq, limit)

    @limited
    def clusters(self, query: str, filters: dict | None = None, side: str = "right", words: int = 2,
                 sort: str = "occurrences", min_freq: int = 2, limit: int | None = LIMIT) -> dict:
        """Return the query's occurrences with `words` words after them (side right), before (left) or both, counted."""
        from search import analysis

        return analysis.clusters(self, query, filters, side, words, sort, min_freq, limit)

    @limited
    def collocates(self, query: str, filters: dict | None = None, window: int | None = None, unit: str = "word",
                   min_freq: int = 3, punctuation: bool = False, numbers: bool = True, sort: str = "g2",
                   limit: int | None = LIMIT) -> dict:
        """Return the words or n-grams near the query's occurrences with G², MI and logDice."""
        from search import analysis

        return analysis.collocates(self, query, filters, window, unit, min_freq, punctuation, numbers, sort, limit)

    @limited
    def keywords(self, query: str = "", filters: dict | None = None, against: dict | None = None, unit: str = "word",
                 min_freq: int = 5, punctuation: bool = False, numbers: bool = True, sort: str = "g2",
                 limit: int | None = LIMIT) -> dict:
        """Return the frequency list of a target with keyness (G², log ratio) against the rest or `against` filters."""
        from search import analysis

        return analysis.keywords(self, query, filters, against, unit, min_freq, punctuation, numbers, sort, limit)
