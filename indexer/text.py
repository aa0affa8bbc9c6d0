"""The two text functions: normalize() for text and queries alike, repair() for documents only."""

import functools
import re
from dataclasses import dataclass, field

# Han ideographs (with extensions and compatibility forms), CJK symbols and punctuation,
# full-width forms and the curly quotes and dashes Chinese text uses.
CJK_CLASS = (
    "\u2014-\u2026\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\uff00-\uffef\U00020000-\U0003134f"
)
HAN_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HAN_RE = re.compile(f"[{HAN_CLASS}]")

# Full-width ASCII letters and digits fold to ASCII; full-width punctuation stays, because
# Chinese punctuation is part of what researchers quote.
_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)}
_FOLD.update({cp: cp - 0xFEE0 for cp in range(0xFF21, 0xFF3B)})
_FOLD.update({cp: cp - 0xFEE0 for cp in range(0xFF41, 0xFF5B)})
# Invisible characters scraped pages carry: zero-width spaces and joiners, soft hyphens, BOMs.
_FOLD.update({cp: None for cp in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD)})

# str.translate costs some 0.1 µs a character and most lines hold nothing to fold: look first.
_FOLD_RE = re.compile("[" + "".join(re.escape(chr(cp)) for cp in _FOLD) + "]")
_SPACE_RE = re.compile(r"[^\S\n]+")  # any whitespace but a line break
_SPACE_NEAR_CJK_RE = re.compile(f"(?<=[{CJK_CLASS}]) | (?=[{CJK_CLASS}])")


def normalize(text: str) -> str:
    """Fold text or a query term the one way both are matched.

    Full-width letters and digits become ASCII, every run of spaces (ideographic, tab,
    no-break...) becomes one space, and a space next to a CJK character is removed: PDF
    extraction leaves `分析 会上的讲话`, `20XX 年`, `第 73 次`. Line breaks are kept, and
    leading and trailing spaces of each line are dropped.
    """
    if _FOLD_RE.search(text):
        text = text.translate(_FOLD)
    text = _SPACE_RE.sub(" ", text)
    text = _SPACE_NEAR_CJK_RE.sub("", text)
    return "\n".join(line.strip(" ") for line in text.split("\n"))


_ASCII_UPPER_RE = re.compile("[A-Z]+")


@functools.lru_cache(maxsize=1)
def _variants() -> tuple[dict[int, str], list[re.Pattern], frozenset]:
    """Read OpenCC's tables once: {traditional code point: simplified}, regexes of the traditional
    characters, and the simplified characters some traditional one folds to.

    A character folds when OpenCC gives it one simplified form of one character, other than
    itself, and the character is not itself a simplified one (not a key of STCharacters):
    社會主義 folds to 社会主义, while 著, 乾 and 於, which simplified text prints too, stay.
    """
    from importlib import resources

    folder = resources.files("opencc") / "dictionary"

    def table(name: str) -> dict[str, list[str]]:
        rows = (line.split("\t") for line in (folder / name).read_text(encoding="utf-8").splitlines() if "\t" in line)
        return {key: values.split() for key, values in rows}

    simplified = table("STCharacters.txt")
    folds = {key: values[0] for key, values in table("TSCharacters.txt").items()
             if len(key) == 1 and values and len(values[0]) == 1 and values[0] != key
             and key not in values[1:] and key not in simplified}
    # One class of the Basic Multilingual Plane's characters, which re looks up in a bitmap (6 ns a
    # character); the few beyond it in a class of their own, tried only on text that has any.
    basic = "".join(re.escape(key) for key in sorted(folds) if ord(key) <= 0xFFFF)
    beyond = "".join(re.escape(key) for key in sorted(folds) if ord(key) > 0xFFFF)
    patterns = [re.compile(f"[{basic}]")] + ([re.compile(f"[{beyond}]")] if beyond else [])
    return {ord(key): value for key, value in folds.items()}, patterns, frozenset(folds.values())


_BEYOND_BMP_RE = re.compile("[\U00010000-\U0010ffff]")


def fold_case(text: str) -> str:
    """Fold what matching ignores, one character for one: ASCII capitals and traditional forms.

    Terms and texts are matched in this form (`gdp` finds `GDP`, `社会主义` finds `社會主義`),
    and offsets do not move, so a match is shown in the text as written. Only A-Z fold among
    letters; a Chinese character folds to its simplified form by OpenCC's table (`_variants`).
    """
    # Searches for what folds, not str.translate over everything: translating Chinese text goes
    # through a dictionary character by character, twenty times slower, and both are rare in it.
    if text.isascii():
        return text.lower()
    text = _ASCII_UPPER_RE.sub(lambda run: run.group().lower(), text)
    table, patterns, _ = _variants()
    for k, traditional in enumerate(patterns):
        if k and not _BEYOND_BMP_RE.search(text):
            break
        if traditional.search(text):
            text = traditional.sub(lambda found: table[ord(found.group())], text)
    return text


_LATIN_RE = re.compile("[A-Za-z]")


def folds_alike(term: str) -> bool:
    """Tell whether text as written holds a folded term exactly where the folded text does.

    True for a term without a Latin letter or a character a traditional form folds to (it
    can then be looked for in text without folding it); False for `gdp` or `社会`.
    """
    if _LATIN_RE.search(term):
        return False
    targets = _variants()[2]
    return not any(char in targets for char in term)


def count_han(text: str) -> int:
    """Count the Han characters in text (splitting and cleaning must conserve them)."""
    return len(HAN_RE.findall(text))


_SPACE_ANY_RE = re.compile(r"\s+")


def count_chars(text: str) -> int:
    """Count the characters of text other than whitespace: what a summary says was dropped."""
    return len(text) - sum(len(run) for run in _SPACE_ANY_RE.findall(text))


@dataclass(frozen=True)
class Layout:
    """How a document's lines stand for its paragraphs, read once per document.

    `wrapped`: lines were cut at a width (plain text and PDF extraction), so a paragraph runs
    over several lines; otherwise each line is a paragraph as its format gives it (a .docx
    paragraph, an HTML block, a dataset cell's line) and only plain evidence joins two.
    `blank_breaks`: a blank line ends a paragraph (blank lines stand between paragraphs, not
    after every line). `page_numbers`: the document's lines (from 0) that are page numbers, where
    the text carries pages (form feeds, or lone numbers counting up a page apart); a lone number
    anywhere else is text. None: any lone number line is one (repair() of bare lines).
    """

    wrapped: bool = True
    blank_breaks: bool = False
    page_numbers: frozenset[int] | None = None
    # A title may run over two lines of the title block (plain text, a PDF's centred lines); a
    # format's own paragraphs (.docx, HTML) are never joined there but on plain evidence.
    header_joins: bool = True


@dataclass
class Repaired:
    """A document's cleaned paragraphs, and the lines repair dropped with the reason."""

    paragraphs: list[str]
    dropped: list[tuple[int, str, str]]  # (line number from 1, line, reason)
    # For each line, the paragraph its first character went into (None: blank or dropped).
    line_paragraphs: list[int | None] = field(default_factory=list)


# Single digits with a space between each (1 9 9 3 年), as some reports print figures.
_SPACED_DIGITS_RE = re.compile(r"(?<![\d.])\d(?: \d)+(?![\d.])")
_LONG_SPACED_DIGITS_RE = re.compile(r"(?<![\d.])\d(?: \d){2,}(?![\d.])")


def normalized_lines(lines: list[str]) -> list[str]:
    """Return each line normalized and stripped: how splitting and repair read a document.

    A document that prints its figures digit by digit (`1 9 9 3 年`, `7 4 7 7 2 亿元`: twice
    or more, three digits or more) has them mended, as PDF extraction's spaced letters are.
    """
    norm = [normalize(line).strip() for line in lines]
    spaced = 0
    for line in norm:
        if " " in line:
            spaced += len(_LONG_SPACED_DIGITS_RE.findall(line))
            if spaced >= 2:
                return [_SPACED_DIGITS_RE.sub(lambda run: run.group().replace(" ", ""), line) if " " in line else line
                        for line in norm]
    return norm


# A page number alone on a line, where the text carries pages.
_LONE_NUMBER_RE = re.compile(r"\d{1,4}")
# How many of a document's long lines must stop mid-sentence for its lines to be cut at a width.
WRAPPED_SHARE = 0.3
_WRAP_MIN_CHARS = 15


def layout_of(lines: list[str], norm: list[str], line_breaks: str = "unknown") -> Layout:
    """Tell how a document's lines stand for its paragraphs (see Layout).

    `line_breaks` is what the format says a line is (the reader's Document.line_breaks): a
    paragraph of its own ("paragraph": HTML, .docx), a paragraph its reader rejoined
    ("rejoined": PDF), or "unknown" (plain text, dataset cells), told here from the text.
    """
    from indexer import patterns as p

    pages = page_number_lines(lines, norm)
    if line_breaks in ("paragraph", "rejoined"):
        return Layout(wrapped=False, blank_breaks=True, page_numbers=pages, header_joins=line_breaks == "rejoined")
    nonblank = [line for line in norm if line]
    long = [line for line in nonblank if len(line) >= _WRAP_MIN_CHARS]
    cut = [line for line in long if not p.ends_sentence(line) and not p.is_heading(line) and not p.is_title(line)
           and line[-1] not in "：:"]
    wrapped = len(long) < 4 or len(cut) >= WRAPPED_SHARE * len(long)
    # Blank lines that stand after nearly every line are spacing, not paragraph breaks.
    gaps = sum(1 for before, line in zip(norm, norm[1:]) if before and not line)
    return Layout(wrapped=wrapped, blank_breaks=gaps < 0.6 * len(nonblank), page_numbers=pages)


MIN_PAGE_LINES = 5  # lines of text between two page numbers at least


def page_number_lines(lines: list[str], norm: list[str]) -> frozenset[int]:
    """Find the lines of a text that are page numbers, where it carries pages.

    Pages end at form feeds: the lone number standing at the same edge of most pages (their
    last line, or their first) is each page's number. Without form feeds, lone numbers that
    count up a page apart (3, 4, 5 …, or by two) are. A lone number anywhere else is text
    (广义货币M | 2 | 余额, a dataset cell's subscript).
    """
    from indexer import patterns as p

    def lone_number(i: int) -> bool:
        return bool(norm[i]) and len(norm[i]) <= 12 and bool(p.PAGE_NUMBER_RE.match(norm[i]))

    if any("\f" in line for line in lines):
        # A page starts after each form feed: at the line it opens (\f2), or after the line it ends (2\f).
        starts = sorted({0} | {i if line.lstrip(" \t").startswith("\f") else i + 1
                               for i, line in enumerate(lines) if "\f" in line})
        bottoms, tops = [], []
        for start, end in zip(starts, starts[1:] + [len(lines)]):
            filled = [i for i in range(start, end) if norm[i]]
            if filled:
                bottoms += [filled[-1]] if lone_number(filled[-1]) else []
                tops += [filled[0]] if lone_number(filled[0]) else []
        return frozenset(bottoms if len(bottoms) >= len(tops) else tops)
    numbers = []
    for i in range(len(norm)):
        if lone_number(i):
            found = _LONE_NUMBER_RE.search(norm[i])
            if found:
                numbers.append((i, int(found.group())))
    # The longest chain of numbers each one or two more than the last, a page of text apart.
    best: list[int] = [0] * len(numbers)
    before: list[int | None] = [None] * len(numbers)
    for k, (i, n) in enumerate(numbers):
        best[k] = 1
        for j in range(max(0, k - 50), k):
            if numbers[j][1] + 1 <= n <= numbers[j][1] + 2 and i - numbers[j][0] >= MIN_PAGE_LINES and best[j] + 1 > best[k]:
                best[k], before[k] = best[j] + 1, j
    if not numbers or max(best) < 3:
        return frozenset()
    k: int | None = best.index(max(best))
    chain = []
    while k is not None:
        chain.append(numbers[k][0])
        k = before[k]
    return frozenset(chain)


def repair(lines: list[str], first_line: int = 1, header_lines: int = 0, norm: list[str] | None = None,
           layout: Layout = Layout()) -> Repaired:
    """Clean one speech's lines: drop page numbers where there are pages, rejoin lines a break split.

    `lines` are raw lines; `first_line` is the line number of the first one in its file, and
    the first `header_lines` non-blank lines are the title block, where a title broken over
    two lines is rejoined but title, byline and dateline stay separate paragraphs. `norm` is
    the lines as normalized_lines() gives them, when the caller has them already; `layout`
    how the document's lines stand for its paragraphs (layout_of()).
    """
    from indexer import patterns as p

    paragraphs: list[str] = []
    dropped: list[tuple[int, str, str]] = []
    line_paragraphs: list[int | None] = []
    open_paragraph = False  # the last paragraph may continue on the next line
    after_blank = False
    seen = 0
    norm = normalized_lines(lines) if norm is None else norm
    for number, (raw, line) in enumerate(zip(lines, norm), first_line):
        if not line:
            after_blank = True
            line_paragraphs.append(None)
            continue
        if p.PAGE_NUMBER_RE.match(line) and (layout.page_numbers is None or number - 1 in layout.page_numbers):
            dropped.append((number, raw, "page number"))
            line_paragraphs.append(None)
            continue
        in_header = seen < header_lines
        seen += 1
        for k, piece in enumerate(_split_run_on(line)):
            if paragraphs and _joins(paragraphs[-1], piece, open_paragraph, in_header, layout, after_blank):
                paragraphs[-1] += piece
            else:
                paragraphs.append(piece)
            if k == 0:
                line_paragraphs.append(len(paragraphs) - 1)
            open_paragraph = _may_continue(paragraphs[-1])
            after_blank = False
    return Repaired(paragraphs, dropped, line_paragraphs)


# A line that opens with these closes what the line before began: 》提出, 。会议, ）, ，
CLOSING_CHARS = "，。、；：！？）》」』”’】〕,;:!?)"


def _joins(previous: str, line: str, open_paragraph: bool, in_header: bool, layout: Layout, after_blank: bool) -> bool:
    """Tell whether `line` is the rest of the paragraph `previous`."""
    from indexer import patterns as p

    if line[0] in CLOSING_CHARS:
        return True  # a line never opens with closing punctuation: a break cut it from its sentence
    if in_header and p.SUBTITLE_RE.match(previous) and line[0] in "暨及并和与" and not p.ends_sentence(previous):
        return True  # a subtitle's second line: ——…人大工作会议 | 暨某县第十八届人民代表大会…上
    if not open_paragraph or p.PAGE_CHROME_RE.match(previous) or p.PAGE_CHROME_RE.match(line):
        return False  # 来源：某某日报 and 时间：… stand alone
    if layout.wrapped:
        if after_blank and layout.blank_breaks:
            return False
        return _continues(previous, line, in_header)
    # One paragraph a line: only plain evidence joins two, never a heading to its paragraph.
    if starts_block(line) or p.is_heading(previous):
        return len(line) <= 6 and p.ends_sentence(line) and not p.SALUTATION_RE.match(line)
    if in_header:
        if layout.header_joins:
            return _continues(previous, line, in_header)
        # A format's own paragraphs: a title cut before its last characters (政府工作报 | 告) only.
        return len(line) <= 3 and not p.is_title(previous) and p.is_title(previous + line)
    if p.ends_open(previous) or _unclosed(previous):
        return True
    # Prose under way (a clause mark inside it) that stops without its end was cut: by a page
    # break (招商引 | 资), a link or a subscript (全省广义货币M | 2 | 余额增长…). A colon opens a list.
    if previous[-1] in "：:" or not re.search(r"[，；：。！？,;]", previous[:-1]):
        return False
    return len(previous) >= 8


def _unclosed(text: str) -> bool:
    """Tell whether a bracket opened in a line is still open at its end: 细颗粒物（PM | 2.5 | ）."""
    return any(text.count(left) > text.count(right) for left, right in ("（）", "()", "《》", "【】"))


def starts_block(line: str) -> bool:
    """Tell whether a line starts something of its own: a heading, salutation, dateline, subtitle."""
    from indexer import patterns as p

    return bool(p.SALUTATION_RE.match(line) or p.DATELINE_RE.match(line) or p.SUBTITLE_RE.match(line)
                or p.SECTION_RE.match(line) or p.is_heading(line))


def _may_continue(line: str) -> bool:
    """Tell whether the next line may be the rest of this one."""
    from indexer import patterns as p

    if p.ends_sentence(line) or p.DATELINE_RE.match(line) or p.SALUTATION_RE.match(line):
        return False
    if p.is_title(line) or p.SUBTITLE_RE.match(line) or p.SECTION_RE.match(line):
        return False
    return True


def _continues(previous: str, line: str, in_header: bool) -> bool:
    """Tell whether `line` is the rest of `previous`, cut by a page or line break."""
    from indexer import patterns as p

    if p.SALUTATION_RE.match(line) or p.DATELINE_RE.match(line) or p.SUBTITLE_RE.match(line):
        return False
    if p.SECTION_RE.match(line) or p.is_heading(line):
        return False
    if in_header:
        # A title broken over two lines (003: 在市政府…推进电视 / 电话会议上的讲话), or cut before
        # its last character (政府工作报 / 告). A stray fragment (003's lone 篇) is not the start of a title.
        if len(line) <= 3 and not p.is_title(previous) and p.is_title(previous + line) and len(previous + line) <= 100:
            return True
        return len(previous) >= 6 and not _is_byline(previous) and len(previous) + len(line) <= 100
    # A tiny tail that ends the sentence: (一)、…紧盯薄弱指 / 标。 (004 line 326).
    tiny_tail = len(line) <= 6 and p.ends_sentence(line)
    if p.is_heading(previous) and not tiny_tail:
        return _word_straddles(previous, line)
    return (
        tiny_tail
        or previous[-1] in p.CONTINUING_CHARS
        or len(previous) >= 30
        # A sentence under way (a comma in it) stops without its end: 必须跨越的关口，是 | 重大政治任务.
        or (len(previous) >= _WRAP_MIN_CHARS and bool(re.search(r"[，；：,;]", previous)))
        or _word_straddles(previous, line)
    )


def _is_byline(line: str) -> bool:
    """Tell whether a header line names an office and a person (郴州市市长阚保勇)."""
    return bool(re.search(r"(长|书记|主任|主席|总理|委员|部长|局长)[^\s]{2,4}$", line)) and len(line) <= 40


def _word_straddles(previous: str, line: str) -> bool:
    """Tell whether a word runs across the break: 招商引|资, 薄弱指|标."""
    from indexer.segment import cut

    left, right = previous[-4:], line[:4]
    position = 0
    for word in cut(left + right):
        if position < len(left) < position + len(word) and HAN_RE.match(word):
            return True
        position += len(word)
    return False


# A whole document on one line (002): title, salutation and numbered parts glued together.
_RUN_ON_LIMIT = 3000
_RUN_ON_BREAK_RE = re.compile(
    r"(?<=[讲话发言）)])(?=[（(]\d{4}年)"  # title | (2021年-月-日)
    r"|(?<=[）)])(?=同志们[：:])"  # dateline | 同志们:
    r"|(?<=同志们[：:])"  # 同志们: | body
    r"|(?<=[。！？：:])(?=[一二三四五六七八九十]+、)"  # …。| 二、…
)


# A line that holds a whole speech opening with its title or date, then its salutation:
# 2019年政府工作报告各位代表：…, 2019-03-05各位代表：….
_OPENING_SALUTATION_RE = re.compile(r"^(?P<head>.{4,80}?)(?=(?:各位[^，。：:；]{0,20}|同志们|同事们|朋友们)[：:，,])")
_SPEECH_LINE = 300


def _split_run_on(line: str) -> list[str]:
    """Split a run-on line that holds a whole document into paragraphs."""
    if len(line) < _SPEECH_LINE:
        return [line]
    opening = _OPENING_SALUTATION_RE.match(line)
    if opening and not re.search(r"[。！？；（(]", opening.group("head")):
        rest = line[opening.end():]
        return [opening.group("head")] + (_break_run_on(rest) if len(line) >= _RUN_ON_LIMIT else [rest])
    if len(line) < _RUN_ON_LIMIT:
        return [line]
    return _break_run_on(line)


def _break_run_on(line: str) -> list[str]:
    """Break a run-on line at its title, dateline, salutation and numbered parts."""
    return [piece for piece in _RUN_ON_BREAK_RE.split(line) if piece]
