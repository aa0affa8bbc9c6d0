"""Providers of parts: what `search.Corpus` asks an index made of one part (a local `Index`) or of many (shards).

A provider answers `each(method, *args)` (every part's answer, in part order, all or none),
`ask(number, method, *args)` (one part's) and `stream(method, *args)` (every part's rows,
read lazily where the parts are in this process). The parts are `search.index.Index`
objects, in this process or held by Dask workers (search/sharded.py); the Corpus merges
their answers, so each public method and its defaults are written once, in search/corpus.py.
A backend beyond one machine plugs in here, as one more provider of the same parts.
"""

from pathlib import Path

from search.index import Index


class LocalParts:
    """The one part of an index folder opened in this process."""

    sharded = False

    def __init__(self, index_dir, settings: dict, verify_in_background: bool = False):
        self.index = Index(index_dir, settings, verify_in_background=verify_in_background)
        self.index_dir = Path(index_dir)

    count = 1

    def __getattr__(self, name: str):
        """Give the version, the manifest and the generation of the one part as the index's own."""
        if name in ("index_version", "manifest", "generation"):
            return getattr(self.index, name)
        raise AttributeError(name)

    def each(self, method: str, *args) -> list:
        return [getattr(self.index, method)(*args)]

    def ask(self, number: int, method: str, *args):
        return getattr(self.index, method)(*args)

    def stream(self, method: str, *args) -> list:
        return self.each(method, *args)

    def local(self) -> list[Index]:
        """Return the parts opened in this process (a server rechecks their files before each request)."""
        return [self.index]
