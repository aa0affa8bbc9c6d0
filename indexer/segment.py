"""jieba segmentation, set up once per process with its cache in a folder we own."""

import logging
import os
import tempfile

import jieba

_ready = False


def init_jieba(cache_dir: str | None = None) -> None:
    """Load jieba's dictionary once, caching it in `cache_dir` instead of a shared temp file."""
    global _ready
    if _ready:
        return
    cache_dir = cache_dir or os.path.join(tempfile.gettempdir(), f"speeches-jieba-{os.getuid()}")
    os.makedirs(cache_dir, exist_ok=True)
    jieba.setLogLevel(logging.WARNING)
    jieba.dt.tmp_dir = cache_dir
    jieba.initialize()
    _ready = True


def cut(text: str) -> list[str]:
    """Segment text into words (precise mode)."""
    init_jieba()
    return jieba.lcut(text)


def words(text: str) -> list[str]:
    """Return the words of text that carry meaning for ranking: no spaces or punctuation."""
    return [w for w in cut(text) if w.strip() and any(ch.isalnum() for ch in w)]
