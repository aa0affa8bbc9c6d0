"""Splitting: every speech found, nothing lost, nothing counted twice."""

import re

import pytest

from indexer.build import process_file
from indexer.readers import read_document
from indexer.split import split_document
from indexer.text import count_han

from conftest import CORPUS


def _processed(name: str) -> dict:
    return process_file(CORPUS / name, name)


@pytest.fixture(scope="module")
def processed() -> dict[str, dict]:
    return {path.name: _processed(path.name) for path in sorted(CORPUS.iterdir())}


def test_shipped_corpus_splits_into_the_speeches_its_files_hold(processed):
    # The counts come from reading the files: 004's table of contents lists 38 speeches; 003 has
    # 第一篇…第五篇 with 第二篇 holding 篇一 and 篇二; 000, 001 and 002 hold one speech each.
    counts = {name[:3]: len(result["speeches"]) for name, result in processed.items()}
    assert counts == {"000": 1, "001": 1, "002": 1, "003": 6, "004": 38}


def test_004_speeches_follow_its_table_of_contents(processed):
    raw = (CORPUS / "004_92cf6fb917628260.txt").read_text(encoding="utf-8")
    toc_speakers = re.findall(r"^\d+\..*?(?:在|——)", raw[: raw.index("XX省人大")], re.M)
    titles = [s["title"] for s in processed["004_92cf6fb917628260.txt"]["speeches"]]
    assert len(toc_speakers) == len(titles) == 38
    # The body spells 赵文峭 where the TOC has 赵文峤, and 州 委 vs 州委: compare loosely, in order.
    for entry, title in zip(toc_speakers, titles):
        entry = re.sub(r"^\d+\.|\s|在$|——$", "", entry)
        assert entry[-2:] in title.replace(" ", "") or entry[:2] in title, (entry, title)


def test_every_han_character_lands_in_one_speech_or_a_listed_dropped_span(processed):
    for name, result in processed.items():
        raw_han = count_han(read_document(CORPUS / name).text)
        in_speeches = sum(count_han(s["text"]) for s in result["speeches"])
        in_dropped = sum(span["han"] for span in result["dropped"])
        assert in_speeches + in_dropped == raw_han, name
        # Each speech's text holds exactly the Han characters of its source span.
        for speech in result["speeches"]:
            assert count_han(speech["text"]) == count_han(speech["raw"])


def test_only_covers_and_tables_of_contents_are_dropped(processed):
    dropped = {(name[:3], span["reason"]) for name, result in processed.items() for span in result["dropped"] if span["han"]}
    assert dropped == {("000", "front matter"), ("004", "front matter"), ("004", "table of contents")}
    header = next(s for s in processed["000_e22c3551305105ef.txt"]["dropped"])
    assert header["lines"][0] == 1 and header["han"] > 0


def test_speech_text_starts_with_title_byline_and_dateline(processed):
    speech = processed["000_e22c3551305105ef.txt"]["speeches"][0]
    assert speech["text"].split("\n")[:4] == ["在市政府六届二次全会上的讲话", "郴州市市长阚保勇", "（2022年9月23日）", "同志们："]


COMPILATION = """讲话汇编

目 录
1.张三市长在全市经济运行分析会上的讲话.....3
2.李四县长在全县项目建设推进会上的讲话.....7
3.在全区安全生产工作会议上的讲话.....9

张三市长在全市经济运行分析会上的讲话
同志们：
今天召开全市经济运行分析会。要确保实现“双过半”目标。
一、认清形势
当前经济运行总体平稳，但下行压力依然较大，我们必须坚定信心，稳中求进，狠抓招商
引资和项目建设。
李四县长在全县项目建设
推进会上的讲话
（2021年4月8日）
同志们：
项目是发展的生命线。全县上下要抓好项目建设。
在全区安全生产工作会议上的讲话
各位领导、同志们：
安全生产是底线。
"""


def test_a_compilation_the_test_assembles_splits_by_its_table_of_contents(tmp_path):
    path = tmp_path / "汇编.txt"
    path.write_text(COMPILATION, encoding="utf-8")
    result = process_file(path, path.name)
    assert [s["title"] for s in result["speeches"]] == [
        "张三市长在全市经济运行分析会上的讲话", "李四县长在全县项目建设推进会上的讲话", "在全区安全生产工作会议上的讲话"]
    assert [s["speaker"] for s in result["speeches"]] == ["张三", "李四", None]
    assert [s["date"] for s in result["speeches"]] == [None, "2021-04-08", None]
    assert "招商引资" in result["speeches"][0]["text"]  # rejoined across the line break
    assert {span["reason"] for span in result["dropped"]} == {"front matter", "table of contents"}


def test_a_compilation_without_contents_splits_at_section_marks_and_titles():
    text = ("第一篇：在全市招商引资大会上的讲话\n在全市招商引资大会上的讲话\n同志们：\n招商引资是第一要务。\n"
            "第二篇：在全县防汛工作会议上的讲话\n篇一：\n同志们：\n防汛是大事。\n篇二：在全县抗旱工作会议上的讲话\n同志们：\n抗旱也是大事。\n")
    spans = [s for s in split_document(text.split("\n")) if s.kind == "speech"]
    assert [s.start for s in spans] == [0, 4, 8]
