"""Read one corpus file of any supported format into Documents: one table from suffix to reader.

A new format is one module with a `read_x(data, path, limits) -> list[Document]` function and
one line in READERS.
"""

import os

from indexer.readers.base import (MAX_FILE_MB, MAX_READER_MB, MAX_UNZIPPED_MB, READER_TIME_LIMIT_S,  # noqa: F401
                                  Document, Limits, UnreadableFile, read_bytes, resolve_inside)
from indexer.readers.bounded import in_child
from indexer.readers.datasets import SIDECAR_SUFFIX, read_csv, read_json, read_jsonl, read_tsv, read_xlsx
from indexer.readers.docx import read_docx
from indexer.readers.html import read_html
from indexer.readers.pdf import read_pdf
from indexer.readers.txt import read_txt
from indexer.readers.word import read_word

READERS = {
    ".txt": read_txt,
    ".html": read_html,
    ".htm": read_html,
    ".docx": read_docx,
    # PDFium inflates streams beyond any check of ours: a PDF is read in a child with a memory and a time limit.
    ".pdf": in_child(read_pdf, preload=("pypdfium2",)),
    ".doc": read_word,
    ".wps": read_word,
    ".csv": read_csv,
    ".tsv": read_tsv,
    ".jsonl": read_jsonl,
    ".json": read_json,
    ".xlsx": read_xlsx,
}
SUPPORTED_SUFFIXES = tuple(READERS)
DATASET_SUFFIXES = (".csv", ".tsv", ".jsonl", ".json", ".xlsx")
# Formats researchers hold that no reader here can read yet, and why (README, "Formats").
UNSUPPORTED = {
    ".ofd": "OFD (GB/T 33190) files cannot be read: no maintained, permissively licensed OFD reader "
            "is on PyPI; print the file to PDF and index that",
}


def suffix_of(path) -> str:
    """Return a path's format suffix, lowercased ('' when it has none)."""
    return os.path.splitext(os.fspath(path))[1].lower()


def is_sidecar(path) -> bool:
    """Tell whether a file is a dataset's column map (never indexed itself)."""
    name = os.fspath(path)
    return name.lower().endswith(SIDECAR_SUFFIX) and suffix_of(name[: -len(SIDECAR_SUFFIX)]) in DATASET_SUFFIXES


def read_documents(path, corpus=None, max_file_mb: float = MAX_FILE_MB, max_unzipped_mb: float = MAX_UNZIPPED_MB,
                   max_reader_mb: float = MAX_READER_MB, reader_time_limit_s: float = READER_TIME_LIMIT_S) -> list[Document]:
    """Read one corpus file into its Documents (one, or one per dataset row).

    With `corpus`, a file whose symlinks lead outside that folder is refused. A PDF is read in
    a child process that may take `max_reader_mb` of memory and `reader_time_limit_s` seconds.
    """
    path = os.fspath(path)
    suffix = suffix_of(path)
    reader = READERS.get(suffix)
    if reader is None:
        reason = UNSUPPORTED.get(suffix) or f"unsupported file type {suffix or '(no suffix)'}"
        raise UnreadableFile(reason, "unsupported")
    limits = Limits(max_file_mb, max_unzipped_mb, os.fspath(corpus) if corpus is not None else None, max_reader_mb,
                    reader_time_limit_s)
    real = resolve_inside(path, limits.corpus)
    data = read_bytes(real, limits)
    if not data:
        raise UnreadableFile("empty file", "empty")
    return reader(data, path, limits)


def read_document(path, **options) -> Document:
    """Read a file that holds one document (any format but a dataset) into its Document."""
    return read_documents(path, **options)[0]
