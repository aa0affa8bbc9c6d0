"""The engines under benchmark: ours, SQLite FTS5 trigram, and Whoosh + jieba's ChineseAnalyzer.

Each engine builds an index from the generated corpus (in a child process, so its memory is
its own) and opens it for searching. A searcher answers a query spec three ways:
`run` is what is timed (total, facets, 20 ranked hits with snippets), `matches` returns the
speeches (and occurrence counts, when the engine gives them) to judge exactness, and
`texts` returns the texts the engine was given, which the reference scan searches.

    python -m bench.peers build ENGINE CORPUS_DIR META_DIR INDEX_DIR RESULT_JSON [--jobs N] [--progress F]
"""

import argparse
import inspect
import json
import sqlite3
import sys
import time
from pathlib import Path

ENGINES = ("ours", "fts5", "whoosh_jieba")
FACETS = ("province", "year", "speaker", "level")
PAGE = 20


def read_corpus(corpus: Path, meta_dir: Path) -> list[dict]:
    """Return each generated speech as {file, text, province, year, speaker, level}."""
    from bench.generate import load_meta

    rows = []
    for speech in load_meta(meta_dir):
        text = (Path(corpus) / speech.file).read_text(encoding="utf-8")
        rows.append({"file": speech.file, "text": text, "province": speech.province,
                     "year": str(speech.year), "speaker": speech.speaker,
                     "level": "县" if speech.county else "市"})
    return rows


# ---- ours ------------------------------------------------------------------------------------


def _instrument_stages(progress: Path | None) -> dict[str, float]:
    """Time build_index's stages where the library exposes them, saving each as it ends.

    The stages are wrapped by name, so a renamed or removed one just goes untimed; each
    finished stage is written to `progress` at once, so a build stopped by a timeout still
    tells where its time went. Reading, splitting, describing and segmenting the files is
    what the build spends outside these stages.
    """
    from indexer import build, fields, postings

    stages: dict[str, float] = {}
    for owner, name, label in ((build, "near_duplicate_groups", "near_duplicate_groups"),
                               (postings, "write_pairs", "write_pairs"),
                               (getattr(postings, "WordPostingsWriter", None), "write", "write_words"),
                               (fields, "key_words", "key_words"), (fields, "write_fields", "write_fields"),
                               (build, "_write_generation", "_write_generation")):
        original = getattr(owner, name, None)
        if original is None:
            continue

        def timed(*args, _original=original, _name=label, **kwargs):
            started = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                stages[_name] = round(stages.get(_name, 0.0) + time.perf_counter() - started, 3)
                if progress is not None:
                    progress.write_text(json.dumps({"stages": stages}), encoding="utf-8")

        setattr(owner, name, timed)
    return stages


def build_ours(corpus: Path, meta_dir: Path, index: Path, jobs: int = 2, progress: Path | None = None) -> dict:
    """Build our index from scratch with build_index, timing its stages."""
    from indexer import build

    stages = _instrument_stages(progress)
    started = time.perf_counter()
    summary = build.build_index(Path(corpus), Path(index), jobs=jobs)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "stages": stages, "speeches": summary.speeches, "skipped": len(summary.skipped)}


def incremental_available() -> bool:
    """Tell whether build_index rebuilds only changed files (it then takes `full=`)."""
    from indexer.build import build_index

    return "full" in inspect.signature(build_index).parameters


def reindex_ours(corpus: Path, meta_dir: Path, index: Path, jobs: int = 2, progress: Path | None = None) -> dict:
    """Re-run build_index on an existing index, incrementally, timing its stages."""
    from indexer import build

    stages = _instrument_stages(progress)
    started = time.perf_counter()
    summary = build.build_index(Path(corpus), Path(index), jobs=jobs)
    return {"seconds": time.perf_counter() - started, "stages": stages, "speeches": summary.speeches,
            "reused": getattr(summary, "reused", None)}


class OursSearcher:
    """Our library, queried as the web app queries it."""

    name = "ours"

    def __init__(self, index: Path):
        from search import Corpus, settings

        # Timings must not come from a result cache: switch off any setting that names one.
        self.disabled_caches = {k: 0 for k in settings.defaults() if "cache" in k}
        self.corpus = Corpus(index, self.disabled_caches)
        self.corpus.generation()

    @staticmethod
    def query_string(spec: dict) -> str:
        """Quote each term so the query language reads it literally."""
        return " ".join('"' + t.replace("\\", "\\\\").replace('"', '\\"') + '"' for t in spec["terms"])

    @staticmethod
    def filters(spec: dict) -> dict | None:
        return {k: (v,) for k, v in spec["filters"].items()} if spec.get("filters") else None

    def run(self, spec: dict) -> dict:
        """Return total, facets and 20 ranked hits with snippets."""
        result = self.corpus.search(self.query_string(spec), self.filters(spec), page_size=PAGE)
        return {"total": result["total"], "hits": len(result["hits"]),
                "snippets": sum(len(h["snippets"]) for h in result["hits"]), "facets": result["facets"]}

    def matches(self, spec: dict) -> tuple[dict[str, int], dict]:
        """Return {speech id: occurrences} of every matching speech (as an export lists them), and the search's counts.

        From the speech list, not the concordance: a one-character term has tens of millions of
        concordance lines at 100,000 speeches, and the list's counts are the same numbers.
        """
        query, filters = self.query_string(spec), self.filters(spec)
        counts = {hit["id"]: hit["occurrences"] for hit in self.corpus.hits(query, filters)}
        result = self.corpus.search(query, filters, page_size=PAGE)
        return counts, {"total": result["total"], "occurrences": result["occurrences"]}

    def texts(self) -> list[dict]:
        """Return the cleaned texts the index stores, with the metadata it read."""
        rows = []
        for speech in self.corpus.speeches():
            rows.append({"id": speech["id"], "file": speech["source"],
                         "text": self.corpus.speech(speech["id"])["text"],
                         "province": speech["province"],
                         "year": None if speech["year"] is None else str(speech["year"]),
                         "speaker": speech["speaker"], "level": speech["level"]})
        return rows

    def close(self) -> None:
        pass


# ---- SQLite FTS5 trigram ---------------------------------------------------------------------


def build_fts5(corpus: Path, meta_dir: Path, index: Path, jobs: int = 1, progress: Path | None = None) -> dict:
    """One row per speech, metadata UNINDEXED, bulk insert in one transaction, then optimize."""
    started = time.perf_counter()
    rows = read_corpus(corpus, meta_dir)
    Path(index).mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(Path(index) / "fts5.db")
    db.execute("CREATE VIRTUAL TABLE speeches USING fts5(body, file UNINDEXED, province UNINDEXED, "
               "year UNINDEXED, speaker UNINDEXED, level UNINDEXED, tokenize='trigram')")
    with db:
        db.executemany("INSERT INTO speeches VALUES (?, ?, ?, ?, ?, ?)",
                       ((r["text"], r["file"], r["province"], r["year"], r["speaker"], r["level"]) for r in rows))
    with db:
        db.execute("INSERT INTO speeches(speeches) VALUES('optimize')")
    db.close()
    return {"seconds": time.perf_counter() - started, "speeches": len(rows)}


class Fts5Searcher:
    """SQLite FTS5 with the trigram tokenizer: exact from three characters up."""

    name = "fts5"

    def __init__(self, index: Path, corpus: Path, meta_dir: Path):
        self.db = sqlite3.connect(Path(index) / "fts5.db", check_same_thread=False)
        self.corpus, self.meta_dir = corpus, meta_dir

    @staticmethod
    def where(spec: dict) -> tuple[str, list]:
        """Return the WHERE clause and its parameters: MATCH of quoted phrases, then filters."""
        match = " AND ".join('"' + t.replace('"', '""') + '"' for t in spec["terms"])
        clause, params = "speeches MATCH ?", [match]
        for field, value in (spec.get("filters") or {}).items():
            clause += f" AND {field} = ?"
            params.append(value)
        return clause, params

    def run(self, spec: dict) -> dict:
        """Return total, facets by GROUP BY over the matches, and 20 ranked hits with snippet()."""
        clause, params = self.where(spec)
        hits = self.db.execute(
            f"SELECT file, snippet(speeches, 0, '<mark>', '</mark>', '…', 32) FROM speeches "
            f"WHERE {clause} ORDER BY rank LIMIT {PAGE}", params).fetchall()
        # One pass over the matches, materialised, then one GROUP BY per facet.
        union = " UNION ALL ".join(f"SELECT '{f}', {f}, count(*) FROM m GROUP BY {f}" for f in FACETS)
        facets: dict[str, dict] = {f: {} for f in FACETS}
        for facet, value, count in self.db.execute(
                f"WITH m AS MATERIALIZED (SELECT {', '.join(FACETS)} FROM speeches WHERE {clause}) {union}", params):
            facets[facet][value] = count
        return {"total": sum(facets["province"].values()), "hits": len(hits), "snippets": len(hits), "facets": facets}

    def run_findings_shape(self, spec: dict) -> int:
        """Answer the query FINDINGS.md timed: top 10 with snippets, province and year counts."""
        clause, params = self.where(spec)
        self.db.execute(f"SELECT file, snippet(speeches, 0, '<mark>', '</mark>', '…', 32) FROM speeches "
                        f"WHERE {clause} ORDER BY rank LIMIT 10", params).fetchall()
        total = 0
        for field in ("province", "year"):
            counts = self.db.execute(f"SELECT {field}, count(*) FROM speeches WHERE {clause} GROUP BY {field}",
                                     params).fetchall()
            total = sum(c for _, c in counts)
        return total

    def matches(self, spec: dict) -> tuple[dict[str, int], dict]:
        """Return the files the MATCH finds (FTS5 gives no occurrence counts)."""
        clause, params = self.where(spec)
        return {row[0]: None for row in self.db.execute(f"SELECT file FROM speeches WHERE {clause}", params)}, {}

    def texts(self) -> list[dict]:
        """Return the texts FTS5 was given: the generated files as they are."""
        return [dict(row, id=row["file"]) for row in read_corpus(self.corpus, self.meta_dir)]

    def close(self) -> None:
        self.db.close()


# ---- Whoosh + jieba ChineseAnalyzer ----------------------------------------------------------


def _whoosh_jieba_schema():
    from jieba.analyse import ChineseAnalyzer
    from whoosh import fields

    return fields.Schema(
        file=fields.ID(stored=True, unique=True),
        title=fields.TEXT(stored=True, analyzer=ChineseAnalyzer()),
        body=fields.TEXT(stored=True, analyzer=ChineseAnalyzer()),
        province=fields.ID(stored=True), year=fields.ID(stored=True),
        speaker=fields.ID(stored=True), level=fields.ID(stored=True),
    )


def build_whoosh_jieba(corpus: Path, meta_dir: Path, index: Path, jobs: int = 1,
                       progress: Path | None = None) -> dict:
    """The naive baseline: ChineseAnalyzer on stored title and body, ID facets, limitmb=512."""
    import jieba
    from whoosh import index as whoosh_index

    from indexer.segment import init_jieba

    started = time.perf_counter()
    init_jieba()  # jieba's cache in a folder we own, not the shared temp file
    jieba.setLogLevel(60)
    rows = read_corpus(corpus, meta_dir)
    Path(index).mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(index), _whoosh_jieba_schema())
    writer = ix.writer(limitmb=512)
    for row in rows:
        writer.add_document(file=row["file"], title=row["text"].split("\n", 1)[0], body=row["text"],
                            province=row["province"], year=row["year"], speaker=row["speaker"], level=row["level"])
    writer.commit()
    return {"seconds": time.perf_counter() - started, "speeches": len(rows)}


class WhooshJiebaSearcher:
    """Whoosh with jieba's ChineseAnalyzer, quoted phrases through QueryParser."""

    name = "whoosh_jieba"

    def __init__(self, index: Path, corpus: Path, meta_dir: Path):
        from whoosh import index as whoosh_index
        from whoosh.qparser import QueryParser

        self.ix = whoosh_index.open_dir(str(index))
        self.searcher = self.ix.searcher()
        self.parser = QueryParser("body", self.ix.schema)
        self.files = {docnum: fields["file"] for docnum, fields in self.searcher.reader().iter_docs()}
        self.corpus, self.meta_dir = corpus, meta_dir

    def query(self, spec: dict):
        """Return the parsed query and the filter of a spec."""
        from whoosh import query as wq

        parsed = self.parser.parse(" AND ".join('"' + t + '"' for t in spec["terms"]))
        filters = spec.get("filters")
        filter_query = wq.And([wq.Term(f, v) for f, v in filters.items()]) if filters else None
        return parsed, filter_query

    def run(self, spec: dict) -> dict:
        """Return total, facets with groupedby, and 20 hits with hit.highlights snippets."""
        parsed, filter_query = self.query(spec)
        results = self.searcher.search(parsed, limit=PAGE, groupedby=list(FACETS), filter=filter_query)
        facets = {f: {k: len(v) for k, v in results.groups(f).items()} for f in FACETS}
        # Iterating a grouped Results walks every match: slice the page (FINDINGS.md).
        snippets = [hit.highlights("body") for hit in results[:PAGE]]
        return {"total": len(results), "hits": len(snippets), "snippets": len(snippets), "facets": facets}

    def run_findings_shape(self, spec: dict) -> int:
        """Answer the query FINDINGS.md timed for quoted phrases: top 10, province and year counts."""
        parsed, filter_query = self.query(spec)
        results = self.searcher.search(parsed, limit=10, groupedby=["province", "year"], filter=filter_query)
        [hit["file"] for hit in results[:10]]
        return len(results)

    def matches(self, spec: dict) -> tuple[dict[str, int], dict]:
        """Return the files the query finds (no occurrence counts)."""
        parsed, filter_query = self.query(spec)
        docnums = self.searcher.search(parsed, limit=None, filter=filter_query).docs()
        return {self.files[d]: None for d in docnums}, {}

    def texts(self) -> list[dict]:
        """Return the texts Whoosh was given: the generated files as they are."""
        return [dict(row, id=row["file"]) for row in read_corpus(self.corpus, self.meta_dir)]

    def close(self) -> None:
        self.searcher.close()


BUILDERS = {"ours": build_ours, "fts5": build_fts5, "whoosh_jieba": build_whoosh_jieba, "ours_reindex": reindex_ours}


def open_searcher(engine: str, index: Path, corpus: Path, meta_dir: Path):
    """Open an engine's index for searching."""
    if engine == "ours":
        return OursSearcher(index)
    if engine == "fts5":
        return Fts5Searcher(index, corpus, meta_dir)
    if engine == "whoosh_jieba":
        return WhooshJiebaSearcher(index, corpus, meta_dir)
    raise ValueError(f"unknown engine {engine!r}; choose from {', '.join(ENGINES)}")


def main(argv=None) -> None:
    """Build one engine's index in this process and write what it measured as JSON."""
    parser = argparse.ArgumentParser(description="Build one engine's index (run by bench.run in a child process).")
    parser.add_argument("command", choices=["build"])
    parser.add_argument("engine", choices=sorted(BUILDERS))
    parser.add_argument("corpus", type=Path)
    parser.add_argument("meta_dir", type=Path)
    parser.add_argument("index", type=Path)
    parser.add_argument("result", type=Path)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--progress", type=Path, help="file to save each finished stage's seconds in")
    args = parser.parse_args(argv)
    measured = BUILDERS[args.engine](args.corpus, args.meta_dir, args.index, jobs=args.jobs, progress=args.progress)
    args.result.write_text(json.dumps(measured), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
