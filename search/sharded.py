"""Search a sharded index: every shard a Corpus, in this process or as a Dask actor, their answers merged exactly.

The shards hold disjoint files, and the build keeps every speech that arrives twice and every
group of near-duplicate versions inside one shard (indexer/shards.py), so a shard's counts,
facets and collapsed results are exact for its files and the index's are their sums. Ranking
uses corpus-wide BM25 statistics gathered from the shards first (as Elasticsearch's
dfs_query_then_fetch does), so every shard scores a speech as one index would; the merged
order is the one index's: score then id, or date then id, or source order. Every answer equals
the one index's over the same files, index_version aside.

A shard that cannot answer (its worker was killed) gives ShardUnavailable (HTTP 503), never a
partial count; the next query reopens the shard on a live worker.
"""

import heapq
import threading
from pathlib import Path

from indexer import schema, shards
from search import query as q
from search import settings as named_settings
from search.corpus import Corpus, NoIndex, SearchError, UnknownSpeech, facet_order

EXPORT_BATCH = 500  # speeches fetched from a shard at a time while an export streams


class ShardUnavailable(SearchError):
    """A shard did not answer; no partial answer is given."""

    status = 503
    code = "shard_unavailable"


class _Local:
    """Call a shard's Corpus in this process."""

    def __init__(self, corpus: Corpus):
        self.corpus = corpus

    def call(self, method: str, *args, **kwargs):
        return getattr(self.corpus, method)(*args, **kwargs)


class ShardActor:
    """A shard's Corpus held by a Dask worker: the actor the coordinator calls."""

    def __init__(self, folder: str, generation: str, settings: dict, verify_in_background: bool = False):
        self.corpus = Corpus(folder, settings, verify_in_background=verify_in_background, generation=generation)

    def call(self, method: str, *args, **kwargs):
        result = getattr(self.corpus, method)(*args, **kwargs)
        # Generators do not cross processes: what a shard yields is sent as a list.
        return list(result) if hasattr(result, "__next__") else result


class _Remote:
    """Call a shard's Corpus through its Dask actor."""

    def __init__(self, actor):
        self.actor = actor

    def call(self, method: str, *args, **kwargs):
        return self.actor.call(method, *args, **kwargs).result()


class ShardedCorpus:
    """A sharded index folder opened for searching; picks up a rebuilt index by itself."""

    def __init__(self, index_dir="index", settings: dict | None = None, client=None, verify_in_background: bool = False):
        self.index_dir = Path(index_dir)
        self.settings = named_settings.resolve(settings)
        self.client = client
        self.verify_in_background = verify_in_background  # each shard checks its files' checksums as it opens
        self._opened: tuple[str, list, dict] | None = None  # (version, shard callers, manifest)
        self._lock = threading.Lock()

    # ---- the shards ------------------------------------------------------------------------

    def _shards(self) -> tuple[list, dict]:
        """Return the shards' callers and the manifest, opening them again when SHARDS has moved."""
        manifest = shards.read_manifest(self.index_dir)
        if manifest is None:
            raise NoIndex(f"no sharded index in {self.index_dir}: build it with `speeches index --shards N`",
                          "还没有分片索引：请运行 speeches index --shards N")
        opened = self._opened
        if opened is not None and opened[0] == manifest["index_version"]:
            return opened[1], opened[2]
        with self._lock:
            if self._opened is None or self._opened[0] != manifest["index_version"]:
                self._opened = (manifest["index_version"], self._open(manifest), manifest)
            return self._opened[1], self._opened[2]

    def _open(self, manifest: dict) -> list:
        entries = [e for e in manifest["shards"] if e["generation"]]
        if self.client is None:
            return [_Local(Corpus(self.index_dir / e["dir"], self.settings, verify_in_background=self.verify_in_background,
                                  generation=e["generation"])) for e in entries]
        try:
            futures = [self.client.submit(ShardActor, str(self.index_dir / e["dir"]), e["generation"], self.settings,
                                          self.verify_in_background, actor=True, pure=False) for e in entries]
            return [_Remote(future.result()) for future in futures]
        except Exception as error:  # a cluster that cannot start the actors
            raise ShardUnavailable(f"the shards could not be opened on the cluster ({error}); try again",
                                   "分片无法在集群上打开，请稍后再试") from None

    def _each(self, method: str, *args, **kwargs) -> list:
        """Ask every shard the same question and return their answers in shard order, all or none."""
        callers, _ = self._shards()
        try:
            if self.client is None:
                return [caller.call(method, *args, **kwargs) for caller in callers]
            futures = [caller.actor.call(method, *args, **kwargs) for caller in callers]
            return [future.result() for future in futures]
        except SearchError:
            raise
        except q.QueryError:
            raise
        except Exception as error:
            with self._lock:
                self._opened = None  # reopen the shards, on live workers, for the next query
            raise ShardUnavailable(f"a shard did not answer ({type(error).__name__}: {error}); no partial answer is "
                                   "given; try again once the cluster is whole", "有分片没有应答，为免给出不完整的结果，"
                                   "本次查询没有结果；请稍后再试") from None

    # ---- the index -------------------------------------------------------------------------

    @property
    def index_version(self) -> str:
        """Return the version of the serving sharded index: derived from its shards' versions."""
        return self._shards()[1]["index_version"]

    def manifest(self) -> dict:
        """Return how the sharded index was built, with every shard's files."""
        _, manifest = self._shards()
        files, other = {}, {}
        for part in self._each("manifest"):
            files.update(part.get("files") or {})
            other.update(part.get("other_files") or {})
        return {**manifest, "files": files, "other_files": other}

    def overview(self) -> dict:
        """Return the total and the facet counts over every speech."""
        parts = self._each("overview")
        return {"index_version": self.index_version, "total": sum(p["total"] for p in parts),
                "facets": _summed_facets([p["facets"] for p in parts])}

    def query_deadline(self):
        """Return a deadline of query_time_limit_ms from now, as one index's (the shards keep their own too)."""
        return Corpus.query_deadline(self)

    def recheck(self) -> None:
        """Raise DamagedIndex when a file of a shard opened in this process changed since it was checked.

        Shards held by a cluster's workers check their files when they open them.
        """
        opened = self._opened
        if opened is not None and self.client is None:
            for caller in opened[1]:
                caller.corpus.recheck()

    def release_memory(self) -> None:
        """Let go of the mapped index pages of the shards opened in this process."""
        opened = self._opened
        if opened is not None and self.client is None:
            for caller in opened[1]:
                caller.corpus.release_memory()

    def verify(self) -> dict:
        """Check every file of every shard against its checksum; report the damaged ones."""
        parts = self._each("verify")
        return {"index_version": self.index_version, "generation": [p["generation"] for p in parts],
                "files": sum(p["files"] for p in parts), "damaged": [d for p in parts for d in p["damaged"]]}

    def parse(self, query: str, filters: dict | None = None, require_text: bool = False) -> q.Query:
        """Parse a query and filters as one index does."""
        from indexer import provinces

        return q.parse(query, filters=filters, resolve_province=provinces.resolve, require_text=require_text)

    def marked_terms(self, query: str) -> list[str]:
        """Return the terms of a query to mark in a text."""
        return Corpus.marked_terms(self, query)

    # ---- speeches --------------------------------------------------------------------------

    def _owner(self, speech_id: str) -> int:
        """Return the shard holding a speech (or an old id of one)."""
        for number, held in enumerate(self._each("holds", speech_id)):
            if held:
                return number
        raise UnknownSpeech(f"no speech has the id {speech_id!r}; `speeches list` shows every id",
                            f"没有编号为 {speech_id} 的讲话")

    def _ask(self, number: int, method: str, *args, **kwargs):
        callers, _ = self._shards()
        try:
            return callers[number].call(method, *args, **kwargs)
        except (SearchError, q.QueryError):
            raise
        except Exception as error:
            with self._lock:
                self._opened = None
            raise ShardUnavailable(f"a shard did not answer ({type(error).__name__}); try again",
                                   "有分片没有应答，请稍后再试") from None

    def resolve_id(self, speech_id: str) -> str:
        return self._ask(self._owner(speech_id), "resolve_id", speech_id)

    def speech(self, speech_id: str, with_text: bool = True) -> dict:
        return self._ask(self._owner(speech_id), "speech", speech_id, with_text)

    def raw(self, speech_id: str) -> str:
        return self._ask(self._owner(speech_id), "raw", speech_id)

    def speeches(self) -> list[dict]:
        """Return every speech's fields, in source order across shards."""
        return list(heapq.merge(*self._each("speeches"), key=_source_key))

    # ---- results ---------------------------------------------------------------------------

    def _stats(self, query: str) -> dict:
        """Gather the corpus-wide BM25 statistics of a query's words from every shard."""
        parts = self._each("ranking_stats", query)
        df: dict[str, int] = {}
        for part in parts:
            for word, count in part["df"].items():
                df[word] = df.get(word, 0) + count
        return {"speeches": sum(p["speeches"] for p in parts), "length": sum(p["length"] for p in parts), "df": df}

    def search(self, query: str, filters: dict | None = None, sort: str = "relevance", page: int = 1,
               page_size: int | None = None, collapse: bool = False, facets: bool = True) -> dict:
        """Return one page of ranked speeches, merged from every shard's best, with summed totals and facets."""
        parsed = self.parse(query, filters)
        size = Corpus._page_size(self, page_size)
        page = Corpus.check_page(page)
        stats = self._stats(query)
        parts = self._each("search_part", query, filters, sort, page * size, collapse, facets, stats)
        merged = list(heapq.merge(*[p["hits"] for p in parts], key=lambda hit: hit["_key"]))
        hits = [{k: v for k, v in hit.items() if k != "_key"} for hit in merged[(page - 1) * size : page * size]]
        return {
            "query": query, "filters": parsed.filters, "index_version": self.index_version, "sort": sort,
            "total": sum(p["total"] for p in parts), "occurrences": sum(p["occurrences"] for p in parts),
            "page": page, "page_size": size,
            "facets": _summed_facets([p["facets"] for p in parts]) if facets else None,
            "hits": hits, "parsed": q.describe(parsed), "suggestions": self.suggestions(query, parsed.filters, collapse),
        }

    def suggestions(self, query: str, filters: dict | None = None, collapse: bool = False) -> list[dict]:
        """Return what the user may have meant, each with the speeches it finds in every shard."""
        offered = []
        for candidate, unmatched in q.suggestions(query):
            if unmatched is not None and any(self._each("finds", unmatched)):
                continue
            try:
                self.parse(candidate, filters)
            except q.QueryError:
                continue
            total = sum(self._each("count", candidate, filters, collapse))
            if total:
                offered.append({"query": candidate, "total": total})
        return offered

    def count(self, query: str, filters: dict | None = None, collapse: bool = False) -> int:
        return sum(self._each("count", query, filters, collapse))

    def finds(self, term: str) -> bool:
        return any(self._each("finds", term))

    def _ordered_hits(self, query: str, filters: dict | None, sort: str, collapse: bool):
        """Yield every matching speech in the one index's order, fetched from the shards a batch at a time."""
        stats = self._stats(query)
        keys = self._each("ranked_keys", query, filters, sort, collapse, stats)
        merged = heapq.merge(*[[(key, number, speech_id) for key, speech_id in part] for number, part in enumerate(keys)])
        batch: list[tuple[int, str]] = []
        for _, number, speech_id in merged:
            batch.append((number, speech_id))
            if len(batch) == EXPORT_BATCH:
                yield from self._fetch(batch, query, filters, sort, collapse, stats)
                batch = []
        if batch:
            yield from self._fetch(batch, query, filters, sort, collapse, stats)

    def _fetch(self, batch, query, filters, sort, collapse, stats):
        wanted: dict[int, list[str]] = {}
        for number, speech_id in batch:
            wanted.setdefault(number, []).append(speech_id)
        found = {}
        for number, ids in wanted.items():
            for hit in self._ask(number, "hits_of", query, filters, sort, collapse, stats, ids):
                found[hit["id"]] = hit
        return [found[speech_id] for _, speech_id in batch]

    def hits(self, query: str, filters: dict | None = None, sort: str = "relevance", collapse: bool = False):
        """Yield every matching speech in result order, without snippets."""
        if sort not in ("relevance", "date"):
            raise SearchError(f"unknown sort {sort!r}; use relevance or date",
                              f"没有“{sort}”这种排序；请用 relevance（相关度）或 date（日期）")
        self.parse(query, filters)
        return self._ordered_hits(query, filters, sort, collapse)

    def speech_list(self, query: str = "", filters: dict | None = None, sort: str = "relevance",
                    collapse: bool = False) -> dict:
        """Return every matching speech (every speech when nothing is asked), `hits` an iterator."""
        if not query.strip() and not filters:
            return {"query": query, "filters": {}, "index_version": self.index_version, "total": self.overview()["total"],
                    "hits": iter(self.speeches())}
        parsed = self.parse(query, filters)
        return {"query": query, "filters": parsed.filters, "index_version": self.index_version,
                "total": self.count(query, filters, collapse), "hits": self.hits(query, filters, sort, collapse)}

    def facets(self, query: str, filters: dict | None = None, collapse: bool = False) -> dict:
        return _summed_facets(self._each("facets", query, filters, collapse))

    def year_series(self, query: str, filters: dict | None = None) -> dict:
        parts = self._each("year_series", query, filters)
        by_source: dict[str, dict[str, int]] = {}
        for part in parts:
            for year, split in part["by_source"].items():
                mine = by_source.setdefault(year, {})
                for source, n in split.items():
                    mine[source] = mine.get(source, 0) + n
        return {"counts": _summed_counts([p["counts"] for p in parts]), "by_source": by_source,
                "totals": _summed_counts([p["totals"] for p in parts])}

    def compare(self, terms: list[str], by="year", filters: dict | None = None, collapse: bool = False) -> dict:
        """Add the shards' comparisons up, bucket by bucket, and lay them out in key order."""
        from search import compare as measures

        parts = self._each("compare", list(terms), by, filters, collapse)
        first = parts[0]
        rows: dict[tuple, dict] = {}
        for part in parts:
            for bucket in part["buckets"]:
                key = tuple(bucket["key"][f] for f in first["by"])
                row = rows.setdefault(key, {"speeches": 0, "chars": 0, "series": {t: [0, 0] for t in first["terms"]}})
                row["speeches"] += bucket["speeches"]
                row["chars"] += bucket["chars"]
                for term, series in bucket["series"].items():
                    row["series"][term][0] += series["occurrences"]
                    row["series"][term][1] += series["speeches"]
        keys = sorted(rows, key=lambda key: tuple(measures.bucket_order(f, v) for f, v in zip(first["by"], key)))
        buckets = []
        for key in keys:
            row = rows[key]
            buckets.append({"key": dict(zip(first["by"], key)), "speeches": row["speeches"], "chars": row["chars"],
                            "series": {term: measures.series(found, holding, row["speeches"], row["chars"])
                                       for term, (found, holding) in row["series"].items()}})
        return {**first, "index_version": self.index_version, "buckets": buckets,
                "totals": measures.series_totals(buckets, first["terms"])}

    def kwic_rows(self, query: str, filters: dict | None = None, width: int | None = None,
                  sort: str | None = None) -> dict:
        """Return the concordance as `kwic` does, `rows` an iterator over the merged rows (for exports)."""
        result = self._merged_kwic(query, filters, width, sort)
        result["rows"] = iter(result["rows"])
        return result

    def _merged_kwic(self, query: str, filters: dict | None, width: int | None, sort: str | None) -> dict:
        parts = self._each("kwic_part", query, filters, width, sort)
        rows = [{k: v for k, v in row.items() if k != "_key"}
                for row in heapq.merge(*[p["rows"] for p in parts], key=lambda row: row["_key"])]
        return {**parts[0]["result"], "index_version": self.index_version, "total": len(rows), "rows": rows}

    def kwic(self, query: str, filters: dict | None = None, width: int | None = None, page: int | None = None,
             page_size: int | None = None, sort: str | None = None) -> dict:
        """Return the concordance in the one index's order, every shard's rows merged."""
        result = self._merged_kwic(query, filters, width, sort)
        rows = result.pop("rows")
        if page is None:
            return {**result, "rows": rows}
        page = Corpus.check_page(page)
        size = Corpus._kwic_page_size(self, page_size)
        return {**result, "rows": rows[(page - 1) * size : page * size], "page": page, "page_size": size,
                "pages": max(1, -(-len(rows) // size))}

    # ---- forms, collocates, keywords: every shard's sums, merged (search/analysis.py) -------------

    def _analysis_parts(self):
        from search.analysis import Parts

        return Parts(lambda name, *args: self._each("analysis_part", name, *args), len(self._shards()[0]))

    def forms(self, query: str, filters: dict | None = None, sort: str = "occurrences", min_freq: int = 1,
              limit: int | None = 200) -> dict:
        """Return the forms the query's terms matched, the shards' counts added up."""
        from search import analysis

        return analysis.forms(self, query, filters, sort=sort, min_freq=min_freq, limit=limit,
                              parts=self._analysis_parts())

    def collocates(self, query: str, filters: dict | None = None, window: int | None = None, unit: str = "word",
                   min_freq: int = 3, punctuation: bool = False, numbers: bool = True, sort: str = "g2",
                   limit: int | None = 200) -> dict:
        """Return the collocates of the query, the shards' window and corpus counts added up."""
        from search import analysis

        return analysis.collocates(self, query, filters, window=window, unit=unit, min_freq=min_freq,
                                   punctuation=punctuation, numbers=numbers, sort=sort, limit=limit,
                                   parts=self._analysis_parts())

    def keywords(self, query: str = "", filters: dict | None = None, against: dict | None = None, unit: str = "word",
                 min_freq: int = 5, punctuation: bool = False, numbers: bool = True, sort: str = "g2",
                 limit: int | None = 200) -> dict:
        """Return the keywords of a target, the shards' counts on both sides added up."""
        from search import analysis

        return analysis.keywords(self, query, filters, against=against, unit=unit, min_freq=min_freq,
                                 punctuation=punctuation, numbers=numbers, sort=sort, limit=limit,
                                 parts=self._analysis_parts())

    def cite(self, query, filters: dict | None = None, collapse: bool = False, by: str | None = None,
             client: str | None = None) -> dict:
        from search import snapshots

        return snapshots.take(self, query, filters, collapse, by, client)

    def snapshot(self, snapshot_id: str) -> dict:
        from search import snapshots

        return snapshots.show(self, snapshot_id)


def _source_key(speech: dict) -> tuple:
    """Order speeches as one index stores them: by file path, then by their place in the file."""
    return (speech["source"].split("#row=")[0], speech["ordinal"])


def _summed_counts(parts: list[dict]) -> dict:
    total: dict = {}
    for part in parts:
        for value, n in part.items():
            total[value] = total.get(value, 0) + n
    return total


def _summed_facets(parts: list[dict]) -> dict:
    """Add facet counts up, each facet's values in the one index's order."""
    return {facet: facet_order(_summed_counts([p.get(facet, {}) for p in parts])) for facet in schema.facets()}
