"""Pattern terms /…/: parsed by the one parser, matched by RE2, exact against Python's re on the shipped texts."""

import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from indexer.build import build_index
from indexer.text import fold_case
from search import Corpus
from search import query as q
from search.corpus import QueryTooBroad, mark
from search.patterns import PatternError, compile_pattern, holds


# ---- the scan every answer is held to --------------------------------------------------------------


def re_scan(texts: dict[str, list[str]], pattern: str, ids=None) -> list[tuple[str, int, int, str]]:
    """Every leftmost non-overlapping match of Python's re, paragraph by paragraph: (id, paragraph, offset, match)."""
    compiled = re.compile(pattern)
    return sorted((speech_id, number, found.start(), found.group())
                  for speech_id, paragraphs in texts.items() if ids is None or speech_id in ids
                  for number, paragraph in enumerate(paragraphs, 1)
                  for found in compiled.finditer(paragraph))


def kwic_rows(corpus, query: str, filters=None) -> list[tuple[str, int, int, str]]:
    return sorted((r["id"], r["paragraph"], r["offset"], r["match"]) for r in corpus.kwic(query, filters)["rows"])


def assert_exact(corpus, texts, pattern: str) -> list:
    """Check search totals, per-hit occurrences and every concordance row of /pattern/ against re."""
    expected = re_scan(texts, pattern)
    query = "/" + pattern.replace("/", "\\/") + "/"
    assert kwic_rows(corpus, query) == expected, pattern
    result = corpus.search(query, page_size=200)
    per_speech = {}
    for speech_id, *_ in expected:
        per_speech[speech_id] = per_speech.get(speech_id, 0) + 1
    assert result["total"] == len(per_speech) and result["occurrences"] == len(expected), pattern
    assert {hit["id"]: hit["occurrences"] for hit in result["hits"]} == per_speech, pattern
    return expected


PATTERNS = [
    "三.四新", "[一二三四五六七八九十]个一批", "稳.{0,4}进", "(稳中求进|高质量发展)", "双过半", "[0-9]+亿元",
    "第[一二三四五六七八九十]+[，、]", "^同志们", "。$", "[^，。、；：！？“”]{2}工作会议", "(?:营商)+环境",
    "GDP", "(?i)gdp", "要.{1,3}要", r"\d{4}年", "“[^”]{2,6}”", "新.{0,2}新",
]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_patterns_equal_a_scan_with_re_on_every_shipped_speech(corpus, texts, pattern):
    # re and RE2 share this syntax with the same meaning on these texts (\d meets only ASCII digits).
    assert_exact(corpus, texts, pattern)


def test_the_fixed_patterns_find_something(corpus, texts):
    # Guards the scan itself: a pattern list that finds nothing would prove nothing.
    assert sum(bool(re_scan(texts, p)) for p in PATTERNS) >= len(PATTERNS) - 1


def _escape(char: str) -> str:
    return re.escape(char) if not char.isalnum() else char


@st.composite
def built_patterns(draw, texts):
    """A pattern built from a real stretch of text: literals, dots, small classes, repeats, an alternative."""
    paragraphs = [p for ps in texts.values() for p in ps if len(p) >= 10]
    paragraph = paragraphs[draw(st.integers(0, len(paragraphs) - 1))]
    length = draw(st.integers(2, 8))
    start = draw(st.integers(0, len(paragraph) - length))
    pieces = []
    for char in paragraph[start : start + length]:
        how = draw(st.sampled_from(["lit", "lit", "lit", "dot", "class", "plus", "range", "opt"]))
        other = paragraph[draw(st.integers(0, len(paragraph) - 1))]
        if how == "lit":
            pieces.append(_escape(char))
        elif how == "dot":
            pieces.append(".")
        elif how == "class":
            pieces.append("[" + "".join(dict.fromkeys(_escape(c) for c in (char, other))) + "]")
        elif how == "plus":
            pieces.append(_escape(char) + "+")
        elif how == "range":
            pieces.append(_escape(char) + "{1,2}")
        else:
            pieces.append(_escape(char) + "?")
    pattern = "".join(pieces)
    if draw(st.booleans()):
        other = paragraphs[draw(st.integers(0, len(paragraphs) - 1))]
        cut = draw(st.integers(0, len(other) - 3))
        pattern = f"(?:{pattern}|{''.join(_escape(c) for c in other[cut : cut + 3])})"
    return pattern


@pytest.fixture(scope="module")
def pattern_strategy(texts):
    return built_patterns(texts)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_patterns_from_the_texts_equal_re(corpus, texts, data):
    pattern = data.draw(built_patterns(texts))
    if re.fullmatch(pattern, ""):
        with pytest.raises(q.QueryError, match="empty string"):
            corpus.parse(f"/{pattern}/")
        return
    assert_exact(corpus, texts, pattern)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), case_free=st.booleans())
def test_every_match_holds_the_fragments_the_postings_are_asked_for(texts, data, case_free):
    pattern = data.draw(built_patterns(texts))
    assume(not re.fullmatch(pattern, ""))
    compiled = compile_pattern(("(?i)" if case_free else "") + pattern)
    for paragraphs in texts.values():
        for paragraph in paragraphs:
            for found in compiled.regex.finditer(paragraph):
                assert holds(compiled.requirement, fold_case(found.group())), (pattern, found.group())


@pytest.mark.parametrize("source, fragments", [
    ("三.四新", ["四新"]),
    ("[一二三四五六七八九十]个一批", ["个一批"]),
    ("稳.{0,4}进", []),
    ("(稳中求进|高质量发展)", ["稳中求进", "高质量发展"]),
    ("(稳中求进|高质量发展|进)", []),  # one alternative has no fragment: nothing is required
    ("营商(?:环境)+", ["营商", "环境"]),
    ("营商(?:环境)*", ["营商"]),
    ("营商(环境)", ["营商环境"]),
    (r"\Q双过半\E", ["双过半"]),
    (r"\Q双过\E半?", ["双过"]),  # ? repeats the last quoted character only
    (r"\x{53cc}过半", ["双过半"]),
    (r"a\bb", ["ab"]),
    (r"\p{Han}{2}工作", ["工作"]),
    ("[]、]+会议", ["会议"]),
    ("[[:alpha:]]会议", ["会议"]),
    ("(?P<x>三高)(?<y>四新)", ["三高四新"]),
    ("(?i)gdp增长", ["gdp增长"]),
    ("(?i)kpi指标", ["pi指标"]),  # under (?i) RE2's k also matches the Kelvin sign, which the postings do not fold
    ("(?i:s)tock", ["toc"]),  # an (?i) anywhere makes every literal case-free: never a wrong fragment
])
def test_fragments_are_what_every_match_must_contain(source, fragments):
    assert compile_pattern(source).fragments == fragments


# ---- the query language ------------------------------------------------------------------------------


def terms(query: str) -> list[dict]:
    return q.describe(q.parse(query))["terms"]


@pytest.mark.parametrize("query, expected", [
    ("/三.四新/", [("三.四新", "pattern", False)]),
    ("-/三.四新/ 发展", [("三.四新", "pattern", True), ("发展", "phrase", False)]),
    ("/营商 环境/", [("营商 环境", "pattern", False)]),  # spaces inside are part of it
    ("/(稳中求进|高质量发展)/ 项目", [("(稳中求进|高质量发展)", "pattern", False), ("项目", "phrase", False)]),
    (r"/1\/3/", [(r"1\/3", "pattern", False)]),
    ("/a/b/", [("a/b", "pattern", False)]),  # a slash no word end follows is inside
    ("1/3", [("1/3", "phrase", False)]),
    ("km/h", [("km/h", "phrase", False)]),
    ('"/三.四新/"', [("/三.四新/", "phrase", False)]),
    ("/三.四新", [("/三.四新", "phrase", False)]),  # no closing slash: text
    ("(/三.四新/ OR 双过半)", [("三.四新", "pattern", False), ("双过半", "phrase", False)]),
    ("NEAR(/三.四新/ 发展)", [("三.四新", "pattern", False), ("发展", "phrase", False)]),
    ("/GDP/", [("GDP", "pattern", False)]),  # not case-folded
])
def test_a_term_between_slashes_is_a_pattern(query, expected):
    assert [(t["text"], t["kind"], t["negated"]) for t in terms(query)] == expected


def test_a_pattern_reads_in_chinese_and_combines_like_a_term():
    parsed = q.parse("/三.四新/ OR NEAR(/稳.进/ 发展) province:湖南")
    assert parsed.text == q.Or((q.Pattern("三.四新"), q.Near((q.Pattern("稳.进"), q.Term("发展")))))
    assert q.describe(parsed)["reading"] == "正则「/三.四新/」或同段含正则「/稳.进/」「发展」；省份：湖南"
    with pytest.raises(q.QueryError, match="only excludes"):
        q.parse("-/三.四新/")


@pytest.mark.parametrize("query, message, zh", [
    (r"/(稳中求进)\1/", "back-reference", "反向引用"),
    ("/三高(?=四新)/", "look-ahead or look-behind", "前瞻或后顾"),
    ("/(?<!三)高/", "look-ahead or look-behind", "前瞻或后顾"),
    ("/[一二三]*/", "empty string", "空字符串"),
    ("/(三高|)/", "empty string", "空字符串"),
    (r"/\b/", "empty string", "空字符串"),
    ("//", "empty", "空的"),
    ("/[三高/", "not a valid RE2", "不是有效的"),
    (r"/\C/", "one byte", "单个字节"),
])
def test_what_re2_cannot_do_is_a_clear_error(query, message, zh):
    with pytest.raises(q.QueryError, match=re.escape(message)) as caught:
        q.parse(f"发展 {query}")
    assert zh in caught.value.zh and caught.value.position == 3
    assert "e.g." in str(caught.value)


def test_a_pattern_error_says_what_to_write():
    with pytest.raises(PatternError) as caught:
        compile_pattern("a(?=b)")
    assert "/三高四新/" in str(caught.value)


# ---- combined with the rest of a query ------------------------------------------------------------------


def _evaluate(node, paragraphs: list[str]) -> bool:
    """Evaluate a parsed tree on one speech with Python's str and re: the reference."""
    if isinstance(node, q.Term):
        return any(node.text in fold_case(p) for p in paragraphs)
    if isinstance(node, q.Pattern):
        return any(re.search(node.source, p) for p in paragraphs)
    if isinstance(node, q.Near):
        return any(all(_evaluate(t, [p]) for t in node.terms) for p in paragraphs)
    if isinstance(node, q.Not):
        return not _evaluate(node.item, paragraphs)
    test = all if isinstance(node, q.And) else any
    return test(_evaluate(item, paragraphs) for item in node.items)


def _occurrences(term, paragraphs: list[str]) -> int:
    if isinstance(term, q.Term):
        return sum(fold_case(p).count(term.text) for p in paragraphs)
    return sum(len(re.findall(term.source, p)) for p in paragraphs)


@pytest.mark.parametrize("query, filters", [
    ("/三.四新/ OR 营商环境", None),
    ("营商环境 (/三.四新/ OR 双过半)", None),
    ("(发展 /稳.{0,4}进/) OR 双过半", None),
    ("NEAR(/稳.{0,4}进/ 发展)", None),
    ("NEAR(/[0-9]+亿元/ /稳.{0,4}进/)", None),
    ("发展 -/稳.{0,4}进/", {"province": "湖南"}),
    # A pattern under two negations is positive: its occurrences are counted where its NOT's scope did not reach.
    ("NOT (发展 -/[一二三四五六七八九十]个一批/)", {"province": "湖南"}),
    ("/[0-9]+亿元/", {"year": "2020-2022"}),
])
def test_patterns_combine_with_operators_and_filters_exactly(corpus, texts, query, filters):
    parsed = corpus.parse(query, filters)
    speeches = {s["id"]: s for s in corpus.speeches()}
    positive = q.positive_terms(parsed.text)

    def passes(speech) -> bool:
        if "province" in parsed.filters and speech["province"] not in parsed.filters["province"]:
            return False
        if "year" in parsed.filters:
            low, high = parsed.filters["year"][0].split("-")
            return speech["year"] is not None and int(low) <= speech["year"] <= int(high)
        return True

    expected = {speech_id: sum(_occurrences(t, paragraphs) for t in positive)
                for speech_id, paragraphs in texts.items()
                if passes(speeches[speech_id]) and _evaluate(parsed.text, paragraphs)}
    assert expected, query  # the query finds something to check
    result = corpus.search(query, filters, page_size=200)
    assert {hit["id"]: hit["occurrences"] for hit in result["hits"]} == expected
    assert result["total"] == len(expected) and result["occurrences"] == sum(expected.values())
    assert len(corpus.kwic(query, filters)["rows"]) == sum(expected.values())


def test_snippets_and_the_speech_page_mark_pattern_matches(corpus, texts):
    result = corpus.search("/[一二三四五六七八九十]个一批/")
    marked = [re.sub("</?mark>", "|", s["html"]) for hit in result["hits"] for s in hit["snippets"]]
    assert marked and all(re.search(r"\|[一二三四五六七八九十]个一批\|", m) for m in marked)
    terms_ = corpus.marked_terms("/[一二三四五六七八九十]个一批/ 项目")
    for paragraphs in texts.values():
        for paragraph in paragraphs:
            html = mark(paragraph, terms_)
            expected = len(re.findall("[一二三四五六七八九十]个一批", paragraph))
            assert len(re.findall("<mark>[一二三四五六七八九十]个一批</mark>", html)) == expected


def test_a_pattern_without_fragments_over_the_time_limit_is_too_broad(shipped_index):
    with pytest.raises(QueryTooBroad):
        Corpus(shipped_index, {"query_time_limit_ms": 0}).search("/稳.{0,4}进/")


# ---- case: patterns see the text as written -------------------------------------------------------------


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """An index of speeches the test writes: mixed case, a Kelvin sign, slashes."""
    corpus = tmp_path_factory.mktemp("patterns") / "corpus"
    corpus.mkdir()
    bodies = {
        "a.txt": ["在全县经济工作会议上的讲话", "GDP增长6%，gdp总量创新高。", "温度达到300\u212am的高度。",
                  "三高四新，三大四新。"],
        "b.txt": ["在全市项目建设调度会上的讲话", "Gdp与KM/H和1/3。", "抓好五个一批、十个一批。", "四新三",
                  "高四新", "哈哈哈哈哈哈哈，三高四新三高四新"],
    }
    for name, lines in bodies.items():
        (corpus / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    index = corpus.parent / "index"
    build_index(corpus, index)
    return Corpus(index)


def test_patterns_see_case_as_written_and_i_makes_them_case_free(written):
    def forms(query):
        return sorted(r["match"] for r in written.kwic(query)["rows"])

    assert forms("/GDP/") == ["GDP"]
    assert forms("/gdp/") == ["gdp"]
    assert forms("/(?i)gdp/") == ["GDP", "Gdp", "gdp"]
    assert forms("gdp") == ["GDP", "Gdp", "gdp"]  # a phrase folds case
    # RE2 folds k to the Kelvin sign under (?i); the postings fold only A-Z, so km is no fragment.
    assert forms("/(?i)km/") == ["KM", "\u212am"]
    assert forms(r"/KM\/H/") == ["KM/H"]
    assert forms("/三.四新/") == ["三大四新", "三高四新", "三高四新", "三高四新"]
    assert forms("/[一二三四五六七八九十]+个一批/") == ["五个一批", "十个一批"]


@pytest.mark.parametrize("pattern", ["三.四新", "[三五]高四新", "[一二三四五六七八九十]个一批", "哈哈[哈]", "哈哈.",
                                     "新三.四", "批[、。]", "高四新.", "四新。?"])
def test_patterns_the_postings_verify_alone_equal_re_at_paragraph_and_text_edges(written, pattern):
    # "四新三" ends a paragraph and "高四新" starts the next: /三.四新/ must not join them; 哈哈哈 overlaps itself.
    texts = {s["id"]: written.speech(s["id"])["text"].split("\n") for s in written.speeches()}
    assert kwic_rows(written, f"/{pattern}/") == re_scan(texts, pattern), pattern


def test_fixed_width_patterns_are_verified_by_the_postings():
    assert compile_pattern("三.四新").fixed == ((("lit", "三"), ("dot",), ("lit", "四"), ("lit", "新")), 2, "四新")
    assert compile_pattern("[一二]个一批").fixed[1:] == (1, "个一批")
    # Latin letters (the postings fold them), a leading dot, repeats and anchors are left to RE2.
    for source in ("GDP增长", ".个一批", "三..四新", "稳.{0,4}进", "^同志们", "[^，]个一批"):
        assert compile_pattern(source).fixed is None, source


# ---- bounded work: long paragraphs matched in pieces (issue 24, items 1 and 2) ------------------------------


WINDOWED = ["三.四新", "的.{0,30}的", "要.{1,3}要", "(?i)gdp.{0,5}", r"发展\b", "。$", "^同志们.{0,10}", "[一二三]个一批",
            "(稳中求进|高质量发展).{0,8}", "新.{0,2}新", "的.*?了", "[^。]+。", "(?:营商)+环境"]


@pytest.mark.parametrize("pattern", WINDOWED)
def test_matching_in_windows_equals_one_scan_of_the_paragraph(texts, monkeypatch, pattern):
    # Windows as small as they can be (a piece of one byte beyond the longest match), so that
    # thousands of window edges fall inside matches, characters and candidate starts.
    from search import patterns

    monkeypatch.setattr(patterns, "MIN_PIECE", 1)
    monkeypatch.setattr(patterns, "PIECE_WORK", 1)
    compiled = compile_pattern(pattern)
    paragraphs = [p for ps in texts.values() for p in ps]
    long_line = "".join(paragraphs[:400])  # one paragraph of the texts laid end to end
    for paragraph in paragraphs[::7] + [long_line]:
        expected = [found.span() for found in compiled.regex.finditer(paragraph)]
        assert list(patterns.spans(compiled, paragraph)) == expected, pattern
    text = "\n".join(paragraphs[:300])  # a whole text at once, windows across its line breaks
    assert patterns.count_text(compiled, text) == sum(len(list(compiled.regex.finditer(p))) for p in paragraphs[:300])


@pytest.mark.parametrize("pattern, width", [("三.四新", 4), ("的.{0,1000}的", 1002), ("要.{1,3}要", 5), ("(?:营商)+环境", None),
                                            ("a{2,5}b?", 6), ("[一二]{3}|x", 3), ("x{2,}", None), (r"\d{4}年", 5)])
def test_the_longest_match_of_a_pattern_is_known(pattern, width):
    assert compile_pattern(pattern).width == width


class _Recorder:
    """An RE2 program standing in for a compiled pattern's, recording each call's stretch and moving a clock."""

    def __init__(self, regex, clock, seconds_per_call):
        self.regex, self.clock, self.seconds = regex, clock, seconds_per_call
        self.calls = []
        self.programsize = regex.programsize

    def _called(self, length):
        self.calls.append(length)
        self.clock.now += self.seconds

    def search(self, data, pos=0, endpos=None):
        self._called((len(data) if endpos is None else endpos) - pos)
        return self.regex.search(data, pos, endpos)

    def finditer(self, text, *args):  # what matching called before issue 24: one call over the whole paragraph
        self._called(len(text.encode("utf-8") if isinstance(text, str) else text))
        return self.regex.finditer(text, *args)


def test_a_long_paragraph_is_matched_in_pieces_with_the_deadline_checked_between(tmp_path, monkeypatch):
    # Issue 24 item 2: /的.{0,1000}的/ ran 35.9 s under a 10 s limit, and past 600 s on a 20 MB
    # single-line text: the deadline was checked every 32 speeches and one RE2 call took a whole
    # paragraph. A clock the test moves stands for the time each call takes: one second each.
    import dataclasses

    from search import limits, patterns

    class Clock:
        now = 1000.0

        def monotonic(self):
            return self.now

    clock = Clock()
    monkeypatch.setattr(limits, "time", clock)
    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    line = ("各地区各部门要坚持稳中求进工作总基调，推动经济社会高质量发展，" * 40_000)  # 1.3 M characters, one line
    (corpus_dir / "long.txt").write_text("在全市经济工作会议上的讲话\n同志们：\n" + line + "\n", encoding="utf-8")
    build_index(corpus_dir, tmp_path / "index")
    corpus = Corpus(tmp_path / "index", {"query_time_limit_ms": 10_000})
    source = "的.{0,1000}的"
    compiled = compile_pattern(source)
    recorder = _Recorder(compiled.regex, clock, seconds_per_call=1.0)
    whole = _Recorder(compiled.whole, clock, seconds_per_call=1.0)
    monkeypatch.setattr(patterns, "compile_pattern", lambda _source: dataclasses.replace(compiled, regex=recorder,
                                                                                          whole=whole))
    with pytest.raises(QueryTooBroad):
        corpus.search(f"/{source}/")
    calls = recorder.calls + whole.calls
    # Each call got at most a piece beyond the longest match, and the work stopped at the
    # deadline: ten seconds of calls, one more begun before the check that stopped it.
    window = max(patterns.MIN_PIECE, patterns.PIECE_WORK // compiled.regex.programsize, 4 * 1002) + 4 * 1002
    assert calls and max(calls) <= window < len(line.encode("utf-8")) // 100
    assert len(calls) <= 11


def test_a_pattern_without_a_bound_is_refused_before_a_call_that_could_outlast_the_time_left():
    from search import limits, patterns

    compiled = compile_pattern("(的.{0,1000}的)+")  # no upper bound, and a large program
    assert compiled.width is None
    paragraph = "的" * 200_000
    with limits.within(limits.Deadline(10.0, lambda: AssertionError("the deadline passed"))):
        with pytest.raises(QueryTooBroad, match="no upper bound"):
            list(patterns.spans(compiled, paragraph))
        # A short paragraph is matched as it is.
        assert list(patterns.spans(compiled, "的一的")) == [(0, 3)]


def test_a_window_that_reaches_the_end_and_finds_nothing_ends_the_scan(monkeypatch):
    # Regression (while fixing issue 24): the last window crawled its final longest-match's
    # width a byte at a time, one RE2 call each, in every text without a match.
    import dataclasses

    from search import limits, patterns

    class Still:
        now = 0.0

        def monotonic(self):
            return self.now

    monkeypatch.setattr(limits, "time", Still())
    compiled = compile_pattern("稳.{0,4}进")
    recorder = _Recorder(compiled.whole, Still(), seconds_per_call=0)
    counted = dataclasses.replace(compiled, whole=recorder)
    with limits.within(limits.Deadline(10.0, lambda: AssertionError("no deadline here"))):
        assert patterns.count_text(counted, "同志们：今年要抓落实。\n" * 50) == 0
        assert len(recorder.calls) == 1
        assert patterns.count_text(counted, "稳中求进\n" * 3) == 3


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_patterns_match_alike_in_the_smallest_windows_and_never_past_their_width(texts, monkeypatch, data):
    from search import patterns

    monkeypatch.setattr(patterns, "MIN_PIECE", 1)
    monkeypatch.setattr(patterns, "PIECE_WORK", 1)
    pattern = data.draw(built_patterns(texts))
    assume(not re.fullmatch(pattern, ""))
    compiled = compile_pattern(pattern)
    paragraphs = [p for ps in texts.values() for p in ps]
    for paragraph in paragraphs[:: 1 + len(paragraphs) // 60] + ["".join(paragraphs[:50])]:
        expected = [found.span() for found in compiled.regex.finditer(paragraph)]
        assert list(patterns.spans(compiled, paragraph)) == expected, pattern
        if compiled.width is not None:
            assert all(end - start <= compiled.width for start, end in expected), pattern
