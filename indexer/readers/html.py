"""Read a web page (.html, .htm): its article text without site chrome, and its meta hints."""

import codecs
import datetime
import re

import lxml.html
from lxml import etree

from indexer.readers.base import Decoded, Document, UnreadableFile, decode, fold_newlines, looks_binary
from indexer.text import CJK_CLASS, HAN_RE

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


def read_html(data: bytes, path: str, limits) -> list[Document]:
    """Read a web page: its meta hints and its article text without site chrome."""
    decoded = _decode_html(data)
    text = decoded.text
    if not text.strip():
        raise UnreadableFile("empty file", "empty")
    text = _XML_DECLARATION_RE.sub("", text, count=1)  # lxml refuses str with a declaration
    text = _ASCII_CONTROLS_RE.sub("", text)
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, huge_tree=True)
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        raise UnreadableFile("no text in page", "empty") from None
    warnings = {"replaced_bytes": decoded.replaced} if decoded.replaced else {}
    meta = _meta_tags(root)
    site = meta.get("sitename")
    page_title = _page_title(root, site)
    if _lost_text(text, root):
        # libxml2 drops everything nested deeper than its limit (about 2,000 levels) without an
        # error; read such a page with a tokenizer that keeps every text instead.
        lines, headings = _flat_lines(text), []
        warnings["flattened_html"] = 1
    else:
        _drop_chrome(root)
        headings = _headings(root)
        lines = _article_lines(root)
    if not lines:
        raise UnreadableFile("no text in page", "empty")
    candidates = [t for t in (meta.get("articletitle"), page_title) if t]
    candidates += [h for h in headings[:3] if h not in candidates]
    return [Document(
        text="\n".join(lines), title=meta.get("articletitle") or page_title, title_candidates=candidates,
        headings=headings, byline=meta.get("author"), published=_iso_date(meta.get("pubdate")),
        site=site, url=_page_url(root, meta), source=meta.get("contentsource"), encoding=decoded.encoding,
        warnings=warnings, line_breaks="paragraph",
    )]


def _lost_text(markup: str, root) -> bool:
    """Tell whether the parsed tree holds less Han text than the markup outside scripts and tags."""
    visible = _TAG_RE.sub("", _INVISIBLE_RE.sub("", markup))
    return _han(root.text_content()) < _han(visible)


_INVISIBLE_RE = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->|<title\b.*?</title\s*>", re.I | re.S)
_TAG_RE = re.compile(r"<[^>]*>")


def _flat_lines(markup: str) -> list[str]:
    """Render markup as text with a tokenizer that has no depth limit: blocks break lines."""
    from html.parser import HTMLParser

    lines: list[str] = []
    parts: list[str] = []
    hidden = [0]

    def flush() -> None:
        line = _collapse("".join(parts)).strip()
        parts.clear()
        if line:
            lines.append(line)

    class Flattener(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag in _DROP_TAGS and tag not in ("meta", "link", "input"):
                hidden[0] += 1
            elif tag in _BLOCK_TAGS:
                flush()

        def handle_endtag(self, tag):
            if tag in _DROP_TAGS and tag not in ("meta", "link", "input"):
                hidden[0] = max(0, hidden[0] - 1)
            elif tag in _BLOCK_TAGS:
                flush()

        def handle_data(self, data):
            if not hidden[0]:
                parts.append(data)

    flattener = Flattener(convert_charrefs=True)
    flattener.feed(markup)
    flattener.close()
    flush()
    return lines


def _headings(root) -> list[str]:
    """Return the text of the page's h1-h3 headings, in order."""
    found = []
    for element in root.iter("h1", "h2", "h3"):
        text = " ".join(element.text_content().split())
        if text and text not in found:
            found.append(text)
    return found


def _page_url(root, meta: dict[str, str]) -> str | None:
    """Return the page's own absolute URL from its canonical link or og:url, or None."""
    for link in root.iter("link"):
        if (link.get("rel") or "").lower() == "canonical":
            href = (link.get("href") or "").strip()
            if href.startswith(("http://", "https://")):
                return href
    for element in root.iter("meta"):
        if (element.get("property") or "").lower() == "og:url":
            content = (element.get("content") or "").strip()
            if content.startswith(("http://", "https://")):
                return content
    return None


def _decode_html(data: bytes) -> Decoded:
    """Decode a page by its BOM, else its own declared charset, else as an undeclared text."""
    if data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return decode(data)
    if looks_binary(data):
        raise UnreadableFile("binary data", "binary")
    declared = _declared_codec(data[:16384])
    if declared:
        # A page declaring Latin-1 whose bytes are valid UTF-8 Chinese is UTF-8: old Chinese
        # sites shipped default templates that declare iso-8859-1.
        if declared == "cp1252" and not data.isascii():
            try:
                return Decoded(data.decode("utf-8"), "utf-8")
            except UnicodeDecodeError:
                pass
        try:
            return Decoded(data.decode(declared), declared)
        except UnicodeDecodeError:
            pass  # the declaration lies (a GBK page labelled UTF-8), or a few bytes are bad: detect
    return decode(data)


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
        pieces = fold_newlines(text).split("\n")
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
