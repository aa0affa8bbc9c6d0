"""Read one corpus file (.txt, .html/.htm, .docx) into plain text and the hints it carries."""

# Every failure a corpus file can cause is an UnreadableFile with a short reason, so a build
# lists what it skipped and why instead of stopping.

import codecs
import datetime
import io
import os
import re
import stat
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass

import lxml.html
from lxml import etree

from indexer.text import CJK_CLASS, HAN_RE

SUPPORTED_SUFFIXES = (".txt", ".html", ".htm", ".docx")

# A speech, even a compilation of a year's speeches, is a few MB; anything far larger is not
# one and would only exhaust memory.
_MAX_BYTES = 256 * 1024 * 1024
_SNIFF_BYTES = 8192


@dataclass
class Document:
    """A file's decoded text and the hints its format carries."""

    text: str  # "\n" line breaks, no BOM; one paragraph per line for HTML and .docx
    title: str | None = None  # title hint: ArticleTitle meta, <title> without site name, dc:title
    published: str | None = None  # ISO date of publication (PubDate meta), not of the speech
    site: str | None = None  # SiteName meta
    source: str | None = None  # ContentSource meta
    encoding: str = "utf-8"  # the encoding the text was decoded with


class UnreadableFile(Exception):
    """Signal that a file cannot be read; `reason` says why in a few words."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def read_document(path) -> Document:
    """Read one corpus file of any supported format (dispatch on lowercase suffix)."""
    path = os.fspath(path)
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableFile(f"unsupported file type {suffix or '(no suffix)'}")
    data = _read_bytes(path)
    if not data:
        raise UnreadableFile("empty file")
    if suffix == ".txt":
        return _read_txt(data)
    if suffix == ".docx":
        return _read_docx(data)
    return _read_html(data)


# --- files -------------------------------------------------------------------------------------


def _os_reason(error: OSError) -> str:
    """Turn an OSError into a short lowercase reason."""
    if isinstance(error, PermissionError):
        return "permission denied"
    reason = error.strerror or str(error) or type(error).__name__
    return reason[:1].lower() + reason[1:]


def _read_bytes(path: str) -> bytes:
    """Return a regular file's bytes, refusing anything else before opening it."""
    try:
        # stat follows symlinks: a link to a file is read, a broken link or a loop fails here.
        info = os.stat(path)
    except OSError as error:
        raise UnreadableFile(_os_reason(error)) from None
    # Opening a FIFO blocks until a writer appears, and a device can stream forever.
    if not stat.S_ISREG(info.st_mode):
        raise UnreadableFile("not a regular file")
    if info.st_size > _MAX_BYTES:
        raise UnreadableFile(f"file too large ({info.st_size // (1024 * 1024)} MB)")
    try:
        with open(path, "rb") as handle:
            data = handle.read(_MAX_BYTES + 1)
    except OSError as error:
        raise UnreadableFile(_os_reason(error)) from None
    if len(data) > _MAX_BYTES:  # the file grew after stat
        raise UnreadableFile("file too large")
    return data


# --- plain text --------------------------------------------------------------------------------


def _read_txt(data: bytes) -> Document:
    """Decode a plain-text file."""
    text, encoding = _decode(data)
    text = _fold_newlines(text)
    if not text.strip():
        raise UnreadableFile("empty file")
    return Document(text=text, encoding=encoding)


def _fold_newlines(text: str) -> str:
    """Make every line break a single \\n."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\u2028", "\n").replace("\u2029", "\n")


_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\r\f") + b"\x7f"


def _looks_binary(data: bytes) -> bool:
    """Tell binary data from text by its first bytes: a NUL, or too many control bytes."""
    head = data[:_SNIFF_BYTES]
    if b"\x00" in head:
        return True
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls > 0.05 * len(head)


def _decode(data: bytes) -> tuple[str, str]:
    """Decode bytes of unknown encoding: BOM, else UTF-8, else GB18030."""
    text, encoding = _decode_unmarked(data)
    # Files saved twice by BOM-writing editors start with a second BOM inside the text.
    return text.lstrip("\ufeff"), encoding


def _decode_unmarked(data: bytes) -> tuple[str, str]:
    """Decode bytes by their BOM, else as UTF-8, else as GB18030."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[3:].decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            raise UnreadableFile("undecodable text (invalid UTF-8 after a UTF-8 BOM)") from None
    # Windows Notepad's "Unicode" is UTF-16 with a BOM; its NUL bytes would look binary.
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise UnreadableFile("undecodable text (invalid UTF-16 after a BOM)") from None
        if _mostly_unusual(text):
            raise UnreadableFile("binary data")
        return text, "utf-16"
    if _looks_binary(data):
        raise UnreadableFile("binary data")
    text = _decode_utf8(data)
    if text is not None:
        return text, "utf-8"
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    # GB18030 maps nearly every byte pair to some character, so success proves little: text
    # that is mostly private-use or control characters was never GB18030.
    if text is not None and not _mostly_unusual(text):
        return text, "gb18030"
    # Files pasted together from GBK and UTF-8 sources: decode each line on its own.
    text = _decode_lines(data)
    if text is None or _mostly_unusual(text):
        raise UnreadableFile("undecodable text (neither UTF-8 nor GB18030)")
    return text, "mixed utf-8/gb18030"


def _decode_lines(data: bytes) -> str | None:
    """Decode each line as UTF-8, else GB18030; None if some line is neither."""
    lines = []
    for line in data.split(b"\n"):
        for codec in ("utf-8", "gb18030"):
            try:
                lines.append(line.decode(codec))
                break
            except UnicodeDecodeError:
                continue
        else:
            return None
    return "\n".join(lines)


_ESCAPED_BYTE_RE = re.compile("[\udc80-\udcff]")
_HIGH_BYTES = bytes(range(0x80, 0x100))


def _decode_utf8(data: bytes) -> str | None:
    """Decode UTF-8, tolerating a cut last character or a rare bad byte; None if not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        # A file cut mid-character (a partial download) is still UTF-8.
        if error.reason == "unexpected end of data" and error.end == len(data):
            try:
                return data[: error.start].decode("utf-8")
            except UnicodeDecodeError:
                pass
    # One corrupt byte in a long UTF-8 file must not send the whole file through GB18030,
    # which would decode UTF-8 Chinese into other, wrong Chinese characters without an error.
    # GBK text fails on nearly every character, so its first 64 KB settle it quickly.
    if _mostly_utf8(data[:65536], slack=3) and _mostly_utf8(data):
        return data.decode("utf-8", "replace")
    return None


def _mostly_utf8(data: bytes, slack: int = 0) -> bool:
    """Tell whether at most 1% of the non-ASCII bytes (plus `slack`) fail to decode as UTF-8."""
    bad = len(_ESCAPED_BYTE_RE.findall(data.decode("utf-8", "surrogateescape")))
    non_ascii = len(data) - len(data.translate(None, _HIGH_BYTES))
    return bad <= 0.01 * non_ascii + slack  # slack: a slice may cut its last character


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


# --- HTML --------------------------------------------------------------------------------------

_META_CHARSET_RE = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING_RE = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECLARATION_RE = re.compile(r"^\s*<\?xml[^>]*\?>")
_ASCII_CONTROLS_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")

# Declared labels and the codec that decodes what such pages really hold: pages labelled
# GB2312 routinely carry GBK-only characters (the 镕 of 朱镕基), and browsers read
# "iso-8859-1" as windows-1252 (the WHATWG encoding standard does the same).
_WIDER_CODEC = {
    "gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "hz": "gb18030",
    "latin_1": "cp1252", "iso8859-1": "cp1252", "ascii": "cp1252",
    "big5": "big5hkscs", "cp950": "big5hkscs",
    # A meta tag read as ASCII cannot be right about UTF-16 (WHATWG: treat as UTF-8).
    "utf-16": "utf-8", "utf-16-le": "utf-8", "utf-16-be": "utf-8",
}
_GB_LABELS = {"x-gbk", "gb_2312", "gb_2312-80", "euc-cn", "ms936", "windows-936"}

_DROP_TAGS = {
    "script", "style", "noscript", "iframe", "select", "button", "textarea", "input", "object",
    "embed", "svg", "template", "head", "title", "meta", "link", "option",
}
# Chrome by tag or by class/id; dropped unless it holds most of the page's text (ASP.NET sites
# wrap the whole page in one <form>, and a careless theme calls the article "header-content").
_CHROME_TAGS = {"nav", "header", "footer", "form", "aside"}
_CHROME_RE = re.compile(
    r"(?:^|[^a-z])(?:nav|menu|header|footer|breadcrumb|crumb|share|sidebar|side|copyright"
    r"|login|search|toolbar)"
)
_CONTENT_RE = re.compile(
    r"(?:^|[^a-z])(?:zoom|content|article|trs_editor|custom_unionstyle|main-?_?text|detail|con)"
)
_CONTENT_BONUS = 1.5

_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "body", "br", "caption", "center", "dd",
    "details", "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "h1",
    "h2", "h3", "h4", "h5", "h6", "hr", "html", "legend", "li", "main", "menu", "ol", "p", "pre",
    "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}
_WHITESPACE_RUN_RE = re.compile(r"[ \t\n\r\f\v\xa0]+")
_WIDE_RE = re.compile(f"[{CJK_CLASS}]")


def _read_html(data: bytes) -> Document:
    """Read a web page: its meta hints and its article text without site chrome."""
    text, encoding = _decode_html(data)
    if not text.strip():
        raise UnreadableFile("empty file")
    text = _XML_DECLARATION_RE.sub("", text, count=1)  # lxml refuses str with a declaration
    text = _ASCII_CONTROLS_RE.sub("", text)
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, huge_tree=True)
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        raise UnreadableFile("no text in page") from None
    meta = _meta_tags(root)
    site = meta.get("sitename")
    title = meta.get("articletitle") or _page_title(root, site)
    lines = _article_lines(root)
    if not lines:
        raise UnreadableFile("no text in page")
    return Document(
        text="\n".join(lines), title=title, published=_iso_date(meta.get("pubdate")),
        site=site, source=meta.get("contentsource"), encoding=encoding,
    )


def _decode_html(data: bytes) -> tuple[str, str]:
    """Decode a page by its BOM, else its own declared charset, else as an undeclared text."""
    if data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode(data)
    if _looks_binary(data):
        raise UnreadableFile("binary data")
    declared = _declared_codec(data[:16384])
    if declared:
        # A page declaring Latin-1 whose bytes are valid UTF-8 Chinese is UTF-8: old Chinese
        # sites shipped default templates that declare iso-8859-1.
        if declared == "cp1252" and not data.isascii():
            try:
                return data.decode("utf-8"), "utf-8"
            except UnicodeDecodeError:
                pass
        try:
            return data.decode(declared), declared
        except UnicodeDecodeError:
            pass  # the declaration lies (a GBK page labelled UTF-8): detect instead
    return _decode(data)


def _declared_codec(head: bytes) -> str | None:
    """Return the Python codec for the charset a page declares, or None."""
    match = _XML_ENCODING_RE.search(head) or _META_CHARSET_RE.search(head)
    if not match:
        return None
    label = match.group(1).decode("ascii").lower()
    if label in _GB_LABELS:
        return "gb18030"
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return _WIDER_CODEC.get(name, name)


def _meta_tags(root) -> dict[str, str]:
    """Collect the first non-empty content of each <meta name>, names lowercased."""
    found: dict[str, str] = {}
    for meta in root.iter("meta"):
        name = (meta.get("name") or "").strip().lower()
        content = " ".join((meta.get("content") or "").split())
        if name and content and name not in found:
            found[name] = content
    return found


# Separators between a page title and the column or site name after it: "--", "_", "|" and a
# spaced hyphen. A bare hyphen is not one: "中国-东盟博览会" is a title.
_TITLE_SEPARATOR_RE = re.compile(r"\s*(?:-{2,}|_+|[|｜]|\s[-–]\s)\s*")


def _page_title(root, site: str | None) -> str | None:
    """Return the <title> text without its trailing site name, or None."""
    element = root.find(".//title")
    if element is None:
        return None
    title = " ".join(element.text_content().split())
    if site and title.endswith(site):
        title = title[: -len(site)].rstrip(" -_|｜–—")
    title = _TITLE_SEPARATOR_RE.split(title, maxsplit=1)[0].strip()
    if not title or title == site:
        return None
    return title


_DATE_RE = re.compile(r"(\d{4})(?:\s*[-/.年]\s*(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2}))?)?")
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})")


def _iso_date(value: str | None) -> str | None:
    """Turn a PubDate ('2024-01-22 23:08', '2024年1月') into 'YYYY-MM-DD', 'YYYY-MM' or 'YYYY'."""
    if not value:
        return None
    match = _COMPACT_DATE_RE.match(value.strip()) or _DATE_RE.search(value)
    if not match:
        return None
    year, month, day = (int(part) if part else None for part in match.groups())
    if not 1900 <= year <= 2100:
        return None
    if month is None or not 1 <= month <= 12:
        return f"{year:04d}"
    if day is None:
        return f"{year:04d}-{month:02d}"
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return f"{year:04d}-{month:02d}"


def _class_id(element) -> str:
    """Return an element's class and id as lowercase words, camelCase split and unsplit."""
    value = f"{element.get('class') or ''} {element.get('id') or ''}".strip()
    if not value:
        return ""
    split = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", value)
    return f"{split} {value}".lower()


def _han(text: str | None) -> int:
    """Count the Han characters in text (None counts nothing)."""
    return len(HAN_RE.findall(text)) if text else 0


def _subtree_han(root) -> dict:
    """Map every element to the Han characters of its text, its tail excluded."""
    nodes = list(root.iter())
    totals: dict = {}
    for node in reversed(nodes):  # children before parents
        total = _han(node.text) if isinstance(node.tag, str) else 0
        for child in node:
            total += totals.get(child, 0) + _han(child.tail)
        totals[node] = total
    return totals


def _drop_chrome(root) -> None:
    """Remove scripts, forms and the navigation, header and footer blocks around an article."""
    for element in list(root.iter()):
        if not isinstance(element.tag, str) or element.tag in _DROP_TAGS:
            if element.getparent() is not None:
                element.drop_tree()
    totals = _subtree_han(root)
    page = totals.get(root, 0)
    for element in list(root.iter()):
        if element is root or element.tag in ("body", "html"):
            continue
        words = _class_id(element)
        if element.tag in _CHROME_TAGS or (words and _CHROME_RE.search(words)):
            if page and totals.get(element, 0) > 0.5 * page:
                continue
            if element.getparent() is not None:
                element.drop_tree()


def _article_lines(root) -> list[str]:
    """Return the article's lines: the densest paragraph container and its rich siblings."""
    _drop_chrome(root)
    body = root.find("body")
    if body is None:
        body = root
    scores = _paragraph_scores(body)
    if not scores or max(scores.values()) <= 0:
        return _text_lines([body])
    best = max(scores, key=scores.get)  # first of equals: the outer one, in document order
    parent = best.getparent()
    if parent is None:
        return _text_lines([best])
    # Word splits a long document into several Section divs; keep siblings that are
    # themselves substantial, drop the small ones (bylines of the page, print buttons).
    threshold = max(10.0, 0.2 * scores[best])
    chosen = [child for child in parent if child is best or scores.get(child, 0) >= threshold]
    return _text_lines(chosen)


def _paragraph_scores(body) -> dict:
    """Score block elements by the Han text of the paragraphs directly inside them."""
    # A block's own inline text (links aside) counts fully for itself and its nearest block
    # parent and half for the block above that, so the element right around the paragraphs
    # scores highest. A class or id naming article content adds a bonus: gov-site templates
    # (zoom, TRS_Editor...) name it, but wrappers called "content" hold chrome too, so the
    # name only tips a close call and never beats where the paragraphs really are.
    own: dict = {}
    block_parent: dict = {}
    stack = [(body, None, False)]  # (element, nearest block around it, inside a link)
    while stack:
        element, holder, in_link = stack.pop()
        if not isinstance(element.tag, str):
            continue
        is_block = element.tag in _BLOCK_TAGS and element.tag not in ("br", "hr")
        if is_block:
            block_parent[element] = holder
            own.setdefault(element, 0)
        mine = element if is_block else holder
        # Link text is what lists of related articles and menus are made of, not speeches.
        link = in_link or element.tag == "a"
        if mine is not None and not link:
            own[mine] += _han(element.text)
        if holder is not None and not in_link:
            own[holder] += _han(element.tail)
        stack.extend((child, mine, link) for child in reversed(element))
    scores = dict.fromkeys(own, 0.0)
    for block, count in own.items():
        if not count:
            continue
        scores[block] += count
        parent = block_parent.get(block)
        if parent is not None:
            scores[parent] += count
            grandparent = block_parent.get(parent)
            if grandparent is not None:
                scores[grandparent] += count / 2
    for block in scores:
        words = _class_id(block)
        if words and _CONTENT_RE.search(words):
            scores[block] *= _CONTENT_BONUS
    return scores


def _text_lines(roots) -> list[str]:
    """Render elements as text: one line per block, inline tags joined without spaces."""
    lines: list[str] = []
    parts: list[str] = []

    def flush() -> None:
        line = _collapse("".join(parts)).strip()
        parts.clear()
        if line:
            lines.append(line)

    def emit(text: str | None, in_pre: bool) -> None:
        if not text:
            return
        if not in_pre:
            parts.append(text)
            return
        pieces = _fold_newlines(text).split("\n")
        for piece in pieces[:-1]:
            parts.append(piece)
            flush()
        parts.append(pieces[-1])

    for root in roots:
        # (element, closing, inside <pre>); iterative because Word pages nest deeply.
        stack = [(root, False, False)]
        while stack:
            element, closing, in_pre = stack.pop()
            if not isinstance(element.tag, str):
                if element is not root:
                    emit(element.tail, in_pre)
                continue
            is_block = element.tag in _BLOCK_TAGS
            if closing:
                if is_block:
                    flush()
                if element is not root:
                    emit(element.tail, in_pre)
                continue
            if element.tag in ("br", "hr"):
                flush()
                if element is not root:
                    emit(element.tail, in_pre)
                continue
            if is_block:
                flush()
            child_pre = in_pre or element.tag == "pre"
            emit(element.text, child_pre)
            stack.append((element, True, in_pre))
            stack.extend((child, False, child_pre) for child in reversed(element))
        flush()
    return lines


def _collapse(line: str) -> str:
    """Collapse whitespace runs to one space; drop source line breaks between CJK characters."""

    def replace(match: re.Match) -> str:
        run = match.group(0)
        if "\n" in run or "\r" in run:
            before = line[match.start() - 1] if match.start() else ""
            after = line[match.end()] if match.end() < len(line) else ""
            # As browsers do (CSS Text 3): a source line break between two CJK characters
            # is no space at all, so 会议\n精神 reads 会议精神.
            if before and after and _WIDE_RE.match(before) and _WIDE_RE.match(after):
                return ""
        return " "

    return _WHITESPACE_RUN_RE.sub(replace, line)


# --- .docx -------------------------------------------------------------------------------------

_XML_PARSER_OPTIONS = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


def _read_docx(data: bytes) -> Document:
    """Read a Word .docx: one line per paragraph, title from its core properties."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UnreadableFile("not a zip archive (.docx)") from None
    with archive:
        try:
            info = archive.getinfo("word/document.xml")
        except KeyError:
            raise UnreadableFile("no word/document.xml in .docx") from None
        if info.file_size > _MAX_BYTES:  # a zip bomb expands far beyond any speech
            raise UnreadableFile("word/document.xml too large")
        document_xml = _zip_member(archive, "word/document.xml")
        try:
            core_xml = _zip_member(archive, "docProps/core.xml")
        except (KeyError, UnreadableFile):
            core_xml = None
    try:
        root = etree.fromstring(document_xml, etree.XMLParser(**_XML_PARSER_OPTIONS))
    except etree.XMLSyntaxError:
        raise UnreadableFile("malformed word/document.xml in .docx") from None
    lines = [line for line in _docx_lines(root) if line.strip()]
    if not lines:
        raise UnreadableFile("no text in document")
    return Document(text="\n".join(lines), title=_docx_title(core_xml))


def _zip_member(archive: zipfile.ZipFile, name: str) -> bytes:
    """Read one archive member, reporting a damaged archive as unreadable."""
    try:
        return archive.read(name)
    except KeyError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as error:
        raise UnreadableFile(f"damaged .docx ({error})") from None


def _docx_lines(root) -> list[str]:
    """Return each w:p's text, w:tab as a tab and w:br/w:cr as line breaks."""
    # The root's own namespace: Transitional and Strict OOXML name the same tags differently,
    # and DrawingML's a:p/a:r/a:t inside shapes must not be read as Word paragraphs.
    w = "{%s}" % etree.QName(root).namespace
    run, skip = w + "r", {w + "p", w + "pPr", w + "rPr"}
    text = {w + "t": None, w + "tab": "\t", w + "br": "\n", w + "cr": "\n",
            w + "noBreakHyphen": "-"}
    lines: list[str] = []
    for paragraph in root.iter(w + "p"):
        # Drawings carry their text box twice (mc:Choice and mc:Fallback); read it once.
        if any(_is_fallback(ancestor) for ancestor in paragraph.iterancestors()):
            continue
        parts: list[str] = []
        stack = list(reversed(paragraph))
        while stack:
            element = stack.pop()
            # Nested paragraphs (text boxes) are lines of their own; properties hold tab stops
            # (w:tabs/w:tab) that are no text.
            if element.tag in skip or not isinstance(element.tag, str) or _is_fallback(element):
                continue
            if element.getparent().tag == run:
                if element.tag in text:
                    parts.append(text[element.tag] or element.text or "")
                continue
            stack.extend(reversed(element))
        lines.extend(_fold_newlines("".join(parts)).split("\n"))
    return lines


def _is_fallback(element) -> bool:
    """Tell whether an element is an mc:Fallback (markup compatibility) block."""
    return isinstance(element.tag, str) and element.tag.endswith("}Fallback")


def _docx_title(core_xml: bytes | None) -> str | None:
    """Return dc:title from docProps/core.xml when present and not blank."""
    if not core_xml:
        return None
    try:
        core = etree.fromstring(core_xml, etree.XMLParser(**_XML_PARSER_OPTIONS))
    except etree.XMLSyntaxError:
        return None
    element = core.find("{http://purl.org/dc/elements/1.1/}title")
    if element is None or not (element.text or "").strip():
        return None
    return " ".join(element.text.split())
