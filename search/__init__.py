"""Search the index: the library behind `speeches search`, `speeches kwic` and the web pages."""

from search.corpus import Corpus, NoIndex, QueryTooBroad, SearchError, UnknownSpeech

__all__ = ["Corpus", "NoIndex", "QueryTooBroad", "SearchError", "UnknownSpeech"]
