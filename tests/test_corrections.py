"""Corrections: a researcher's file fixes fields, survives rebuilds and reports unknown ids."""

import shutil
from collections import Counter

import pytest
from click.testing import CliRunner

from indexer.build import BuildError, build_index
from search import Corpus
from search.cli import main

from conftest import CORPUS


@pytest.fixture
def corpus_dir(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in ("001_1d8c1133fb1961e9.txt", "002_ecd33ae129aadc56.txt"):
        shutil.copy(CORPUS / name, folder / name)
    return folder


def _speech(index_dir, fragment):
    return next(s for s in Corpus(index_dir).speeches() if fragment in s["title"])


def test_corrections_apply_survive_rebuilds_and_report_unknown_ids(tmp_path, corpus_dir):
    index_dir = tmp_path / "index"
    build_index(corpus_dir, index_dir)
    target = _speech(index_dir, "第三次全体会议")
    original_year = target["year"]
    (tmp_path / "corrections.tsv").write_text(
        "# id\tfield\tvalue\tnote\n"
        f"{target['id']}\tspeaker\t张三\t市政府网站2023年2月新闻稿\n"
        f"{target['id']}\tyear\t2022\t会议在2022年底召开\n"
        "ffffffffffffffff\tspeaker\t李四\t错误的id\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["index", "--corpus", str(corpus_dir), "--index", str(index_dir)])
    assert result.exit_code == 0, result.output
    assert "Correction for unknown id ffffffffffffffff (line 4)" in result.output
    fixed = _speech(index_dir, "第三次全体会议")
    assert (fixed["speaker"], fixed["year"], fixed["date_source"]) == ("张三", 2022, "corrected")
    assert fixed["corrected"]["speaker"] == {"from": None, "note": "市政府网站2023年2月新闻稿"}
    assert fixed["speaker_evidence"] == "市政府网站2023年2月新闻稿"
    assert fixed["corrected"]["year"]["from"] == original_year
    assert Corpus(index_dir).search("", {"speaker": "张三"})["total"] == 1
    assert Corpus(index_dir).search("", {"date_source": "corrected"})["total"] == 1
    # An unchanged rebuild reuses the file and applies the corrections once, from the original values.
    build_index(corpus_dir, index_dir)
    again = _speech(index_dir, "第三次全体会议")
    assert again["speaker"] == "张三" and again["corrected"]["year"]["from"] == original_year
    # Facet counts follow the corrected values (the facet columns are updated, not rebuilt).
    facets = Corpus(index_dir).search("", {"speaker": "张三"})["facets"]
    assert facets["speaker"] == {"张三": 1} and facets["year"] == {"2022": 1}
    build_index(corpus_dir, index_dir, full=True)
    assert _speech(index_dir, "第三次全体会议")["corrected"] == again["corrected"]
    # Removing the file's lines removes the corrections.
    (tmp_path / "corrections.tsv").write_text("", encoding="utf-8")
    build_index(corpus_dir, index_dir)
    plain = _speech(index_dir, "第三次全体会议")
    assert plain["speaker"] is None and plain["year"] == original_year and plain["corrected"] is None
    speakers = Corpus(index_dir).overview()["facets"]["speaker"]
    assert "张三" not in speakers
    assert speakers == Counter(s["speaker"] or "未知" for s in Corpus(index_dir).speeches())


def test_a_malformed_corrections_file_leaves_the_index_as_it_was(tmp_path, corpus_dir):
    index_dir = tmp_path / "index"
    build_index(corpus_dir, index_dir)
    version = Corpus(index_dir).index_version
    (tmp_path / "corrections.tsv").write_text("abc\tsalary\t1\tno such field\n", encoding="utf-8")
    with pytest.raises(BuildError, match="line 1: cannot correct 'salary'"):
        build_index(corpus_dir, index_dir)
    assert Corpus(index_dir).index_version == version


def test_the_speech_page_marks_corrected_fields_with_the_note(tmp_path, corpus_dir):
    from web import create_app

    index_dir = tmp_path / "index"
    build_index(corpus_dir, index_dir)
    target = _speech(index_dir, "第三次全体会议")
    (tmp_path / "corrections.tsv").write_text(f"{target['id']}\tspeaker\t张三\t新闻稿<b>署名</b>\n", encoding="utf-8")
    build_index(corpus_dir, index_dir)
    page = create_app({"INDEX": str(index_dir), "TESTING": True}).test_client().get(f"/speech/{target['id']}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "讲话人：原为" in text and "新闻稿&lt;b&gt;署名&lt;/b&gt;" in text and "<b>署名" not in text
