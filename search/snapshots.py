"""Citable snapshots: a result stored under a short stable id, shown later as it was and with what changed.

A paper cites "15 speeches mention 双过半"; next year the corpus has grown. A snapshot keeps
the query, the filters, the index version, the matching speeches (id, title, date, year,
province, occurrences) and the counts in `snapshots.sqlite` beside the index folder's
generations (never inside one, so it survives every rebuild), and shows them against what the
same query finds now: speeches added, removed and re-dated.
"""

import datetime
import hashlib
import json
import os
import sqlite3
from pathlib import Path

FILE = "snapshots.sqlite"
ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: ids are read aloud and typed from paper
ID_LENGTH = 6
KEPT = ("title", "speaker", "date", "year", "province")


def _connect(index_dir: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(Path(index_dir) / FILE, timeout=10)
    connection.execute("CREATE TABLE IF NOT EXISTS snapshots (id TEXT PRIMARY KEY, taken TEXT NOT NULL, body TEXT NOT NULL)")
    return connection


def _new_id(body: str) -> str:
    """Return a short id from the snapshot's content and a random salt."""
    digest = int.from_bytes(hashlib.sha256(body.encode() + os.urandom(8)).digest()[:8], "big")
    letters = []
    for _ in range(ID_LENGTH):
        digest, k = divmod(digest, len(ALPHABET))
        letters.append(ALPHABET[k])
    return "".join(letters)


def record(result: dict) -> dict:
    """Return what a snapshot keeps of one query's speech list: counts and, per speech, what can be re-dated."""
    speeches = {hit["id"]: {name: hit.get(name) for name in KEPT} | {"occurrences": hit.get("occurrences")}
                for hit in result["hits"]}
    return {"query": result["query"], "total": len(speeches),
            "occurrences": sum(s["occurrences"] or 0 for s in speeches.values()), "speeches": speeches}


def store(index_dir: Path, snapshot: dict) -> dict:
    """Store a snapshot under a new id and return it with its id and time."""
    snapshot = dict(snapshot, taken=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"))
    body = json.dumps(snapshot, ensure_ascii=False, sort_keys=True)
    with _connect(index_dir) as connection:
        while True:
            snapshot_id = _new_id(body)
            try:
                connection.execute("INSERT INTO snapshots VALUES (?, ?, ?)", (snapshot_id, snapshot["taken"], body))
                break
            except sqlite3.IntegrityError:
                continue  # an id already taken: draw another
    return {"id": snapshot_id, **snapshot}


def load(index_dir: Path, snapshot_id: str) -> dict | None:
    """Return a stored snapshot, or None when no snapshot has that id."""
    if not (Path(index_dir) / FILE).exists():
        return None
    with _connect(index_dir) as connection:
        row = connection.execute("SELECT body FROM snapshots WHERE id = ?", (snapshot_id,)).fetchone()
    return None if row is None else {"id": snapshot_id, **json.loads(row[0])}


def changes(then: dict, now: dict) -> dict:
    """Say what a query finds now that it did not then, and the other way: added, removed, re-dated."""
    before, after = then["speeches"], now["speeches"]
    redated = sorted(i for i in before.keys() & after.keys()
                     if (before[i]["date"], before[i]["year"]) != (after[i]["date"], after[i]["year"]))
    return {"total": now["total"], "occurrences": now["occurrences"], "added": sorted(after.keys() - before.keys()),
            "removed": sorted(before.keys() - after.keys()), "redated": redated}


def take(backend, query, filters: dict | None = None, collapse: bool = False, by: str | None = None) -> dict:
    """Store a snapshot of what a query (or each term of a list) finds now in a backend; return it with its id.

    With several terms and `by`, the comparison's buckets are kept too.
    """
    terms = [query] if isinstance(query, str) else list(query)
    queries = [record(backend.speech_list(term, filters, collapse=collapse)) for term in terms]
    parsed = backend.parse("", filters) if filters else None
    snapshot = {"kind": "compare" if len(terms) > 1 or by else "search", "terms": terms,
                "filters": parsed.filters if parsed else {}, "collapse": collapse,
                "index_version": backend.index_version, "queries": queries}
    if by:
        snapshot["compare"] = backend.compare([t for t in terms if t.strip()], by, filters, collapse)
    return present(store(backend.index_dir, snapshot))


def show(backend, snapshot_id: str) -> dict:
    """Return a stored snapshot as it was taken, and under `now` what the same queries find in the backend today."""
    from search.corpus import UnknownSnapshot

    stored = load(backend.index_dir, snapshot_id)
    if stored is None:
        raise UnknownSnapshot(f"no snapshot has the id {snapshot_id!r}", f"没有编号为 {snapshot_id} 的快照")
    now = [record(backend.speech_list(q["query"], stored["filters"], collapse=stored["collapse"]))
           for q in stored["queries"]]
    stored["now_queries"] = [dict(changes(then, today), query=then["query"]) for then, today in zip(stored["queries"], now)]
    stored["now_index_version"] = backend.index_version
    return present(stored)


def present(snapshot: dict) -> dict:
    """Lay a snapshot out as the interface's JSON: the first query's figures at the top, every query under `queries`."""
    first = snapshot["queries"][0]
    out = {"id": snapshot["id"], "kind": snapshot["kind"], "query": first["query"], "terms": snapshot["terms"],
           "filters": snapshot["filters"], "collapse": snapshot["collapse"], "index_version": snapshot["index_version"],
           "taken": snapshot["taken"], "total": first["total"], "occurrences": first["occurrences"],
           "ids": sorted(first["speeches"]), "queries": snapshot["queries"]}
    if "compare" in snapshot:
        out["compare"] = snapshot["compare"]
    if "now_queries" in snapshot:
        now = snapshot["now_queries"]
        out["now"] = {"index_version": snapshot["now_index_version"], **{k: v for k, v in now[0].items() if k != "query"},
                      "queries": now}
    return out
