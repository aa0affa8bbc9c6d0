"""A sharded index: every shard an `Index`, in this process or held by a Dask actor, their answers merged exactly.

The shards hold disjoint files, and the build keeps every speech that arrives twice and every
group of near-duplicate versions inside one shard (indexer/shards.py), so a shard's counts,
facets and collapsed results are exact for its files and the index's are their sums
(search/corpus.py merges them, as it merges the one part of an index that is not sharded).
Every answer equals the one index's over the same files, index_version aside.

A shard that cannot answer (its worker was killed) gives ShardUnavailable (HTTP 503), never a
partial count; the next query reopens the shard on a live worker.
"""

import threading
from pathlib import Path

from indexer import shards
from search import query as q
from search.corpus import Corpus
from search.errors import NoIndex, SearchError, ShardUnavailable
from search.index import Index

EXPORT_BATCH = 500  # speeches fetched from a shard held by a worker at a time while an export streams

__all__ = ["EXPORT_BATCH", "ShardActor", "ShardUnavailable", "ShardedCorpus", "Shards"]


def _sendable(value):
    """Return an answer that can cross processes: what a shard yields, as a list."""
    if hasattr(value, "__next__"):
        return list(value)
    if isinstance(value, dict):
        return {key: _sendable(item) for key, item in value.items()}
    return value


class ShardActor:
    """A shard's Index held by a Dask worker: the actor the coordinator calls."""

    def __init__(self, folder: str, generation: str, settings: dict, verify_in_background: bool = False):
        self.index = Index(folder, settings, verify_in_background=verify_in_background, generation=generation)

    def call(self, method: str, *args):
        return _sendable(getattr(self.index, method)(*args))


class Shards:
    """The shards of a sharded index folder, opened again when SHARDS names new ones or a shard failed."""

    sharded = True

    def __init__(self, index_dir, settings: dict, client=None, verify_in_background: bool = False):
        self.index_dir = Path(index_dir)
        self.settings = settings
        self.client = client
        self.verify_in_background = verify_in_background  # each shard checks its files' checksums as it opens
        self._opened: tuple[str, list, dict] | None = None  # (version, shards, manifest)
        self._lock = threading.Lock()

    def _shards(self) -> tuple[list, dict]:
        """Return the shards (an Index, or a Dask actor) and the manifest, opening them again when SHARDS has moved."""
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
            return [Index(self.index_dir / e["dir"], self.settings, verify_in_background=self.verify_in_background,
                          generation=e["generation"]) for e in entries]
        try:
            futures = [self.client.submit(ShardActor, str(self.index_dir / e["dir"]), e["generation"], self.settings,
                                          self.verify_in_background, actor=True, pure=False) for e in entries]
            return [future.result() for future in futures]
        except Exception as error:  # a cluster that cannot start the actors
            raise ShardUnavailable(f"the shards could not be opened on the cluster ({error}); try again",
                                   "分片无法在集群上打开，请稍后再试") from None

    @property
    def count(self) -> int:
        return len(self._shards()[0])

    @property
    def index_version(self) -> str:
        """Return the version of the sharded index: derived from its shards' versions."""
        return self._shards()[1]["index_version"]

    def manifest(self) -> dict:
        """Return how the sharded index was built, with every shard's files."""
        _, manifest = self._shards()
        files, other = {}, {}
        for part in self.each("manifest"):
            files.update(part.get("files") or {})
            other.update(part.get("other_files") or {})
        return {**manifest, "files": files, "other_files": other}

    def generation(self):
        raise SearchError("a sharded index has a generation per shard; open a shard's folder to read one",
                          "分片索引每个分片各有一代索引")

    def _failed(self, error: Exception, every: bool):
        with self._lock:
            self._opened = None  # reopen the shards, on live workers, for the next query
        if every:
            return ShardUnavailable(f"a shard did not answer ({type(error).__name__}: {error}); no partial answer is "
                                    "given; try again once the cluster is whole", "有分片没有应答，为免给出不完整的结果，"
                                    "本次查询没有结果；请稍后再试")
        return ShardUnavailable(f"a shard did not answer ({type(error).__name__}); try again", "有分片没有应答，请稍后再试")

    def each(self, method: str, *args) -> list:
        """Ask every shard the same question and return their answers in shard order, all or none."""
        held, _ = self._shards()
        try:
            if self.client is None:
                return [getattr(shard, method)(*args) for shard in held]
            futures = [shard.call(method, *args) for shard in held]
            return [future.result() for future in futures]
        except (SearchError, q.QueryError):
            raise
        except Exception as error:
            raise self._failed(error, every=True) from None

    def ask(self, number: int, method: str, *args):
        """Ask one shard."""
        held, _ = self._shards()
        try:
            return getattr(held[number], method)(*args) if self.client is None else held[number].call(method, *args).result()
        except (SearchError, q.QueryError):
            raise
        except Exception as error:
            raise self._failed(error, every=False) from None

    def stream(self, method: str, *args) -> list:
        """Ask every shard for rows read as they come; shards held by workers send speeches a batch at a time."""
        if self.client is None or method != "hits":
            return self.each(method, *args)
        keys = self.each("ranked_keys", *args)
        return [{"total": len(part), "filters": None, "hits": self._fetched(number, part, args)}
                for number, part in enumerate(keys)]

    def _fetched(self, number: int, keys: list, args: tuple):
        for start in range(0, len(keys), EXPORT_BATCH):
            ids = [speech_id for _, speech_id in keys[start : start + EXPORT_BATCH]]
            yield from self.ask(number, "hits_of", *args, ids)

    def local(self) -> list[Index]:
        """Return the shards opened in this process (shards held by a cluster's workers check their own files)."""
        opened = self._opened
        return list(opened[1]) if opened is not None and self.client is None else []


class ShardedCorpus(Corpus):
    """A sharded index folder opened for searching: the Corpus over its shards."""

    def __init__(self, index_dir="index", settings: dict | None = None, client=None, verify_in_background: bool = False):
        super().__init__(index_dir, settings, verify_in_background=verify_in_background, client=client, sharded=True)
