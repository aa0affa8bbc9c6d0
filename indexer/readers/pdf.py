"""Read a text PDF: clean lines without page furniture, and the hints a book gives (author, TOC)."""

# pypdfium2 (PDFium, BSD/Apache): fast on 500-page books, and its licence lets a network
# service use it, which PyMuPDF's AGPL does not.

import re
from typing import NamedTuple

from indexer.readers.base import Document, UnreadableFile
from indexer.patterns import ends_sentence, heading_key, heading_match, is_title
from indexer.text import CLOSING_CHARS, HAN_RE, Layout, count_chars, count_han, normalize, repair, starts_block

_NO_PAGES = Layout(wrapped=True, blank_breaks=False, page_numbers=frozenset())  # furniture is gone before repair

# Page numbers in their common forms: 3, - 3 -, — 3 —, ·3·, 第3页, 第3页 共9页, 3/9, Page 3.
_PAGE_NUMBER_RE = re.compile(
    r"^(?:[-—－–~·•.\s]*\d{1,4}[-—－–~·•.\s]*"
    r"|第\s*\d{1,4}\s*页(?:\s*[，,/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}"
    r"|(?:page|p\.)\s*\d{1,4}(?:\s*of\s*\d{1,4})?"
    r"|[-—·\s]*[ivxlcdm]{1,7}[-—·\s]*)$",
    re.I,
)
# A running header or footer often carries the page number beside a fixed text: 某某文集 · 23.
_EDGE_NUMBER_RE = re.compile(r"^[\d\s\-—–·•|｜.]+|[\d\s\-—–·•|｜.]+$")
_EDGE_LINES = 2  # lines at the top and at the bottom of a page that may be furniture
_MIN_REPEATS = 3  # pages on which a line must recur at the same edge to be furniture
_RUNNING_DENSITY = 0.45  # the share of the pages of its stretch a running header stands on

_GARBAGE_RE = re.compile(r"\(cid:\d+\)|[\ufffd\ue000-\uf8ff\x00-\x08\x0b\x0e-\x1f]")
_MIN_CHARS_PER_PAGE = 10

# A collected volume: 王某某文集, 文选, 选集, 讲话选编, 讲话汇编, 论述摘编; or 王某某谈治国理政.
_NAME = r"[\u4e00-\u9fff]{2,4}|[\u4e00-\u9fff]{1,8}·[\u4e00-\u9fff]{1,8}"
_BOOK_TITLE_RE = re.compile(r"(文集|文选|选集|文稿|讲话选编|讲话汇编|讲话集|言论集|论述摘编|著作选读|选编|汇编)(?:[（(].*[）)])?$"
                            rf"|^(?:{_NAME})谈[^话心判]\S+$")
_NAMED_BOOK_RE = re.compile(rf"^((?:{_NAME}))(?:同志)?"
                            r"(?:文集|文选|选集|文稿|讲话选编|讲话集|言论集|论述摘编|著作选读|谈[^话心判])")
_COVER_AUTHOR_RE = re.compile(rf"^(?:作者[：:]\s*)?({_NAME}?)\s*(?:著|撰)$")
_PERSON_RE = re.compile(rf"^(?:{_NAME})$")
# Words of offices, places and topics, never of a person's name (在座谈会上, 中央关于).
_NOT_NAME_RE = re.compile(r"[省市县区州委局厅院办会党座在]|政府|人民|中华|共和国|中央|中共|国务|关于|重要|论述|讲话"
                          r"|文件|资料|工作|学习|全国|我们")
_TOC_HEADING_RE = re.compile(r"^目\s*录$|^目\s*次$|^contents$", re.I)
_BOOK_PAGES = 20
# Word names its PDFs "Microsoft Word - 文件名.doc": the file name is no title.
_TOOL_TITLE_RE = re.compile(r"^(?:Microsoft\s+(?:Word|PowerPoint)\s*-\s*)|\.(?:docx?|wps|pdf|txt)$", re.I)


PAGES_PER_OPENING = 40


def read_pdf(data: bytes, path: str, limits) -> list[Document]:
    """Read a text PDF into clean lines; a PDF without a usable text layer needs OCR."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if "password" in str(error).lower():
            raise UnreadableFile("encrypted PDF (needs a password)", "unreadable") from None
        raise UnreadableFile(f"damaged PDF ({error})", "malformed") from None
    try:
        count = len(pdf)
        metadata = pdf.get_metadata_dict(skip_empty=True)
        bookmarks = _bookmarks(pdf, count)
        pages = []
        for number in range(count):
            if number and number % PAGES_PER_OPENING == 0:
                # PDFium keeps what it parsed of every page read (fonts, glyphs) until the document
                # closes: reopened every few dozen pages, a 1,000-page book reads in the memory of one.
                pdf.close()
                pdf = pdfium.PdfDocument(data)
            pages.append(_page_lines(pdf[number]))
    except pdfium.PdfiumError as error:
        raise UnreadableFile(f"damaged PDF ({error})", "malformed") from None
    finally:
        pdf.close()
    _check_text_layer([[line.text for line in page] for page in pages])
    running = running_lines(pages)
    kept = remove_furniture(pages, running)
    removed = [line.text for page, left in zip(pages, kept) for line in page if line not in left]
    pages = [[line._replace(text=mend_spacing(line.text)) for line in page] for page in kept]
    anchors = anchor_bookmarks(pages, bookmarks)
    paragraphs, anchored = rejoin(pages, anchors)
    if not paragraphs:
        raise UnreadableFile("no text in PDF", "empty")
    outline = [mark.title for mark in bookmarks]
    # A book's running header is its title (on every other page at least).
    headers = [mend_spacing(text) for text in running["top"].values()]
    kind, author = _book_hints(len(pages), paragraphs, _title_candidates(metadata, headers, paragraphs), outline, metadata)
    candidates = _title_candidates(metadata, headers if kind == "book" else [], paragraphs)
    return [Document(
        text="\n".join(paragraphs), title=candidates[0] if candidates else None, title_candidates=candidates,
        headings=[title for title in outline if title], author=author, kind=kind, line_breaks="rejoined",
        bookmarks=[(mark.level, mark.title, anchored.get(k)) for k, mark in enumerate(bookmarks)],
        dropped=[("page furniture", count_chars("".join(removed)), count_han("".join(removed)))] if removed else [],
    )]


class Bookmark(NamedTuple):
    """An entry of a PDF's outline: its depth, its title and the page it leads to (from 0)."""

    level: int
    title: str
    page: int | None


def _bookmarks(pdf, page_count: int) -> list[Bookmark]:
    """Read a PDF's outline (bookmarks): a book's first witness of where its pieces start."""
    marks = []
    for item in pdf.get_toc(max_depth=4):
        title = _clean(item.get_title() or "")
        if not title:
            continue
        destination = item.get_dest()
        page = destination.get_index() if destination is not None else None
        marks.append(Bookmark(item.level, title, page if page is not None and 0 <= page < page_count else None))
    return marks


ANCHOR_SCORE = 0.6  # how well a line must read as its bookmark's title to be where the piece starts


def anchor_bookmarks(pages: list[list["Line"]], bookmarks: list[Bookmark]) -> dict[tuple[int, int], int]:
    """Find the line of its page where each bookmark's heading stands: {(page, line): bookmark}.

    A bookmark leads to a page; its piece starts at the line of that page (or of the next, as
    some outlines point a page early) that reads as its title, else at the page's first line.
    Lines before a later bookmark's line on the same page are not taken.
    """
    anchors: dict[tuple[int, int], int] = {}
    taken: dict[int, int] = {}  # page -> the last line anchored on it
    for k, mark in enumerate(bookmarks):
        if mark.page is None:
            continue
        key = heading_key(mark.title)
        best, best_score = None, 0.0
        for page in (mark.page, mark.page + 1):
            if page >= len(pages):
                break
            for i, line in enumerate(pages[page][:60]):
                if i < taken.get(page, -1) or (page, i) in anchors:
                    continue
                score = heading_match(key, line.text)
                if score > best_score + 1e-9:
                    best, best_score = (page, i), score
            if best_score >= 0.95:
                break
        if best is None or best_score < ANCHOR_SCORE:
            page = mark.page
            while page < len(pages) and not pages[page]:
                page += 1
            if page >= len(pages):
                continue
            best = (page, 0)
            if best in anchors:
                continue  # two bookmarks to one page and no heading for this one: it adds no start
        anchors[best] = k
        taken[best[0]] = best[1]
    return anchors


class Line(NamedTuple):
    """A line of a page: its text, and where it starts and ends across the page (in points)."""

    text: str
    left: float = 0.0
    right: float = 0.0
    size: float = 0.0  # the height of its first character: the font size, about


def _page_lines(page) -> list[Line]:
    """Return a page's text lines as PDFium orders them, stripped, with their extent."""
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
        # PDFium numbers the characters of this text one by one (its line breaks included).
        aligned = textpage.count_chars() == len(text)
        lines = []
        for match in re.finditer(r"[^\r\n]+", text):
            stripped = match.group().strip()
            if not stripped:
                continue
            if not aligned:
                lines.append(Line(stripped))
                continue
            first = match.start() + len(match.group()) - len(match.group().lstrip())
            last = match.start() + len(match.group().rstrip()) - 1
            left, bottom, _, top = textpage.get_charbox(first)
            lines.append(Line(stripped, left, textpage.get_charbox(last)[2], top - bottom))
    finally:
        textpage.close()
        page.close()
    return lines


def _clean(text: str) -> str:
    return " ".join(text.replace("\x00", "").split())


def _check_text_layer(pages: list[list[str]]) -> None:
    """Refuse a PDF whose pages carry no text or only glyph codes: it is a scan or lacks a font map."""
    text = "".join("".join(page) for page in pages)
    visible = len(re.sub(r"\s", "", text))
    if not pages or visible < _MIN_CHARS_PER_PAGE * len(pages):
        raise UnreadableFile(f"no text layer on {len(pages)} pages (a scan?): it needs OCR first", "needs_ocr")
    # Real text holds no control characters; a font without a map to Unicode gives glyph
    # numbers, the most frequent of which are below 32.
    garbage = sum(len(match) for match in _GARBAGE_RE.findall(text))
    if garbage > 0.05 * visible:
        raise UnreadableFile("the text layer is unreadable glyph codes ((cid:…), U+FFFD): it needs OCR first",
                             "needs_ocr")


def _edge_key(line: Line) -> str:
    """Return what identifies a header or footer line across pages: its text less page numbers."""
    return re.sub(r"\s", "", _EDGE_NUMBER_RE.sub("", line.text))


def running_lines(pages: list[list[Line]]) -> dict[str, dict[str, str]]:
    """Return the running headers and footers of a PDF: {edge: {key: text}}."""
    # A header recurs at the same edge on many pages, often with the page number beside it;
    # odd and even pages may alternate two (book title, chapter title), so it stands on at
    # least every other page of the stretch it runs over. A body line recurs at an edge by
    # chance only, and one that every piece of a collection ends with (谢谢大家！) stands
    # far more sparsely than that.
    # A header that carries the title of the piece it stands over (- 14 - 某某选集 关于…) recurs
    # only over that piece, but the part beside it (某某选集) recurs over the whole book.
    seen: dict[str, dict[str, list]] = {"top": {}, "bottom": {}}
    parts: dict[str, dict[str, list]] = {"top": {}, "bottom": {}}
    for number, page in enumerate(pages):
        for edge, lines in (("top", page[:_EDGE_LINES]), ("bottom", page[-_EDGE_LINES:])):
            for line in lines:
                key = _edge_key(line)
                # A line that ends a sentence is the tail of a paragraph, however often one recurs.
                if key and len(key) <= 60 and not ends_sentence(key):
                    seen[edge].setdefault(key, []).append((number, line.text))
                if len(line.text) <= 120:
                    for part in set(_edge_parts(line.text)):
                        parts[edge].setdefault(part, []).append((number, key))
    running = {}
    for edge in ("top", "bottom"):
        running[edge] = {key: found[0][1] for key, found in seen[edge].items() if _runs(found)}
        # A part is the book's when it stands beside several others (the titles of several pieces);
        # a piece's title beside the book's is not furniture where the piece prints it as its heading.
        running[edge + " parts"] = {part: part for part, found in parts[edge].items()
                                    if _runs(found) and len({key for _, key in found}) >= _MIN_REPEATS}
    return running


def _runs(found: list) -> bool:
    """Tell whether what stands at an edge of these pages recurs as running furniture does."""
    pages_with = sorted({number for number, _ in found})
    stretch = pages_with[-1] - pages_with[0] + 1
    return len(pages_with) >= _MIN_REPEATS and len(pages_with) >= _RUNNING_DENSITY * stretch


def _edge_parts(text: str) -> list[str]:
    """The space-separated parts of an edge line that could be a book's or a part's running title."""
    return [part for part in text.split() if len(part) >= 4 and HAN_RE.search(part)] if " " in text.strip() else []


def remove_furniture(pages: list[list[Line]], running=None) -> list[list[Line]]:
    """Drop page numbers and running headers and footers from the top and bottom of each page."""
    running = running if running is not None else running_lines(pages)
    repeated = {edge: set(keys) for edge, keys in running.items()}
    repeated_parts = {edge: set(running.get(edge + " parts", ())) for edge in ("top", "bottom")}
    cleaned = []
    for page in pages:
        keep = list(page)
        for edge in ("top", "bottom"):
            for _ in range(_EDGE_LINES):
                if not keep:
                    break
                index = 0 if edge == "top" else -1
                line = keep[index]
                if (_PAGE_NUMBER_RE.match(line.text) or _edge_key(line) in repeated[edge]
                        or any(part in repeated_parts[edge] for part in _edge_parts(line.text))):
                    keep.pop(index)
                else:
                    break
        cleaned.append(keep)
    return cleaned


_SPACED_RE = re.compile(r"(?<=\S) (?=\S)")


def mend_spacing(line: str) -> str:
    """Remove the space some PDFs put between every character (各 位 代 表), keeping real word gaps."""
    tokens = line.split(" ")
    words = [token for token in tokens if token]
    if len(words) < 4 or sum(len(word) == 1 for word in words) < 0.8 * len(words):
        return line
    # Single spaces were between letters; a wider gap was a space in the text.
    return re.sub(r" {2,}", "\0", line).replace(" ", "").replace("\0", " ")


# A table-of-contents entry: a title, dot leaders or a gap, then its page number.
_TOC_ENTRY_RE = re.compile(r"(?:[.．…·。\-—_]{2,}|\s{2,}|\t)\s*[-—]?\s*\d{1,4}\s*[-—]?$")  # …… 14, ……- 14 -
# An entry whose leaders PDFium gives as one space (讲话 3) reads like prose ending in a number
# (至少有 1): it is an entry only when what precedes the number is a title.
_SPACED_NUMBER_RE = re.compile(r"^(.+?)\s(\d{1,4})$")


def _is_toc_entry(line: str) -> bool:
    """Tell whether a line is a table-of-contents entry: a title, then its page number."""
    if _TOC_ENTRY_RE.search(line):
        return True
    match = _SPACED_NUMBER_RE.match(line)
    return bool(match) and is_title(normalize(match.group(1)))


def _margins(page: list[Line]) -> tuple[float, float, float]:
    """Return a page's body text left and right edges and its font size (0s when unknown)."""
    measured = [line for line in page if line.size > 0 and line.right > line.left]
    if len(measured) < 3:
        return 0.0, 0.0, 0.0
    lefts = sorted(line.left for line in measured)
    rights = sorted(line.right for line in measured)
    sizes = sorted(line.size for line in measured)
    return lefts[len(lefts) // 10], rights[-1 - len(rights) // 10], sizes[len(sizes) // 2]


def rejoin(pages: list[list[Line]], anchors: dict[tuple[int, int], int] | None = None) -> tuple[list[str], dict[int, int]]:
    """Rejoin the lines that the page width and page breaks split into paragraphs.

    Where the PDF tells where lines start and end, a line that reaches the right margin runs on
    into the next one unless that one is indented (a new paragraph) or starts a heading; a line
    that stops short ends its paragraph. Elsewhere repair()'s rules decide, written for the PDF
    extraction of the 004 compilation. Table-of-contents entries stay one per line, for the
    splitter to read (an entry wrapped over two lines is one again). A line `anchors` names
    (where a bookmark's piece starts: {(page, line): bookmark}) always starts a paragraph; the
    paragraphs they start are returned as {bookmark: paragraph index}.
    """
    anchors = anchors or {}
    # (text, runs on (None: unknown), indented, the bookmark it starts or None)
    marked: list[tuple[str, bool | None, bool, int | None]] = []
    whole = _margins([line for page in pages for line in page])  # for pages of a line or two
    for number, page in enumerate(pages):
        left, right, size = _margins(page)
        if not size:
            left, right, size = whole
        for i, line in enumerate(page):
            if not line.text:
                continue
            mark = anchors.get((number, i))
            if not size or not line.size:
                marked.append((line.text, None, False, mark))
                continue
            # A CJK font draws “ in the right half of its square and ， 。 ” in the left quarter,
            # and ragged-right text wraps a number or Latin word whole: a line that runs on may
            # stop one and a half characters short of the margin, or three when it ends mid-sentence.
            short = right - line.right
            runs_on = short <= 1.5 * size or (short <= 3 * size and not ends_sentence(line.text))
            marked.append((line.text, runs_on, line.left > left + size, mark))
    # Where paragraphs start indented, a line at the left margin continues the one before even
    # when it reads like a heading (…在主观评价第 / 六、客观评价第八…); where they start flush,
    # only the words can tell.
    indenting = sum(1 for _, full, indented, _ in marked if full and indented) >= 2
    paragraphs: list[str] = []
    anchored: dict[int, int] = {}
    unknown: list[tuple[str, int | None]] = []  # lines without geometry, rejoined by repair()

    def flush_unknown() -> None:
        # A bookmarked line starts a paragraph of its own: repair each stretch between them apart.
        stretch: list[str] = []
        for text, mark in unknown + [("", -1)]:
            if mark is not None and stretch:
                paragraphs.extend(repair(stretch, layout=_NO_PAGES).paragraphs)
                stretch = []
            if mark is not None and mark >= 0:
                anchored[mark] = len(paragraphs)
            if text:
                stretch.append(text)
        unknown.clear()

    runs_on = False
    for text, full, indented, mark in marked:
        if full is None:
            unknown.append((text, mark))
            continue
        if unknown:
            flush_unknown()
            runs_on = False
        if mark is None and paragraphs and text[0] in CLOSING_CHARS:
            paragraphs[-1] += text  # a line never opens with closing punctuation
        elif mark is None and paragraphs and runs_on and not indented and (indenting or not starts_block(text)):
            paragraphs[-1] += text
        else:
            if mark is not None:
                anchored[mark] = len(paragraphs)
            paragraphs.append(text)
        runs_on = full and not _is_toc_entry(text)
    if unknown:
        flush_unknown()
    return paragraphs, anchored


def _title_candidates(metadata: dict, headers: list[str], paragraphs: list[str]) -> list[str]:
    """Return the metadata title (less a tool's file name), running headers and the first line."""
    candidates = []
    title = _clean(_TOOL_TITLE_RE.sub("", _clean(metadata.get("Title", ""))))
    if title and HAN_RE.search(title):
        candidates.append(title)
    candidates += [header for header in headers if HAN_RE.search(header) and header not in candidates]
    first = paragraphs[0] if paragraphs else ""
    if first and len(first) <= 60 and first not in candidates and HAN_RE.search(first):
        candidates.append(first)
    return candidates


def _book_hints(page_count: int, paragraphs: list[str], candidates: list[str], outline: list[str],
                metadata: dict) -> tuple[str, str | None]:
    """Tell whether a PDF is a book (a collected volume) and who wrote it, as far as it says."""
    front = paragraphs[:40]
    # A TOC page, or bookmarks that list speeches (a long report's bookmarks list its own parts).
    has_toc = (any(_TOC_HEADING_RE.match(line.replace(" ", "")) for line in front)
               or sum(map(is_title, outline)) >= 3)
    book_title = next((title for title in candidates + front[:5]
                       if _BOOK_TITLE_RE.search(title) and not is_title(title)), None)
    kind = "book" if book_title or (page_count >= _BOOK_PAGES and has_toc) else "document"
    if kind != "book":
        return kind, None
    author = None
    if book_title:
        match = _NAMED_BOOK_RE.match(book_title)
        if match and _is_name(match.group(1)):
            author = match.group(1)
    if author is None:  # a cover line naming the author: 王某某 著
        for line in front[:8]:
            match = _COVER_AUTHOR_RE.match(line.replace(" ", ""))
            if match and _PERSON_RE.match(match.group(1)) and _is_name(match.group(1)):
                author = match.group(1)
                break
    if author is None and _PERSON_RE.match(metadata.get("Author", "")) and _is_name(metadata["Author"]):
        author = metadata["Author"]
    return kind, author


def _is_name(text: str) -> bool:
    """Tell whether a few Han characters can be a person's name rather than an office or a topic."""
    return 2 <= len(text.replace("·", "")) <= 8 and not _NOT_NAME_RE.search(text)
