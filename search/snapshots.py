"""Citable snapshots: a result stored under a short stable id, shown later as it was and with what changed.

A paper cites "15 speeches mention 双过半"; next year the corpus has grown. A snapshot keeps
the query, the filters, the index version, the matching speeches (id, title, date, year,
province, occurrences) and the counts in `snapshots.sqlite` beside the index folder's
generations (never inside one, so it survives every rebuild), and shows them against what the
same query finds now: speeches added, removed and re-dated.

Nothing a stranger sends can grow the file without bound (issue 24: an empty POST /cite stored
every speech, 414 KB at 2,000 speeches, and four clients added 123 MB in 22 s): a snapshot
needs a query or filters, holds at most `max_citation_kb`, one client (address) stores at most
`citations_per_hour` an hour, and the file stops growing at `max_snapshots_mb`. A disk that
cannot take the snapshot is a clear refusal, never a traceback.
"""

import datetime
import errno
import hashlib
import json
import os
import sqlite3
from pathlib import Path

from indexer import schema
from search.errors import SearchError, UnknownSnapshot

FILE = "snapshots.sqlite"
ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: ids are read aloud and typed from paper
ID_LENGTH = 6
HOUR = datetime.timedelta(hours=1)


class CitationRefused(SearchError):
    """A citation that cannot be taken as asked: nothing to cite, or a snapshot past max_citation_kb."""


class TooManyCitations(SearchError):
    """A client stored citations_per_hour snapshots within the last hour: try again after `retry_after` seconds."""

    status = 429
    code = "too_many"

    def __init__(self, message: str, zh: str, retry_after: int):
        super().__init__(message, zh)
        self.retry_after = retry_after


class CitationNotStored(SearchError):
    """The snapshot could not be written: a full disk, a store at max_snapshots_mb, a file that cannot be written."""

    status = 503
    code = "not_stored"


def _connect(index_dir: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(Path(index_dir) / FILE, timeout=10, isolation_level=None)
    connection.execute("CREATE TABLE IF NOT EXISTS snapshots (id TEXT PRIMARY KEY, taken TEXT NOT NULL, body TEXT NOT NULL)")
    if "client" not in {row[1] for row in connection.execute("PRAGMA table_info(snapshots)")}:
        connection.execute("ALTER TABLE snapshots ADD COLUMN client TEXT")  # a file of before the hourly limit
    connection.execute("CREATE INDEX IF NOT EXISTS snapshots_by_client ON snapshots (client, taken)")
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
    speeches = {hit["id"]: {name: hit.get(name) for name in schema.kept_fields()} | {"occurrences": hit.get("occurrences")}
                for hit in result["hits"]}
    return {"query": result["query"], "total": len(speeches),
            "occurrences": sum(s["occurrences"] or 0 for s in speeches.values()), "speeches": speeches}


def store(index_dir: Path, snapshot: dict, client: str | None = None, limits: dict | None = None) -> dict:
    """Store a snapshot under a new id and return it with its id and time.

    `limits` are the settings max_citation_kb, max_snapshots_mb and citations_per_hour (the
    last for a `client`, the address a web request came from; none for the command line).
    """
    limits = limits or {}
    now = datetime.datetime.now(datetime.timezone.utc)
    snapshot = dict(snapshot, taken=now.isoformat(timespec="seconds"))
    body = json.dumps(snapshot, ensure_ascii=False, sort_keys=True)
    _check_size(body, snapshot, limits.get("max_citation_kb"))
    path = Path(index_dir) / FILE
    total = limits.get("max_snapshots_mb")
    if total is not None and path.exists() and path.stat().st_size >= total * 1024 * 1024:
        raise CitationNotStored(
            f"the citation store {path} has reached max_snapshots_mb ({total:g} MB); no more snapshots are stored "
            "until the server's keeper makes room", f"引用快照库已达上限（max_snapshots_mb = {total:g} MB），暂时不能再保存快照")
    who = None if client is None else hashlib.sha256(client.encode("utf-8")).hexdigest()[:16]
    try:
        connection = _connect(index_dir)
        try:
            connection.execute("BEGIN IMMEDIATE")  # the count and the insert as one: no client slips past its limit
            try:
                if who is not None and limits.get("citations_per_hour") is not None:
                    _check_rate(connection, who, now, int(limits["citations_per_hour"]))
                while True:
                    snapshot_id = _new_id(body)
                    try:
                        connection.execute("INSERT INTO snapshots (id, taken, body, client) VALUES (?, ?, ?, ?)",
                                           (snapshot_id, snapshot["taken"], body, who))
                        break
                    except sqlite3.IntegrityError:
                        continue  # an id already taken: draw another
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:  # SQLite ends it itself on some errors (a full disk)
                    connection.execute("ROLLBACK")
                raise
        finally:
            connection.close()
    except (sqlite3.Error, OSError) as error:
        raise _not_stored(error, path) from None
    return {"id": snapshot_id, **snapshot}


def _check_size(body: str, snapshot: dict, max_kb) -> None:
    size = len(body.encode("utf-8"))
    if max_kb is not None and size > max_kb * 1024:
        speeches = sum(query["total"] for query in snapshot["queries"])
        raise CitationRefused(
            f"this citation would store {speeches:,} speeches ({size / 1024:,.0f} KB), more than max_citation_kb "
            f"({max_kb:g} KB); narrow the query with a longer phrase or a filter such as province: or year:",
            f"这次引用要保存 {speeches:,} 篇讲话（{size / 1024:,.0f} KB），超过了上限 max_citation_kb（{max_kb:g} KB）；"
            "请用更长的词组或加上省份、年份等筛选缩小查询")


def _check_rate(connection, who: str, now: datetime.datetime, per_hour: int) -> None:
    since = (now - HOUR).isoformat(timespec="seconds")
    taken = [row[0] for row in connection.execute(
        "SELECT taken FROM snapshots WHERE client = ? AND taken > ? ORDER BY taken", (who, since))]
    if len(taken) >= per_hour:
        oldest = datetime.datetime.fromisoformat(taken[len(taken) - per_hour])
        wait = max(1, int((oldest + HOUR - now).total_seconds()) + 1)
        raise TooManyCitations(
            f"this address has stored {len(taken)} citations in the last hour, the most citations_per_hour allows "
            f"({per_hour}); try again in {wait} seconds",
            f"该地址一小时内已保存 {len(taken)} 个引用快照，已达上限 citations_per_hour（{per_hour}）；请 {wait} 秒后再试",
            wait)


def _not_stored(error: Exception, path: Path) -> CitationNotStored:
    """Say in a sentence why a snapshot could not be written, and what to do."""
    full = getattr(error, "errno", None) in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG) or \
        "full" in str(error).lower()
    if full:
        return CitationNotStored(f"the citation could not be stored: no space is left for {path}; "
                                 "try again once the server's disk has room",
                                 "无法保存引用快照：服务器磁盘已满；请在腾出空间后再试")
    return CitationNotStored(f"the citation could not be stored in {path} ({error}); try again later",
                             f"无法保存引用快照（{error}）；请稍后再试")


def load(index_dir: Path, snapshot_id: str) -> dict | None:
    """Return a stored snapshot, or None when no snapshot has that id."""
    if not (Path(index_dir) / FILE).exists():
        return None
    connection = sqlite3.connect(Path(index_dir) / FILE, timeout=10)  # reading changes nothing, even on a full disk
    try:
        row = connection.execute("SELECT body FROM snapshots WHERE id = ?", (snapshot_id,)).fetchone()
    finally:
        connection.close()
    return None if row is None else {"id": snapshot_id, **json.loads(row[0])}


def changes(then: dict, now: dict) -> dict:
    """Say what a query finds now that it did not then, and the other way: added, removed, re-dated."""
    before, after = then["speeches"], now["speeches"]
    redated = sorted(i for i in before.keys() & after.keys()
                     if (before[i]["date"], before[i]["year"]) != (after[i]["date"], after[i]["year"]))
    return {"total": now["total"], "occurrences": now["occurrences"], "added": sorted(after.keys() - before.keys()),
            "removed": sorted(before.keys() - after.keys()), "redated": redated}


def take(backend, query, filters: dict | None = None, collapse: bool = False, by: str | None = None,
         client: str | None = None) -> dict:
    """Store a snapshot of what a query (or each term of a list) finds now in a backend; return it with its id.

    With several terms and `by`, the comparison's buckets are kept too. `client` (a web
    request's address) is held to citations_per_hour.
    """
    terms = [query] if isinstance(query, str) else list(query)
    if not any(term.strip() for term in terms) and not filters:
        # An empty form stored every speech of the corpus: 414 KB at 2,000 speeches, as often as it was posted.
        raise CitationRefused("a citation needs a query or a filter; search for something first, then cite the result",
                              "引用需要检索词或筛选条件；请先检索，再引用结果")
    queries = [record(backend.speech_list(term, filters, collapse=collapse)) for term in terms]
    parsed = backend.parse("", filters) if filters else None
    snapshot = {"kind": "compare" if len(terms) > 1 or by else "search", "terms": terms,
                "filters": parsed.filters if parsed else {}, "collapse": collapse,
                "index_version": backend.index_version, "queries": queries}
    if by:
        snapshot["compare"] = backend.compare([t for t in terms if t.strip()], by, filters, collapse)
    limits = {name: backend.settings.get(name) for name in ("max_citation_kb", "max_snapshots_mb", "citations_per_hour")}
    return present(store(backend.index_dir, snapshot, client, limits))


def show(backend, snapshot_id: str) -> dict:
    """Return a stored snapshot as it was taken, and under `now` what the same queries find in the backend today."""

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
