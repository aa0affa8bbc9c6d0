"""The schema travels with the index; every list of fields derives from the registry; similar speeches rank right.

Issue 26: an index opened by code with one more field reported itself damaged; the field list
was restated some ten times outside the registry (one copy drifted); Whoosh held columns
nobody queried, where it can find a speech's similar speeches.
"""

import dataclasses
import importlib
import json
import shutil

import pytest
from click.testing import CliRunner

from indexer import fields, schema, store
from indexer.build import build_index
from search import Corpus, OlderIndex

from conftest import CORPUS

# A topic none of the shipped speeches speaks of: a marine ranch and deep-sea fish farming.
TOPIC = ["建设现代化海洋牧场，发展深远海养殖，推进渔港经济区建设。",
         "海洋牧场要科学投放人工鱼礁，养护近海渔业资源，做强休闲渔业。",
         "深远海养殖平台和养殖工船要加快布局，把渔港建成集渔业生产、冷链物流、休闲渔业于一体的经济区。",
         "各地要压实海洋牧场管护责任，规范深远海养殖用海审批，渔港建设资金要足额到位。"]
OTHER = ["全市上下要抓好春季学期开学工作，落实校园安全责任，办好人民满意的教育。",
         "要巩固义务教育均衡发展成果，推进集团化办学，减轻学生课业负担。"]


def _speech(title: str, sentences: list[str], times: int = 6) -> str:
    head = f"{title}\n——在全市工作会议上的讲话\n（2023年3月1日）\n王明\n同志们：\n"
    return head + "\n".join(sentences * times) + "\n谢谢大家！\n"


@pytest.fixture(scope="module")
def similar_index(tmp_path_factory):
    """The shipped corpus with a speech, its near-duplicate version, one on the same topic and one on another."""
    folder = tmp_path_factory.mktemp("similar")
    corpus = folder / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "ranch.txt").write_text(_speech("在全市海洋牧场建设推进会上的讲话", TOPIC), encoding="utf-8")
    # The same speech as another site printed it: a sentence dropped, one word changed.
    (corpus / "ranch-copy.txt").write_text(
        _speech("在全市海洋牧场建设推进会上的讲话", TOPIC[:3] + [TOPIC[3].replace("足额", "按时")]), encoding="utf-8")
    (corpus / "ranch-later.txt").write_text(
        _speech("在全市渔业工作会议上的讲话", [TOPIC[1], TOPIC[2], OTHER[0]], 4), encoding="utf-8")
    (corpus / "school.txt").write_text(_speech("在全市教育工作会议上的讲话", OTHER), encoding="utf-8")
    build_index(corpus, folder / "index")
    return folder / "index"


def _by_source(corpus) -> dict:
    return {s["source"]: s["id"] for s in corpus.speeches()}


def test_a_speechs_near_duplicate_and_same_topic_speeches_rank_first(similar_index):
    corpus = Corpus(similar_index)
    ids = _by_source(corpus)
    found = [s["id"] for s in corpus.similar(ids["ranch.txt"])["similar"]]
    assert found[:2] == [ids["ranch-copy.txt"], ids["ranch-later.txt"]]
    assert ids["ranch.txt"] not in found and ids["school.txt"] not in found[:2]


def test_near_duplicate_versions_of_the_shipped_speeches_rank_before_any_other(corpus):
    groups: dict[str, list[str]] = {}
    for speech in corpus.speeches():
        if speech["group"]:
            groups.setdefault(speech["group"], []).append(speech["id"])
    assert groups, "the shipped corpus holds near-duplicate versions"
    for members in groups.values():
        for member in members:
            found = [s["id"] for s in corpus.similar(member, top=len(members) - 1)["similar"]]
            assert sorted(found) == sorted(m for m in members if m != member), member


def test_similar_speeches_on_the_page_and_in_the_api(similar_index):
    from web import create_app

    corpus = Corpus(similar_index)
    ids = _by_source(corpus)
    client = create_app({"INDEX": str(similar_index), "TESTING": True}).test_client()
    answer = client.get(f"/api/speech/{ids['ranch.txt']}/similar").get_json()
    assert answer == json.loads(json.dumps(corpus.similar(ids["ranch.txt"]), ensure_ascii=False))
    assert answer["similar"][0]["id"] == ids["ranch-copy.txt"] and answer["similar"][0]["title"]
    for lang, heading in (("zh", "相似讲话"), ("en", "Similar speeches")):
        page = client.get(f"/speech/{ids['ranch.txt']}?lang={lang}").get_data(as_text=True)
        assert heading in page and f'href="/speech/{ids["ranch-copy.txt"]}"' in page
    assert client.get("/api/speech/0000000000000000/similar").get_json()["code"] == "not_found"
    printed = CliRunner().invoke(importlib.import_module("search.cli").main,
                                 ["similar", ids["ranch.txt"], "--index", str(similar_index), "--json"])
    assert printed.exit_code == 0 and json.loads(printed.output) == answer


def test_a_sharded_index_finds_the_same_similar_speeches_as_one_index(indexes):
    # Key words are chosen by each speech alone and scored with the whole corpus's statistics, so
    # the shards answer as one index over the same files (ties at the cut included).
    from search import open_index
    from test_sharded import without_versions

    folder, _ = indexes
    one, many = Corpus(folder / "one"), open_index(folder / "many")
    speeches = one.speeches()
    for speech in speeches:
        assert without_versions(many.similar(speech["id"])) == without_versions(one.similar(speech["id"])), speech["id"]


def _wider(monkeypatch):
    """Give the registry one more field: a facet, filter and flag that every place of the registry shows."""
    extra = schema.Field("dialect", "方言", "the dialect the speech was given in", label_en="dialect", facet=True,
                         filter=schema.EQUAL, flag=True, overview=True, example="dialect:粤语", kwic=10, by=7, kept=True,
                         correctable=True, read=str, given_as=("dialect", "方言"), page=True)
    monkeypatch.setattr(schema, "FIELDS", schema.FIELDS + (extra,))
    return extra


def test_an_index_built_before_a_new_field_opens_and_answers(tmp_path, monkeypatch):
    build_index(CORPUS, tmp_path / "index")
    before = Corpus(tmp_path / "index").search("双过半")
    _wider(monkeypatch)
    corpus = Corpus(tmp_path / "index")
    result = corpus.search("双过半")
    assert result["total"] == before["total"] and result["facets"]["dialect"] == {schema.UNKNOWN: before["total"]}
    assert corpus.speech(result["hits"][0]["id"])["dialect"] is None
    assert corpus.verify()["damaged"] == []
    generation = store.open_generation(tmp_path / "index" / corpus.generation().path.name)
    assert fields.missing_fields(generation.manifest) == ["dialect"]


def test_an_index_built_with_one_more_field_opens_in_code_without_it(tmp_path, monkeypatch):
    with monkeypatch.context() as patch:
        _wider(patch)
        build_index(CORPUS, tmp_path / "index")
        manifest = Corpus(tmp_path / "index").manifest()
    assert "dialect" in [f["name"] for f in manifest["fields"]] and manifest["format"] == fields.FORMAT
    corpus = Corpus(tmp_path / "index")
    assert corpus.search("双过半")["total"] > 0 and "dialect" not in corpus.search("双过半")["facets"]


def _rewrite_manifest(index_dir, change) -> None:
    generation = index_dir / Corpus(index_dir).generation().path.name
    manifest = store.read_manifest(generation)
    change(manifest)
    store.write_manifest(generation, {k: v for k, v in manifest.items() if k != "manifest_sha256"})


def test_an_index_of_before_formats_answers_and_says_it_is_older_where_it_cannot(tmp_path):
    from web import create_app

    build_index(CORPUS, tmp_path / "index")
    expected = Corpus(tmp_path / "index").search("双过半")
    # What the build wrote before the manifest recorded a format and the fields.
    _rewrite_manifest(tmp_path / "index", lambda m: [m.pop("format"), m.pop("fields")])
    corpus = Corpus(tmp_path / "index")
    assert corpus.search("双过半") == expected
    with pytest.raises(OlderIndex, match="older version") as error:
        corpus.similar(expected["hits"][0]["id"])
    assert error.value.code == "older_index" and "damaged" not in str(error.value)
    client = create_app({"INDEX": str(tmp_path / "index"), "TESTING": True}).test_client()
    page = client.get(f"/speech/{expected['hits'][0]['id']}")
    assert page.status_code == 200 and "索引由旧版本建立" in page.get_data(as_text=True)
    assert client.get(f"/api/speech/{expected['hits'][0]['id']}/similar").get_json()["code"] == "older_index"


def test_an_index_of_a_format_this_version_does_not_read_says_so_plainly(tmp_path):
    build_index(CORPUS, tmp_path / "index")
    _rewrite_manifest(tmp_path / "index", lambda m: m.update(format=0))
    with pytest.raises(OlderIndex) as error:
        Corpus(tmp_path / "index").search("双过半")
    assert "older version of speeches" in str(error.value) and "speeches index --full" in str(error.value)
    result = CliRunner().invoke(importlib.import_module("search.cli").main,
                                ["search", "双过半", "--index", str(tmp_path / "index")])
    assert result.exit_code == 2 and "older version" in result.output and "damaged" not in result.output


def test_one_more_field_in_the_registry_shows_in_every_place_it_belongs(tmp_path, monkeypatch):
    extra = _wider(monkeypatch)
    from indexer import corrections, describe
    from indexer.readers import datasets
    from search import compare, snippets
    from search.export import speech_columns

    reloaded = [importlib.reload(module) for module in (describe, datasets)]
    try:
        assert "dialect" in {f.name for f in dataclasses.fields(reloaded[0].Metadata)}
        assert reloaded[1].FIELD_COLUMNS["dialect"] == ("dialect", "方言")
    finally:
        monkeypatch.undo()
        for module in reloaded:
            importlib.reload(module)
    extra = _wider(monkeypatch)
    assert schema.facets()[-1] == schema.filters()[-1] == schema.columns()[-1] == "dialect"
    assert snippets.kwic_columns()[:10][-1] == "dialect" and speech_columns()[-1] == "dialect"
    assert compare.check(["发展"], ["dialect"]) == (["发展"], ["dialect"])
    assert "dialect" in schema.kept_fields() and "dialect" in schema.correctable_fields()
    fixes = tmp_path / "corrections.tsv"
    fixes.write_text("0123456789abcdef\tdialect\t粤语\t\n", encoding="utf-8")
    assert [(c.field, c.value) for c in corrections.load_corrections(fixes)] == [("dialect", "粤语")]
    assert schema.labels()["dialect"] == extra.label and schema.labels("en")["dialect"] == extra.label_en
    # The command line takes it as a filter, and the pages label it as the registry does.
    cli = importlib.reload(importlib.import_module("search.cli"))
    try:
        assert "--dialect" in CliRunner().invoke(cli.main, ["search", "--help"]).output
        assert "--against-dialect" in CliRunner().invoke(cli.main, ["keywords", "--help"]).output
        build_index(CORPUS, tmp_path / "index")
        from web import create_app

        client = create_app({"INDEX": str(tmp_path / "index"), "TESTING": True}).test_client()
        speech_id = Corpus(tmp_path / "index").speeches()[0]["id"]
        assert '<tr class="field-dialect"><th>方言</th>' in client.get(f"/speech/{speech_id}").get_data(as_text=True)
        assert "facet-dialect" in client.get("/?q=发展").get_data(as_text=True)
        assert "<h2>方言" in client.get("/").get_data(as_text=True)
        assert 'value="dialect"' in client.get("/compare?q=发展").get_data(as_text=True)
        snapshot = Corpus(tmp_path / "index").cite("发展")
        assert "<th>方言</th>" in client.get(f"/cite/{snapshot['id']}").get_data(as_text=True)
    finally:
        monkeypatch.undo()
        importlib.reload(cli)


def test_the_speech_page_labels_every_field_as_the_registry_does(client, corpus):
    # Issue 26: speech.html labelled date_source its own way and showed the raw word `given`.
    speech = next(s for s in corpus.speeches() if s["date_source"])
    for lang in ("zh", "en"):
        page = client.get(f"/speech/{speech['id']}?lang={lang}").get_data(as_text=True)
        labels, sources = schema.labels(lang), schema.date_source_labels(lang)
        for entry in schema.page_fields():
            if speech.get(entry.name) is not None or entry.name not in ("published", "site", "group", "corrected"):
                assert f'<tr class="field-{entry.name}"><th>{labels[entry.name]}</th>' in page, (lang, entry.name)
        assert f"<span>{sources[speech['date_source']]}</span>" in page
    assert schema.date_source_labels("en")["given"] != "given"


def test_no_list_of_fields_outside_the_registry():
    # Every tuple or list mostly of field names in the code is the registry's (indexer/schema.py); the
    # concordance's orders (source, left, match, right, date, province) name some fields among others.
    import ast

    from conftest import ROOT

    names = {f.name for f in schema.FIELDS}
    for path in sorted(ROOT.glob("*/**/*.py")):
        if path.parts[-2] in ("tests", "bench") or path.name == "schema.py" or ".venv" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
                held = [e.value for e in node.elts if isinstance(e, ast.Constant) and e.value in names]
                assert len(held) < 3 or len(held) * 2 <= len(node.elts), (path.name, node.lineno, held)
