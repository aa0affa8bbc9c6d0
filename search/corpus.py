"""The library a researcher uses: open an index, search it exactly, count, cut snippets.

    from search import Corpus
    corpus = Corpus("index")
    result = corpus.search("双过半 province:湖南")
    rows = corpus.kwic("六稳")

Membership and counts are exact: the positional character-pair postings (indexer/postings.py)
give every occurrence of every term, each a run of pairs at consecutive positions, exactly
where a substring scan of the cleaned texts finds it. NEAR is confirmed paragraph by
paragraph in the stored text. BM25 over jieba words (title words twice) only orders results;
facet counts come from the Whoosh index's facet columns.
"""

import functools
import html
import itertools
import math
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer import schema, store
from indexer.text import fold_case, folds_alike
from search import limits
from search import query as q
from search import settings as named_settings

# The orders a concordance can be listed in; the first is its own (source) order.
KWIC_SORTS = (None, "source", "left", "match", "right", "date", "province")
# The speech fields a concordance row carries, before where and what it matched.
KWIC_SPEECH_FIELDS = ("id", "title", "speaker", "year", "date", "date_source", "province", "city", "level")
# BM25's term-frequency saturation and length normalisation (Whoosh's defaults).
BM25_K1, BM25_B = 1.2, 0.75


class SearchError(Exception):
    """A problem the user can fix; the message says how, `zh` says it in Chinese, `code` names it for scripts."""

    status = 400
    code = "bad_query"

    def __init__(self, message: str, zh: str | None = None):
        super().__init__(message)
        self.zh = zh or message


class NoIndex(SearchError):
    """There is no index to search yet, or it cannot be read."""

    status = 503
    code = "no_index"


class UnknownSpeech(SearchError):
    """No speech has this id."""

    status = 404
    code = "not_found"


class UnknownSnapshot(SearchError):
    """No snapshot has this id."""

    status = 404
    code = "not_found"


class QueryTooBroad(SearchError):
    """The query took longer than the query time limit: no partial counts are given."""

    status = 503
    code = "too_broad"


class DamagedIndex(SearchError):
    """An index file is damaged: the message names it and the cure (`speeches index --full`)."""

    status = 503
    code = "damaged_index"

    def __init__(self, error: "store.StoreError"):
        super().__init__(str(error), f"索引文件已损坏（{error.file}）：请运行 speeches index --full 重建索引")


def _limited(method):
    """Run a library method under the active deadline, or one of query_time_limit_ms; report a damaged index as such."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            if limits.active() is not None:
                return method(self, *args, **kwargs)
            with limits.within(self.query_deadline()):
                return method(self, *args, **kwargs)
        except store.StoreError as error:
            raise DamagedIndex(error) from None
    return wrapper


def _guarded(rows):
    """Yield rows, reporting a damaged index found while reading them as such."""
    try:
        yield from rows
    except store.StoreError as error:
        raise DamagedIndex(error) from None


@dataclass
class _Ranked:
    """A query's matching speeches, counted, and ordered on demand: a page needs only its top."""

    parsed: q.Query
    generation: store.Generation
    terms: list[str]
    occurrences: np.ndarray  # per speech position
    folded: dict[int, int]
    matched: np.ndarray  # positions of the matching speeches (representatives only, collapsed), in source order
    keys: tuple  # (primary, tie-break) arrays over `matched` that order them, and the scores
    scores: np.ndarray

    def __len__(self) -> int:
        return len(self.matched)

    def top(self, count: int | None = None) -> list[tuple[int, float]]:
        """Return the first `count` (all when None) matching speeches in result order, as (position, score).

        The first `count` are picked in linear time, then only they are sorted, so a page of a
        query that matches nearly everything does not sort every match; ties are broken as a
        full sort breaks them, so the page is the full ranking's page.
        """
        primary, tie = self.keys
        if count is not None and count < len(primary):
            cut = np.partition(primary, count - 1)[count - 1]
            chosen = np.nonzero(primary <= cut)[0]  # ties at the cut included, sorted out below
        else:
            chosen = np.arange(len(primary))
        chosen = chosen[np.lexsort((tie[chosen], primary[chosen]))][:count]
        return list(zip(self.matched[chosen].tolist(), self.scores[chosen].tolist()))


class Corpus:
    """An index folder opened for searching; picks up a rebuilt index by itself."""

    def __init__(self, index_dir="index", settings: dict | None = None, verify_in_background: bool = False,
                 generation: str | None = None):
        self.index_dir = Path(index_dir)
        self.settings = named_settings.resolve(settings)
        self.pinned = generation  # a shard of a sharded index serves the generation its manifest names
        self._generation: store.Generation | None = None
        self._lock = threading.Lock()
        # A server checks every file of each generation it opens against its checksums, while it serves.
        self.verify_in_background = verify_in_background

    # ---- loading -------------------------------------------------------------------------

    def generation(self) -> store.Generation:
        """Return the serving generation, loading it again when CURRENT has moved."""
        name = self.pinned or store.current_name(self.index_dir)
        if name is None:
            raise NoIndex(f"no index in {self.index_dir}: build it with `speeches index --index {self.index_dir}`",
                          "还没有索引：请先运行 speeches index 建立索引")
        loaded = self._generation
        if loaded is None or loaded.path.name != name:
            with self._lock:
                if self._generation is None or self._generation.path.name != name:
                    try:
                        self._generation = store.open_generation(self.index_dir / name)
                    except store.StoreError as error:
                        raise DamagedIndex(error) from None
                    if self.verify_in_background:
                        threading.Thread(target=self._generation.verify, daemon=True,
                                         name=f"verify {name}").start()
                loaded = self._generation
        if loaded.damage:
            raise DamagedIndex(loaded.damage[0])
        return loaded

    def recheck(self) -> None:
        """Raise DamagedIndex when a file of the opened generation changed since it was checked (stat, then its checksum).

        A server asks before each request: the texts and postings are mapped into memory, so a
        file damaged while it serves would otherwise answer with its new bytes.
        """
        loaded = self._generation
        if loaded is None or loaded.path.name != (self.pinned or store.current_name(self.index_dir)):
            return  # nothing opened yet, or a rebuild moved CURRENT on: the next answer opens the new generation
        if loaded.recheck():
            raise DamagedIndex(loaded.damage[0])

    def release_memory(self) -> None:
        """Let go of the mapped index pages this process touched (a server does when it has gone idle)."""
        if self._generation is not None:
            self._generation.release_pages()

    def verify(self) -> dict:
        """Check every file of the serving generation against the size and checksum its manifest records.

        Returns {"index_version", "generation", "files", "damaged": [{"file", "problem", "error"}]};
        a generation found damaged answers nothing more (DamagedIndex) until it is rebuilt.
        """
        name = self.pinned or store.current_name(self.index_dir)
        if name is None:
            self.generation()  # raises NoIndex
        problems = store.verify_generation(self.index_dir / name)
        loaded = self._generation
        if problems and loaded is not None and loaded.path.name == name:
            loaded.damage = problems
        manifest = store.read_manifest(self.index_dir / name)
        return {"index_version": manifest.get("index_version"), "generation": str(self.index_dir / name),
                "files": len(manifest.get("checksums") or {}),
                "damaged": [{"file": p.file, "problem": p.problem, "error": str(p)} for p in problems]}

    def _columns(self, generation: store.Generation) -> dict:
        """Return the generation's field columns, loaded when first needed."""
        try:
            return generation.columns
        except store.StoreError as error:
            raise DamagedIndex(error) from None

    def query_deadline(self) -> limits.Deadline:
        """Return a deadline of query_time_limit_ms from now, whose expiry is QueryTooBroad."""
        limit = self.settings["query_time_limit_ms"]
        return limits.Deadline(limit / 1000, lambda: QueryTooBroad(
            f"the query took longer than {limit} ms; "
            "narrow it with a longer phrase or a filter such as province: or year:",
            f"查询超过了 {limit} 毫秒的时限，没有给出不完整的结果；请用更长的词组，或加上省份、年份等筛选"))

    # ---- speeches ------------------------------------------------------------------------

    @property
    def index_version(self) -> str:
        """Return the version of the serving index, recorded in every output."""
        return self.generation().version

    def manifest(self) -> dict:
        """Return how the serving index was built: version, time, corpus folder, files, summary."""
        return self.generation().manifest

    @_limited
    def overview(self) -> dict:
        """Return the total and the facet counts over every speech."""
        generation = self.generation()
        everything = np.arange(len(generation))
        return {"index_version": generation.version, "total": len(generation),
                "facets": _facet_counts(self._columns(generation), everything)}

    @_limited
    def resolve_id(self, speech_id: str) -> str:
        """Return the current id of a speech, following the alias of an id a rebuild changed."""
        generation = self.generation()
        if speech_id in generation.by_id:
            return speech_id
        if speech_id in generation.aliases:
            return generation.aliases[speech_id]
        raise UnknownSpeech(f"no speech has the id {speech_id!r}; `speeches list` shows every id",
                            f"没有编号为 {speech_id} 的讲话")

    @_limited
    def raw(self, speech_id: str) -> str:
        """Return the original, uncleaned text of a speech's source span."""
        generation = self.generation()
        return generation.raw(generation.by_id[self.resolve_id(speech_id)])

    @_limited
    def speech(self, speech_id: str, with_text: bool = True) -> dict:
        """Return one speech's fields, with its text unless asked not to."""
        generation = self.generation()
        index = generation.by_id[self.resolve_id(speech_id)]
        record = _public_record(generation, index)
        if with_text:
            record["text"] = generation.text(index)
        return record

    def speeches(self) -> list[dict]:
        """Return every indexed speech's fields, without text, in source order."""
        generation = self.generation()
        return [_public_record(generation, index) for index in range(len(generation))]

    # ---- matching ------------------------------------------------------------------------

    def parse(self, query: str, filters: dict | None = None, require_text: bool = False) -> q.Query:
        """Parse a query and extra filters ({field: values}); `require_text` refuses filters alone."""
        from indexer import provinces

        return q.parse(query, filters=filters, resolve_province=provinces.resolve, require_text=require_text)

    def marked_terms(self, query: str) -> list:
        """Return the terms of a query to mark in a text (none for an empty query): phrases' texts and patterns."""
        if not query.strip():
            return []
        return _terms(self.parse(query))

    def _mask(self, generation, node, counts: dict, scope: np.ndarray | None = None, check=None) -> np.ndarray:
        """Return which speeches the tree matches; `counts` gathers each term's counts per speech.

        The answer is right within `scope` (every speech when None): a pattern, which reads
        texts, is counted only there, and an AND narrows the scope of its later items.
        """
        if isinstance(node, q.Term):
            if node.text not in counts:
                limits.check()
                counts[node.text] = generation.postings.counts(node.text)
            return counts[node.text] > 0
        if isinstance(node, q.Pattern):
            from search.patterns import PatternCounts

            if node not in counts:
                counts[node] = PatternCounts(generation, node.source)
            counts[node].cover(scope, check or (lambda: None))
            return counts[node].counts > 0
        if isinstance(node, (q.Near, q.And)):
            # A NEAR gives the speeches holding every term; the paragraph is checked in the text afterwards.
            items = node.terms if isinstance(node, q.Near) else node.items
            mask = np.ones(len(generation), dtype=bool) if scope is None else scope.copy()
            for item in sorted(items, key=_has_pattern):  # patterns last, in the narrowest scope
                mask &= self._mask(generation, item, counts, mask, check)
            return mask
        if isinstance(node, q.Not):
            if _has_near(node.item):  # a superset of a NEAR's matches says nothing of its complement
                return np.ones(len(generation), dtype=bool)
            return ~self._mask(generation, node.item, counts, scope, check)
        return np.logical_or.reduce([self._mask(generation, item, counts, scope, check) for item in node.items])

    def _filter_mask(self, generation, filters: dict) -> np.ndarray:
        """Return which speeches pass every field filter (values ORed within a field)."""
        mask = np.ones(len(generation), dtype=bool)
        columns = self._columns(generation) if filters else {}
        for name, wanted in filters.items():
            limits.check()
            column, how = columns[name], schema.field(name).filter
            passing = [k for k, value in enumerate(column.values) if any(_value_ok(how, value, w) for w in wanted)]
            mask &= np.isin(column.numbers, passing)
        return mask

    @_limited
    def matching(self, parsed: q.Query):
        """Return (generation, positions of matching speeches, {term: occurrences per speech})."""
        started = time.monotonic()
        generation = self.generation()
        counts: dict[str, np.ndarray] = {}
        mask = np.ones(len(generation), dtype=bool)
        if parsed.filters:
            mask &= self._filter_mask(generation, parsed.filters)
        check = lambda: self._check_time(started)  # noqa: E731
        if parsed.text is not None:
            mask &= self._mask(generation, parsed.text, counts, mask if parsed.filters else None, check)
        positions = np.nonzero(mask)[0].tolist()
        self._check_time(started)
        if parsed.text is not None and _has_near(parsed.text):
            confirmed = []
            for count, index in enumerate(positions):
                if count % 64 == 0:
                    self._check_time(started)
                text = generation.text(index)
                if q.matches(parsed.text, fold_case(text).split("\n"), text.split("\n")):
                    confirmed.append(index)
            positions = confirmed
        _count_patterns(counts, positions, check)
        return generation, positions, counts

    def _check_time(self, started: float | None = None) -> None:
        """Stop work that has run past its deadline (the active one, else query_time_limit_ms from `started`)."""
        if limits.active() is not None or started is None:
            limits.check()
        elif time.monotonic() - started > self.settings["query_time_limit_ms"] / 1000:
            raise self.query_deadline().expired()

    # ---- results -------------------------------------------------------------------------

    @_limited
    def search(self, query: str, filters: dict | None = None, sort: str = "relevance", page: int = 1,
               page_size: int | None = None, collapse: bool = False, facets: bool = True) -> dict:
        """Return one page of ranked speeches with exact totals, facets and snippets.

        With `facets` false the facet counts are not computed (`facets` is None): an answer
        that will not show them need not load the field columns.
        """
        page_size = self._page_size(page_size)
        page = _positive_int(page, "page")
        ranked = self._ranked(query, filters, sort, collapse)
        hits = []
        for index, score in ranked.top(page * page_size)[(page - 1) * page_size :]:
            limits.check()
            hits.append(self._hit(ranked, index, score, snippets=True))
        kept = ranked.matched
        return {
            "query": query,
            "filters": ranked.parsed.filters,
            "index_version": ranked.generation.version,
            "sort": sort,
            "total": len(ranked),
            "occurrences": int(ranked.occurrences[kept].sum()),
            "page": page,
            "page_size": page_size,
            "facets": _facet_counts(self._columns(ranked.generation), kept) if facets else None,
            "hits": hits,
            "parsed": q.describe(ranked.parsed),
            "suggestions": self.suggestions(query, ranked.parsed.filters, collapse),
        }

    @_limited
    def hits(self, query: str, filters: dict | None = None, sort: str = "relevance", collapse: bool = False):
        """Yield every matching speech in result order, without snippets (for exports).

        Matching and ranking happen now, under the query time limit; the speeches are read as
        they are yielded, under the deadline active then (an export's own).
        """
        return _guarded(self._ranked_hits(self._ranked(query, filters, sort, collapse)))

    def _ranked_hits(self, ranked: "_Ranked"):
        for count, (index, score) in enumerate(ranked.top()):
            if count % 256 == 0:
                limits.check()
            yield self._hit(ranked, index, score, snippets=False)

    @_limited
    def speech_list(self, query: str = "", filters: dict | None = None, sort: str = "relevance",
                    collapse: bool = False) -> dict:
        """Return the speeches a query matches, every one, as {query, filters, index_version, total, hits}.

        With neither query nor filters every speech is listed, in source order. `hits` is an
        iterator, so an export streams it; the rest is known before the first row.
        """
        if not query.strip() and not filters:
            generation = self.generation()
            return {"query": query, "filters": {}, "index_version": generation.version, "total": len(generation),
                    "hits": _guarded(_every_record(generation))}
        ranked = self._ranked(query, filters, sort, collapse)
        return {"query": query, "filters": ranked.parsed.filters, "index_version": ranked.generation.version,
                "total": len(ranked), "hits": _guarded(self._ranked_hits(ranked))}

    @_limited
    def suggestions(self, query: str, filters: dict | None = None, collapse: bool = False) -> list[dict]:
        """Return what the user may have meant, by the parser's fixed rules, each with the speeches it finds."""
        offered = []
        for candidate, unmatched in q.suggestions(query):
            limits.check()
            if unmatched is not None and self.generation().postings.counts(unmatched).any():
                continue
            try:
                parsed = self.parse(candidate, filters)
            except q.QueryError:
                continue
            generation, matched, _ = self.matching(parsed)
            if collapse:
                matched, _ = self._collapse(generation, matched)
            if matched:
                offered.append({"query": candidate, "total": len(matched)})
        return offered

    def _ranked(self, query: str, filters: dict | None, sort: str, collapse: bool, stats: dict | None = None) -> "_Ranked":
        """Match, count, collapse and order: everything a page or an export needs.

        `stats` are corpus-wide ranking statistics (ranking_stats summed over the shards of a
        sharded index), so that a shard scores a speech as one index over every shard would.
        """
        if sort not in ("relevance", "date"):
            raise SearchError(f"unknown sort {sort!r}; use relevance or date",
                              f"没有“{sort}”这种排序；请用 relevance（相关度）或 date（日期）")
        parsed = self.parse(query, filters)
        generation, matched, counts = self.matching(parsed)
        terms = _terms(parsed)
        occurrences = _occurrence_counts(generation, terms, counts)
        folded = {}
        if collapse:
            matched, folded = self._collapse(generation, matched)
        positions = np.array(matched, dtype=np.int64)
        if sort == "date":
            scores = np.zeros(len(positions))
            keys = (generation.date_rank[positions], np.zeros(len(positions), dtype=np.int64))
        elif len(positions):
            scores = self._scores(generation, terms, stats)[positions]
            keys = (-scores, generation.id_rank[positions])
        else:  # nothing to rank: BM25 over every speech would cost as much as for a common word
            scores = np.zeros(0)
            keys = (scores, np.zeros(0, dtype=np.int64))
        return _Ranked(parsed, generation, terms, occurrences, folded, positions, keys, scores)

    def _hit(self, ranked: "_Ranked", index: int, score: float, snippets: bool) -> dict:
        record = _public_record(ranked.generation, index)
        record.update(score=round(score, 4), occurrences=int(ranked.occurrences[index]),
                      folded=ranked.folded.get(index, 0))
        if snippets:
            record["snippets"] = self._snippets(ranked.generation.text(index).split("\n"), ranked.terms)
        return record

    @_limited
    def facets(self, query: str, filters: dict | None = None, collapse: bool = False) -> dict:
        """Return exact facet counts over every speech the query matches."""
        parsed = self.parse(query, filters)
        generation, matched, _ = self.matching(parsed)
        if collapse:
            matched, _ = self._collapse(generation, matched)
        return _facet_counts(self._columns(generation), np.array(matched, dtype=np.int64))

    @_limited
    def year_series(self, query: str, filters: dict | None = None) -> dict:
        """Return what a per-year chart draws: matching speeches per year, split by how the year is known.

        `counts` count every matching speech per year and `by_source` split them by
        `date_source` (a year printed in the text is not one inferred from its events);
        `totals` count every speech passing the same filters, so the rate counts/totals
        compares like with like (near-duplicate versions are not collapsed on either side).
        """
        parsed = self.parse(query, filters)
        generation, matched, _ = self.matching(parsed)
        columns = self._columns(generation)
        years, sources = columns["year"], columns["date_source"]
        by_source: dict[str, dict[str, int]] = {}
        pairs = np.stack([years.numbers[matched], sources.numbers[matched]]) if matched else np.empty((2, 0), int)
        found, times = np.unique(pairs, axis=1, return_counts=True) if matched else (pairs, [])
        for (year, source), count in zip(found.T.tolist(), list(times)):
            by_source.setdefault(years.values[year], {})[sources.values[source]] = int(count)
        counts = {year: sum(split.values()) for year, split in by_source.items()}
        limits.check()
        totals = self.facets("", filters)["year"] if filters else self.overview()["facets"]["year"]
        return {"counts": counts, "by_source": by_source, "totals": totals}

    @_limited
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
        generation = self.generation()
        base = self.matching(self.parse("", filters))[1] if filters else list(range(len(generation)))
        if collapse:
            base, _ = self._collapse(generation, base)
        base = np.array(base, dtype=np.int64)
        matched = {}
        for term in terms:
            parsed = self.parse(term, filters)
            generation, found, counts = self.matching(parsed)
            if collapse:
                found, _ = self._collapse(generation, found)
            found = np.array(found, dtype=np.int64)
            matched[term] = (found, _occurrence_counts(generation, _terms(parsed), counts)[found], parsed)
        columns = self._columns(generation)
        codes = measures.bucket_codes(columns, by)
        present = np.unique(np.concatenate([codes[base]] + [codes[found] for found, _, _ in matched.values()]))
        keys, place = measures.order_buckets(columns, by, present)

        def bucket(positions: np.ndarray) -> np.ndarray:
            return place[np.searchsorted(present, codes[positions])]

        series = {term: (bucket(found), occurrences) for term, (found, occurrences, _) in matched.items()}
        rows = measures.tally(by, keys, bucket(base), generation.chars[base], series)
        return {"terms": terms, "by": by, "filters": self.parse("", filters).filters if filters else {},
                "collapse": collapse, "index_version": generation.version, "buckets": rows,
                "totals": measures.series_totals(rows, terms),
                "parsed": {term: q.describe(parsed) for term, (_, _, parsed) in matched.items()}}

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

    @_limited
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
        concordance = self._concordance(query, filters, width, sort)
        generation, matched, terms, width, per_speech = concordance.pop("_work")
        total = concordance["total"]
        if page is None:
            concordance["rows"] = list(concordance["rows"])
            return concordance
        page = _positive_int(page, "page")
        size = min(_positive_int(page_size, "page size") if page_size is not None else self.settings["kwic_page_size"],
                   self.settings["max_page_size"])
        concordance.update(page=page, page_size=size, pages=max(1, math.ceil(total / size)))
        if sort not in (None, "source"):
            concordance["rows"] = list(itertools.islice(concordance["rows"], (page - 1) * size, page * size))
            return concordance
        skip = (page - 1) * size
        # Skip whole speeches before the page by their counts, without reading their texts.
        for at, index in enumerate(matched):
            if at % 1024 == 0:
                limits.check()
            if skip < per_speech[index]:
                break
            skip -= int(per_speech[index])
        else:
            at = len(matched)
        rows = self._kwic_rows(generation, matched[at:], terms, width)
        concordance["rows"] = list(itertools.islice(rows, skip, skip + size))
        return concordance

    @_limited
    def kwic_rows(self, query: str, filters: dict | None = None, width: int | None = None,
                  sort: str | None = None) -> dict:
        """Return the concordance as `kwic` does, `rows` an iterator that finds each row as it is read (for exports).

        Matching and the total happen now, under the query time limit; the rows are found
        while they are read, under the deadline active then (an export's own). A sorted
        concordance holds a compact entry per row while it sorts; source order holds one row.
        """
        concordance = self._concordance(query, filters, width, sort)
        del concordance["_work"]
        return concordance

    def _concordance(self, query: str, filters: dict | None, width: int | None, sort: str | None) -> dict:
        """Match a concordance query: everything but its rows, which `rows` yields lazily."""
        if sort not in KWIC_SORTS:
            raise SearchError(f"unknown concordance sort {sort!r}; use one of {', '.join(KWIC_SORTS[1:])}",
                              f"没有“{sort}”这种排序；可用 {'、'.join(KWIC_SORTS[1:])}")
        parsed = self.parse(query, filters, require_text=True)
        width = self.settings["kwic_width"] if width is None else _positive_int(width, "width", allow_zero=True)
        generation, matched, counts = self.matching(parsed)
        terms = _terms(parsed)
        per_speech = _occurrence_counts(generation, terms, counts)
        total = int(per_speech[np.array(matched, dtype=np.int64)].sum())
        if sort in (None, "source"):
            rows = self._kwic_rows(generation, matched, terms, width)
        else:
            rows = self._sorted_kwic_rows(generation, matched, terms, width, sort)
        return {"query": query, "filters": parsed.filters, "index_version": generation.version, "total": total,
                "parsed": q.describe(parsed), "rows": _guarded(rows),
                "_work": (generation, matched, terms, width, per_speech)}

    # ---- patterns, collocates, keywords (search/analysis.py) ----------------------------------

    def forms(self, query: str, filters: dict | None = None, sort: str = "occurrences", min_freq: int = 1,
              limit: int | None = 200) -> dict:
        """Return the distinct strings the query's terms matched, with occurrences and speeches (`limit` None: all)."""
        from search import analysis

        return analysis.forms(self, query, filters, sort=sort, min_freq=min_freq, limit=limit)

    def collocates(self, query: str, filters: dict | None = None, window: int | None = None, unit: str = "word",
                   min_freq: int = 3, punctuation: bool = False, numbers: bool = True, sort: str = "g2",
                   limit: int | None = 200) -> dict:
        """Return the words or n-grams near the query's occurrences with G², MI and logDice."""
        from search import analysis

        return analysis.collocates(self, query, filters, window=window, unit=unit, min_freq=min_freq,
                                   punctuation=punctuation, numbers=numbers, sort=sort, limit=limit)

    def keywords(self, query: str = "", filters: dict | None = None, against: dict | None = None, unit: str = "word",
                 min_freq: int = 5, punctuation: bool = False, numbers: bool = True, sort: str = "g2",
                 limit: int | None = 200) -> dict:
        """Return the frequency list of a target with keyness (G², log ratio) against the rest or `against` filters."""
        from search import analysis

        return analysis.keywords(self, query, filters, against=against, unit=unit, min_freq=min_freq,
                                 punctuation=punctuation, numbers=numbers, sort=sort, limit=limit)

    def analysis_part(self, name: str, *args):
        """Compute one part of a forms, collocates or keywords answer on this index (a shard's share of it)."""
        from search import analysis

        return analysis.part(self, name, *args)

    def _kwic_spots(self, generation, matched: list[int], terms: list[str], width: int):
        """Yield (position, paragraph number, offset, left, match, right) of every occurrence, in source and text order."""
        for index in matched:
            limits.check()
            for count, (number, paragraph, offset, term) in enumerate(_occurrences(generation.text(index).split("\n"),
                                                                                   terms)):
                if count % 256 == 255:
                    limits.check()
                yield (index, number, offset, paragraph[max(0, offset - width) : offset], term,
                       paragraph[offset + len(term) : offset + len(term) + width])

    def _kwic_row(self, generation, spot: tuple) -> dict:
        """Return the concordance row of one occurrence."""
        index, number, offset, left, match, right = spot
        row = generation.records.pick(index, KWIC_SPEECH_FIELDS)
        speech_id = generation.records.value(index, "id")
        row.update(paragraph=number, offset=offset, left=left, match=match, right=right,
                   url=f"{self.settings['base_url'].rstrip('/')}/speech/{speech_id}#p{number}")
        return row

    def _kwic_rows(self, generation, matched: list[int], terms: list[str], width: int):
        """Yield the concordance rows of the matched speeches, in source and text order."""
        for spot in self._kwic_spots(generation, matched, terms, width):
            yield self._kwic_row(generation, spot)

    def _sorted_kwic_rows(self, generation, matched: list[int], terms: list[str], width: int, sort: str):
        """Yield the concordance rows in another order, ties in source order (sorted() is stable)."""
        spots = []
        written: dict[str, str] = {}  # one string per distinct match as written, shared by its rows
        for spot in self._kwic_spots(generation, matched, terms, width):
            spots.append(spot[:4] + (written.setdefault(spot[4], spot[4]),) + spot[5:])
        limits.check()
        spots.sort(key=_kwic_sort_key(generation, sort))
        for count, spot in enumerate(spots):
            if count % 256 == 0:
                limits.check()
            yield self._kwic_row(generation, spot)

    # ---- a shard's answers: what a sharded index (search/sharded.py) merges ------------------

    @_limited
    def holds(self, speech_id: str) -> bool:
        """Tell whether this index holds a speech, or an old id of one."""
        generation = self.generation()
        return speech_id in generation.by_id or speech_id in generation.aliases

    @_limited
    def ranking_stats(self, query: str) -> dict:
        """Return BM25's statistics for a query's words: speeches, their total length, each word's speeches."""
        return _ranking_stats(self.generation(), _terms(self.parse(query)) if query.strip() else [])

    @_limited
    def count(self, query: str, filters: dict | None = None, collapse: bool = False) -> int:
        """Return how many speeches a query matches."""
        generation, matched, _ = self.matching(self.parse(query, filters))
        return len(self._collapse(generation, matched)[0] if collapse else matched)

    @_limited
    def finds(self, term: str) -> bool:
        """Tell whether a phrase occurs anywhere in the index."""
        return bool(self.generation().postings.counts(term).any())

    @_limited
    def search_part(self, query: str, filters: dict | None, sort: str, top: int, collapse: bool, facets: bool,
                    stats: dict) -> dict:
        """Return a shard's part of a search: totals, facets and its best `top` hits, each with its merge key."""
        ranked = self._ranked(query, filters, sort, collapse, stats)
        kept = ranked.matched
        hits = []
        for index, score in ranked.top(top):
            hit = self._hit(ranked, index, score, snippets=True)
            hit["_key"] = _merge_key(ranked.generation, index, score, sort)
            hits.append(hit)
        return {"total": len(ranked), "occurrences": int(ranked.occurrences[kept].sum()),
                "facets": _facet_counts(self._columns(ranked.generation), kept) if facets else None, "hits": hits}

    @_limited
    def ranked_keys(self, query: str, filters: dict | None, sort: str, collapse: bool, stats: dict) -> list:
        """Return (merge key, id) of every matching speech, in result order."""
        ranked = self._ranked(query, filters, sort, collapse, stats)
        return [(_merge_key(ranked.generation, index, score, sort), ranked.generation.records.value(index, "id"))
                for index, score in ranked.top()]

    @_limited
    def hits_of(self, query: str, filters: dict | None, sort: str, collapse: bool, stats: dict, ids: list[str]) -> list:
        """Return the hits (without snippets) of the given matching speeches."""
        ranked = self._ranked(query, filters, sort, collapse, stats)
        wanted = {ranked.generation.by_id[i] for i in ids}
        return [self._hit(ranked, index, score, snippets=False) for index, score in ranked.top() if index in wanted]

    @_limited
    def kwic_part(self, query: str, filters: dict | None, width: int | None, sort: str | None) -> dict:
        """Return a shard's concordance rows, each with its merge key, and the answer's other fields.

        The key is the order asked for, then source order (file path, place in the file,
        paragraph, offset): the order one index stores speeches in, which shards merge by.
        """
        concordance = self._concordance(query, filters, width, sort)
        generation, matched, terms, width, _ = concordance.pop("_work")
        first = None if sort in (None, "source") else _kwic_sort_key(generation, sort)
        rows, records = [], generation.records
        for spot in self._kwic_spots(generation, matched, terms, width):
            source = (records.value(spot[0], "source").split("#row=")[0], records.value(spot[0], "ordinal"), spot[1], spot[2])
            row = self._kwic_row(generation, spot)
            row["_key"] = (first(spot), source) if first else source
            rows.append(row)
        rows.sort(key=lambda row: row["_key"])
        return {"result": {k: v for k, v in concordance.items() if k != "rows"}, "rows": rows}

    @staticmethod
    def check_page(page) -> int:
        """Return a page number, or raise SearchError for one that is not a whole number from 1."""
        return _positive_int(page, "page")

    def _kwic_page_size(self, page_size) -> int:
        size = _positive_int(page_size, "page size") if page_size is not None else self.settings["kwic_page_size"]
        return min(size, self.settings["max_page_size"])

    def _page_size(self, page_size) -> int:
        size = self.settings["page_size"] if page_size is None else _positive_int(page_size, "page size")
        return min(size, self.settings["max_page_size"])

    @staticmethod
    def _scores(generation, terms: list[str], stats: dict | None = None) -> np.ndarray:
        """Score every speech with BM25 over the jieba words of the query terms (corpus-wide `stats` if given)."""
        scores = np.zeros(len(generation), dtype=np.float64)
        lengths = generation.postings.doc_lengths
        stats = stats or _ranking_stats(generation, terms)
        count = stats["speeches"]
        average = stats["length"] / count if count and stats["length"] > 0 else 1.0
        for word in sorted(stats["df"]):
            limits.check()
            if word not in generation.vocabulary:
                continue
            docs, weights = generation.postings.word(generation.vocabulary[word])
            if not len(docs):
                continue
            held = stats["df"][word]
            idf = math.log(1 + (count - held + 0.5) / (held + 0.5))
            norm = BM25_K1 * (1 - BM25_B + BM25_B * lengths[docs] / average)
            scores[docs] += idf * weights * (BM25_K1 + 1) / (weights + norm)
        return scores

    def _collapse(self, generation, matched: list[int]):
        """Keep one speech per near-duplicate group: the earliest dated, then lowest id."""
        groups: dict[str, list[int]] = {}
        kept = []
        for count, index in enumerate(matched):
            if count % 1024 == 0:
                limits.check()
            group = generation.records.value(index, "group")
            if group is None:
                kept.append(index)
            else:
                groups.setdefault(group, []).append(index)
        folded = {}
        for members in groups.values():
            members.sort(key=lambda m: (generation.records.value(m, "date") is None,
                                        generation.records.value(m, "date") or "", generation.records.value(m, "id")))
            kept.append(members[0])
            folded[members[0]] = len(members) - 1
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


def _query_words(terms: list[str]) -> set[str]:
    """Return the ranking words of a query's terms: jieba's words, as the texts' were segmented."""
    from indexer.segment import words as segment_words

    return {w.lower() for term in terms for w in segment_words(_ranking_text(term))}


def _merge_key(generation, index: int, score: float, sort: str) -> tuple:
    """Return a hit's place in result order that the shards of a sharded index compare by."""
    return _date_key(generation, index) if sort == "date" else (-score, generation.records.value(index, "id"))


def _date_key(generation, index: int) -> tuple:
    """Return a speech's place newest first (store.date_key), from its two fields alone."""
    return store.date_key(generation.records.value(index, "date"), generation.records.value(index, "id"))


def _ranking_stats(generation, terms: list[str]) -> dict:
    """Return BM25's statistics of a generation for the query's words: speeches, total length, each word's speeches."""
    # The length sum is of whole numbers (word weights), exact in float64: one index and its
    # shards added up give the same average, so the same scores.
    df = {}
    for word in _query_words(terms):
        df[word] = int(len(generation.postings.word(generation.vocabulary[word])[0])) if word in generation.vocabulary else 0
    return {"speeches": len(generation), "length": float(generation.postings.doc_lengths.sum(dtype=np.float64)), "df": df}


def _public_record(generation, index: int) -> dict:
    """Return the interface fields of the speech at a position, read from the record columns one by one."""
    return generation.records.pick(index, schema.speech_fields())


def _every_record(generation):
    """Yield every speech's fields in source order, under the deadline active while they are read."""
    for index in range(len(generation)):
        if index % 256 == 0:
            limits.check()
        yield _public_record(generation, index)


def _terms(parsed: q.Query) -> list:
    """Return a query's positive terms, what is counted, listed and marked: a phrase's text, or the Pattern."""
    if parsed.text is None:
        return []
    return [t.text if isinstance(t, q.Term) else t for t in q.positive_terms(parsed.text)]


def _ranking_text(term) -> str:
    """Return the text whose words rank a term: a phrase itself, a pattern's literal fragments."""
    if isinstance(term, str):
        return term
    from search.patterns import ranking_text

    return ranking_text(term.source)


def _count_patterns(counts: dict, positions: list[int], check) -> None:
    """Count the patterns' occurrences in every matching speech; keep every pattern's counts as a plain array."""
    for term, tally in list(counts.items()):
        if isinstance(term, q.Pattern):
            wanted = np.zeros(len(tally.counts), dtype=bool)
            wanted[positions] = True
            tally.cover(wanted, check)
            counts[term] = tally.counts


def _occurrence_counts(generation, terms: list[str], counts: dict[str, np.ndarray]) -> np.ndarray:
    """Return each speech's occurrences of the terms, reusing the counts matching gathered."""
    occurrences = np.zeros(len(generation), dtype=np.int64)
    for term in terms:
        occurrences += counts[term] if term in counts else generation.postings.counts(term)
    return occurrences


def _kwic_sort_key(generation, sort: str):
    """Return the key of a concordance order over (position, paragraph, offset, left, match, right) spots."""
    from indexer import provinces

    if sort == "left":
        return lambda spot: spot[3][::-1]  # the nearest character first, as corpus tools sort left contexts
    if sort == "match":
        return lambda spot: spot[4]
    if sort == "right":
        return lambda spot: spot[5]
    if sort == "date":
        return lambda spot: _date_key(generation, spot[0])  # newest first, undated last

    def province(spot):
        name = generation.records.value(spot[0], "province")
        return (name is None, provinces.code(name or "") or "")
    return province


def _value_ok(how: str, actual: str, value: str) -> bool:
    """Tell whether a speech's value of a field (as its column holds it) passes one filter value."""
    if value == schema.UNKNOWN or actual == schema.UNKNOWN:
        return actual == value
    if how == schema.YEAR:
        if "-" in value:
            low, high = value.split("-", 1)
            return int(low) <= int(actual) <= int(high)
        return actual == value
    if how == schema.CONTAINS:
        return value in actual
    return actual == value


def _facet_counts(columns: dict, positions: np.ndarray) -> dict:
    """Count speeches at positions per facet value, from the facet columns; unknowns under 未知."""
    counts = {}
    for facet in schema.facets():
        column = columns[facet]
        if not len(positions) or not len(column.values):
            counts[facet] = {}
            continue
        tally = np.bincount(column.numbers[positions], minlength=len(column.values))
        counts[facet] = facet_order({column.values[k]: int(n) for k, n in enumerate(tally) if n})
    return counts


def facet_order(counts: dict) -> dict:
    """Order a facet's counts as every answer gives them: most speeches first, then by value."""
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _has_near(node) -> bool:
    """Tell whether a tree holds a NEAR, which is matched paragraph by paragraph in the text."""
    if isinstance(node, q.Near):
        return True
    if isinstance(node, (q.Term, q.Pattern)):
        return False
    if isinstance(node, q.Not):
        return _has_near(node.item)
    return any(_has_near(item) for item in node.items)


def marks_by_pattern(query: str) -> bool:
    """Tell whether marking a query's terms in a text runs RE2 (a pattern term); a malformed query marks nothing.

    Phrases are marked by plain search, in time linear in the text like the rest of a page;
    a pattern's matching is a query's work (the web gives it a slot and a deadline).
    """
    if not query.strip():
        return False
    from indexer import provinces

    try:
        parsed = q.parse(query, resolve_province=provinces.resolve)
    except q.QueryError:
        return False
    return parsed.text is not None and _has_pattern(parsed.text)


def _has_pattern(node) -> bool:
    """Tell whether a tree holds a pattern, which reads texts to match."""
    if isinstance(node, q.Pattern):
        return True
    if isinstance(node, q.Term):
        return False
    if isinstance(node, q.Not):
        return _has_pattern(node.item)
    return any(_has_pattern(item) for item in (node.terms if isinstance(node, q.Near) else node.items))


def _term_spans(paragraph: str, folded: str, term, low: int = 0, high: int | None = None):
    """Yield (start, end) of each occurrence of a term starting before `high` (all when None).

    A phrase is found in the case-folded paragraph from `low` on (its offsets are those of the
    paragraph as written); a pattern's matches are chained from the paragraph's start, as they are counted.
    """
    if isinstance(term, str):
        start = folded.find(term, low)
        while start != -1 and (high is None or start < high):
            yield start, start + len(term)
            start = folded.find(term, start + len(term))
        return
    from search.patterns import compile_pattern, holds, spans

    compiled = compile_pattern(term.source)
    if not holds(compiled.requirement, folded if len(folded) == len(paragraph) else fold_case(paragraph)):
        return  # it lacks what every match holds
    for start, end in spans(compiled, paragraph):
        if high is not None and start >= high:
            return
        yield start, end


def plain_terms(terms: list) -> bool:
    """Tell whether every term is a phrase folding leaves alike (`folds_alike`: no Latin letter, no character a
    traditional form folds to): found alike in a paragraph as written and folded, a paragraph without them is skipped unfolded."""
    return all(isinstance(term, str) and folds_alike(term) for term in terms)


def folded_holding(paragraph: str, terms: list, plain: bool) -> str | None:
    """Return the paragraph case-folded, or None when plain terms (`plain_terms`) are not in it."""
    if plain:
        return paragraph if any(term in paragraph for term in terms) else None
    return fold_case(paragraph)


def _occurrences(paragraphs: list[str], terms: list):
    """Yield (paragraph number from 1, paragraph, offset, match as written) for every occurrence, in text order.

    Terms are found in the case-folded paragraph, which has the offsets of the paragraph as
    written; patterns in the paragraph as written.
    """
    plain = plain_terms(terms)
    for number, paragraph in enumerate(paragraphs, 1):
        if number % 32 == 1:
            limits.check()
        folded = folded_holding(paragraph, terms, plain)
        if folded is None:
            continue
        found = []
        for term in terms:
            for start, end in _term_spans(paragraph, folded, term):
                found.append((start, folded[start:end], end))
                if len(found) % 4096 == 0:
                    limits.check()  # a paragraph may hold a million occurrences (a hostile file)
        for offset, _, end in sorted(found):
            yield number, paragraph, offset, paragraph[offset:end]


def mark(paragraph: str, terms: list[str], start: int = 0, end: int | None = None) -> str:
    """Escape a stretch of paragraph as HTML with <mark> around exactly each occurrence."""
    end = len(paragraph) if end is None else end
    # Look only near the window: a paragraph may hold a million occurrences (a hostile file).
    longest = max((len(term) for term in terms if isinstance(term, str)), default=0)
    low, high = max(0, start - longest), min(len(paragraph), end + longest)
    window = fold_case(paragraph[:high])  # terms are case-folded, as the text is matched
    found = []
    for term in terms:
        for a, b in _term_spans(paragraph, window, term, low, high):
            if b > low:
                found.append((a, b))
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


def _positive_int(value, name: str, allow_zero: bool = False) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SearchError(f"{name} must be a whole number, not {value!r}", f"{name} 必须是整数，不能是 {value!r}") from None
    if number < (0 if allow_zero else 1) or number > 10**6:
        raise SearchError(f"{name} must be between {0 if allow_zero else 1} and 1000000, not {number}",
                          f"{name} 必须在 {0 if allow_zero else 1} 到 1000000 之间，不能是 {number}")
    return number
