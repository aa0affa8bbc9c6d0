"""What a researcher's first hour turned up (issue "first hour"): queries that do what they mean."""

import pytest

from search.query import QueryError

from test_exact import scan


@pytest.mark.parametrize("pasted, plain", [
    ("“营商环境”", "营商环境"), ("“双过半”", "双过半"), ("‘稳中求进’", "稳中求进"), ("「招商引资」", "招商引资"),
    ("『开门红』 “双过半”", "开门红 双过半"),
    # Regression: `营商环境 AND 招商引资` searched the text "AND" and found nothing.
    ("营商环境 AND 招商引资", "营商环境 招商引资"),
    # Regression: `gdp` found nothing while `GDP` found 28 speeches.
    ("gdp", "GDP"), ("Gdp 增长", "GDP 增长"),
])
def test_a_pasted_or_differently_written_query_finds_what_the_plain_one_finds(corpus, pasted, plain):
    mine, theirs = corpus.search(pasted, page_size=200), corpus.search(plain, page_size=200)
    assert theirs["total"] > 0
    assert (mine["total"], mine["occurrences"], mine["facets"]) == (theirs["total"], theirs["occurrences"], theirs["facets"])
    assert [h["id"] for h in mine["hits"]] == [h["id"] for h in theirs["hits"]]


def test_curly_quotes_inside_a_term_stay_the_text_they_are(corpus, texts):
    expected = scan(texts, "“双过半”")
    assert expected, "the shipped corpus prints 双过半 in curly quotes"
    assert corpus.kwic('"“双过半”"')["total"] == len(expected)
    assert corpus.kwic("确保“双过半”")["total"] == len(scan(texts, "确保“双过半”"))


def test_case_folded_matches_are_shown_as_written(corpus, texts):
    rows = corpus.kwic("gdp")["rows"]
    assert len(rows) == len(scan(texts, "GDP")) > 0
    assert {row["match"] for row in rows} <= {"GDP", "gdp", "Gdp"} and "GDP" in {row["match"] for row in rows}
    for row in rows:
        paragraph = texts[row["id"]][row["paragraph"] - 1]
        assert paragraph[row["offset"] : row["offset"] + 3] == row["match"]
    hit = corpus.search("gdp")["hits"][0]
    assert "<mark>GDP</mark>" in "".join(s["html"] for s in hit["snippets"])


def test_every_answer_says_how_the_query_was_read(corpus):
    result = corpus.search("双 过 半")
    assert result["parsed"] == {
        "terms": [{"text": c, "kind": "phrase", "negated": False} for c in "双过半"],
        "filters": {}, "reading": "「双」且「过」且「半」"}
    assert corpus.search("营商环境 -疫情 province:湖南")["parsed"] == {
        "terms": [{"text": "营商环境", "kind": "phrase", "negated": False},
                  {"text": "疫情", "kind": "phrase", "negated": True}],
        "filters": {"province": ("湖南省",)}, "reading": "「营商环境」且不含「疫情」；省份：湖南省"}
    assert corpus.search("(六稳 OR 六保) NEAR(稳中求进 高质量发展)")["parsed"]["reading"] == \
        "（「六稳」或「六保」）且同段含「稳中求进」「高质量发展」"
    assert corpus.kwic("六稳")["parsed"]["reading"] == "「六稳」"


def test_spaced_out_characters_suggest_the_phrase_with_what_it_finds(corpus):
    # Regression: `双 过 半` (pasted from a PDF) silently searched three single characters.
    result = corpus.search("双 过 半")
    assert result["suggestions"] == [{"query": "双过半", "total": corpus.search("双过半")["total"]}]
    assert corpus.search("经济 双 过 半")["suggestions"][0]["query"] == "经济 双过半"
    assert corpus.search("双过半")["suggestions"] == []


def test_a_term_that_finds_nothing_suggests_its_bare_form(corpus):
    # A full-width space or a stray quote from a paste: the term finds nothing, its bare form does.
    result = corpus.search('"营商\uff0c环境"')
    assert result["total"] == 0
    assert result["suggestions"] == [{"query": "营商环境", "total": corpus.search("营商环境")["total"]}]
    assert corpus.search("营商环境")["suggestions"] == []  # a term that finds something is left alone


@pytest.mark.parametrize("query", ["speaker:何良军 OR speaker:阚保勇", "speaker:何良军 speaker:阚保勇"])
def test_alternatives_of_one_field_are_ored(corpus, query):
    result = corpus.search(query, page_size=200)
    assert result["filters"] == {"speaker": ("何良军", "阚保勇")}
    assert {h["speaker"] for h in result["hits"]} == {"何良军", "阚保勇"}


def test_a_filter_in_a_mixed_alternative_says_how_to_write_it(corpus):
    with pytest.raises(QueryError, match="speaker:甲 OR speaker:乙"):
        corpus.search("speaker:何良军 OR 双过半")


@pytest.mark.parametrize("query", ["AND 双过半", "双过半 AND", "双过半 AND OR 六稳", "(AND 双过半)", "双过半 AND AND 六稳"])
def test_and_needs_a_term_on_each_side(corpus, query):
    with pytest.raises(QueryError, match="AND"):
        corpus.search(query)


def test_errors_also_speak_chinese():
    from search.query import parse

    with pytest.raises(QueryError) as error:
        parse("(营商环境")
    assert "never closed" in str(error.value) and "没有闭合" in error.value.zh


# ---- the command line (items 9-11) ----------------------------------------------------------

from click.testing import CliRunner  # noqa: E402

from search.cli import main  # noqa: E402


def run(shipped_index, command, *args):
    return CliRunner().invoke(main, [command, "--index", str(shipped_index), *args])


def test_a_query_may_start_with_a_minus(shipped_index, corpus):
    # Regression: `speeches search -疫情` failed as an unknown option.
    result = run(shipped_index, "search", "-疫情", "--province", "湖南", "--json")
    assert result.exit_code == 0, result.output
    import json

    expected = corpus.search("-疫情", {"province": ("湖南",)})
    assert json.loads(result.output)["total"] == expected["total"] > 0
    # Words are joined: an unquoted `营商环境 -疫情` is one query, as is everything after --.
    both = json.loads(run(shipped_index, "search", "营商环境", "-疫情", "--json").output)
    assert both["total"] == corpus.search("营商环境 -疫情")["total"]
    after = json.loads(run(shipped_index, "search", "--json", "--", "营商环境", "-疫情").output)
    assert after["total"] == both["total"]


def test_a_misspelled_option_is_an_error_not_a_query(shipped_index):
    result = run(shipped_index, "search", "双过半", "--provnce", "湖南")
    assert result.exit_code == 2 and "--provnce" in result.output


def test_a_busy_port_is_one_line_and_exit_2(shipped_index):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--index", str(shipped_index), "--port", str(port)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == [f"Error: port {port} on 127.0.0.1 is already in use; serve on another with --port N "
                     "(make serve PORT=N)"]


def test_the_kwic_csv_url_is_absolute_only_with_a_base_url(shipped_index):
    import csv
    import io

    def urls(*extra):
        output = run(shipped_index, "kwic", "双过半", "--csv", *extra).output.lstrip("\ufeff")
        return [row["url"] for row in csv.DictReader(io.StringIO(output))]

    assert all(url.startswith("/speech/") for url in urls())
    assert all(url.startswith("https://example.org/speech/") for url in urls("--base-url", "https://example.org/"))


# ---- citations and the Host: header (item 8) --------------------------------------------------


@pytest.fixture
def app_client(shipped_index):
    from web import create_app

    return create_app({"INDEX": str(shipped_index), "TESTING": True}).test_client()


def test_citations_use_the_visited_address_only_when_its_host_is_trusted(shipped_index, corpus, app_client):
    from web import create_app

    speech = corpus.speeches()[0]["id"]
    trusted = app_client.get(f"/speech/{speech}", headers={"Host": "localhost:5000"}).get_data(as_text=True)
    assert f"http://localhost:5000/speech/{speech}" in trusted
    forged = app_client.get(f"/speech/{speech}", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert "evil.example" not in forged and f"/speech/{speech}" in forged
    export = app_client.get("/export.csv?q=双过半", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert "evil.example" not in export
    team = create_app({"INDEX": str(shipped_index), "TESTING": True, "TRUSTED_HOSTS": "speeches.team.org"}).test_client()
    page = team.get(f"/speech/{speech}", headers={"Host": "speeches.team.org"}).get_data(as_text=True)
    assert f"http://speeches.team.org/speech/{speech}" in page
    based = create_app({"INDEX": str(shipped_index), "TESTING": True, "BASE_URL": "https://x.org"}).test_client()
    assert f"https://x.org/speech/{speech}" in based.get(f"/speech/{speech}", headers={"Host": "evil.example"}).get_data(
        as_text=True)


def test_a_malformed_query_is_explained_in_chinese_on_pages(app_client):
    page = app_client.get("/?q=(营商环境")
    assert page.status_code == 400 and "没有闭合" in page.get_data(as_text=True)
    api = app_client.get("/api/search?q=(营商环境")
    assert api.status_code == 400 and api.get_json()["code"] == "bad_query"
    assert "never closed" in api.get_json()["error"] and "没有闭合" in api.get_json()["zh"]
