r"""Parse the query language into a boolean tree of exact terms plus field filters.

Grammar (the contract users rely on)
------------------------------------
A query is a sequence of *words* separated by whitespace (any character for which
``str.isspace()`` is true, the ideographic space U+3000 included). Outside double quotes
only the following are syntax; everything else is text, including Chinese, curly quotes
“ ” (they do not group: ``“营商 环境”`` is the two terms ``“营商`` and ``环境”``), full-width
punctuation such as （ ） and ：, and lowercase ``or`` / ``not`` / ``near``:

- ``(`` and ``)`` (ASCII) group; they also end a word, so ``a(b)c`` is ``a (b) c``.
- ``"…"`` (ASCII double quotes) is a literal: everything inside is text, whitespace,
  parentheses, ``OR``, colons and a leading ``-`` included. Inside quotes ``\"`` is a quote
  and ``\\`` a backslash; a backslash before any other character is kept with it. Outside
  quotes a backslash is ordinary text. Bare and quoted pieces written without whitespace
  between them form one word: ``营商"环境"`` is ``营商环境``.
- ``OR`` and ``NOT``, uppercase, as a whole word with no quoted piece.
- ``-`` at the start of a word negates the rest of the word, which must follow with no
  space: ``-双过半``, ``-"a b"``, ``-(a OR b)``, ``-NEAR(a b)``. The rest is always an operand,
  so ``-OR`` excludes the text ``OR``; ``--a`` is ``a``. A ``-`` elsewhere is text (``2018-2020``).
- ``/…/``: a word that starts with ``/`` and has a closing ``/`` followed by whitespace, ``)``
  or the end is a *pattern*, an RE2 regular expression (search/patterns.py) over one
  paragraph's text as written (not normalised, not case-folded: ``(?i)`` for case-free).
  Spaces, parentheses and quotes inside are part of it; ``\/`` is a slash inside it (so is a
  ``/`` not followed by a word end). ``1/3``, ``km/h`` and ``"/a/"`` stay text.
- ``NEAR(`` (the word ``NEAR`` directly followed by ``(``) opens a NEAR group. ``NEAR`` then a
  space then ``(`` is an error, since it would silently mean something else; ``NEAR`` in any
  other place is text.
- ``field:value`` when the word starts, outside quotes, with the name of a filter field
  (province, year, speaker, level, city, title, date_source; lowercase) and a colon. Any
  other word holding a colon is text: ``http://x``, ``时间:2021``, ``Year:2021``,
  ``year：2021`` (full-width colon), ``"year:2021"``. The value is the rest of the word and may
  be quoted: ``title:"经济 运行"``.

Every term and every filter value is normalised with ``indexer.text.normalize`` after the
query is split into words, exactly as speech text is, so ``２０２１年`` is ``2021年`` and
``"营商 环境"`` is ``营商环境``. A term that normalises to empty (``"   "``) is dropped, with
any NOT or NEAR slot it filled. A term matches a speech when it is an exact, case-sensitive
substring of one of its paragraphs.

Boolean structure, tightest first::

    query    := or_expr
    or_expr  := and_expr ( "OR" and_expr )*
    and_expr := unary unary*                  (juxtaposition is AND)
    unary    := ( "NOT" | "-" )* primary
    primary  := term | pattern | "(" or_expr ")" | "NEAR(" (term | pattern) (term | pattern)+ ")"

so ``a b OR c`` is ``(a AND b) OR c`` and ``NOT a b`` is ``(NOT a) AND b``. NEAR requires all
its terms (at least two as written, plain or quoted, no operators, groups or filters) inside
one paragraph; a NEAR of one distinct term is that term. Nested ANDs and ORs are flattened
and double negations cancel, so equal queries give equal trees.

Field filters apply to the whole query wherever they are written: ``a OR b year:2021`` is
``year:2021 AND (a OR b)``. Hence a filter must stand at the top level: not inside
parentheses or NEAR, not negated, not next to OR. Repeated filters on one field are ORed
(``province:湖南 province:甘肃``), different fields ANDed. ``province:`` takes full or short
names (resolved to full names), ``year:`` a 4-digit year or a range ``Y1-Y2`` with Y1 <= Y2,
and any field takes ``未知`` for an unknown value. A query of filters only lists the speeches
that pass them.

A query must say what a speech has to contain: a query that would match speeches holding
none of its terms (``-a``, ``NOT a``, ``a OR -b``) is refused unless a filter gives the set
to exclude from (``province:湖南 -双过半``).

Limits: at most ``max_length`` characters (1000) and ``max_terms`` terms (64, NEAR's
included), parentheses at most 20 deep; control characters (U+0000-U+001F but tab, line
feed and carriage return, U+007F) and surrogates are refused. Malformed queries raise QueryError, a one-line
message with an example of the right form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field as _field

from indexer import schema
from indexer.schema import UNKNOWN
from indexer.text import HAN_CLASS, fold_case, normalize

__all__ = [
    "MAX_DEPTH", "check_filter", "check_filters", "And", "Near", "Not", "Or", "Pattern", "Query", "QueryError", "Term",
    "matches", "parse", "positive_terms", "quote", "render",
]

MAX_DEPTH = 20  # parenthesis levels; deeper is never a real query and would risk recursion
_EMPTY_ZH = "检索式是空的；请输入要找的词，例如 营商环境"
_WHERE_ZH = {"inside parentheses or NEAR": "写在了括号或 NEAR 里", "negated": "被否定了",
             "an alternative of OR": "是 OR 的一边"}
_YEAR_RE = re.compile(r"([0-9]{4})(?:-([0-9]{4}))?")


class QueryError(ValueError):
    """A malformed query; str(err) is a one-line message saying what is wrong and giving an example of the right form.

    `zh` says the same in Chinese, for pages; `position` is the character offset to blame (from 0),
    while messages count characters from 1, as a reader does: the first character is at position 1.
    """

    def __init__(self, message: str, position: int | None = None, zh: str | None = None):
        super().__init__(message)
        self.position = position
        self.zh = zh or message


@dataclass(frozen=True)
class Term:
    """Match speeches with this exact (normalised, non-empty) text in one paragraph."""

    text: str


@dataclass(frozen=True)
class Pattern:
    """Match speeches with a paragraph this RE2 expression (its source between the slashes) matches."""

    source: str

    @property
    def written(self) -> str:
        """Return the pattern as a query writes it: /source/."""
        return f"/{self.source}/"


@dataclass(frozen=True)
class And:
    """Match speeches every item matches."""

    items: tuple


@dataclass(frozen=True)
class Or:
    """Match speeches any item matches."""

    items: tuple


@dataclass(frozen=True)
class Not:
    """Match speeches the item does not match."""

    item: object


@dataclass(frozen=True)
class Near:
    """Match speeches with one paragraph holding every term."""

    terms: tuple[Term, ...]


@dataclass(frozen=True)
class Query:
    """A parsed query: the boolean tree (None for filters only), the filters and the input."""

    text: object | None
    filters: dict = _field(default_factory=dict)  # field -> tuple of str values, in query order
    raw: str = ""


# ---- tokens ------------------------------------------------------------------------------

_LPAREN, _RPAREN, _NEAR, _OR, _AND, _NOT, _TERM, _FIELD = "(", ")", "NEAR(", "OR", "AND", "NOT", "term", "field"
_PATTERN = "pattern"


@dataclass(frozen=True)
class _Token:
    """One piece of the query: a parenthesis, NEAR(, OR, NOT (or -), a term or a filter."""

    kind: str
    pos: int
    text: str = ""  # a term's normalised text ("" when it normalised away), a filter's raw value, a pattern's source
    name: str = ""  # a filter's field
    raw: str = ""  # the word as typed, for messages


def _check_characters(query: str) -> None:
    """Refuse control characters and surrogates, naming the first one as U+XXXX."""
    for pos, char in enumerate(query):
        code = ord(char)
        # A carriage return is whitespace: queries pasted from Windows text carry \r\n.
        if (code < 0x20 and char not in "\t\n\r") or code == 0x7F:
            raise QueryError(
                f"the query contains the control character U+{code:04X} at position {pos + 1}; "
                "remove it (e.g. retype the query instead of pasting it)", pos,
                f"检索式第 {pos + 1} 个字符是控制字符 U+{code:04X}，请删去（例如重新输入，不要粘贴）")
        if 0xD800 <= code <= 0xDFFF:
            raise QueryError(
                f"the query contains an unpaired surrogate U+{code:04X} at position {pos + 1}; "
                "remove it (e.g. retype the query instead of pasting it)", pos,
                f"检索式第 {pos + 1} 个字符 U+{code:04X} 无法识别，请删去（例如重新输入，不要粘贴）")


# Curly quotes as Chinese text and papers write a phrase: a pair groups a phrase only when it
# encloses a whole term, so that 确保“双过半”目标 keeps its quotes as the text it is.
CURLY_QUOTES = {"“": "”", "‘": "’", "「": "」", "『": "』"}


def _curly_close(query: str, opening: int) -> int | None:
    """Return where the curly quote opening at `opening` closes before a space, a ) or the end; None if it does not."""
    closer = CURLY_QUOTES[query[opening]]
    end = query.find(closer, opening + 1)
    while end != -1:
        if end + 1 == len(query) or query[end + 1].isspace() or query[end + 1] == ")":
            return end
        end = query.find(closer, end + 1)
    return None


def _read_word(query: str, start: int) -> tuple[str, str, bool, int]:
    """Read one word from start: (text, bare text before any quote, quoted?, end)."""
    pieces: list[str] = []
    bare_prefix: list[str] = []
    quoted = False
    i, n = start, len(query)
    while i < n:
        char = query[i]
        at_term_start = i == start or (not quoted and "".join(pieces) in _field_prefixes())
        if char in CURLY_QUOTES and at_term_start and (close := _curly_close(query, i)) is not None:
            quoted = True
            pieces.append(query[i + 1 : close])
            i = close + 1
            break
        if char == '"':
            opening = i
            quoted = True
            i += 1
            while True:
                if i >= n:
                    raise QueryError(
                        f'the quote " at position {opening + 1} is never closed; close it, e.g. "营商 环境"', opening,
                        f'第 {opening + 1} 个字符处的引号 " 没有配对，请补上，例如 "营商 环境"')
                char = query[i]
                if char == "\\" and i + 1 < n and query[i + 1] in '"\\':
                    pieces.append(query[i + 1])
                    i += 2
                elif char == '"':
                    i += 1
                    break
                else:
                    pieces.append(char)
                    i += 1
        elif char.isspace() or char in "()":
            break
        else:
            pieces.append(char)
            if not quoted:
                bare_prefix.append(char)
            i += 1
    return "".join(pieces), "".join(bare_prefix), quoted, i


def _pattern_end(query: str, start: int) -> int | None:
    """Return where the pattern opening with the / at start closes, or None when the word is no pattern.

    It closes at the first / that no backslash escapes and that a space, a ) or the end follows.
    """
    i = start + 1
    while i < len(query):
        if query[i] == "\\":
            i += 2
            continue
        if query[i] == "/" and (i + 1 == len(query) or query[i + 1].isspace() or query[i + 1] == ")"):
            return i
        i += 1
    return None


def _pattern_token(query: str, start: int, end: int) -> _Token:
    """Check a pattern's source with RE2 and return its token, or raise QueryError naming its position."""
    from search.patterns import PatternError, compile_pattern

    source = query[start + 1 : end]
    try:
        compile_pattern(source)
    except PatternError as error:
        raise QueryError(f"{error} (at position {start + 1})", start, error.zh) from None
    return _Token(_PATTERN, start, text=source, raw=query[start : end + 1])


def _field_prefixes() -> set[str]:
    """Return the `field:` prefixes a filter starts with."""
    return {f"{name}:" for name in schema.filters()}


def _tokenize(query: str, max_terms: int) -> list[_Token]:
    """Split the query into tokens, normalising each term and checking word-level errors."""
    tokens: list[_Token] = []
    terms = 0
    i, n = 0, len(query)
    while i < n:
        char = query[i]
        if char.isspace():
            i += 1
            continue
        if char in "()":
            tokens.append(_Token(char, i))
            i += 1
            continue
        start = i
        negated = False
        while i < n and query[i] == "-":
            negated = True
            tokens.append(_Token(_NOT, i, raw="-"))
            i += 1
        if negated and (i >= n or query[i].isspace() or query[i] == ")"):
            raise QueryError(
                f"the - at position {i} needs a term right after it, with no space, "
                "e.g. 招商引资 -营商环境", i - 1, f"第 {i} 个字符处的减号 - 后面要紧跟要排除的词，例如 招商引资 -营商环境")
        if negated and query[i] == "(":
            continue  # -( … ): the group is read as usual
        if query[i] == "/" and (end := _pattern_end(query, i)) is not None:
            terms += 1
            _check_term_count(terms, max_terms, i)
            tokens.append(_pattern_token(query, i, end))
            i = end + 1
            continue
        word_start = i
        text, bare, quoted, i = _read_word(query, i)
        word = query[start:i]
        if not quoted and not negated and text in (_OR, _NOT, _AND):
            tokens.append(_Token(text, word_start, text=text, raw=text))
            continue
        if not quoted and text == "NEAR":
            if i < n and query[i] == "(":
                tokens.append(_Token(_NEAR, word_start, raw="NEAR("))
                i += 1
                continue
            rest = query[i:].lstrip()
            if rest.startswith("("):
                # NEAR (a b) would silently be the word NEAR and a group: say what was meant.
                raise QueryError(
                    f"NEAR at position {word_start + 1} must touch its parenthesis, e.g. NEAR(营商环境 招商引资); "
                    'quote it to search for the word, e.g. "NEAR"', word_start,
                    f'第 {word_start + 1} 个字符处的 NEAR 要紧接括号，例如 NEAR(营商环境 招商引资)；'
                    '要查这个词本身请加引号："NEAR"')
        name = bare.split(":", 1)[0] if ":" in bare else None
        if name in schema.filters():
            value = text[len(name) + 1:]
            if not value:
                raise QueryError(
                    f"{name}: at position {word_start + 1} needs a value right after the colon, "
                    f"e.g. {_example(name)}", word_start,
                    f"第 {word_start + 1} 个字符处的 {name}: 冒号后要紧跟取值，例如 {_example(name)}")
            tokens.append(_Token(_FIELD, word_start, text=value, name=name, raw=query[word_start:i]))
            continue
        term = fold_case(normalize(text))
        if term:
            terms += 1
            _check_term_count(terms, max_terms, word_start)
        tokens.append(_Token(_TERM, word_start, text=term, raw=word))
    return tokens


def _check_term_count(terms: int, max_terms: int, position: int) -> None:
    """Refuse the term that takes the query over max_terms."""
    if terms > max_terms:
        raise QueryError(
            f"the query has more than {max_terms} terms (the one over the limit is at position {position + 1}); "
            "search for fewer alternatives at a time, e.g. 营商环境 OR 招商引资", position,
            f"检索式的词超过 {max_terms} 个（第 {position + 1} 个字符处超出）；请一次少查几个，例如 营商环境 OR 招商引资")


# ---- filters -----------------------------------------------------------------------------


def _same_field_alternatives(tokens: list[_Token]) -> list[_Token]:
    """Drop each top-level OR between two filters of one field: `speaker:甲 OR speaker:乙` ORs them as repeating does."""
    kept: list[_Token] = []
    depth = 0
    for index, token in enumerate(tokens):
        depth += token.kind in (_LPAREN, _NEAR)
        depth -= token.kind == _RPAREN
        if (token.kind == _OR and not depth and 0 < index < len(tokens) - 1
                and tokens[index - 1].kind == tokens[index + 1].kind == _FIELD
                and tokens[index - 1].name == tokens[index + 1].name):
            continue
        kept.append(token)
    return kept


def _take_filters(tokens: list[_Token], resolve_province) -> tuple[list[_Token], dict]:
    """Remove the top-level filters from tokens and return them resolved; refuse misplaced ones.

    An AND written beside a filter goes with it (`province:湖南 AND 双过半`): filters are ANDed anyway.
    """
    tokens = _same_field_alternatives(tokens)
    rest: list[_Token] = []
    filters: dict[str, list[str]] = {}
    depth = 0
    skip_and = False
    for index, token in enumerate(tokens):
        if token.kind == _AND and skip_and:
            skip_and = False
            continue
        skip_and = False
        if token.kind in (_LPAREN, _NEAR):
            depth += 1
        elif token.kind == _RPAREN:
            depth = max(depth - 1, 0)  # an unmatched ) is reported by the parser
        if token.kind != _FIELD:
            rest.append(token)
            continue
        before = tokens[index - 1].kind if index else None
        after = tokens[index + 1].kind if index + 1 < len(tokens) else None
        where = None
        if depth:
            where = "inside parentheses or NEAR"
        elif before == _NOT:
            where = "negated"
        elif _OR in (before, after):
            where = "an alternative of OR"
        if where:
            example = f"{token.raw} (营商环境 OR 招商引资)"
            if where == "an alternative of OR":
                example += f"; alternatives of one field are written {token.name}:甲 OR {token.name}:乙"
            raise QueryError(
                f"the filter {token.raw} at position {token.pos + 1} is {where}, but filters apply to the "
                f"whole query; write it at the top level, e.g. {example}", token.pos,
                f"第 {token.pos + 1} 个字符处的筛选条件 {token.raw} {_WHERE_ZH[where]}，但筛选条件作用于整个检索式，"
                f"请写在最外层，例如 {token.raw} (营商环境 OR 招商引资)")
        if rest and rest[-1].kind == _AND:
            rest.pop()
        else:
            skip_and = True
        value = _filter_value(token, resolve_province)
        values = filters.setdefault(token.name, [])
        if value not in values:
            values.append(value)
    return rest, {name: tuple(values) for name, values in filters.items()}


def _filter_value(token: _Token, resolve_province) -> str:
    """Normalise and check one filter value of a query; resolve a province name."""
    return check_filter(token.name, token.text, resolve_province, token.pos)


def check_filter(name: str, value: str, resolve_province=None, pos: int | None = None) -> str:
    """Normalise and check one filter value; resolve a province name to its full name."""
    where = f" at position {pos + 1}" if pos is not None else ""
    if name not in schema.filters():
        raise QueryError(f"unknown filter field {name!r}; use one of {', '.join(schema.filters())}, e.g. province:湖南",
                         pos, f"没有 {name} 这个筛选字段；可用的有 {'、'.join(schema.filters())}，例如 province:湖南")
    if not isinstance(value, str):
        value = str(value)
    _check_characters(value)
    value = normalize(value)
    if not value:
        raise QueryError(f"{name}:{where} has an empty value; e.g. {_example(name)}", pos,
                         f"{name}: 的取值是空的，例如 {_example(name)}")
    if value == UNKNOWN:
        return value
    if schema.field(name).filter == schema.YEAR:
        found = _YEAR_RE.fullmatch(value)
        if not found:
            raise QueryError(
                f'bad year "{value}"{where}; use a 4-digit year or a range, '
                "e.g. year:2021 or year:2018-2020 (or year:未知)", pos,
                f"年份“{value}”写法不对；请写四位年份或范围，例如 year:2021 或 year:2018-2020（或 year:未知）")
        if found.group(2) and found.group(1) > found.group(2):
            raise QueryError(
                f'the year range "{value}"{where} runs backwards; write the earlier year '
                f"first, e.g. year:{found.group(2)}-{found.group(1)}", pos,
                f"年份范围“{value}”前后颠倒了，请先写较早的年份，例如 year:{found.group(2)}-{found.group(1)}")
    if name == "province" and value == schema.NATIONAL:
        return value  # central speeches, which have no province of their own
    if name == "province" and resolve_province is not None:
        full = resolve_province(value)
        if full is None:
            raise QueryError(f'unknown province "{value}"; try a name such as 湖南 or 湖南省', pos,
                             f"没有“{value}”这个省份；请写省名，例如 湖南 或 湖南省")
        return full
    return value


def _example(name: str) -> str:
    """Return an example of a filter for messages, from the field registry."""
    return schema.field(name).example or f"{name}:{UNKNOWN}"


def check_filters(filters: dict | None, resolve_province=None) -> dict:
    """Check a dict of filters {field: value or values}; values of one field are ORed."""
    checked: dict[str, tuple] = {}
    for name, values in (filters or {}).items():
        if isinstance(values, (str, int)):
            values = (values,)
        found = []
        for value in values:
            value = check_filter(name, value, resolve_province)
            if value not in found:
                found.append(value)
        if found:
            checked[name] = tuple(found)
    return checked


# ---- parser ------------------------------------------------------------------------------


class _Parser:
    """Recursive descent over tokens; depth is capped, NOT chains are read in a loop."""

    def __init__(self, tokens: list[_Token], length: int):
        self.tokens = tokens
        self.length = length
        self.index = 0
        self.depth = 0

    def peek(self) -> _Token | None:
        """Return the next token without taking it, or None at the end."""
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> _Token:
        """Take the next token."""
        token = self.tokens[self.index]
        self.index += 1
        return token

    def parse(self):
        """Parse every token as one or_expr; None if only dropped terms were left."""
        node = self.or_expr()
        extra = self.peek()
        if extra is not None:  # or_expr stops only at the end or at a ")" it did not open
            raise QueryError(
                f"the ) at position {extra.pos + 1} has no matching (; e.g. (营商环境 OR 招商引资) 项目", extra.pos,
                f"第 {extra.pos + 1} 个字符处的 ) 没有对应的 (，例如 (营商环境 OR 招商引资) 项目")
        return node

    def or_expr(self):
        """Parse and_expr ( OR and_expr )*."""
        items = [self.and_expr()]
        while (token := self.peek()) is not None and token.kind == _OR:
            self.take()
            following = self.peek()
            if following is None or following.kind in (_OR, _RPAREN):
                raise _or_error(token)
            items.append(self.and_expr())
        return _make_or(items)

    def and_expr(self):
        """Parse unary ( AND? unary )* up to an OR, a ) or the end: AND says what juxtaposition says."""
        items = [self.unary()]
        while (token := self.peek()) is not None and token.kind not in (_OR, _RPAREN):
            if token.kind == _AND:
                self.take()
                following = self.peek()
                if following is None or following.kind in (_OR, _RPAREN, _AND):
                    raise _or_error(token)
            items.append(self.unary())
        return _make_and(items)

    def unary(self):
        """Parse ( NOT | - )* primary; the chain is counted, not recursed, so it may be long."""
        negations: list[_Token] = []
        while (token := self.peek()) is not None and token.kind == _NOT:
            negations.append(self.take())
        token = self.peek()
        if token is None or token.kind in (_OR, _AND, _RPAREN):
            if negations:
                last = negations[-1]
                if last.raw == "-":
                    raise QueryError(
                        f"the - at position {last.pos + 1} needs a term right after it, e.g. 招商引资 -营商环境",
                        last.pos, f"第 {last.pos + 1} 个字符处的减号 - 后面要紧跟要排除的词，例如 招商引资 -营商环境")
                raise QueryError(
                    f"NOT at position {last.pos + 1} needs a term after it, e.g. 招商引资 NOT 营商环境", last.pos,
                    f"第 {last.pos + 1} 个字符处的 NOT 后面要有词，例如 招商引资 NOT 营商环境")
            if token is None:
                raise QueryError("the query is empty; type a phrase, e.g. 营商环境", self.length, _EMPTY_ZH)
            if token.kind in (_OR, _AND):
                raise _or_error(token)
            raise QueryError(
                f"the ) at position {token.pos + 1} has no matching (; e.g. (营商环境 OR 招商引资) 项目", token.pos,
                f"第 {token.pos + 1} 个字符处的 ) 没有对应的 (，例如 (营商环境 OR 招商引资) 项目")
        node = self.primary()
        return _make_not(node) if len(negations) % 2 else node

    def primary(self):
        """Parse a term, a pattern, a parenthesised or_expr or a NEAR group."""
        token = self.take()
        if token.kind == _TERM:
            return Term(token.text) if token.text else None
        if token.kind == _PATTERN:
            return Pattern(token.text)
        if token.kind == _NEAR:
            return self.near(token)
        # Only "(" is left: unary() refused OR, ")" and the end, NOT was consumed there.
        if self.depth >= MAX_DEPTH:
            raise QueryError(
                f"the parentheses at position {token.pos + 1} nest more than {MAX_DEPTH} deep; "
                "flatten the query, e.g. (营商环境 OR 招商引资) 项目", token.pos,
                f"第 {token.pos + 1} 个字符处的括号嵌套超过 {MAX_DEPTH} 层，请简化，例如 (营商环境 OR 招商引资) 项目")
        following = self.peek()
        if following is not None and following.kind == _RPAREN:
            raise QueryError(
                f"empty parentheses () at position {token.pos + 1}; put terms inside, e.g. (营商环境 OR 招商引资)",
                token.pos, f"第 {token.pos + 1} 个字符处的括号 () 是空的，请在里面写词，例如 (营商环境 OR 招商引资)")
        self.depth += 1
        node = self.or_expr()
        self.depth -= 1
        closing = self.peek()
        if closing is None:
            raise QueryError(
                f"the ( at position {token.pos + 1} is never closed; e.g. (营商环境 OR 招商引资) 项目", token.pos,
                f"第 {token.pos + 1} 个字符处的 ( 没有闭合，例如 (营商环境 OR 招商引资) 项目")
        self.take()
        return node

    def near(self, opening: _Token):
        """Parse the terms of a NEAR group up to its )."""
        terms: list[_Token] = []
        while True:
            token = self.peek()
            if token is None:
                raise QueryError(
                    f"NEAR( at position {opening.pos + 1} is never closed; e.g. NEAR(营商环境 招商引资)", opening.pos,
                    f"第 {opening.pos + 1} 个字符处的 NEAR( 没有闭合，例如 NEAR(营商环境 招商引资)")
            self.take()
            if token.kind == _RPAREN:
                break
            if token.kind not in (_TERM, _PATTERN):
                what = "a (" if token.kind in (_LPAREN, _NEAR) else (token.raw or token.kind)
                raise QueryError(
                    f"NEAR takes only terms, but has {what} at position {token.pos + 1}; "
                    "e.g. NEAR(营商环境 招商引资)", token.pos,
                    f"NEAR 里只能写词，第 {token.pos + 1} 个字符处却是 {what}；例如 NEAR(营商环境 招商引资)")
            terms.append(token)
        if len(terms) < 2:
            raise QueryError(
                f"NEAR at position {opening.pos + 1} needs at least 2 terms; e.g. NEAR(营商环境 招商引资)", opening.pos,
                f"第 {opening.pos + 1} 个字符处的 NEAR 至少要有两个词，例如 NEAR(营商环境 招商引资)")
        kept = tuple(dict.fromkeys(Pattern(t.text) if t.kind == _PATTERN else Term(t.text) for t in terms if t.text))
        if not kept:
            return None
        return kept[0] if len(kept) == 1 else Near(kept)


def _or_error(token: _Token) -> QueryError:
    """Build the error for an OR missing an operand."""
    return QueryError(f"{token.text} at position {token.pos + 1} needs a term on each side, e.g. 营商环境 {token.text} 招商引资",
                      token.pos, f"第 {token.pos + 1} 个字符处的 {token.text} 两边都要有词，例如 营商环境 {token.text} 招商引资")


# The builders drop terms that normalised away (None) and flatten nested And/Or, so equal
# queries give equal trees whatever parentheses were written.

def _make_and(items):
    """Build an And of the kept items, or the one item, or None."""
    flat: list = []
    for item in items:
        if item is None:
            continue
        flat.extend(item.items if isinstance(item, And) else (item,))
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else And(tuple(flat))


def _make_or(items):
    """Build an Or of the kept items, or the one item, or None."""
    flat: list = []
    for item in items:
        if item is None:
            continue
        flat.extend(item.items if isinstance(item, Or) else (item,))
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else Or(tuple(flat))


def _make_not(item):
    """Negate an item, cancelling a double negation."""
    if item is None:
        return None
    return item.item if isinstance(item, Not) else Not(item)


def _anchored(node, positive: bool = True) -> bool:
    """Tell whether every speech the tree matches must contain some term (De Morgan-aware)."""
    if isinstance(node, (Term, Pattern, Near)):
        return positive
    if isinstance(node, Not):
        return _anchored(node.item, not positive)
    if isinstance(node, And):  # under NOT an And is an Or of negations
        test = any if positive else all
        return test(_anchored(item, positive) for item in node.items)
    if isinstance(node, Or):
        test = all if positive else any
        return test(_anchored(item, positive) for item in node.items)
    return False


# ---- the interface -----------------------------------------------------------------------


def parse(query: str, *, filters: dict | None = None, resolve_province=None, max_length: int = 1000,
          max_terms: int = 64, require_text: bool = False) -> Query:
    """Parse a query into its boolean tree and filters, or raise QueryError.

    `filters` ({field: values}) are checked like filters written in the query and ANDed with
    them; with filters, the query text may be empty (the filters alone list speeches) unless
    `require_text` (a concordance lists occurrences of terms, so it needs some).
    """
    if not isinstance(query, str):
        raise QueryError(f"the query must be text, not {type(query).__name__}; e.g. 营商环境", None,
                         "检索式必须是文字，例如 营商环境")
    if len(query) > max_length:
        raise QueryError(
            f"the query is {len(query)} characters long, over the limit of {max_length}; "
            "shorten it, e.g. keep the most distinctive phrase such as 营商环境", max_length,
            f"检索式有 {len(query)} 个字符，超过上限 {max_length}；请缩短，例如只留最有区分度的词，如 营商环境")
    _check_characters(query)
    given = check_filters(filters, resolve_province)
    if not query.strip():
        if given and not require_text:
            return Query(None, given, query)
        raise QueryError("the query is empty; type a phrase, e.g. 营商环境", 0, _EMPTY_ZH)
    tokens = _tokenize(query, max_terms)
    tokens, written = _take_filters(tokens, resolve_province)
    for name, values in given.items():
        written[name] = tuple(dict.fromkeys(written.get(name, ()) + values))
    text = _Parser(tokens, len(query)).parse() if tokens else None
    if text is None and require_text:
        raise QueryError("the query has no term to look for, only filters; type a phrase, e.g. 营商环境", 0,
                         "检索式只有筛选条件，没有要找的词；请输入词语，例如 营商环境")
    if text is None and not written:
        raise QueryError(
            "the query has nothing to search for once spaces are removed; type a phrase, e.g. 营商环境", 0,
            "去掉空格后检索式里没有要找的内容；请输入词语，例如 营商环境")
    if text is not None and not written and not _anchored(text):
        raise QueryError(
            "the query only excludes: it would match speeches holding none of its terms, nearly every "
            "speech; add a term or filter that must match, e.g. 营商环境 -双过半 or province:湖南 -双过半", 0,
            "检索式只有排除条件，会匹配几乎所有讲话；请加上必须出现的词或筛选条件，"
            "例如 营商环境 -双过半 或 province:湖南 -双过半")
    return Query(text, written, query)


def positive_terms(node) -> list[Term | Pattern]:
    """Return the terms and patterns a match may contain (not negated), in query order, without repeats."""
    found: dict[Term | Pattern, None] = {}

    def walk(item, positive: bool) -> None:
        if isinstance(item, (Term, Pattern)):
            if positive:
                found.setdefault(item)
        elif isinstance(item, Near):
            if positive:
                for term in item.terms:
                    found.setdefault(term)
        elif isinstance(item, Not):
            walk(item.item, not positive)
        elif isinstance(item, (And, Or)):
            for child in item.items:
                walk(child, positive)

    if node is not None:
        walk(node, True)
    return list(found)


def matches(node, paragraphs: list[str], written: list[str] | None = None) -> bool:
    """Tell whether a speech, given as its case-folded paragraphs (and as written, for patterns), matches the tree."""
    written = paragraphs if written is None else written
    if isinstance(node, (Term, Pattern)):
        return any(_holds(node, folded, text) for folded, text in zip(paragraphs, written))
    if isinstance(node, Near):
        return any(all(_holds(term, folded, text) for term in node.terms) for folded, text in zip(paragraphs, written))
    if isinstance(node, And):
        return all(matches(item, paragraphs, written) for item in node.items)
    if isinstance(node, Or):
        return any(matches(item, paragraphs, written) for item in node.items)
    if isinstance(node, Not):
        return not matches(node.item, paragraphs, written)
    raise TypeError(f"not a query node: {node!r}")


def _holds(term, folded: str, written: str) -> bool:
    """Tell whether one paragraph holds a term (in its folded form) or a pattern (in its written one)."""
    if isinstance(term, Term):
        return term.text in folded
    from search.patterns import compile_pattern, search_paragraph

    return search_paragraph(compile_pattern(term.source), written)


# ---- how a query was read, and what it may have meant -----------------------------------------


# The words a reading is written with: Chinese for the JSON's `reading` and Chinese pages.
# Another language passes its own (the web's English pages do, from their message catalog).
READING_ZH = {"and": "且", "or": "或", "not": "不含", "near": "同段含", "pattern": "正则", "open": "「", "close": "」",
              "group_open": "（", "group_close": "）", "parts": "；", "field": "：", "values": "或"}


def describe(parsed: Query) -> dict:
    """Say how a query was read: its terms (text, kind, negated), its filters, and a reading in Chinese."""
    terms: list[dict] = []

    def walk(node, negated: bool) -> None:
        if isinstance(node, Term):
            terms.append({"text": node.text, "kind": "phrase", "negated": negated})
        elif isinstance(node, Pattern):
            terms.append({"text": node.source, "kind": "pattern", "negated": negated})
        elif isinstance(node, Near):
            for term in node.terms:
                walk(term, negated)
        elif isinstance(node, Not):
            walk(node.item, not negated)
        elif isinstance(node, (And, Or)):
            for item in node.items:
                walk(item, negated)

    if parsed.text is not None:
        walk(parsed.text, False)
    return {"terms": terms, "filters": parsed.filters, "reading": reading(parsed)}


def reading(parsed: Query, words: dict | None = None, labels: dict | None = None, term=None, value=None) -> str:
    """Write how a query was read: 「双」且「过」且「半」；省份：湖南省 (in the words given, Chinese by default).

    `labels` names the filter fields (the registry's labels by default); `term(text)` and
    `value(field, text)` write a term's text and a filter value (as they are by default), so
    that a page can mark them as data and escape them.
    """
    words = words or READING_ZH
    labels = labels or schema.labels()
    term = term or (lambda text: text)
    value = value or (lambda _name, text: text)
    parts = [_reading(parsed.text, words, term)] if parsed.text is not None else []
    for name, values in parsed.filters.items():
        parts.append(f"{labels.get(name, name)}{words['field']}{words['values'].join(value(name, v) for v in values)}")
    return words["parts"].join(parts)


def _reading(node, words: dict, term, inside: bool = False) -> str:
    """Render a tree: 「双过半」且「营商环境」, 「甲」或「乙」, 不含「丙」, 同段含「甲」「乙」."""
    if isinstance(node, (Term, Pattern)):
        return _reading_term(node, words, term)
    if isinstance(node, Near):
        return words["near"] + "".join(_reading_term(item, words, term) for item in node.terms)
    if isinstance(node, Not):
        return words["not"] + _reading(node.item, words, term, True)
    joined = words["and" if isinstance(node, And) else "or"].join(_reading(item, words, term, True) for item in node.items)
    return f"{words['group_open']}{joined}{words['group_close']}" if inside else joined


def _reading_term(node, words: dict, term) -> str:
    """Render one term: 「双过半」, or 正则「/三.四新/」 for a pattern."""
    if isinstance(node, Term):
        return f"{words['open']}{term(node.text)}{words['close']}"
    return f"{words['pattern']}{words['open']}{term(node.written)}{words['close']}"


_HAN_CHAR_RE = re.compile(f"[{HAN_CLASS}]")
# Removed from a term that finds nothing, to see whether the bare form finds something: spaces,
# quotes of every kind, and full-width forms (U+FF00-U+FFEF) that a paste may carry.
_STRAY_RE = re.compile("[\\s\"'“”‘’「」『』\uff00-\uffef]")


def suggestions(query: str) -> list[tuple[str, str | None]]:
    """Return queries the user may have meant, each with the term that must find nothing for it to apply.

    Two fixed rules: adjacent one-character Han terms joined only by spaces (`双 过 半`, pasted
    from a PDF) are joined (condition None: always offered); a term with spaces, quotes or
    full-width forms is offered without them, when the term itself finds nothing.
    """
    try:
        tokens = _tokenize(query, max_terms=10**6)
    except QueryError:
        return []
    found: list[tuple[str, str | None]] = []
    run: list[_Token] = []

    def close_run() -> None:
        if len(run) >= 2:
            start, end = run[0].pos, run[-1].pos + len(run[-1].raw)
            found.append((query[:start] + "".join(t.text for t in run) + query[end:], None))
        run.clear()

    for token in tokens:
        single = (token.kind == _TERM and len(token.text) == 1 and token.raw == token.text
                  and _HAN_CHAR_RE.fullmatch(token.text))
        if single and run and query[run[-1].pos + len(run[-1].raw) : token.pos].strip() == "":
            run.append(token)
            continue
        close_run()
        if single:
            run.append(token)
    close_run()
    for before, token in zip([None] + tokens, tokens):
        if token.kind != _TERM or not token.text or token.raw.startswith("-") or (before and before.kind == _NOT):
            continue  # an excluded term that finds nothing excludes nothing: no reason to suggest
        bare = fold_case(normalize(_STRAY_RE.sub("", token.raw)))
        if bare and bare != token.text:
            found.append((query[:token.pos] + _quoted(bare) + query[token.pos + len(token.raw):], token.text))
    return list(dict.fromkeys(found))


def _quoted(text: str) -> str:
    """Write a term so the parser reads it back as that exact text."""
    if re.search(r'[\s()"]|:', text) or text.startswith(("-", "/")) or text in (_OR, _AND, _NOT, "NEAR"):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def quote(text: str) -> str:
    """Write text as a query term that finds exactly it (quoted when it holds syntax)."""
    return _quoted(text)


def render(node) -> str:
    """Write a parsed tree back as query text that parses to the same tree (filters aside)."""
    if isinstance(node, Term):
        return _quoted(node.text)
    if isinstance(node, Pattern):
        return node.written
    if isinstance(node, Near):
        return "NEAR(" + " ".join(render(term) for term in node.terms) + ")"
    if isinstance(node, Not):
        return "-(" + render(node.item) + ")"
    if isinstance(node, And):
        return " ".join(f"({render(item)})" if isinstance(item, Or) else render(item) for item in node.items)
    return " OR ".join(render(item) for item in node.items)
