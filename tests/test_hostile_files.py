"""Hostile and unlucky files (issue 14): each is named and skipped, or read with what it holds, never
read from outside the corpus, never a hang, a crash or GBs of memory."""

import json
import os
import shutil
import struct
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.build import build_index
from indexer.readers import UnreadableFile, read_document, read_documents
from search import Corpus
from search.cli import main

from conftest import CORPUS

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
SPEECH = "在全县招商引资大会上的讲话\n同志们：\n招商引资是第一要务，要抓紧抓实。\n"


def _corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / "000_e22c3551305105ef.txt", corpus / "000.txt")
    return corpus


def _skipped(summary) -> dict[str, tuple[str, str]]:
    return {entry["file"]: (entry["code"], entry["reason"]) for entry in summary.skipped}


def _document_xml(paragraphs) -> bytes:
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    return f'<w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>'.encode()


def test_a_symlink_out_of_the_corpus_is_skipped_and_never_read(tmp_path):
    # Regression: `ln -s /etc/passwd corpus/passwd.txt` was indexed, searchable and shown raw.
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("在某某会议上的讲话\n同志们：\n机密口令nologin。", encoding="utf-8")
    corpus = _corpus(tmp_path)
    (corpus / "passwd.txt").symlink_to(outside / "secret.txt")
    (corpus / "sub").mkdir()
    (corpus / "sub" / "up.txt").symlink_to("../../outside/secret.txt")
    (corpus / "inside.txt").symlink_to(corpus / "000.txt")  # a link within the corpus is fine
    summary = build_index(corpus, tmp_path / "index")
    skipped = _skipped(summary)
    assert {name: code for name, (code, _) in skipped.items()} == {"passwd.txt": "outside_corpus", "sub/up.txt": "outside_corpus"}
    assert str(outside / "secret.txt") in skipped["passwd.txt"][1]
    searcher = Corpus(tmp_path / "index")
    assert searcher.search("nologin")["total"] == 0
    assert {s for speech in searcher.speeches() for s in speech["sources"]} == {"000.txt", "inside.txt"}


def test_a_dataset_column_map_linked_out_of_the_corpus_is_not_read(tmp_path):
    outside = tmp_path / "map.toml"
    outside.write_text('text = "x"\n', encoding="utf-8")
    corpus = _corpus(tmp_path)
    (corpus / "r.csv").write_text("x,text\n各位代表：甲的报告。,各位代表：乙的报告。\n", encoding="utf-8")
    (corpus / "r.csv.columns.toml").symlink_to(outside)
    with pytest.raises(UnreadableFile) as caught:
        read_documents(corpus / "r.csv", corpus=corpus)
    assert caught.value.code == "outside_corpus"


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _bomb(path: Path, name: str, inflated_mb: int, others: dict[str, bytes]) -> Path:
    """Write a zip whose member `name` inflates from a few hundred KB to `inflated_mb` MB."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for other, data in others.items():
            archive.writestr(other, data)
        with archive.open(name, "w", force_zip64=True) as member:
            block = b"<a/>" * (1 << 18)  # 1 MB of tiny elements
            for _ in range(inflated_mb):
                member.write(block)
    return path


def test_a_bomb_in_docprops_core_is_too_large(tmp_path):
    # Regression: only document.xml was size-checked; a 3 MB .docx took 6.5 GB through core.xml.
    path = _bomb(tmp_path / "bomb.docx", "docProps/core.xml", 600, {"word/document.xml": _document_xml(["讲话"])})
    assert path.stat().st_size < 5 * 1024 * 1024
    with pytest.raises(UnreadableFile) as caught:
        read_documents(path)
    assert caught.value.code == "too_large" and "512" in caught.value.reason


def test_the_zip_budget_counts_every_member_together(tmp_path):
    members = {"word/document.xml": _document_xml(["在会议上的讲话"] + ["同志们：要抓落实。"] * 20_000),
               "docProps/app.xml": b"<x/>" * 300_000}
    path = _zip(tmp_path / "big.docx", members)
    assert read_document(path).text.startswith("在会议上的讲话")
    total_mb = sum(len(data) for data in members.values()) / (1024 * 1024)
    with pytest.raises(UnreadableFile) as caught:
        read_documents(path, max_unzipped_mb=total_mb * 0.9)
    assert caught.value.code == "too_large"


def _lie_about_sizes(path: Path, member: str, declared: int) -> None:
    """Rewrite a zip's local and central headers so that `member` declares `declared` bytes."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = data.find(signature)
        while at >= 0:
            if data[at + name_at : at + name_at + len(name)] == name:
                struct.pack_into("<I", data, at + size_at, declared)
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))


def test_headers_that_lie_about_sizes_cannot_make_a_member_inflate_past_them(tmp_path):
    xml = _document_xml(["在会议上的讲话"] + ["同志们：要抓落实。"] * 50_000)
    path = _zip(tmp_path / "liar.docx", {"word/document.xml": xml})
    _lie_about_sizes(path, "word/document.xml", 1000)
    with pytest.raises(UnreadableFile) as caught:
        read_documents(path)
    assert caught.value.code in ("malformed", "too_large")


def test_an_xlsx_bomb_is_too_large(tmp_path):
    path = _bomb(tmp_path / "bomb.xlsx", "xl/sharedStrings.xml", 600, {"[Content_Types].xml": b"<Types/>"})
    with pytest.raises(UnreadableFile) as caught:
        read_documents(path)
    assert caught.value.code == "too_large"


def test_a_docx_of_a_million_tiny_paragraphs_is_read_in_bounded_memory(tmp_path):
    import resource

    # Regression: 250 MB of tiny paragraphs passed 4.8 GB in a tree; streamed, memory follows the text.
    paragraphs = ["同志们：要抓落实。"] * 1_000_000
    path = _zip(tmp_path / "tiny.docx", {"word/document.xml": _document_xml(["在会议上的讲话"] + paragraphs)})
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    document = read_document(path)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert document.text.count("\n") == len(paragraphs)
    xml_mb = len(_document_xml(paragraphs)) / (1024 * 1024)
    assert grown_mb < 3 * xml_mb  # a parsed tree of it takes over 15 times the XML


def test_a_file_over_max_file_mb_is_skipped_and_named(tmp_path):
    corpus = _corpus(tmp_path)
    (corpus / "huge.txt").write_text(SPEECH * 40_000, encoding="utf-8")  # about 3 MB
    summary = build_index(corpus, tmp_path / "index", max_file_mb=1)
    code, reason = _skipped(summary)["huge.txt"]
    assert code == "too_large" and "max_file_mb=1" in reason
    assert summary.by_format["txt"] == {"read": 1, "reused": 0, "skipped": 1, "speeches": 1}


def test_a_name_that_is_not_utf8_is_escaped_and_never_crashes_the_build(tmp_path):
    # Regression: a GBK name from a Windows zip crashed the build with UnicodeEncodeError.
    corpus = _corpus(tmp_path)
    name = "国家讲话.txt".encode("gbk")
    with open(os.path.join(os.fsencode(corpus), name), "wb") as handle:
        handle.write(SPEECH.encode("utf-8"))
    result = CliRunner().invoke(main, ["index", "--corpus", str(corpus), "--index", str(tmp_path / "index"), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    # Bytes that happen to form UTF-8 stay characters; only the others are escaped.
    escaped = name.decode("utf-8", "backslashreplace")
    assert escaped.startswith("\\xb9\\xfa")
    assert {"file": escaped, "code": "undecodable_name", "count": 1} in summary["warnings"]
    sources = {s["source"] for s in Corpus(tmp_path / "index").speeches()}
    assert escaped in sources
    assert escaped in {hit["source"] for hit in Corpus(tmp_path / "index").search("招商引资")["hits"]}


def test_a_few_bad_bytes_are_replaced_and_counted_not_a_lost_file(tmp_path):
    corpus = _corpus(tmp_path)
    text = SPEECH * 20
    data = bytearray(text.encode("gb18030"))
    # Three bytes no GB18030 reader accepts, between characters far apart.
    for at in sorted((len(text[:k].encode("gb18030")) for k in (30, 300, 900)), reverse=True):
        data[at:at] = b"\xff"
    (corpus / "damaged.txt").write_bytes(bytes(data))
    summary = build_index(corpus, tmp_path / "index")
    assert "damaged.txt" not in _skipped(summary)
    assert {"file": "damaged.txt", "code": "replaced_bytes", "count": 3} in summary.warnings
    document = read_document(corpus / "damaged.txt")
    assert (document.encoding, document.text.count("\ufffd")) == ("gb18030", 3)
    assert document.text.replace("\ufffd", "") == text


def test_html_nested_deeper_than_libxml2_reads_is_read_whole(tmp_path):
    # Regression: past about 2,000 levels lxml drops the text without an error; the page came out empty.
    depth = 5000
    page = ("<html><body>" + "<div>" * depth + "<p>在全县招商引资大会上的讲话</p><p>同志们：招商引资是第一要务。</p>"
            + "</div>" * depth + "<p>结束语。</p></body></html>")
    path = tmp_path / "deep.html"
    path.write_text(page, encoding="utf-8")
    document = read_document(path)
    assert document.text.split("\n") == ["在全县招商引资大会上的讲话", "同志们：招商引资是第一要务。", "结束语。"]
    assert document.warnings == {"flattened_html": 1}


def test_a_shallow_page_is_not_flattened(tmp_path):
    path = tmp_path / "page.html"
    path.write_text("<html><body><div class='nav'><a>首页</a></div><div class='content'><p>同志们：要抓落实。</p>"
                    "<p>现在我讲三点意见。</p></div></body></html>", encoding="utf-8")
    document = read_document(path)
    assert document.text == "同志们：要抓落实。\n现在我讲三点意见。" and document.warnings == {}


# ---- nesting (issue 24, item 3) ------------------------------------------------------------------


def test_a_json_of_nested_brackets_is_a_named_skip_and_the_build_goes_on(tmp_path):
    # Regression: 400 KB of nested brackets raised RecursionError out of the reader; every build exited 1.
    corpus = _corpus(tmp_path)
    (corpus / "deep.json").write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    nested = '{"text": "各位代表：报告。", "extra": ' + "[" * 65 + "]" * 65 + "}"
    (corpus / "deep50.json").write_text("[" + nested + "]", encoding="utf-8")
    rows = ['{"text": "各位代表：现在，我代表市人民政府作报告。"}', "[" * 200_000 + "]" * 200_000, nested]
    (corpus / "deep.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["index", "--corpus", str(corpus), "--index", str(tmp_path / "index"), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    skipped = {entry["file"]: entry for entry in summary["skipped"]}
    assert {name: entry["code"] for name, entry in skipped.items()} == {"deep.json": "malformed", "deep50.json": "malformed"}
    assert all("nested more than 64 levels" in entry["reason"] for entry in skipped.values())
    assert [(row["file"], row["row"], row["code"]) for row in summary["rows_skipped"]] == \
        [("deep.jsonl", 2, "malformed"), ("deep.jsonl", 3, "malformed")]
    assert Corpus(tmp_path / "index").search("现在，我代表市人民政府作报告")["total"] == 1


def test_json_nesting_is_measured_without_recursion():
    from indexer.readers.datasets import MAX_JSON_DEPTH, json_depth

    assert [json_depth(value) for value in ([], [{}], {"a": [1, {"b": []}]}, "x", [[[[]]]])] == [1, 2, 4, 0, 4]
    deep = []
    for _ in range(10_000):  # deeper than recursion could walk
        deep = [deep]
    assert json_depth(deep) == MAX_JSON_DEPTH + 1  # it stops counting one past the limit


# ---- a PDF read in a child with a memory and a time limit (issue 24, item 4) ---------------------------------


def test_a_pdf_decompression_bomb_is_a_named_skip_and_the_build_goes_on(tmp_path):
    # Regression: a 1 MB PDF inflating to 1 GB took the build to 2.3 GB before it was skipped as needs_ocr.
    import resource

    from bench.attacks import write_pdf_bomb

    corpus = _corpus(tmp_path)
    build_index(corpus, tmp_path / "warm")  # the build's own tables loaded: what grows next is the PDF's
    write_pdf_bomb(corpus / "bomb.pdf", inflated_mb=512, text="Hello")
    assert (corpus / "bomb.pdf").stat().st_size < 1024 * 1024
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = CliRunner().invoke(main, ["index", "--corpus", str(corpus), "--index", str(tmp_path / "index"), "--json",
                                       "--max-reader-mb", "64"])
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert result.exit_code == 0, result.output
    skipped = {entry["file"]: entry for entry in json.loads(result.output)["skipped"]}
    assert skipped["bomb.pdf"]["code"] == "too_large" and "max_reader_mb" in skipped["bomb.pdf"]["reason"]
    assert grown_mb < 128  # the 512 MB were never inflated in the build's process
    assert Corpus(tmp_path / "index").search("同志们")["total"] >= 1


def test_a_reader_in_a_child_is_stopped_at_its_time_limit_and_its_failures_are_named():
    import time

    from indexer.readers.base import Limits
    from indexer.readers.bounded import run

    def hangs(data, path, limits):
        time.sleep(600)

    def fails(data, path, limits):
        raise KeyError("no /Root")

    def skips(data, path, limits):
        raise UnreadableFile("encrypted PDF (needs a password)", "unreadable")

    def reads(data, path, limits):
        return [data.decode() * 2]

    limits = Limits(reader_time_limit_s=0.5)
    with pytest.raises(UnreadableFile) as caught:
        run(hangs, b"x", "a.pdf", limits)
    assert caught.value.code == "unreadable" and "reader_time_limit_s" in caught.value.reason
    with pytest.raises(UnreadableFile) as caught:
        run(fails, b"x", "a.pdf", Limits())
    assert caught.value.code == "unreadable" and "KeyError" in caught.value.reason
    with pytest.raises(UnreadableFile) as caught:
        run(skips, b"x", "a.pdf", Limits())
    assert (caught.value.code, caught.value.reason) == ("unreadable", "encrypted PDF (needs a password)")
    assert run(reads, "讲话".encode(), "a.pdf", Limits()) == ["讲话讲话"]
