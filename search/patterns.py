r"""Pattern terms: RE2 regular expressions over one paragraph, narrowed by their literal fragments.

A pattern term (`/三.四新/` in a query) is compiled by RE2 (google-re2), whose matching is
linear in the text, so no pattern can hang a server. It sees a paragraph's cleaned text as
written, not case-folded (`(?i)` for case-free); an occurrence is a leftmost non-overlapping
match, as `re.finditer` gives. Patterns that can match the empty string, and features RE2
lacks (back-references, look-around), are refused with a message saying so.

Matching reads as few texts as it can: the literal fragments of two or more characters that
every match must contain (`四新` in `/三.四新/`, `高` and `质量` in nothing shorter) are looked
up in the pair postings, and only the speeches holding them are scanned. The postings are of
the case-folded text, so a fragment found there is a necessary condition, never a
sufficient one: folding can only add candidates, which RE2 then checks. A pattern with no
usable fragment is checked against every speech in scope, within the query time limit.

Fragments come from a small parser of RE2's syntax (`_Parser`) run on patterns RE2 has
already accepted; anything it does not recognise leaves the pattern without fragments (a
scan), never with a wrong one.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np

from indexer.text import fold_case, folds_alike
from search import limits

# Candidates are checked in batches between looks at the clock.
CHECK_EVERY = 32


class PatternError(ValueError):
    """A pattern RE2 refuses or we refuse; str(err) says why with an example, `zh` in Chinese."""

    def __init__(self, message: str, zh: str):
        super().__init__(message)
        self.zh = zh


# ---- a parse of RE2's syntax, for fragments and widths only --------------------------------------
# Nodes: ("lit", char), ("set", chars) a class of a few literal characters, ("dot",), ("one",) any
# other single character (\d, \pN, [^…]…), ("assert",) an empty-width assertion (^ $ \b \B \A \z),
# ("seq", items), ("alt", branches), ("rep", node, min, max) (max None: no upper bound).


class _Unsupported(Exception):
    """Syntax the fragment parser does not know: the pattern is scanned without fragments."""


_REPEAT_RE = re.compile(r"\{(\d+)(?:,(\d*))?\}")
_CONTROL_ESCAPES = {"a": "\a", "f": "\f", "t": "\t", "n": "\n", "r": "\r", "v": "\v"}
_ANCHORS = ("^", "$")


class _Parser:
    """Recursive descent over a pattern RE2 accepted; remembers whether it anchors or folds case."""

    def __init__(self, source: str):
        self.s = source
        self.i = 0
        self.case_free = False  # some (?i…) flag: literals then match other cases too
        self.anchored = False  # ^, $, \A or \z: matched paragraph by paragraph

    def parse(self):
        node = self.alternation()
        if self.i != len(self.s):
            raise _Unsupported(self.i)
        return node

    def peek(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def alternation(self):
        branches = [self.sequence()]
        while self.peek() == "|":
            self.i += 1
            branches.append(self.sequence())
        return branches[0] if len(branches) == 1 else ("alt", branches)

    def sequence(self):
        items = []
        while self.peek() not in ("", "|", ")"):
            atom = self.atom()
            if atom[0] == "quoted":  # \Q…\E: a quantifier after it repeats its last character only
                items.extend(atom[1][:-1])
                atom = atom[1][-1] if atom[1] else ("seq", [])
            while True:
                char = self.peek()
                if char in ("*", "?"):
                    low, high = 0, 1 if char == "?" else None
                elif char == "+":
                    low, high = 1, None
                elif char == "{" and (found := _REPEAT_RE.match(self.s, self.i)):
                    low = int(found.group(1))
                    high = low if found.group(2) is None else int(found.group(2)) if found.group(2) else None
                    self.i = found.end() - 1
                else:
                    break
                self.i += 1
                if self.peek() == "?":  # lazy: the same strings
                    self.i += 1
                atom = ("rep", atom, low, high)
            items.extend(atom[1] if atom[0] == "seq" else [atom])
        return ("seq", items)

    def atom(self):
        char = self.peek()
        self.i += 1
        if char == "(":
            return self.group()
        if char == "[":
            start = self.i
            self.skip_class()
            members = _class_members(self.s[start : self.i - 1])
            return ("set", members) if members else ("one",)
        if char == ".":
            return ("dot",)
        if char in _ANCHORS:
            self.anchored = True
            return ("assert",)
        if char == "\\":
            return self.escape()
        return ("lit", char)

    def group(self):
        if self.s.startswith("?", self.i):
            flags = re.match(r"\?([imsU-]*)([:)])", self.s[self.i:])
            if flags:
                self.case_free |= "i" in flags.group(1)
                self.i += flags.end()
                if flags.group(2) == ")":
                    return ("seq", [])  # flags for the rest of the group: no width
            elif (named := re.match(r"\?P?<\w+>", self.s[self.i:])):
                self.i += named.end()
            else:
                raise _Unsupported(self.i)
        inner = self.alternation()
        if self.peek() != ")":
            raise _Unsupported(self.i)
        self.i += 1
        return inner  # a quantifier wraps it whole; unquantified, its items join the sequence around it

    def skip_class(self) -> None:
        """Move past a character class: [^…], a ] first is literal, [:alpha:], escapes."""
        s, i = self.s, self.i
        if s.startswith("^", i):
            i += 1
        if s.startswith("]", i):
            i += 1
        while i < len(s):
            if s[i] == "\\":
                i = self._skip_escape(i + 1)
            elif s.startswith("[:", i) and (end := s.find(":]", i + 2)) != -1:
                i = end + 2
            elif s[i] == "]":
                self.i = i + 1
                return
            else:
                i += 1
        raise _Unsupported(i)

    def _skip_escape(self, i: int) -> int:
        """Return where an escape starting after its backslash at i ends."""
        if self.s.startswith(("p{", "P{", "x{"), i):
            end = self.s.find("}", i)
            if end == -1:
                raise _Unsupported(i)
            return end + 1
        return i + (2 if self.s.startswith(("p", "P"), i) else 1)  # \pN: one letter names the class

    def escape(self):
        s, i = self.s, self.i
        char = s[i : i + 1]
        if not char:
            raise _Unsupported(i)
        if char == "Q":  # \Q…\E: literal text
            end = s.find("\\E", i + 1)
            end = len(s) if end == -1 else end
            self.i = min(len(s), end + 2)
            return ("quoted", [("lit", c) for c in s[i + 1 : end]])
        if char in "pPdDsSwW":
            self.i = self._skip_escape(i)
            return ("one",)
        if char in "bBAz":
            self.i = i + 1
            self.anchored |= char in "Az"
            return ("assert",)
        if char == "x":
            found = re.match(r"x(?:\{([0-9A-Fa-f]+)\}|([0-9A-Fa-f]{2}))", s[i:])
            if not found:
                raise _Unsupported(i)
            self.i = i + found.end()
            return ("lit", chr(int(found.group(1) or found.group(2), 16)))
        if char in "01234567":
            found = re.match(r"[0-7]{1,3}", s[i:])
            self.i = i + found.end()
            return ("lit", chr(int(found.group(0), 8)))
        if char in _CONTROL_ESCAPES:
            self.i = i + 1
            return ("lit", _CONTROL_ESCAPES[char])
        if char.isascii() and not char.isalnum():
            self.i = i + 1
            return ("lit", char)
        raise _Unsupported(i)  # \C is refused before; other letters RE2 does not accept


def _class_members(inside: str) -> frozenset | None:
    """Return the characters a class lists (what stands between its brackets), or None unless it is a few literal ones."""
    members: set[str] = set()
    k = 0
    if inside.startswith("^"):
        return None
    while k < len(inside):
        char = inside[k]
        if char == "\\":
            char = inside[k + 1 : k + 2]
            if not char or not char.isascii() or char.isalnum():
                return None  # \d, \pN, \x41…: not spelled out here
            k += 1
        elif inside.startswith("[:", k):
            return None
        if inside[k + 1 : k + 2] == "-" and k + 2 < len(inside) and inside[k + 2] not in "\\[":
            low, high = ord(char), ord(inside[k + 2])
            if high - low > 64:
                return None
            members.update(map(chr, range(low, high + 1)))
            k += 3
        else:
            members.add(char)
            k += 1
        if len(members) > 64:
            return None
    return frozenset(members)


def _min_width(node) -> int:
    """Return the fewest characters a node can match."""
    kind = node[0]
    if kind in ("lit", "set", "dot", "one"):
        return 1
    if kind == "assert":
        return 0
    if kind == "seq":
        return sum(_min_width(item) for item in node[1])
    if kind == "alt":
        return min(_min_width(branch) for branch in node[1])
    return _min_width(node[1]) * node[2]


def _max_width(node) -> int | None:
    """Return the most characters a node can match, None when there is no bound (*, +, {n,})."""
    kind = node[0]
    if kind in ("lit", "set", "dot", "one"):
        return 1
    if kind == "assert":
        return 0
    if kind in ("seq", "alt"):
        widths = [_max_width(item) for item in node[1]]
        if any(width is None for width in widths):
            return None
        return (sum if kind == "seq" else max)(widths, **({} if kind == "seq" else {"default": 0}))
    inner = _max_width(node[1])
    return None if node[3] is None or inner is None else inner * node[3]


def _usable(char: str, case_free: bool) -> bool:
    """Tell whether a literal character can stand in a fragment looked up in the folded postings."""
    if char == "\n":
        return True  # never in a paragraph: a fragment holding it rightly finds nothing
    if not case_free:
        return True
    # Under (?i) a literal also matches its other cases: the postings fold only A-Z, and RE2
    # folds k to the Kelvin sign (U+212A) and s to the long s (U+017F).
    if char.isascii():
        return char.lower() not in "ks"
    return char.lower() == char == char.upper()


def _requirement(node, case_free: bool):
    """Return what every match must contain: None (nothing known), a string, or ("and"|"or", parts)."""
    kind = node[0]
    if kind == "seq":
        parts, run = [], []

        def close() -> None:
            if len(run) >= 2:
                parts.append("".join(run))
            run.clear()

        for item in node[1]:
            if item[0] == "lit" and _usable(item[1], case_free):
                run.append(item[1])
                continue
            if item[0] == "assert":
                continue  # no width: the literals either side of it stay adjacent
            close()
            found = _requirement(item, case_free)
            if found is not None:
                parts.append(found)
        close()
        return _join("and", parts)
    if kind == "alt":
        found = [_requirement(branch, case_free) for branch in node[1]]
        return None if any(f is None for f in found) else _join("or", found)
    if kind == "rep":
        return _requirement(node[1], case_free) if node[2] >= 1 else None
    return None


def _join(how: str, parts: list):
    """Build an and/or of parts, flattening one part and nested ones of the same kind."""
    flat = []
    for part in parts:
        flat.extend(part[1] if isinstance(part, tuple) and part[0] == how else [part])
    flat = list(dict.fromkeys(flat))
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else (how, tuple(flat))


def leaves(requirement) -> list[str]:
    """Return the fragments of a requirement, in order."""
    if requirement is None:
        return []
    if isinstance(requirement, str):
        return [requirement]
    return [leaf for part in requirement[1] for leaf in leaves(part)]


def holds(requirement, folded: str) -> bool:
    """Tell whether a case-folded text holds what the requirement asks."""
    if requirement is None:
        return True
    if isinstance(requirement, str):
        return fold_case(requirement) in folded
    test = all if requirement[0] == "and" else any
    return test(holds(part, folded) for part in requirement[1])


# ---- compiling -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compiled:
    """A checked pattern: its RE2 programs and what every match must contain."""

    source: str
    regex: object  # RE2 over one paragraph
    whole: object | None  # RE2 that never matches a line break, over a whole text; None when anchored
    requirement: object  # None, a fragment, or ("and"|"or", parts)
    fixed: tuple | None = None  # a fixed-width pattern the pair postings alone can verify (see fixed_plan)
    width: int | None = None  # the most characters a match can hold; None: no bound, or not known

    @property
    def fragments(self) -> list[str]:
        """Return the literal fragments the postings are asked for."""
        return leaves(self.requirement)


_EXAMPLE = "/[一二三四五六七八九十]个一批/"


def _options(never_nl: bool = False):
    import re2

    options = re2.Options()
    options.log_errors = False
    options.never_nl = never_nl
    return options


def _refusal(source: str, reason: str) -> PatternError:
    """Turn RE2's complaint into a message saying what to write instead."""
    if "\\C" in source:
        return PatternError(f"the pattern /{source}/ uses \\C (one byte), which can split a character; "
                            f"use . for any character, e.g. {_EXAMPLE}",
                            f"模式 /{source}/ 用了 \\C（单个字节），会切开汉字；任意字符请写 .，例如 {_EXAMPLE}")
    if re.search(r"invalid escape sequence: \\[1-9]", reason) or "(?P=" in source:
        return PatternError(f"the pattern /{source}/ uses a back-reference, which RE2 does not support "
                            f"(it matches in linear time); write the repeated text out, e.g. /(稳中求进)+/",
                            f"模式 /{source}/ 用了反向引用，RE2 不支持（为保证线性时间）；"
                            "请把重复的文字写出来，例如 /(稳中求进)+/")
    if re.search(r"invalid perl operator: \(\?<?[=!]", reason):
        return PatternError(f"the pattern /{source}/ uses look-ahead or look-behind, which RE2 does not support; "
                            f"match the context itself, e.g. /三高四新/ instead of /三高(?=四新)/",
                            f"模式 /{source}/ 用了前瞻或后顾断言，RE2 不支持；"
                            "请直接写出上下文，例如用 /三高四新/ 代替 /三高(?=四新)/")
    return PatternError(f"the pattern /{source}/ is not a valid RE2 expression ({reason}); e.g. {_EXAMPLE}",
                        f"模式 /{source}/ 不是有效的 RE2 正则表达式（{reason}）；例如 {_EXAMPLE}")


@functools.lru_cache(maxsize=256)
def compile_pattern(source: str) -> Compiled:
    """Check and compile a pattern's source (between its slashes), or raise PatternError."""
    import re2

    if not source:
        raise PatternError(f"the pattern // is empty; put an expression between the slashes, e.g. {_EXAMPLE}",
                           f"模式 // 是空的；请在两个斜杠之间写表达式，例如 {_EXAMPLE}")
    if "\\C" in source.replace("\\\\", ""):
        raise _refusal(source, "")
    try:
        regex = re2.compile(source, _options())
    except re2.error as error:
        reason = error.args[0].decode("utf-8", "replace") if error.args and isinstance(error.args[0], bytes) \
            else str(error)
        raise _refusal(source, reason) from None
    parser = _Parser(source)
    try:
        tree = parser.parse()
    except _Unsupported:
        tree = None
    empty = _min_width(tree) == 0 if tree is not None else regex.search("") is not None
    if empty:
        raise PatternError(f"the pattern /{source}/ can match the empty string, which is no occurrence; "
                           "make it match at least one character, e.g. /[一二三]+/ instead of /[一二三]*/",
                           f"模式 /{source}/ 可以匹配空字符串，无法计数；"
                           "请让它至少匹配一个字符，例如用 /[一二三]+/ 代替 /[一二三]*/")
    requirement = _requirement(tree, parser.case_free) if tree is not None else None
    whole = None
    if tree is not None and not parser.anchored:
        whole = re2.compile(source, _options(never_nl=True))
    fixed = fixed_plan(tree) if tree is not None and not parser.case_free else None
    width = _max_width(tree) if tree is not None else None
    return Compiled(source, regex, whole, requirement, fixed, width)


def ranking_text(source: str) -> str:
    """Return the text a pattern is ranked by: its fragments."""
    return " ".join(compile_pattern(source).fragments)


# ---- fixed-width patterns, verified by the pair postings alone ------------------------------------------
# A pattern that is a row of literal characters, small classes and dots (/三.四新/,
# /[一二三四五六七八九十]个一批/) matches exactly where its characters stand at consecutive
# positions inside one paragraph, which the pair postings say without reading a text: its longest
# literal run is looked up, each neighbour is checked by the pair it forms with a known character
# (or by its own positions), and a dot by what stands before it not pairing with a line break.
# Latin letters are left to RE2: the postings fold their case, a pattern does not.


def fixed_plan(tree) -> tuple | None:
    """Return (items, anchor offset, anchor) of a fixed-width pattern the postings can verify, or None."""
    items = list(tree[1]) if tree[0] == "seq" else [tree]
    if len(items) < 2 or any(item[0] not in ("lit", "set", "dot") for item in items):
        return None
    for j, item in enumerate(items):
        chars = [item[1]] if item[0] == "lit" else list(item[1]) if item[0] == "set" else []
        if any(c == "\n" or "a" <= c <= "z" or "A" <= c <= "Z" for c in chars):
            return None
        if item[0] == "dot" and (j == 0 or items[j - 1][0] == "dot"):
            return None  # a dot is checked through the known character before it
    best, j = (0, 0), 0
    while j < len(items):
        end = j
        while end < len(items) and items[end][0] == "lit":
            end += 1
        if end - j > best[1] - best[0]:
            best = (j, end)
        j = max(end, j + 1)
    if best[1] - best[0] < 2:
        return None
    return tuple(items), best[0], "".join(item[1] for item in items[best[0] : best[1]])


def _held(sorted_positions: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Tell for each wanted position whether it is among the sorted positions."""
    if not len(sorted_positions):
        return np.zeros(len(wanted), dtype=bool)
    at = np.searchsorted(sorted_positions, wanted)
    at[at == len(sorted_positions)] = 0
    return sorted_positions[at] == wanted


def _any_held(arrays: list, wanted: np.ndarray) -> np.ndarray:
    found = np.zeros(len(wanted), dtype=bool)
    for positions in arrays:
        found |= _held(positions, wanted)
    return found


def _chars(item) -> list[str]:
    return [item[1]] if item[0] == "lit" else sorted(item[1])


def _fixed_starts(segment, items: tuple, at: int, anchor: str) -> np.ndarray:
    """Return where a fixed-width pattern matches in one segment's character space, overlapping matches included."""
    starts = segment.starts(anchor).astype(np.int64) - at
    starts = starts[starts >= 0]
    known = {j: items[j][1] for j in range(at, at + len(anchor))}
    for j in list(range(at - 1, -1, -1)) + list(range(at + len(anchor), len(items))):  # outward from the anchor
        if items[j][0] == "dot" or not len(starts):
            continue
        chars = _chars(items[j])
        if j + 1 in known:
            ok = _any_held([segment.pair_starts(c, known[j + 1]) for c in chars], starts + j)
        elif j - 1 in known:
            ok = _any_held([segment.pair_starts(known[j - 1], c) for c in chars], starts + j - 1)
        else:
            ok = _any_held([segment.starts(c) for c in chars], starts + j)
        starts = starts[ok]
        if items[j][0] == "lit":
            known[j] = items[j][1]
    for j, item in enumerate(items):  # a dot: any character but a line break, after a known one
        if item[0] == "dot" and len(starts):
            starts = starts[~_any_held([segment.pair_starts(c, "\n") for c in _chars(items[j - 1])], starts + j - 1)]
    return starts


def fixed_counts(generation, plan: tuple) -> np.ndarray:
    """Return a fixed-width pattern's occurrences per speech, leftmost non-overlapping, from the pair postings alone."""
    items, at, anchor = plan
    width = len(items)
    total = np.zeros(len(generation), dtype=np.int64)
    for segment in generation.postings.segments:
        starts = _fixed_starts(segment, items, at, anchor)
        if len(starts) > 1 and (np.diff(starts) < width).any():  # it can overlap itself: chain as finditer does
            kept, end = [], -1
            for position in starts.tolist():
                if position >= end:
                    kept.append(position)
                    end = position + width
            starts = np.array(kept, dtype=np.int64)
        if len(starts):
            held = segment.speech_of(starts)
            total += np.bincount(held[held >= 0], minlength=len(generation))
    return total


# ---- matching ------------------------------------------------------------------------------------
# One RE2 call cannot be interrupted, and its work grows with the text it is given times the
# size of its program (`/的.{0,1000}的/` is 9,010 instructions: some 14 µs a byte when RE2's DFA
# gives up and its NFA runs). So no call is given a whole long paragraph: a pattern whose
# matches have a bounded length (no *, + or {n,}) is matched in windows of a piece plus its
# longest match, the deadline checked between calls. That is exact: a match starting a longest
# match's width before a window's end lies wholly inside it, and RE2 sees the text beyond the
# window as context (for $ and \b), so the leftmost match there is the leftmost anywhere. A
# pattern without that bound is given a paragraph at a time; before a call whose worst case
# (bytes × instructions) could outlast the time left, the query is refused as too broad.

PIECE_WORK = 1 << 25  # bytes × instructions one call may take beyond its longest match: ~50 ms at worst here
MIN_PIECE = 4096  # bytes
# The NFA's worst rate, measured at ~1.5 ns per byte and instruction (bench: /的.{0,1000}的/ on one
# long line); taken at half that speed, for slower machines.
WORST_STEPS_PER_S = 3e8


def _piece(compiled: "Compiled", program: int) -> int | None:
    """Return how many bytes a call covers beyond a longest match's, None when the pattern has no bound."""
    if compiled.width is None:
        return None
    return max(MIN_PIECE, PIECE_WORK // max(program, 1), 4 * compiled.width)


def _char_start(data: bytes, at: int) -> int:
    """Return the first position from `at` where a UTF-8 character starts."""
    while at < len(data) and 0x80 <= data[at] < 0xC0:
        at += 1
    return at


def _too_costly(compiled: "Compiled", length: int, program: int) -> None:
    """Refuse a call over `length` bytes whose worst case could outlast the time the query has left."""
    left = limits.remaining()
    worst = length * program / WORST_STEPS_PER_S
    if left is None or worst <= left:
        return
    deadline = limits.active()
    if deadline.seconds is not None and worst <= deadline.seconds / 2:
        raise deadline.expired()  # a call any query could make: the time is up, as the deadline says it
    from search.errors import QueryTooBroad

    if compiled.width is None:
        raise QueryTooBroad(
            f"the pattern /{compiled.source}/ has no upper bound on its length (*, + or {{n,}}) and a paragraph of "
            f"{length:,} bytes is too long to match it in the time left; bound it (e.g. .{{0,100}} for .*) or narrow "
            "the query",
            f"模式 /{compiled.source}/ 的长度没有上限（*、+ 或 {{n,}}），在剩余时间内无法匹配 {length:,} 字节的段落；"
            "请给它设上限（例如用 .{0,100} 代替 .*），或缩小查询")
    raise QueryTooBroad(
        f"the pattern /{compiled.source}/ compiles to {program:,} RE2 instructions: matching {length:,} bytes with it "
        "could take longer than the time left; shorten its repetitions or narrow the query",
        f"模式 /{compiled.source}/ 编译后有 {program:,} 条 RE2 指令，匹配 {length:,} 字节可能超出剩余时间；"
        "请缩短其中的重复，或缩小查询")


def _byte_spans(compiled: "Compiled", regex, data: bytes, start: int = 0, end: int | None = None):
    """Yield (start, end) in bytes of every leftmost non-overlapping match of regex in data[start:end].

    `data` is one paragraph, or a whole text with `compiled.whole` (which never matches a line
    break). Every RE2 call is bounded (see above) and the active deadline is checked between calls.
    """
    end = len(data) if end is None else end
    program = regex.programsize
    piece = _piece(compiled, program)
    reach = 0 if piece is None else 4 * compiled.width  # bytes of a longest match: at most 4 a character
    at = start
    while at < end:
        limits.check()
        if piece is None:  # to the paragraph's end: no match crosses a line break
            stop = data.find(b"\n", at, end)
            stop = end if stop == -1 else stop
        else:
            stop = min(end, at + piece + reach)
        _too_costly(compiled, stop - at, program)
        found = regex.search(data, at, stop)
        first, last = found.span() if found is not None else (-1, -1)
        if found is not None and first == last:  # refused when compiled; a safeguard should the analysis miss one
            raise PatternError(f"the pattern /{compiled.source}/ matched the empty string; make something required",
                               f"模式 /{compiled.source}/ 匹配到了空字符串；请让它至少匹配一个字符")
        if found is not None and (stop == end or piece is None or first + reach <= stop):
            yield first, last
            at = last
        elif stop == end:
            return  # nothing more up to the end
        elif piece is None:
            at = stop + 1  # nothing in this paragraph: the next one
        else:
            at = _char_start(data, max(at + 1, stop - reach + 1))  # every match starting before it was seen whole


def spans(compiled: Compiled, paragraph: str):
    """Yield (start, end) of every occurrence in one paragraph, leftmost non-overlapping, in characters."""
    data = paragraph.encode("utf-8")
    if len(data) == len(paragraph):  # ASCII: bytes are characters
        yield from _byte_spans(compiled, compiled.regex, data)
        return
    byte_at = char_at = 0
    for first, last in _byte_spans(compiled, compiled.regex, data):
        char_at += len(data[byte_at:first].decode("utf-8"))
        length = len(data[first:last].decode("utf-8"))
        yield char_at, char_at + length
        byte_at, char_at = last, char_at + length


def count_text(compiled: Compiled, text: str) -> int:
    """Count the occurrences in a speech's text, paragraph by paragraph."""
    if compiled.whole is not None:
        # One pass over the whole text: no match crosses a line break, none is anchored, so the
        # leftmost non-overlapping matches are those of each paragraph in turn.
        return sum(1 for _ in _byte_spans(compiled, compiled.whole, text.encode("utf-8")))
    total = 0
    for paragraph in text.split("\n"):
        if holds(compiled.requirement, fold_case(paragraph)):
            total += sum(1 for _ in spans(compiled, paragraph))
    return total


def search_paragraph(compiled: Compiled, paragraph: str) -> bool:
    """Tell whether a paragraph holds an occurrence."""
    return next(spans(compiled, paragraph), None) is not None


def count_near(compiled: Compiled, text, haystack, needles: list) -> int:
    """Count the occurrences in the paragraphs of text where haystack (the text case-folded, or the same bytes)
    holds one of the needles: an anchor fragment every match holds one of."""
    newline = "\n" if isinstance(text, str) else b"\n"
    total, at = 0, 0
    while True:
        found = [where for where in (haystack.find(needle, at) for needle in needles) if where != -1]
        if not found:
            return total
        offset = min(found)
        start = text.rfind(newline, 0, offset) + 1
        end = text.find(newline, offset)
        end = len(text) if end == -1 else end
        paragraph = text[start:end]
        if isinstance(paragraph, str):
            paragraph = paragraph.encode("utf-8")
        total += sum(1 for _ in _byte_spans(compiled, compiled.regex, paragraph))
        at = end + 1


class PatternCounts:
    """A pattern's occurrences per speech, counted on demand for the speeches a query needs.

    With fragments, only the paragraphs holding an anchor are read: fragments one of which
    every match holds (one fragment of an AND, every one of an OR), located by the postings.
    """

    def __init__(self, generation, source: str):
        self.generation = generation
        self.compiled = compile_pattern(source)
        self.counts = np.zeros(len(generation), dtype=np.int64)
        self.covered = np.zeros(len(generation), dtype=bool)
        self._leaves: dict[str, np.ndarray] = {}  # each fragment's occurrences per speech
        self._candidates = None

    def candidates(self) -> np.ndarray:
        """Return which speeches may hold an occurrence, from the fragments' postings."""
        if self._candidates is None:
            self._candidates = self._mask(self.compiled.requirement)
        return self._candidates

    def _leaf(self, fragment: str) -> np.ndarray:
        if fragment not in self._leaves:
            self._leaves[fragment] = self.generation.postings.counts(fragment)
        return self._leaves[fragment]

    def _mask(self, requirement) -> np.ndarray:
        if requirement is None:
            return np.ones(len(self.generation), dtype=bool)
        if isinstance(requirement, str):
            return self._leaf(requirement) > 0
        masks = [self._mask(part) for part in requirement[1]]
        return np.logical_and.reduce(masks) if requirement[0] == "and" else np.logical_or.reduce(masks)

    def _anchor_set(self, requirement) -> list[str]:
        """Return fragments one of which every match holds: the rarest part of an AND, every part of an OR."""
        if isinstance(requirement, str):
            return [requirement]
        choices = [self._anchor_set(part) for part in requirement[1]]
        if requirement[0] == "or":
            return [fragment for choice in choices for fragment in choice]
        return min(choices, key=lambda choice: sum(int(self._leaf(f).sum()) for f in choice))

    def cover(self, scope: np.ndarray | None, check) -> None:
        """Count every speech in scope (all when None) not yet counted; `check()` raises when time is up."""
        if self.compiled.fixed is not None:  # the postings alone: every speech at once
            if not self.covered.all():
                self.counts = fixed_counts(self.generation, self.compiled.fixed)
                self.covered[:] = True
            return
        wanted = self.candidates() & ~self.covered
        if scope is not None:
            wanted &= scope
        needles = list(dict.fromkeys(fold_case(f) for f in self._anchor_set(self.compiled.requirement))) \
            if self.compiled.requirement is not None else []
        # Fragments folding leaves alike are found in the UTF-8 bytes as written, no decoding.
        raw = [needle.encode("utf-8") for needle in needles] if all(map(folds_alike, needles)) else None
        for done, position in enumerate(np.nonzero(wanted)[0].tolist()):
            if done % CHECK_EVERY == 0:
                check()
            if not needles:
                self.counts[position] = count_text(self.compiled, self.generation.text(position))
            elif raw is not None:
                data = self.generation.utf8(position)
                self.counts[position] = count_near(self.compiled, data, data, raw)
            else:
                text = self.generation.text(position)
                self.counts[position] = count_near(self.compiled, text, fold_case(text), needles)
        check()
        if scope is None:
            self.covered[:] = True
        else:
            self.covered |= scope


def _latin(text: str) -> bool:
    """Tell whether text holds an ASCII letter, which case folding changes."""
    return any("a" <= c <= "z" or "A" <= c <= "Z" for c in text)
