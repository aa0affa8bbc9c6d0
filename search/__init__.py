"""Search the index: the library behind `speeches search`, `speeches kwic` and the web pages.

    from search import Corpus

The names are loaded when first used, so that `speeches --help` need not load numpy.
"""

__all__ = ["Corpus", "DamagedIndex", "NoIndex", "QueryTooBroad", "SearchError", "UnknownSpeech"]


def __getattr__(name: str):
    if name in __all__:
        from search import corpus

        return getattr(corpus, name)
    raise AttributeError(f"module 'search' has no attribute {name!r}")
