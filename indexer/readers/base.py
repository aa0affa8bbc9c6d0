"""What every reader shares: the Document it returns, the error it raises, bounded file access."""

# Every failure a corpus file can cause is an UnreadableFile with a short reason and a code from
# a fixed list, so a build lists what it skipped and why instead of stopping.

import codecs
import os
import re
import stat
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field

from indexer.corpusfiles import inside

# A speech, even a year's compilation or a dataset of reports, is far below this; anything
# larger would only exhaust memory. The settings table passes its own value (max_file_mb).
MAX_FILE_MB = 200
# What the members of a zip format (.docx, .xlsx) may inflate to in total: zip bombs expand a
# few MB into GBs, and a zip's headers can lie about sizes, so the bytes are counted as inflated.
MAX_UNZIPPED_MB = 512
# What reading one PDF may take, in a child process of its own (indexer/readers/bounded.py): the
# settings table passes its own values (max_reader_mb, reader_time_limit_s).
MAX_READER_MB = 256
READER_TIME_LIMIT_S = 300
_SNIFF_BYTES = 8192

# The codes a skipped file or row is reported with (INTERFACE.md, "Formats and the build summary").
CODES = ("unsupported", "unreadable", "binary", "empty", "too_large", "outside_corpus", "needs_ocr",
         "no_converter", "malformed", "no_text")


@dataclass
class Document:
    """A file's (or a dataset row's) decoded text and the hints its format carries."""

    text: str  # "\n" line breaks, no BOM; one paragraph per line for HTML, .docx and PDF
    title: str | None = None  # the best single title hint
    title_candidates: list[str] = field(default_factory=list)  # every title offered, most trusted first
    headings: list[str] = field(default_factory=list)  # visible headings, in order
    byline: str | None = None  # an author field the format carries (HTML meta author, ...)
    author: str | None = None  # the author of a whole book (PDF cover, 王某某文集)
    dates: list[str] = field(default_factory=list)  # ISO dates the format gives about the document
    published: str | None = None  # ISO date of publication (PubDate meta), not of the speech
    site: str | None = None  # SiteName meta
    url: str | None = None  # the document's source URL when the format gives one
    source: str | None = None  # ContentSource meta
    encoding: str = "utf-8"  # the encoding the text was decoded with
    given: dict[str, dict] = field(default_factory=dict)  # dataset values: {field: {value, raw, column}}
    row: int | None = None  # dataset data-row number from 1 (header excluded)
    kind: str = "document"  # "document" | "book" (a collected volume, to be split by its TOC)
    # What a line break stands for: "paragraph" (a format's own paragraphs: HTML blocks, Word
    # paragraphs), "rejoined" (a PDF's lines its reader rejoined into paragraphs by their geometry,
    # where a centred title may still run over two lines), or "unknown" (plain text and dataset
    # cells, whose lines may be cut at a width: repair tells from the text).
    line_breaks: str = "unknown"
    # What the reader itself removed, by reason: [(reason, characters, Han characters)] (a PDF's
    # running headers and page numbers); the build summary lists it with what splitting drops.
    dropped: list[tuple[str, int, int]] = field(default_factory=list)
    # A PDF's outline: (depth, title, the line its heading starts, None if not found), in order.
    bookmarks: list[tuple[int, str, int | None]] = field(default_factory=list)
    warnings: dict[str, int] = field(default_factory=dict)  # e.g. {"replaced_bytes": 3}
    warning_details: dict[str, list] = field(default_factory=dict)  # what each warning counted, where known
    skipped: tuple[str, str] | None = None  # (code, reason) of a dataset row with nothing to index

    def __post_init__(self):
        # The best title is always among the candidates, first unless a reader ranked it.
        if self.title and self.title not in self.title_candidates:
            self.title_candidates.insert(0, self.title)


class UnreadableFile(Exception):
    """Signal that a file cannot be read; `reason` says why in a few words, `code` classifies it."""

    def __init__(self, reason: str, code: str = "unreadable"):
        super().__init__(reason)
        assert code in CODES, code
        self.reason = reason
        self.code = code


@dataclass(frozen=True)
class Limits:
    """The limits a read obeys: sizes, and the folder it may not leave."""

    max_file_mb: float = MAX_FILE_MB
    max_unzipped_mb: float = MAX_UNZIPPED_MB
    corpus: str | None = None  # the folder no read may leave (None: no boundary)
    max_reader_mb: float = MAX_READER_MB  # memory a reader run in a child may take (PDF)
    reader_time_limit_s: float = READER_TIME_LIMIT_S  # and time

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def max_unzipped_bytes(self) -> int:
        return int(self.max_unzipped_mb * 1024 * 1024)


# --- files -------------------------------------------------------------------------------------


def os_reason(error: OSError) -> str:
    """Turn an OSError into a short lowercase reason."""
    if isinstance(error, PermissionError):
        return "permission denied"
    reason = error.strerror or str(error) or type(error).__name__
    return reason[:1].lower() + reason[1:]


def resolve_inside(path: str, corpus: str | None) -> str:
    """Return the path a file's symlinks lead to, refusing a target outside the corpus folder."""
    if corpus is None:
        return path
    real = os.path.realpath(path)
    if not inside(real, os.path.realpath(corpus)):
        # Archives unpacked into a corpus can carry links to anywhere (/etc/passwd, ~/.ssh).
        raise UnreadableFile(f"symbolic link to {real}, outside the corpus folder", "outside_corpus")
    return real


def read_bytes(path: str, limits: Limits = Limits()) -> bytes:
    """Return a regular file's bytes, refusing anything else before opening it."""
    try:
        info = os.stat(path)  # follows links: a broken link or a loop fails here
    except OSError as error:
        raise UnreadableFile(os_reason(error)) from None
    # Opening a FIFO blocks until a writer appears, and a device can stream forever.
    if not stat.S_ISREG(info.st_mode):
        raise UnreadableFile("not a regular file")
    limit = limits.max_file_bytes
    if info.st_size > limit:
        raise UnreadableFile(f"file too large ({_mb(info.st_size)} MB, the limit is max_file_mb={limits.max_file_mb:g})",
                             "too_large")
    try:
        with open(path, "rb") as handle:
            opened = os.fstat(handle.fileno())
            if (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):  # swapped after the check
                raise UnreadableFile("file changed while it was read")
            # read(n) allocates n bytes at once: ask for what the file holds, not for the limit.
            data = handle.read(min(limit, info.st_size) + 1)
            if len(data) > info.st_size:  # the file grew after stat
                data += handle.read(limit + 1 - len(data))
    except OSError as error:
        raise UnreadableFile(os_reason(error)) from None
    if len(data) > limit:  # the file grew after stat
        raise UnreadableFile(f"file too large (the limit is max_file_mb={limits.max_file_mb:g})", "too_large")
    return data


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"


class BoundedZip:
    """A zip archive whose members are inflated within one budget of bytes for all of them."""

    def __init__(self, data: bytes, label: str, limits: Limits = Limits()):
        import io

        self.label = label
        self.budget = limits.max_unzipped_bytes
        self.limits = limits
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, zlib.error, ValueError, EOFError):
            raise UnreadableFile(f"not a zip archive ({label})", "malformed") from None
        declared = sum(info.file_size for info in self.archive.infolist())
        if declared > self.budget:
            raise self._too_large(f"its members declare {_mb(declared)} MB")

    def _too_large(self, what: str) -> UnreadableFile:
        return UnreadableFile(f"{self.label} inflates beyond {self.limits.max_unzipped_mb:g} MB ({what})", "too_large")

    def names(self) -> list[str]:
        return self.archive.namelist()

    def open(self, name: str):
        """Return a binary stream of a member that stops the read once the budget is spent."""
        try:
            stream = self.archive.open(name)
        except KeyError:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError) as error:
            raise UnreadableFile(f"damaged {self.label} ({error})", "malformed") from None
        return _CountingStream(self, stream)

    def read(self, name: str) -> bytes:
        """Inflate one member within the budget."""
        with self.open(name) as stream:
            chunks = []
            while chunk := stream.read(1 << 20):
                chunks.append(chunk)
            return b"".join(chunks)

    def close(self) -> None:
        self.archive.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _CountingStream:
    """A member stream that charges what it inflates to its archive's budget."""

    def __init__(self, owner: BoundedZip, stream):
        self.owner, self.stream = owner, stream

    def read(self, size: int = -1) -> bytes:
        # Never one unbounded read: a lying header would let it inflate everything at once.
        size = 1 << 20 if size is None or size < 0 else min(size, 1 << 20)
        try:
            chunk = self.stream.read(size)
        except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, ValueError) as error:
            raise UnreadableFile(f"damaged {self.owner.label} ({error})", "malformed") from None
        self.owner.budget -= len(chunk)
        if self.owner.budget < 0:
            raise self.owner._too_large("counted while inflating")
        return chunk

    def close(self) -> None:
        self.stream.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --- text decoding -----------------------------------------------------------------------------


def fold_newlines(text: str) -> str:
    """Make every line break a single \\n."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\u2028", "\n").replace("\u2029", "\n")


_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\r\f") + b"\x7f"


def looks_binary(data: bytes) -> bool:
    """Tell binary data from text by its first bytes: a NUL, or too many control bytes."""
    head = data[:_SNIFF_BYTES]
    if b"\x00" in head:
        return True
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls > 0.05 * len(head)


@dataclass
class Decoded:
    """Decoded text, the codec that decoded it and how many bad bytes were replaced."""

    text: str
    encoding: str
    replaced: int = 0


def decode(data: bytes) -> Decoded:
    """Decode bytes of unknown encoding: BOM, else UTF-8, else GB18030, a few bad bytes replaced."""
    decoded = _decode_unmarked(data)
    # Files saved twice by BOM-writing editors start with a second BOM inside the text.
    decoded.text = decoded.text.lstrip("\ufeff")
    return decoded


def _decode_unmarked(data: bytes) -> Decoded:
    """Decode bytes by their BOM, else as UTF-8, else as GB18030, else line by line."""
    if data.startswith(codecs.BOM_UTF8):
        text, bad = _escaping_decode(data[3:], "utf-8")
        if bad and not _few(bad, data):
            raise UnreadableFile("undecodable text (invalid UTF-8 after a UTF-8 BOM)")
        return Decoded(text, "utf-8", bad)
    # Windows Notepad's "Unicode" is UTF-16 with a BOM; its NUL bytes would look binary.
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise UnreadableFile("undecodable text (invalid UTF-16 after a BOM)") from None
        if _mostly_unusual(text):
            raise UnreadableFile("binary data", "binary")
        return Decoded(text, "utf-16")
    if looks_binary(data):
        raise UnreadableFile("binary data", "binary")
    decoded = _decode_utf8(data)
    if decoded is not None:
        return decoded
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    # GB18030 maps nearly every byte pair to some character, so success proves little: text
    # that is mostly private-use or control characters was never GB18030.
    if text is not None and not _mostly_unusual(text):
        return Decoded(text, "gb18030")
    # Files pasted together from GBK and UTF-8 sources, or with a few damaged bytes: decode
    # each line on its own, the few bytes that fit neither codec replaced and counted.
    decoded = _decode_lines(data)
    if decoded is None or _mostly_unusual(decoded.text):
        raise UnreadableFile("undecodable text (neither UTF-8 nor GB18030)")
    return decoded


_ESCAPED_BYTE_RE = re.compile("[\udc80-\udcff]")
_HIGH_BYTES = bytes(range(0x80, 0x100))


def _escaping_decode(data: bytes, codec: str) -> tuple[str, int]:
    """Decode with every undecodable byte replaced by U+FFFD; return the text and their count."""
    text = data.decode(codec, "surrogateescape")
    text, bad = _ESCAPED_BYTE_RE.subn("\ufffd", text)
    return text, bad


def _non_ascii(data: bytes) -> int:
    return len(data) - len(data.translate(None, _HIGH_BYTES))


def _few(bad: int, data: bytes, slack: int = 3) -> bool:
    """Tell whether `bad` bytes are at most 1% of the non-ASCII bytes (plus `slack`)."""
    return bad <= 0.01 * _non_ascii(data) + slack  # slack: a slice may cut its last character


def _decode_utf8(data: bytes) -> Decoded | None:
    """Decode UTF-8, tolerating a cut last character or a rare bad byte; None if not UTF-8."""
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as error:
        # A file cut mid-character (a partial download) is still UTF-8.
        if error.reason == "unexpected end of data" and error.end == len(data):
            try:
                return Decoded(data[: error.start].decode("utf-8"), "utf-8")
            except UnicodeDecodeError:
                pass
    # One corrupt byte in a long UTF-8 file must not send the whole file through GB18030,
    # which would decode UTF-8 Chinese into other, wrong Chinese characters without an error.
    # GBK text fails on nearly every character, so its first 64 KB settle it quickly.
    head = data[:65536]
    if not _few(_escaping_decode(head, "utf-8")[1], head):
        return None
    text, bad = _escaping_decode(data, "utf-8")
    if not _few(bad, data, slack=0):
        return None
    return Decoded(text, "utf-8", bad)


def _decode_lines(data: bytes) -> Decoded | None:
    """Decode each line as UTF-8, else GB18030, else the one that fails on fewer bytes."""
    lines, codecs_used, bad = [], set(), 0
    for line in data.split(b"\n"):
        for codec in ("utf-8", "gb18030"):
            try:
                lines.append(line.decode(codec))
                codecs_used.add(codec)
                break
            except UnicodeDecodeError:
                continue
        else:
            # A GB18030 file with a few damaged bytes must not be lost whole.
            text, line_bad, codec = min(((*_escaping_decode(line, codec), codec) for codec in ("gb18030", "utf-8")),
                                        key=lambda decoded: decoded[1])
            lines.append(text)
            codecs_used.add(codec)
            bad += line_bad
    if bad and not _few(bad, data):
        return None
    encoding = "mixed utf-8/gb18030" if len(codecs_used) > 1 else (codecs_used.pop() if codecs_used else "utf-8")
    return Decoded("\n".join(lines), encoding, bad)


def _mostly_unusual(text: str) -> bool:
    """Tell whether decoded text is mostly characters real text does not use."""
    sample = text[:100_000]
    visible = sum(1 for ch in sample if not ch.isspace())
    unusual = sum(
        1 for ch in sample
        if unicodedata.category(ch) in ("Co", "Cn", "Cs", "Cc") and ch not in "\t\n\r\f"
    )
    # A few stray characters are tolerated: GBK's user-defined area is real in old files.
    return unusual >= 3 and unusual > 0.02 * visible
