"""Search the index: the library behind `speeches search`, `speeches kwic` and the web pages.

    from search import Corpus

The names are loaded when first used, so that `speeches --help` need not load numpy.
"""

__all__ = ["Corpus", "NoIndex", "QueryTooBroad", "SearchError", "UnknownSnapshot", "UnknownSpeech", "open_index"]


def open_index(index_dir="index", settings: dict | None = None, client=None):
    """Open an index folder for searching: a Corpus, or a ShardedCorpus when the folder holds a sharded index.

    `client` (a dask.distributed Client) holds and searches the shards on its workers.
    """
    from indexer import shards

    if shards.is_sharded(index_dir):
        from search.sharded import ShardedCorpus

        return ShardedCorpus(index_dir, settings, client)
    from search.corpus import Corpus

    return Corpus(index_dir, settings)


def __getattr__(name: str):
    if name in __all__:
        from search import corpus

        return getattr(corpus, name)
    raise AttributeError(f"module 'search' has no attribute {name!r}")
