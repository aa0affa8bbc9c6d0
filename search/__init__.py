"""Search the index: the library behind `speeches search`, `speeches kwic` and the web pages.

    from search import Corpus

The names are loaded when first used, so that `speeches --help` need not load numpy.
"""

__all__ = ["Corpus", "DamagedIndex", "NoIndex", "OlderIndex", "QueryTooBroad", "SearchError", "UnknownSnapshot",
           "UnknownSpeech", "open_index"]


def open_index(index_dir="index", settings: dict | None = None, client=None, verify_in_background: bool = False):
    """Open an index folder for searching: a Corpus over its one index, or over its shards when it is sharded.

    `client` (a dask.distributed Client) holds and searches the shards on its workers;
    `verify_in_background` checks every file's checksum after a generation opens (the server does).
    """
    from indexer import shards

    if shards.is_sharded(index_dir):
        from search.sharded import ShardedCorpus

        return ShardedCorpus(index_dir, settings, client, verify_in_background=verify_in_background)
    from search.corpus import Corpus

    return Corpus(index_dir, settings, verify_in_background=verify_in_background)


def __getattr__(name: str):
    if name in __all__:
        from search import corpus

        return getattr(corpus, name)
    raise AttributeError(f"module 'search' has no attribute {name!r}")
