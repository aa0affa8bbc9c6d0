"""One index folder opened in this process: its serving generation, and the parts of every answer it gives.

`search.Corpus` is the API; it asks each part of the index (one `Index`, or one per shard of a
sharded index, search/parts.py) for its share of an answer and merges them. Every method here
answers for the speeches of this one generation: counts and facets are sums a merge adds up,
hits and rows carry the key a merge orders them by.
"""

import functools
import threading
from pathlib import Path

import numpy as np

from indexer import generations, integrity, schema, store
from search import facets as facet_counts
from search import limits, matching, ranking, snippets
from search import query as q
from search import settings as named_settings
from search.errors import DamagedIndex, NoIndex, OlderIndex, QueryTooBroad, UnknownSpeech, positive_int


def query_deadline(settings: dict) -> limits.Deadline:
    """Return a deadline of query_time_limit_ms from now, whose expiry is QueryTooBroad."""
    limit = settings["query_time_limit_ms"]
    return limits.Deadline(limit / 1000, lambda: QueryTooBroad(
        f"the query took longer than {limit} ms; "
        "narrow it with a longer phrase or a filter such as province: or year:",
        f"查询超过了 {limit} 毫秒的时限，没有给出不完整的结果；请用更长的词组，或加上省份、年份等筛选"))


def reported(error: integrity.StoreError):
    """Return the SearchError that tells the user of a generation's files: older, or damaged."""
    return OlderIndex(error) if isinstance(error, integrity.OlderIndex) else DamagedIndex(error)


def limited(method):
    """Run a method under the active deadline, or one of query_time_limit_ms; report a damaged or older index as such."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            if limits.active() is not None:
                return method(self, *args, **kwargs)
            with limits.within(query_deadline(self.settings)):
                return method(self, *args, **kwargs)
        except integrity.StoreError as error:
            raise reported(error) from None
    return wrapper


def guarded(rows):
    """Yield rows, reporting a damaged index found while reading them as such."""
    try:
        yield from rows
    except integrity.StoreError as error:
        raise reported(error) from None


class Index:
    """An index folder opened for searching; picks up a rebuilt generation by itself."""

    def __init__(self, index_dir="index", settings: dict | None = None, verify_in_background: bool = False,
                 generation: str | None = None):
        self.index_dir = Path(index_dir)
        self.settings = named_settings.resolve(settings)
        self.pinned = generation  # a shard of a sharded index serves the generation its manifest names
        self._generation: store.Generation | None = None
        self._lock = threading.Lock()
        # A server checks every file of each generation it opens against its checksums, while it serves.
        self.verify_in_background = verify_in_background

    # ---- the generation ------------------------------------------------------------------

    def _name(self) -> str | None:
        return self.pinned or generations.current_name(self.index_dir)

    def generation(self) -> store.Generation:
        """Return the serving generation, loading it again when CURRENT has moved."""
        name = self._name()
        if name is None:
            raise NoIndex(f"no index in {self.index_dir}: build it with `speeches index --index {self.index_dir}`",
                          "还没有索引：请先运行 speeches index 建立索引")
        loaded = self._generation
        if loaded is None or loaded.path.name != name:
            with self._lock:
                if self._generation is None or self._generation.path.name != name:
                    try:
                        self._generation = store.open_generation(self.index_dir / name)
                    except integrity.StoreError as error:
                        raise reported(error) from None
                    if self.verify_in_background:
                        threading.Thread(target=self._generation.verify, daemon=True, name=f"verify {name}").start()
                loaded = self._generation
        if loaded.damage:
            raise DamagedIndex(loaded.damage[0])
        return loaded

    @property
    def index_version(self) -> str:
        """Return the version of the serving generation."""
        return self.generation().version

    def manifest(self) -> dict:
        """Return how the serving generation was built."""
        return self.generation().manifest

    def recheck(self) -> None:
        """Raise DamagedIndex when a file of the opened generation changed since it was checked (stat, then its checksum).

        A server asks before each request: the texts and postings are mapped into memory, so a
        file damaged while it serves would otherwise answer with its new bytes.
        """
        loaded = self._generation
        if loaded is None or loaded.path.name != self._name():
            return  # nothing opened yet, or a rebuild moved CURRENT on: the next answer opens the new generation
        if loaded.recheck():
            raise DamagedIndex(loaded.damage[0])

    def release_memory(self) -> None:
        """Let go of the mapped index pages this process touched (a server does when it has gone idle)."""
        if self._generation is not None:
            self._generation.release_pages()

    def verify(self) -> dict:
        """Check every file of the serving generation against the size and checksum its manifest records."""
        name = self._name()
        if name is None:
            self.generation()  # raises NoIndex
        problems = integrity.verify_generation(self.index_dir / name)
        loaded = self._generation
        if problems and loaded is not None and loaded.path.name == name:
            loaded.record_damage(problems)
        manifest = store.read_manifest(self.index_dir / name)
        return {"index_version": manifest.get("index_version"), "generation": str(self.index_dir / name),
                "files": len(manifest.get("checksums") or {}),
                "damaged": [{"file": p.file, "problem": p.problem, "error": str(p)} for p in problems]}

    # ---- speeches ------------------------------------------------------------------------

    def _position(self, generation, speech_id: str) -> int:
        if speech_id in generation.by_id:
            return generation.by_id[speech_id]
        if speech_id in generation.aliases:
            return generation.by_id[generation.aliases[speech_id]]
        raise UnknownSpeech(speech_id)

    @limited
    def holds(self, speech_id: str) -> bool:
        """Tell whether this index holds a speech, or an old id of one."""
        generation = self.generation()
        return speech_id in generation.by_id or speech_id in generation.aliases

    @limited
    def resolve_id(self, speech_id: str) -> str:
        """Return the current id of a speech, following the alias of an id a rebuild changed."""
        generation = self.generation()
        return generation.records.value(self._position(generation, speech_id), "id")

    @limited
    def speech(self, speech_id: str, with_text: bool) -> dict:
        """Return one speech's fields, with its text if asked."""
        generation = self.generation()
        index = self._position(generation, speech_id)
        record = generation.records.pick(index, schema.speech_fields())
        if with_text:
            record["text"] = generation.text(index)
        return record

    @limited
    def raw(self, speech_id: str) -> str:
        """Return the original, uncleaned text of a speech's source span."""
        generation = self.generation()
        return generation.raw(self._position(generation, speech_id))

    def records(self):
        """Yield every speech's fields in source order, under the deadline active while they are read."""
        generation = self.generation()

        def every():
            for index in range(len(generation)):
                if index % 256 == 0:
                    limits.check()
                yield generation.records.pick(index, schema.speech_fields())
        return guarded(every())

    @limited
    def size(self) -> int:
        """Return how many speeches this index holds."""
        return len(self.generation())

    @limited
    def overview(self) -> dict:
        """Return this index's total and facet counts over every speech."""
        generation = self.generation()
        return {"total": len(generation), "facets": facet_counts.counts(generation.columns, np.arange(len(generation)))}

    # ---- matching ------------------------------------------------------------------------

    def _matched(self, query: str, filters: dict | None, collapse: bool, require_text: bool = False):
        parsed = matching.parse(query, filters, require_text)
        generation = self.generation()
        matched, counts = matching.matching(generation, parsed)
        if collapse:
            matched, _ = matching.collapse(generation, matched)
        return generation, parsed, matched, counts

    @limited
    def count(self, query: str, filters: dict | None, collapse: bool) -> int:
        """Return how many speeches a query matches."""
        return len(self._matched(query, filters, collapse)[2])

    @limited
    def finds(self, term: str) -> bool:
        """Tell whether a phrase occurs anywhere in the index."""
        return bool(self.generation().postings.counts(term).any())

    @limited
    def facets(self, query: str, filters: dict | None, collapse: bool) -> dict:
        """Return exact facet counts over every speech the query matches."""
        generation, _, matched, _ = self._matched(query, filters, collapse)
        return facet_counts.counts(generation.columns, np.array(matched, dtype=np.int64))

    @limited
    def years(self, query: str, filters: dict | None) -> dict:
        """Return the matching speeches per year, split by date_source."""
        generation, _, matched, _ = self._matched(query, filters, False)
        return facet_counts.years_by_source(generation.columns, matched)

    @limited
    def stats(self, query: str) -> dict:
        """Return BM25's statistics for a query's words: speeches, their total length, each word's speeches."""
        return ranking.stats(self.generation(), matching.terms(matching.parse(query)) if query.strip() else [])

    # ---- results -------------------------------------------------------------------------

    def _ranked(self, query: str, filters: dict | None, sort: str, collapse: bool, stats: dict | None):
        return ranking.rank(self.generation(), matching.parse(query, filters), sort, collapse, stats)

    def _hit(self, ranked: ranking.Ranked, index: int, score: float, with_snippets: bool) -> dict:
        record = ranked.generation.records.pick(index, schema.speech_fields())
        record.update(score=round(score, 4), occurrences=int(ranked.occurrences[index]),
                      folded=ranked.folded.get(index, 0))
        if with_snippets:
            record["snippets"] = snippets.snippets(ranked.generation.text(index).split("\n"), ranked.terms,
                                                   self.settings["kwic_width"] * 2, self.settings["snippets_per_hit"])
        record["_key"] = ranked.merge_key(index, score)
        return record

    @limited
    def search(self, query: str, filters: dict | None, sort: str, top: int, collapse: bool, facets: bool,
               stats: dict | None, chart: bool = False) -> dict:
        """Return this index's part of a search: totals, facets and its best `top` hits, each with its merge key.

        With `chart`, also what the search page draws from the same match: the matching
        speeches per year (by date_source) beside every speech's passing the filters, and
        the query's counts per province (a comparison's buckets).
        """
        ranked = self._ranked(query, filters, sort, collapse, stats)
        kept = ranked.matched
        hits = []
        for index, score in ranked.top(top):
            limits.check()
            hits.append(self._hit(ranked, index, score, with_snippets=True))
        part = {"total": len(ranked), "occurrences": int(ranked.occurrences[kept].sum()),
                "facets": facet_counts.counts(ranked.generation.columns, kept) if facets else None, "hits": hits,
                "parsed": q.describe(ranked.parsed), "filters": ranked.parsed.filters}
        if chart:
            generation, columns = ranked.generation, ranked.generation.columns
            passing = self._base(generation, filters, False)
            base = matching.collapse(generation, passing.tolist())[0] if collapse else passing
            matched = {query: (kept, ranked.occurrences[kept])}
            part["chart"] = {"by_source": facet_counts.years_by_source(columns, ranked.every),
                             "totals": facet_counts.counts(columns, passing)["year"] if "year" in schema.facets() else {},
                             "provinces": self._buckets(generation, ["province"], np.array(base, dtype=np.int64), matched)}
        return part

    @limited
    def hits(self, query: str, filters: dict | None, sort: str, collapse: bool, stats: dict | None) -> dict:
        """Return {total, hits}: every matching speech in result order, without snippets, `hits` read lazily.

        Matching and ranking happen now, under the query time limit; the speeches are read as
        they are yielded, under the deadline active then (an export's own).
        """
        ranked = self._ranked(query, filters, sort, collapse, stats)

        def every():
            for count, (index, score) in enumerate(ranked.top()):
                if count % 256 == 0:
                    limits.check()
                yield self._hit(ranked, index, score, with_snippets=False)
        return {"total": len(ranked), "filters": ranked.parsed.filters, "hits": guarded(every())}

    @limited
    def ranked_keys(self, query: str, filters: dict | None, sort: str, collapse: bool, stats: dict | None) -> list:
        """Return (merge key, id) of every matching speech, in result order."""
        ranked = self._ranked(query, filters, sort, collapse, stats)
        return [(ranked.merge_key(index, score), ranked.generation.records.value(index, "id"))
                for index, score in ranked.top()]

    @limited
    def hits_of(self, query: str, filters: dict | None, sort: str, collapse: bool, stats: dict | None,
                ids: list[str]) -> list:
        """Return the hits (without snippets) of the given matching speeches."""
        ranked = self._ranked(query, filters, sort, collapse, stats)
        wanted = {ranked.generation.by_id[i] for i in ids}
        return [self._hit(ranked, index, score, with_snippets=False) for index, score in ranked.top() if index in wanted]

    @limited
    def compare(self, terms: list[str], by: list[str], filters: dict | None, collapse: bool) -> dict:
        """Count each term per bucket of the by-fields in this index, beside each bucket's speeches and characters."""
        generation = self.generation()
        base = self._base(generation, filters, collapse)
        matched, parsed = {}, {}
        for term in terms:
            _, parsed[term], found, counts = self._matched(term, filters, collapse)
            found = np.array(found, dtype=np.int64)
            matched[term] = (found, matching.occurrence_counts(generation, matching.terms(parsed[term]), counts)[found])
        return {"filters": matching.parse("", filters).filters if filters else {},
                "buckets": self._buckets(generation, by, base, matched),
                "parsed": {term: q.describe(parsed[term]) for term in terms}}

    def _base(self, generation, filters: dict | None, collapse: bool) -> np.ndarray:
        """Return the positions of the speeches passing the filters (representatives only, collapsed)."""
        base = self._matched("", filters, collapse)[2] if filters else (
            matching.collapse(generation, list(range(len(generation))))[0] if collapse else list(range(len(generation))))
        return np.array(base, dtype=np.int64)

    @staticmethod
    def _buckets(generation, by: list[str], base: np.ndarray, matched: dict) -> list[dict]:
        """Lay out the buckets of the by-fields: the base speeches' denominators, each term's (found, occurrences)."""
        from search import compare as measures

        columns = generation.columns
        codes = measures.bucket_codes(columns, by)
        present = np.unique(np.concatenate([codes[base]] + [codes[found] for found, _ in matched.values()]))
        keys, place = measures.order_buckets(columns, by, present)

        def bucket(positions: np.ndarray) -> np.ndarray:
            return place[np.searchsorted(present, codes[positions])]

        series = {term: (bucket(found), occurrences) for term, (found, occurrences) in matched.items()}
        return measures.tally(by, keys, bucket(base), generation.chars[base], series)

    @limited
    def kwic(self, query: str, filters: dict | None, width: int, sort: str | None, skip: int, keyed: bool) -> dict:
        """Return this index's concordance: {total, parsed, filters, rows}, `rows` found lazily as they are read.

        In source order, `skip` rows are passed over whole speeches at a time, by their counts,
        without reading their texts; `keyed` rows carry their merge key.
        """
        generation, parsed, matched, counts = self._matched(query, filters, False, require_text=True)
        found = matching.terms(parsed)
        per_speech = matching.occurrence_counts(generation, found, counts)
        total = int(per_speech[np.array(matched, dtype=np.int64)].sum())
        passed = 0
        if skip and sort in (None, "source"):
            for at, index in enumerate(matched):
                if at % 1024 == 0:
                    limits.check()
                if passed + per_speech[index] > skip:
                    break
                passed += int(per_speech[index])
            else:
                at = len(matched)
            matched = matched[at:]
        rows = snippets.kwic_rows(generation, matched, found, width, sort, self.settings["base_url"], keyed)
        return {"total": total, "parsed": q.describe(parsed), "filters": parsed.filters, "skipped": passed,
                "rows": guarded(rows)}

    # ---- similar speeches, and the research tools (search/analysis.py) -------------------

    @limited
    def similar_words(self, speech_id: str) -> list[str]:
        """Return the key words of a speech, from which its similar speeches are found."""
        generation = self.generation()
        return generation.similarity().words(generation.records.value(self._position(generation, speech_id), "id"))

    @limited
    def word_statistics(self, words: list[str]) -> dict:
        """Return this index's statistics of the key words (search.Corpus sums every part's)."""
        return self.generation().similarity().statistics(words)

    @limited
    def similar(self, terms: list, top: int, leave_out: str, stats: dict) -> list[dict]:
        """Return the `top` speeches that best hold the key words, each with its fields and score, `leave_out` left out."""
        generation = self.generation()
        found = []
        for speech_id, score in generation.similarity().search([tuple(t) for t in terms], top, leave_out, stats):
            found.append(dict(generation.records.pick(generation.by_id[speech_id], schema.speech_fields()), score=score))
        return found

    @limited
    def analysis(self, name: str, *args):
        """Compute one part of a forms, collocates or keywords answer on this index."""
        from search import analysis

        return analysis.part(self, name, *args)


def sized_page(settings: dict, given, setting: str = "page_size") -> int:
    """Return a page size: the one given (a whole number from 1), else the setting, at most max_page_size."""
    size = settings[setting] if given is None else positive_int(given, "page size")
    return min(size, settings["max_page_size"])
