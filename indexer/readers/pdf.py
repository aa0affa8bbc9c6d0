"""Read a text PDF: clean lines without page furniture, and the hints a book gives (author, TOC)."""

# pypdfium2 (PDFium, BSD/Apache): fast on 500-page books, and its licence lets a network
# service use it, which PyMuPDF's AGPL does not.

import re
from collections import Counter

from indexer.readers.base import Document, UnreadableFile
from indexer.patterns import is_title
from indexer.text import HAN_RE, repair

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

_GARBAGE_RE = re.compile(r"\(cid:\d+\)|[\ufffd\ue000-\uf8ff\x00-\x08\x0b\x0e-\x1f]")
_MIN_CHARS_PER_PAGE = 10

# A collected volume: 王某某文集, 文选, 选集, 讲话选编, 讲话汇编, 论述摘编; or 王某某谈治国理政.
_NAME = r"[\u4e00-\u9fff]{2,4}|[\u4e00-\u9fff]{1,8}·[\u4e00-\u9fff]{1,8}"
_BOOK_TITLE_RE = re.compile(r"(文集|文选|选集|文稿|讲话选编|讲话汇编|讲话集|言论集|论述摘编|著作选读|选编|汇编)(?:[（(].*[）)])?$"
                            rf"|^(?:{_NAME})谈[^话心判]\S+$")
_NAMED_BOOK_RE = re.compile(rf"^((?:{_NAME}))(?:同志)?(?:文集|文选|选集|文稿|讲话选编|讲话集|言论集|论述摘编|著作选读|谈[^话心判])")
_COVER_AUTHOR_RE = re.compile(rf"^(?:作者[：:]\s*)?({_NAME})\s*(?:著|撰)?$")
# Words of offices, places and topics, never of a person's name (在座谈会上, 中央关于).
_NOT_NAME_RE = re.compile(r"[省市县区州委局厅院办会党座在]|政府|人民|中华|共和国|中央|中共|国务|关于|重要|论述|讲话"
                          r"|文件|资料|工作|学习|全国|我们")
_TOC_HEADING_RE = re.compile(r"^目\s*录$|^目\s*次$|^contents$", re.I)
_BOOK_PAGES = 20
# Word names its PDFs "Microsoft Word - 文件名.doc": the file name is no title.
_TOOL_TITLE_RE = re.compile(r"^(?:Microsoft\s+(?:Word|PowerPoint)\s*-\s*)|\.(?:docx?|wps|pdf|txt)$", re.I)


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
        pages = [_page_lines(pdf[number]) for number in range(len(pdf))]
        metadata = pdf.get_metadata_dict(skip_empty=True)
        outline = [_clean(item.get_title() or "") for item in pdf.get_toc(max_depth=3)]
    except pdfium.PdfiumError as error:
        raise UnreadableFile(f"damaged PDF ({error})", "malformed") from None
    finally:
        pdf.close()
    _check_text_layer(pages)
    pages = remove_furniture(pages)
    lines = [mend_spacing(line) for page in pages for line in page]
    lines = [line for line in lines if line]
    if not lines:
        raise UnreadableFile("no text in PDF", "empty")
    # Rejoin what the page width and page breaks split, with the rules the 004 compilation needed.
    paragraphs = repair(lines).paragraphs
    candidates = _title_candidates(metadata, paragraphs)
    kind, author = _book_hints(len(pages), paragraphs, candidates, outline, metadata)
    return [Document(
        text="\n".join(paragraphs), title=candidates[0] if candidates else None, title_candidates=candidates,
        headings=[title for title in outline if title], author=author, kind=kind,
    )]


def _page_lines(page) -> list[str]:
    """Return a page's text lines, as PDFium orders them, stripped."""
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
    finally:
        textpage.close()
        page.close()
    return [line.strip() for line in re.split(r"\r\n|\r|\n", text) if line.strip()]


def _clean(text: str) -> str:
    return " ".join(text.replace("\x00", "").split())


def _check_text_layer(pages: list[list[str]]) -> None:
    """Refuse a PDF whose pages carry no text or only glyph codes: it is a scan or lacks a font map."""
    text = "".join("".join(page) for page in pages)
    visible = len(re.sub(r"\s", "", text))
    if not pages or visible < _MIN_CHARS_PER_PAGE * len(pages):
        raise UnreadableFile(f"no text layer on {len(pages)} pages (a scan?): it needs OCR first", "needs_ocr")
    garbage = sum(len(match) for match in _GARBAGE_RE.findall(text))
    if garbage > 0.2 * visible:
        raise UnreadableFile("the text layer is unreadable glyph codes ((cid:…), U+FFFD): it needs OCR first",
                             "needs_ocr")


def _edge_key(line: str) -> str:
    """Return what identifies a header or footer line across pages: its text less page numbers."""
    return re.sub(r"\s", "", _EDGE_NUMBER_RE.sub("", line))


def remove_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Drop page numbers and running headers and footers from the top and bottom of each page."""
    # A header recurs at the same edge on many pages, often with the page number beside it;
    # odd and even pages may alternate two (book title, chapter title). Body lines recur at
    # an edge only by chance, and rarely on three pages.
    counts: dict[str, Counter] = {"top": Counter(), "bottom": Counter()}
    for page in pages:
        for edge, lines in (("top", page[:_EDGE_LINES]), ("bottom", page[-_EDGE_LINES:])):
            counts[edge].update({key for key in map(_edge_key, lines) if key})
    repeated = {edge: {key for key, n in counter.items() if n >= _MIN_REPEATS and len(key) <= 60}
                for edge, counter in counts.items()}
    cleaned = []
    for page in pages:
        keep = list(page)
        for edge in ("top", "bottom"):
            for _ in range(_EDGE_LINES):
                if not keep:
                    break
                index = 0 if edge == "top" else -1
                line = keep[index]
                if _PAGE_NUMBER_RE.match(line) or _edge_key(line) in repeated[edge]:
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


def _title_candidates(metadata: dict, paragraphs: list[str]) -> list[str]:
    """Return the metadata title (less a tool's file name) and the first line, if they are titles."""
    candidates = []
    title = _clean(_TOOL_TITLE_RE.sub("", _clean(metadata.get("Title", ""))))
    if title and HAN_RE.search(title):
        candidates.append(title)
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
            if match and line.rstrip().endswith(("著", "撰")) and _is_name(match.group(1)):
                author = match.group(1)
                break
    if author is None and _COVER_AUTHOR_RE.match(metadata.get("Author", "")) and _is_name(metadata["Author"]):
        author = metadata["Author"]
    return kind, author


def _is_name(text: str) -> bool:
    """Tell whether a few Han characters can be a person's name rather than an office or a topic."""
    return 2 <= len(text.replace("·", "")) <= 8 and not _NOT_NAME_RE.search(text)
