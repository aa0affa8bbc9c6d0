"""Read a Word .docx: one line per paragraph, streamed so a huge document.xml stays bounded."""

import re

from lxml import etree

from indexer.readers.base import BoundedZip, Document, UnreadableFile, fold_newlines

_XML_PARSER_OPTIONS = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
# docProps/core.xml holds a title and an author: a few KB. More is a bomb, not properties.
_MAX_CORE_BYTES = 16 * 1024 * 1024
_DC = "{http://purl.org/dc/elements/1.1/}"


def read_docx(data: bytes, path: str, limits) -> list[Document]:
    """Read a Word .docx: one line per paragraph, title and author from its core properties."""
    with BoundedZip(data, ".docx", limits) as archive:
        if "word/document.xml" not in archive.names():
            raise UnreadableFile("no word/document.xml in .docx", "malformed")
        core = _core_properties(archive)
        with archive.open("word/document.xml") as stream:
            lines, headings = _docx_lines(stream)
    lines = [line for line in lines if line.strip()]
    if not lines:
        raise UnreadableFile("no text in document", "empty")
    return [Document(text="\n".join(lines), title=core.get("title"), headings=headings, line_breaks="paragraph",
                     byline=_person(core.get("creator")))]


def _core_properties(archive: BoundedZip) -> dict[str, str]:
    """Return dc:title and dc:creator from docProps/core.xml, read within a small limit."""
    try:
        info = archive.archive.getinfo("docProps/core.xml")
    except KeyError:
        return {}
    with archive.open(info.filename) as stream:
        chunks, size = [], 0
        while chunk := stream.read(1 << 16):
            size += len(chunk)
            if size > _MAX_CORE_BYTES:
                raise UnreadableFile("docProps/core.xml of .docx inflates beyond 16 MB", "too_large")
            chunks.append(chunk)
    try:
        core = etree.fromstring(b"".join(chunks), etree.XMLParser(**_XML_PARSER_OPTIONS))
    except etree.XMLSyntaxError:
        return {}
    found = {}
    for name in ("title", "creator"):
        element = core.find(_DC + name)
        if element is not None and (element.text or "").strip():
            found[name] = " ".join(element.text.split())
    return found


# An author field names a person only when it looks like a Chinese name: a tool's default
# (Administrator, 微软用户) or an office is no byline.
_PERSON_RE = re.compile(r"^[\u4e00-\u9fff]{2,4}$|^[\u4e00-\u9fff]{1,8}·[\u4e00-\u9fff]{1,8}$")
_NOT_PERSON_RE = re.compile(r"用户|公司|系统|技术|电脑|微软|办公|政府|中心|科|局|委|办|厅|部|院|室|组")


def _person(value: str | None) -> str | None:
    """Return an author field when it looks like a person's name, else None."""
    if value and _PERSON_RE.match(value) and not _NOT_PERSON_RE.search(value):
        return value
    return None


def _docx_lines(stream) -> tuple[list[str], list[str]]:
    """Return each w:p's text (w:tab a tab, w:br/w:cr line breaks) and the heading paragraphs."""
    lines: list[str] = []
    headings: list[str] = []
    w = run = skip = text = None
    try:
        events = etree.iterparse(stream, events=("start", "end"), **_XML_PARSER_OPTIONS)
        for event, element in events:
            if w is None:
                # The root's own namespace: Transitional and Strict OOXML name the same tags
                # differently, and DrawingML's a:p/a:r/a:t inside shapes are no Word paragraphs.
                w = "{%s}" % etree.QName(element).namespace
                run, skip = w + "r", {w + "p", w + "pPr", w + "rPr"}
                text = {w + "t": None, w + "tab": "\t", w + "br": "\n", w + "cr": "\n", w + "noBreakHyphen": "-"}
            if event != "end" or element.tag != w + "p":
                continue
            if any(ancestor.tag == w + "p" for ancestor in element.iterancestors()):
                continue  # a nested paragraph (text box) is read with the paragraph around it
            for paragraph in element.iter(w + "p"):
                found = _paragraph_lines(paragraph, run, skip, text)
                lines.extend(found)
                if _is_heading(paragraph, w) and "".join(found).strip():
                    headings.append(" ".join("".join(found).split()))
            # Free what is read: a document.xml of millions of paragraphs stays small in memory.
            element.clear()
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]
    except (etree.XMLSyntaxError, ValueError):  # ValueError: a prefix without its namespace
        raise UnreadableFile("malformed word/document.xml in .docx", "malformed") from None
    return lines, headings


def _paragraph_lines(paragraph, run, skip, text) -> list[str]:
    """Return one paragraph's text as lines, nested paragraphs and fallback copies left out."""
    # Drawings carry their text box twice (mc:Choice and mc:Fallback); read it once.
    if any(_is_fallback(ancestor) for ancestor in paragraph.iterancestors()):
        return []
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
    return fold_newlines("".join(parts)).split("\n")


_HEADING_STYLE_RE = re.compile(r"^(?:heading|title|标题)\s*\d*$", re.I)


def _is_heading(paragraph, w: str) -> bool:
    """Tell whether a paragraph is styled as a heading or carries an outline level."""
    properties = paragraph.find(w + "pPr")
    if properties is None:
        return False
    style = properties.find(w + "pStyle")
    if style is not None and _HEADING_STYLE_RE.match(style.get(w + "val") or ""):
        return True
    return properties.find(w + "outlineLvl") is not None


def _is_fallback(element) -> bool:
    """Tell whether an element is an mc:Fallback (markup compatibility) block."""
    return isinstance(element.tag, str) and element.tag.endswith("}Fallback")
