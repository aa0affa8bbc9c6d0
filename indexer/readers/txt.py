"""Read a plain-text file: UTF-8 or GB18030, with or without a BOM, any line ends."""

from indexer.readers.base import Document, UnreadableFile, decode, fold_newlines


def read_txt(data: bytes, path: str, limits) -> list[Document]:
    """Decode a plain-text file."""
    decoded = decode(data)
    text = fold_newlines(decoded.text)
    if not text.strip():
        raise UnreadableFile("empty file", "empty")
    warnings = {"replaced_bytes": decoded.replaced} if decoded.replaced else {}
    return [Document(text=text, encoding=decoded.encoding, warnings=warnings)]
