"""The query language: parse trees, filters, errors, and matching against a brute-force oracle."""

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from indexer import schema
from indexer.text import fold_case, normalize
from search.query import And, Near, Not, Or, Pattern, Query, QueryError, Term, matches, parse, positive_terms

PROVINCES = {
    "湖南": "湖南省", "湖南省": "湖南省", "甘肃": "甘肃省", "甘肃省": "甘肃省",
    "广西": "广西壮族自治区", "广西壮族自治区": "广西壮族自治区",
}
resolve = PROVINCES.get
HINT_RE = re.compile(r"e\.g\.|example|such as")

def T(text):
    # Terms are matched with ASCII letters case-folded (issue "first hour", item 3): the tree holds that form.
    return Term(fold_case(text))



def A(*items):
    return And(tuple(items))


def O(*items):  # noqa: E743 (A, O, N read as And, Or, Near in the tables below)
    return Or(tuple(items))


def N(*texts):
    return Near(tuple(T(t) for t in texts))


# ---- trees -------------------------------------------------------------------------------

TREES = [
    # terms, quoting, implicit AND
    ("双过半", T("双过半")),
    ('"双过半"', T("双过半")),
    ("营商环境 招商引资", A(T("营商环境"), T("招商引资"))),
    ("营商环境\u3000招商引资", A(T("营商环境"), T("招商引资"))),  # an ideographic space separates
    ("  营商环境\t招商引资\n ", A(T("营商环境"), T("招商引资"))),
    ('"营商 环境"', T("营商环境")),  # normalised like the text: no space next to CJK
    ('"digital economy"', T("digital economy")),
    ('"a  \t b"', T("a b")),
    ('营商"环境"', T("营商环境")),  # bare and quoted pieces of one word join
    ('"营商"环境', T("营商环境")),
    ('"a" "b"', A(T("a"), T("b"))),
    # everything in quotes is literal
    ('"a OR b"', T("a OR b")),
    ('"(十四五)"', T("(十四五)")),
    ('"NOT"', T("NOT")),
    ('"-双过半"', T("-双过半")),
    ('"year:2021"', T("year:2021")),
    ('"NEAR(a b)"', T("NEAR(a b)")),
    # escapes inside quotes
    (r'"say \"yes\""', T('say "yes"')),
    (r'"a\\b"', T("a\\b")),
    (r'"a\nb"', T("a\\nb")),  # a backslash before another character stays
    (r'"a\\"', T("a\\")),
    (r'a\b', T("a\\b")),  # outside quotes a backslash is text
    # a pair of curly quotes around a whole term groups a phrase, as ASCII quotes do (issue "first hour", item 1)
    ("“双过半”", T("双过半")),
    ("“营商 环境”", T("营商环境")),
    ("‘营商 环境’ 「招商 引资」 『a OR b』", A(T("营商环境"), T("招商引资"), T("a OR b"))),
    ("-“双过半” 经济", A(Not(T("双过半")), T("经济"))),
    ("(“双过半” OR “开门红”)", O(T("双过半"), T("开门红"))),
    # inside a term, or unclosed, curly quotes are the text they are
    ("确保“双过半”目标", T("确保“双过半”目标")),
    ("“双过半”目标", T("“双过半”目标")),
    ("“双过半", T("“双过半")),
    ("“营商 环境", A(T("“营商"), T("环境"))),
    ('"“双过半”"', T("“双过半”")),  # a literal curly quote inside ASCII quotes
    # not syntax: Chinese punctuation, lowercase operators, other colons
    ("（十四五）", T("（十四五）")),
    ("a or b", A(T("a"), T("or"), T("b"))),
    ("a not b", A(T("a"), T("not"), T("b"))),
    ("Or Not", A(T("Or"), T("Not"))),
    ("near(a b)", A(T("near"), T("a"), T("b"))),
    ("NEAR", T("NEAR")),
    ("ORB NOTE", A(T("ORB"), T("NOTE"))),
    ("http://x", T("http://x")),
    ("时间:2021", T("时间:2021")),
    ("Year:2021", T("Year:2021")),
    ("year：2021", T("year：2021")),  # a full-width colon is text
    ('"province":湖南', T("province:湖南")),
    ("2018-2020", T("2018-2020")),
    ("a-", T("a-")),
    # full-width letters and digits fold
    ("２０２１年", T("2021年")),
    ("ＧＤＰ", T("GDP")),
    ('"第 73 次"', T("第73次")),
    # AND is what juxtaposition says
    ("营商环境 AND 招商引资", A(T("营商环境"), T("招商引资"))),
    ("a AND b OR c", O(A(T("a"), T("b")), T("c"))),
    ("a AND (b OR c) AND -d", A(T("a"), O(T("b"), T("c")), Not(T("d")))),
    ('"AND" and', A(T("AND"), T("and"))),
    # OR and precedence
    ("a OR b", O(T("a"), T("b"))),
    ("a OR b OR c", O(T("a"), T("b"), T("c"))),
    ("a b OR c", O(A(T("a"), T("b")), T("c"))),
    ("a OR b c", O(T("a"), A(T("b"), T("c")))),
    ("(a OR b) c", A(O(T("a"), T("b")), T("c"))),
    ("a (b OR c)", A(T("a"), O(T("b"), T("c")))),
    ("((a))", T("a")),
    ("(a b) c", A(T("a"), T("b"), T("c"))),  # nested ANDs flatten
    ("(a OR b) OR c", O(T("a"), T("b"), T("c"))),
    ("a(b)c", A(T("a"), T("b"), T("c"))),  # parentheses end a word
    ("(a)(b)", A(T("a"), T("b"))),
    # NOT and -
    ("a -b", A(T("a"), Not(T("b")))),
    ("a NOT b", A(T("a"), Not(T("b")))),
    ("NOT b a", A(Not(T("b")), T("a"))),
    ("a -b OR c", O(A(T("a"), Not(T("b"))), T("c"))),
    ("a NOT b OR c", O(A(T("a"), Not(T("b"))), T("c"))),
    ("a -(b OR c)", A(T("a"), Not(O(T("b"), T("c"))))),
    ("a NOT (b c)", A(T("a"), Not(A(T("b"), T("c"))))),
    ("a NOT(b c)", A(T("a"), Not(A(T("b"), T("c"))))),
    ('a -"b c"', A(T("a"), Not(T("b c")))),
    ("a --b", A(T("a"), T("b"))),  # double negation cancels
    ("a NOT -b", A(T("a"), T("b"))),
    ("a NOT (NOT b)", A(T("a"), T("b"))),
    ("a -OR", A(T("a"), Not(T("OR")))),  # after - the word is a term
    ("a -NOT", A(T("a"), Not(T("NOT")))),
    ("a b-c", A(T("a"), T("b-c"))),
    ("a -２０２１年", A(T("a"), Not(T("2021年")))),
    # NEAR
    ("NEAR(营商环境 招商引资)", N("营商环境", "招商引资")),
    ("NEAR(a b c)", N("a", "b", "c")),
    ('NEAR("营商 环境" "a b")', N("营商环境", "a b")),
    ('NEAR("OR" "-b")', N("OR", "-b")),
    ("NEAR(a a)", T("a")),  # one distinct term is just that term
    ("x NEAR(a b) OR c", O(A(T("x"), N("a", "b")), T("c"))),
    ("x -NEAR(a b)", A(T("x"), Not(N("a", "b")))),
    ("x NOT NEAR(a b)", A(T("x"), Not(N("a", "b")))),
    ("(NEAR(a b))", N("a", "b")),
    # terms that normalise to empty are dropped
    ('"   " a', T("a")),
    ('a OR ""', T("a")),
    ('a -""', T("a")),
    ('a ("")', T("a")),
    ('NEAR(a "  ")', T("a")),
    ("a \u200b", T("a")),  # a zero-width space normalises away
]


@pytest.mark.parametrize("query, tree", TREES)
def test_parse_tree(query, tree):
    assert parse(query) == Query(tree, {}, query)


FILTERED = [
    ("province:湖南", None, {"province": ("湖南省",)}),
    ("province:湖南省", None, {"province": ("湖南省",)}),
    ("province:广西 双过半", T("双过半"), {"province": ("广西壮族自治区",)}),
    ("双过半 province:广西", T("双过半"), {"province": ("广西壮族自治区",)}),
    ("province:湖南 province:甘肃", None, {"province": ("湖南省", "甘肃省")}),
    ("province:湖南 province:湖南省", None, {"province": ("湖南省",)}),  # one value once
    ("province:未知", None, {"province": ("未知",)}),
    ("province:湖南 -双过半", Not(T("双过半")), {"province": ("湖南省",)}),
    ("year:2021 NOT 双过半", Not(T("双过半")), {"year": ("2021",)}),
    ("year:2021", None, {"year": ("2021",)}),
    ("year:２０２１", None, {"year": ("2021",)}),
    ("year:2018-2020", None, {"year": ("2018-2020",)}),
    ("year:2020-2020", None, {"year": ("2020-2020",)}),
    ("year:未知", None, {"year": ("未知",)}),
    ("year:2018 year:2020-2021", None, {"year": ("2018", "2020-2021")}),
    ("speaker:何良军", None, {"speaker": ("何良军",)}),
    ("level:县", None, {"level": ("县",)}),
    ("title:经济运行", None, {"title": ("经济运行",)}),
    ('title:"经济 运行"', None, {"title": ("经济运行",)}),
    ('title:"a OR (b)"', None, {"title": ("a OR (b)",)}),
    ("title:OR", None, {"title": ("OR",)}),
    ("city:郴州市", None, {"city": ("郴州市",)}),
    ("date_source:printed", None, {"date_source": ("printed",)}),
    ("speaker:未知 level:未知", None, {"speaker": ("未知",), "level": ("未知",)}),
    (
        "province:湖南 营商环境 year:2018-2020 招商引资 speaker:何良军",
        A(T("营商环境"), T("招商引资")),
        {"province": ("湖南省",), "year": ("2018-2020",), "speaker": ("何良军",)},
    ),
    # filters apply to the whole query wherever they stand
    ("a OR b year:2021", O(T("a"), T("b")), {"year": ("2021",)}),
    ("year:2021 a OR b", O(T("a"), T("b")), {"year": ("2021",)}),
    ("(a OR b) year:2021 c", A(O(T("a"), T("b")), T("c")), {"year": ("2021",)}),
    ('province:湖南 "   "', None, {"province": ("湖南省",)}),
]


@pytest.mark.parametrize("query, tree, filters", FILTERED)
def test_parse_filters(query, tree, filters):
    assert parse(query, resolve_province=resolve) == Query(tree, filters, query)


def test_filter_order_is_query_order():
    parsed = parse("year:2021 province:湖南 level:县", resolve_province=resolve)
    assert list(parsed.filters) == ["year", "province", "level"]


def test_province_kept_as_given_without_resolver():
    assert parse("province:湖南").filters == {"province": ("湖南",)}
    assert parse("province:火星").filters == {"province": ("火星",)}


def test_fields_are_the_schema_filter_fields():
    assert set(schema.filters()) == {"province", "year", "speaker", "level", "title", "city", "date_source"}


# ---- errors ------------------------------------------------------------------------------

ERRORS = [
    ("", "empty"),
    ("   ", "empty"),
    ("\u3000\t\n", "empty"),
    ('""', "nothing to search"),
    ('"   "', "nothing to search"),
    ('"abc', "never closed"),
    ('a "b c', "never closed"),
    (r'"abc\"', "never closed"),
    ('title:"经济', "never closed"),
    ("(a", "never closed"),
    ("((a) b", "never closed"),
    ("a)", "no matching ("),
    (")", "no matching ("),
    ("(a))", "no matching ("),
    ("()", "empty parentheses"),
    ("a ( )", "empty parentheses"),
    ("OR", "OR at position 1"),
    ("a OR", "OR at position 3"),
    ("OR b", "OR at position 1"),
    ("a OR OR b", "OR at position 3"),
    ("(a OR) b", "OR at position 4"),
    ("(OR a)", "OR at position 2"),
    ("NOT", "NOT at position 1"),
    ("a NOT", "NOT at position 3"),
    ("a NOT OR b", "NOT at position 3"),
    ("(a NOT)", "NOT at position 4"),
    ("-", "the - at position 1"),
    ("a -", "the - at position 3"),
    ("a - b", "the - at position 3"),
    ("a (b -)", "the - at position 6"),
    ("a - (b)", "the - at position 3"),
    ("NEAR(a b", "never closed"),
    ("NEAR(", "never closed"),
    ("NEAR()", "at least 2 terms"),
    ("NEAR(a)", "at least 2 terms"),
    ("NEAR(a OR b)", "only terms"),
    ("NEAR(a -b)", "only terms"),
    ("NEAR(a NOT b)", "only terms"),
    ("NEAR(a (b c))", "only terms"),
    ("NEAR(a NEAR(b c))", "only terms"),
    ("NEAR (a b)", "must touch its parenthesis"),
    ("-a", "only excludes"),
    ("NOT a", "only excludes"),
    ("-a -b", "only excludes"),
    ("-(a b)", "only excludes"),
    ("a OR -b", "only excludes"),
    ("NOT (a OR b) NOT c", "only excludes"),
    ("a\x00", "U+0000"),
    ("a\x07b", "U+0007"),
    ("\x1f", "U+001F"),
    ('"a\x7f"', "U+007F"),
    ("a\ud800", "U+D800"),
    ("\udfff b", "U+DFFF"),
    ("year:", "needs a value"),
    ("a year: b", "needs a value"),
    ("year:(2021)", "needs a value"),
    ("province:", "needs a value"),
    ('title:""', "needs a value"),
    ('title:"  "', "empty value"),
    ("year:21", 'bad year "21"'),
    ("year:二〇二一", "bad year"),
    ("year:2021年", "bad year"),
    ("year:2018-", "bad year"),
    ("year:2018~2020", "bad year"),
    ("year:2018-2020-2022", "bad year"),
    ("year:2020-2018", "runs backwards"),
    ("province:火星", 'unknown province "火星"'),
    ("province:湖南 province:火星", 'unknown province "火星"'),
    ("(province:湖南 a)", "inside parentheses"),
    ("a (b year:2021)", "inside parentheses"),
    ("NEAR(a year:2021)", "inside parentheses or NEAR"),
    ("a OR province:湖南", "alternative of OR"),
    ("province:湖南 OR a", "alternative of OR"),
    ("-province:湖南 a", "negated"),
    ("a NOT year:2021", "negated"),
    ("x" * 1001, "over the limit of 1000"),
    (" ".join(["a"] * 65), "more than 64 terms"),
    ("NEAR(" + " ".join(["a"] * 65) + ")", "more than 64 terms"),
    ("(" * 21 + "a" + ")" * 21, "more than 20 deep"),
]


@pytest.mark.parametrize("query, fragment", ERRORS)
def test_malformed(query, fragment):
    with pytest.raises(QueryError) as caught:
        parse(query, resolve_province=resolve)
    message = str(caught.value)
    assert fragment in message
    assert HINT_RE.search(message), message
    assert "\n" not in message
    position = caught.value.position
    assert position is None or 0 <= position <= len(query)


@pytest.mark.parametrize("query, position", [
    ('a "b', 2), ("a OR", 2), ("ab (c", 3), ("a b)", 3), ("a\x01", 1), ("x year:", 2),
    ("NEAR(a OR b)", 7), ("a (b province:湖南)", 5),
])
def test_error_position(query, position):
    with pytest.raises(QueryError) as caught:
        parse(query, resolve_province=resolve)
    assert caught.value.position == position


@pytest.mark.parametrize("query", ['a "b', "a OR", "ab (c", "a b)", "a\x01", "x year:", "NEAR(a OR b)", "a -"])
def test_error_messages_count_positions_from_1(query):
    # Issue 25: messages said "at position 0" for the first character; a reader counts from 1.
    with pytest.raises(QueryError) as caught:
        parse(query, resolve_province=resolve)
    error = caught.value
    named = int(re.search(r"at position (\d+)", str(error)).group(1))
    assert named == error.position + 1
    assert f"第 {named} 个字符" in error.zh


def test_query_error_is_a_value_error():
    assert issubclass(QueryError, ValueError)


def test_limits_are_parameters():
    assert parse("x" * 50, max_length=50).text == T("x" * 50)
    with pytest.raises(QueryError, match="limit of 49"):
        parse("x" * 50, max_length=49)
    assert parse("a b c", max_terms=3).text == A(T("a"), T("b"), T("c"))
    with pytest.raises(QueryError, match="more than 2 terms"):
        parse("a b c", max_terms=2)


def test_twenty_levels_are_allowed():
    assert parse("(" * 20 + "a" + ")" * 20).text == T("a")


@pytest.mark.parametrize("query", [
    "(" * 3000 + "a" + ")" * 3000,
    "(" * 3000,
    ")" * 3000,
    "-" * 5999 + "a",
    "NOT " * 1500 + "a",
    "NOT (" * 1000 + "a" + ")" * 1000,
    "a OR " * 1000 + "a",
    "NEAR(" * 2000,
])
def test_deep_or_long_queries_raise_query_error(query):
    """Deep nesting and long chains give a QueryError, never a RecursionError."""
    try:
        parse(query, max_length=10_000, max_terms=10_000)
    except QueryError:
        pass


def test_long_negation_chain_parses_without_recursion():
    assert parse("-" * 5998 + "a b", max_length=10_000).text == A(T("a"), T("b"))


# ---- positive terms ----------------------------------------------------------------------

@pytest.mark.parametrize("query, terms", [
    ("a", ["a"]),
    ("a -b c", ["a", "c"]),
    ("a NOT (b OR c) d", ["a", "d"]),
    ("a OR b a", ["a", "b"]),
    ("NEAR(a b) c -NEAR(d e)", ["a", "b", "c"]),
    ("a NOT (b -c)", ["a", "c"]),  # c under two negations may be present
    ("２０２１年 -x", ["2021年"]),
])
def test_positive_terms(query, terms):
    assert positive_terms(parse(query).text) == [T(t) for t in terms]


def test_positive_terms_of_filter_only_query():
    assert positive_terms(None) == []


# ---- matching ----------------------------------------------------------------------------

@pytest.mark.parametrize("query, paragraphs, expected", [
    ("营商环境", ["优化营商环境。"], True),
    ("营商环境", ["营商", "环境"], False),
    ("营商环境 招商引资", ["营商环境", "招商引资"], True),
    ("NEAR(营商环境 招商引资)", ["营商环境", "招商引资"], False),
    ("NEAR(营商环境 招商引资)", ["x", "招商引资和营商环境"], True),
    ("a -b", ["a"], True),
    ("a -b", ["a", "b"], False),
    ("a OR b", ["b"], True),
    ("a OR b", [], False),
])
def test_matches_examples(query, paragraphs, expected):
    assert matches(parse(query).text, paragraphs) is expected


TERM_TEXTS = st.sampled_from(["a", "b", "ab", "ba", "aa"])


@st.composite
def _leaf(draw):
    text = draw(TERM_TEXTS)
    form = draw(st.sampled_from(["bare", "quoted", "near"]))
    if form == "near":
        texts = draw(st.lists(TERM_TEXTS, min_size=2, max_size=3))
        return "NEAR(" + " ".join(texts) + ")", "N(" + ", ".join(repr(t) for t in texts) + ")", True
    query = f'"{text}"' if form == "quoted" else text
    return query, f"T({text!r})", True


def _extend(children):
    """Combine queries token by token; Python's not/and/or has the language's precedence."""
    return st.one_of(
        children.map(lambda c: ("(" + c[0] + ")", "(" + c[1] + ")", True)),
        children.map(lambda c: ("NOT " + c[0], "not " + c[1], False)),
        # A - must touch a term or a parenthesis, so it only goes before a leaf or a group.
        children.map(lambda c: ("-" + c[0] if c[2] else "-(" + c[0] + ")",
                                "not " + c[1] if c[2] else "not (" + c[1] + ")", False)),
        st.tuples(children, children).map(lambda p: (p[0][0] + " " + p[1][0], p[0][1] + " and " + p[1][1], False)),
        st.tuples(children, children).map(lambda p: (p[0][0] + " OR " + p[1][0], p[0][1] + " or " + p[1][1], False)),
    )


QUERIES = st.recursive(_leaf(), _extend, max_leaves=10)
PARAGRAPHS = st.lists(st.text(alphabet="ab ", max_size=4), max_size=3)


@settings(max_examples=400)
@given(QUERIES, PARAGRAPHS)
def test_matches_agrees_with_brute_force(generated, paragraphs):
    query, expression, _ = generated
    try:
        # A filter makes pure negations valid, so every generated query parses.
        parsed = parse("year:2021 " + query)
    except QueryError as error:
        assume("deep" not in str(error))
        raise

    def term(text):
        return any(text in paragraph for paragraph in paragraphs)

    def near(*texts):
        return any(all(text in paragraph for text in texts) for paragraph in paragraphs)

    expected = eval(expression, {"T": term, "N": near})  # noqa: S307 - built above from a fixed alphabet
    assert parsed.text is not None
    assert matches(parsed.text, paragraphs) is expected


# ---- properties --------------------------------------------------------------------------

SYNTAX = st.sampled_from(list('ab营商 ()"\\-:\u3000“”') + ["OR", "NOT", "NEAR(", "year:", "province:", "湖南", "2021"])


def _check_tree(node):
    """Assert the shape parse promises: non-empty terms, flat And/Or, no double negation."""
    if isinstance(node, Term):
        assert isinstance(node.text, str) and node.text
    elif isinstance(node, Pattern):  # a pattern RE2 compiled, that matches no empty string
        assert isinstance(node.source, str) and node.source
    elif isinstance(node, Near):
        assert len(node.terms) >= 2 and all(isinstance(t, (Term, Pattern)) for t in node.terms)
        for term in node.terms:
            _check_tree(term)
    elif isinstance(node, Not):
        assert not isinstance(node.item, Not)
        _check_tree(node.item)
    else:
        assert isinstance(node, (And, Or)) and len(node.items) >= 2
        for item in node.items:
            assert type(item) is not type(node)
            _check_tree(item)


def _parse_or_error(text: str) -> None:
    try:
        parsed = parse(text, resolve_province=resolve)
    except QueryError as error:
        assert "\n" not in str(error)
        assert error.position is None or 0 <= error.position <= len(text)
        return
    assert isinstance(parsed, Query) and parsed.raw == text
    assert parsed.text is not None or parsed.filters
    if parsed.text is not None:
        _check_tree(parsed.text)


@settings(max_examples=500)
@given(st.text())
def test_any_text_parses_or_raises_query_error(text):
    _parse_or_error(text)


@settings(max_examples=500)
@given(st.text(alphabet=st.characters()))  # surrogates and control characters included
def test_any_code_points_parse_or_raise_query_error(text):
    _parse_or_error(text)


@settings(max_examples=1000)
@given(st.lists(SYNTAX, max_size=25).map("".join))
def test_syntax_soup_parses_or_raises_query_error(text):
    _parse_or_error(text)


CONTROLS = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n") + "\x7f"
LITERAL = st.text(
    alphabet=st.characters(exclude_categories=("Cs",), exclude_characters='"\\' + CONTROLS), max_size=300
)


@settings(max_examples=500)
@given(LITERAL)
def test_quoted_text_is_one_literal_term(s):
    query = '"' + s + '"'
    if normalize(s):
        assert parse(query) == Query(Term(fold_case(normalize(s))), {}, query)
    else:
        with pytest.raises(QueryError):
            parse(query)
