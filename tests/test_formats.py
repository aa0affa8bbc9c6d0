"""Formats beyond .txt/.html/.docx: PDF, .doc/.wps, OFD, datasets, and how a build reports them."""

import csv
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.build import build_index
from indexer.readers import UNSUPPORTED, UnreadableFile, read_document, read_documents
from indexer.readers.pdf import mend_spacing
from indexer.readers.word import converter
from indexer.text import HAN_RE, normalize
from search import Corpus
from search.cli import main

from conftest import CORPUS
from pdfmaker import make_image_pdf, make_pdf, make_word_pdf

# The converter tests run where LibreOffice is installed and are skipped, saying why, where it is not.
NO_CONVERTER = "LibreOffice (soffice) is not installed: `make converters` installs it, and these tests then run"
needs_soffice = pytest.mark.skipif(converter() is None, reason=NO_CONVERTER)


def _han(text: str) -> str:
    return "".join(HAN_RE.findall(text))


def _paragraphs(name: str) -> list[str]:
    text = (CORPUS / name).read_text(encoding="utf-8")
    return [normalize(line).strip() for line in text.split("\n") if line.strip()]


def _failure(path, **options) -> UnreadableFile:
    with pytest.raises(UnreadableFile) as caught:
        read_documents(path, **options)
    return caught.value


# --- PDF ---------------------------------------------------------------------------------------

SPEECH = "001_1d8c1133fb1961e9.txt"


@pytest.mark.parametrize("footer", ["- {n} -", "·{n}·", "第{n}页", "{n}", "— {n} —", "第{n}页 共{total}页", None])
def test_pdf_gives_the_speech_back_without_page_furniture(tmp_path, footer):
    paragraphs = _paragraphs(SPEECH)
    header = "某某市人民政府办公室文件"
    path = make_pdf(tmp_path / "speech.pdf", paragraphs, header=header, footer=footer)
    document = read_document(path)
    lines = document.text.split("\n")
    # Every character of the speech in order, and nothing of the header or the page numbers.
    assert _han(document.text) == _han("".join(paragraphs))
    assert header not in document.text
    assert not any(re.fullmatch(r"[-—·\s第页共\d]+", line) for line in lines)
    # Lines broken by the page width and by page breaks are paragraphs again.
    assert lines == paragraphs
    assert (document.kind, document.author) == ("document", None)
    assert document.title_candidates[0] == paragraphs[0]


def test_pdf_text_spaced_letter_by_letter_is_mended(tmp_path):
    paragraphs = _paragraphs(SPEECH)[:6]
    document = read_document(make_pdf(tmp_path / "spaced.pdf", paragraphs, spaced=True))
    assert document.text.split("\n") == paragraphs


@pytest.mark.parametrize("line, mended", [
    ("各 位 代 表 ： 现 在 ， 我 代 表", "各位代表：现在，我代表"),
    ("G D P  增 长 7 . 5 %", "GDP 增长7.5%"),
    ("各位代表：GDP 增长 7.5%", "各位代表：GDP 增长 7.5%"),  # ordinary spaces stay
    ("a b", "a b"),
])
def test_mend_spacing(line, mended):
    assert mend_spacing(line) == mended


def _book_blocks(cover: list, speeches: list[tuple[str, list[str]]]) -> list:
    blocks = [("center", line) for line in cover] + [("page",), ("center", "目  录")]
    blocks.append(("toc", [(title, 3 + 2 * number) for number, (title, _) in enumerate(speeches)]))
    for title, body in speeches:
        blocks += [("page",), ("center", title)] + body
    return blocks


def _speeches(count: int) -> list[tuple[str, list[str]]]:
    """Speeches of about three pages each, of different texts, each ending with the same words."""
    pool = [p for name in sorted(path.name for path in CORPUS.glob("*.txt")) for p in _paragraphs(name) if len(p) > 60]
    return [(f"在全市第{number}次工作会议上的讲话",
             [f"（2021年{number}月5日）", "同志们："] + pool[number * 12 : number * 12 + 12] + ["谢谢大家！"])
            for number in range(1, count + 1)]


@pytest.mark.parametrize("cover, title, author", [
    (["林文远文集", "第一卷"], None, "林文远"),
    (["林文远谈基层治理"], None, "林文远"),
    (["基层治理论集", "林文远  著"], None, "林文远"),
    (["某某市领导讲话选编", "（2021年）"], None, None),  # a compilation of many speakers names none
    (["基层治理论集"], "林文远文集", "林文远"),  # the title in the PDF's metadata
])
def test_pdf_book_gives_kind_author_and_keeps_its_toc(tmp_path, cover, title, author):
    speeches = _speeches(12)
    path = make_pdf(tmp_path / "book.pdf", _book_blocks(cover, speeches), header=cover[0], title=title)
    document = read_document(path)
    assert (document.kind, document.author) == ("book", author)
    lines = document.text.split("\n")
    # The TOC stays, one entry per line, for the splitter; every speech title is a line of its own.
    at = [normalize(line) for line in lines].index("目录") + 1
    toc = lines[at : at + len(speeches)]
    assert [re.sub(r"\s*\d+$", "", entry) for entry in toc] == [t for t, _ in speeches]
    assert sum(line == speeches[0][0] for line in lines) == 1 and lines.count(speeches[-1][0]) == 1
    # The running header (the book's title) is furniture; the words every speech ends with are not.
    assert cover[0] not in lines[1:]
    assert lines.count("谢谢大家！") == len(speeches)
    # Each speech's text is all there, in order.
    assert _han("".join(lines[lines.index(speeches[0][0]):])) == _han("".join(t + "".join(p) for t, p in speeches))


def test_a_short_speech_with_a_meeting_title_is_no_book(tmp_path):
    paragraphs = ["在全市座谈会上的讲话"] + _paragraphs(SPEECH)[1:]
    document = read_document(make_pdf(tmp_path / "talk.pdf", paragraphs))
    assert (document.kind, document.author) == ("document", None)


def test_scanned_pdf_needs_ocr(tmp_path):
    error = _failure(make_image_pdf(tmp_path / "scan.pdf"))
    assert error.code == "needs_ocr" and "OCR" in error.reason


def test_pdf_whose_font_has_no_unicode_map_needs_ocr(tmp_path):
    # PDFium then gives glyph numbers for text: control characters and stray ASCII.
    path = make_pdf(tmp_path / "nomap.pdf", _paragraphs(SPEECH))
    data = path.read_bytes()
    assert data.count(b"/ToUnicode") == 1
    path.write_bytes(data.replace(b"/ToUnicode", b"/XoUnicode"))
    error = _failure(path)
    assert error.code == "needs_ocr" and "glyph codes" in error.reason


@pytest.mark.parametrize("data", [b"%PDF-1.4\n", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF", b"not a pdf"])
def test_damaged_pdf_is_named_not_fatal(tmp_path, data):
    path = tmp_path / "damaged.pdf"
    path.write_bytes(data)
    assert _failure(path).code in ("malformed", "empty", "needs_ocr")


@needs_soffice
@pytest.mark.parametrize("name, footer", [("000_e22c3551305105ef.txt", ("- ", " -")),
                                          ("003_792cc556aa004db2.txt", ("第", "页"))])
def test_pdf_set_as_an_office_suite_sets_a_word_file(tmp_path, name, footer):
    # Justified lines, first lines indented two characters, a running header and page numbers,
    # as LibreOffice and Word export: paragraphs come back one per line, furniture gone.
    paragraphs = _paragraphs(name)
    document = read_document(make_word_pdf(tmp_path, paragraphs, "某某市人民政府办公室文件", footer))
    lines = document.text.split("\n")
    assert [_han(line) for line in lines] == [_han(p) for p in paragraphs]
    assert not any("某某市人民政府办公室文件" in line or re.fullmatch(r"[-第页\s\d]+", line) for line in lines)


@needs_soffice
def test_pdf_written_by_libreoffice_from_a_shipped_text(tmp_path):
    source = tmp_path / "speech.txt"
    shutil.copy(CORPUS / SPEECH, source)
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)], check=True, capture_output=True,
                   timeout=180)
    document = read_document(tmp_path / "speech.pdf")
    assert _han(document.text) == _han((CORPUS / SPEECH).read_text(encoding="utf-8"))


# --- .doc and .wps -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def word_file(tmp_path_factory) -> Path:
    """A Word 97-2003 file written by LibreOffice from a shipped speech."""
    if converter() is None:
        pytest.skip(NO_CONVERTER)
    folder = tmp_path_factory.mktemp("doc")
    shutil.copy(CORPUS / SPEECH, folder / "speech.txt")
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                    "--convert-to", "doc", "--outdir", str(folder), str(folder / "speech.txt")],
                   check=True, capture_output=True, timeout=180)
    return folder / "speech.doc"


@pytest.mark.parametrize("suffix", [".doc", ".wps", ".DOC"])
def test_word_binary_files_read_through_libreoffice(tmp_path, word_file, suffix):
    # A .wps is Kingsoft's extension of the Word binary format: a Word file under that suffix.
    path = tmp_path / f"speech{suffix}"
    shutil.copy(word_file, path)
    expected = [line.strip() for line in (CORPUS / SPEECH).read_text(encoding="utf-8").split("\n") if line.strip()]
    assert read_document(path).text.split("\n") == expected


def test_without_the_converter_a_word_file_is_skipped_with_the_install_command(tmp_path, word_file, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice on this PATH
    error = _failure(word_file)
    assert error.code == "no_converter" and "apt-get install libreoffice" in error.reason


def test_a_word_suffix_on_other_bytes_is_malformed(tmp_path):
    path = tmp_path / "fake.doc"
    path.write_text("这不是Word文件", encoding="utf-8")
    assert _failure(path).code == "malformed"


def test_ofd_is_unsupported_and_says_why(tmp_path):
    path = tmp_path / "report.ofd"
    path.write_bytes(b"PK\x03\x04")
    error = _failure(path)
    assert error.code == "unsupported" and error.reason == UNSUPPORTED[".ofd"] and "OFD" in error.reason


# --- datasets ----------------------------------------------------------------------------------

ROWS = [
    {"province": "湖南", "year": "2021年", "title": "政府工作报告", "source_url": "https://example.org/r/1",
     "publish_date": "2021/1/28", "full_text": "各位代表：\n现在，我代表省人民政府向大会报告工作。"},
    {"province": "Atlantis", "year": "明年", "title": "政府工作报告", "source_url": "not a url",
     "publish_date": "2021-02-30", "full_text": "各位代表：\n过去一年，全省上下稳中求进。"},
    {"province": "广西", "year": "2020", "title": "没有正文的行", "source_url": "", "publish_date": "", "full_text": "  "},
    {"province": "甘肃省", "year": "2019.0", "title": "政府工作报告", "source_url": "", "publish_date": "20190125",
     "full_text": "各位代表：" + "坚持稳中求进工作总基调。" * 200_000},  # a cell of megabytes
]


def _write_csv(path: Path, rows, encoding="utf-8", delimiter=",") -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _write_xlsx(path: Path, rows) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(rows[0]))
    for row in rows:
        # Excel holds at most 32,767 characters in a cell.
        sheet.append([int(v) if v.isdigit() else v[:32_767] for v in row.values()])
    workbook.save(path)
    return path


WRITERS = {
    "utf8.csv": lambda p, rows: _write_csv(p, rows),
    "bom.csv": lambda p, rows: _write_csv(p, rows, "utf-8-sig"),
    "excel_gbk.csv": lambda p, rows: _write_csv(p, rows, "gbk"),
    "reports.tsv": lambda p, rows: _write_csv(p, rows, delimiter="\t"),
    "reports.jsonl": lambda p, rows: _write_text(p, "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n"),
    "reports.json": lambda p, rows: _write_text(p, json.dumps(rows, ensure_ascii=False)),
    "reports.xlsx": _write_xlsx,
}


@pytest.mark.parametrize("name", list(WRITERS))
def test_dataset_rows_become_documents_with_their_given_values(tmp_path, name):
    rows = [dict(r) for r in ROWS]
    if name == "excel_gbk.csv":  # GBK cannot hold every character; these rows hold only GBK ones
        rows = rows[:3]
    documents = read_documents(WRITERS[name](tmp_path / name, rows))
    assert [d.row for d in documents] == list(range(1, len(rows) + 1))
    first, second, empty = documents[:3]
    assert first.text == rows[0]["full_text"]
    assert first.given == {
        "province": {"value": "湖南省", "raw": "湖南", "column": "province"},
        "year": {"value": 2021, "raw": "2021年", "column": "year"},
        "title": {"value": "政府工作报告", "raw": "政府工作报告", "column": "title"},
        "url": {"value": "https://example.org/r/1", "raw": "https://example.org/r/1", "column": "source_url"},
        "published": {"value": "2021-01-28", "raw": "2021/1/28", "column": "publish_date"},
    }
    assert (first.title, first.url, first.published, first.dates) == ("政府工作报告", "https://example.org/r/1", "2021-01-28", [])
    # What cannot be normalised keeps its raw value, no value, and is counted.
    assert {f: v["value"] for f, v in second.given.items()} == {
        "province": None, "year": None, "title": "政府工作报告", "url": None, "published": None}
    assert second.given["year"]["raw"] == "明年" and second.warnings == {"unnormalised_values": 4}
    assert empty.skipped[0] == "no_text" and empty.text == ""
    if len(documents) > 3:
        assert documents[3].given["year"]["value"] == 2019 and documents[3].given["published"]["value"] == "2019-01-25"
        limit = 32_767 if name.endswith(".xlsx") else None
        assert documents[3].text == rows[3]["full_text"][:limit]
        assert len(documents[3].text) > (30_000 if limit else 2_000_000)


@pytest.mark.parametrize("raw, year, date", [
    ("二〇二一", 2021, "2021"), ("二〇二一年", 2021, "2021"), ("二零一九年度", 2019, "2019"), ("〇〇二一", None, None),
    ("二〇二一年三月五日", None, "2021-03-05"), ("二〇二一年十二月", None, "2021-12"), ("明年", None, None),
])
def test_dataset_years_and_dates_in_chinese_numerals_are_normalised(raw, year, date):
    # Issue 25: 二〇二一 was counted as an unnormalised value although the year is plain to read.
    from indexer.readers.datasets import normalise_date, normalise_year

    assert (normalise_year(raw), normalise_date(raw)) == (year, date)


def test_sidecar_names_the_columns(tmp_path):
    rows = [{"编号": "1", "报告全文": "各位代表：现在作报告。", "地区": "湖南", "日期": "2022年1月20日", "讲话人": "王某"}]
    path = _write_csv(tmp_path / "reports.csv", rows)
    with pytest.raises(UnreadableFile, match="no text column") as caught:
        read_documents(path)
    assert caught.value.code == "malformed" and "reports.csv.columns.toml" in caught.value.reason
    (tmp_path / "reports.csv.columns.toml").write_text('text = "报告全文"\nprovince = "地区"\n', encoding="utf-8")
    document, = read_documents(path)
    assert document.text == "各位代表：现在作报告。"
    assert document.given == {
        "province": {"value": "湖南省", "raw": "湖南", "column": "地区"},
        "date": {"value": "2022-01-20", "raw": "2022年1月20日", "column": "日期"},
        "speaker": {"value": "王某", "raw": "王某", "column": "讲话人"},
    }
    assert document.dates == ["2022-01-20"]
    (tmp_path / "reports.csv.columns.toml").write_text('text = "正文"\nvoice = "x"\n', encoding="utf-8")
    assert _failure(path).code == "malformed"


def test_bad_json_lines_are_reported_by_row_and_the_rest_read(tmp_path):
    path = tmp_path / "reports.jsonl"
    path.write_text('{"text": "第一篇讲话。"}\n[1, 2]\n{"text": broken\n\n{"text": "第四行讲话。"}\n', encoding="utf-8")
    documents = read_documents(path)
    assert [(d.row, d.text, d.skipped and d.skipped[0]) for d in documents] == [
        (1, "第一篇讲话。", None), (2, "", "malformed"), (3, "", "malformed"), (4, "第四行讲话。", None)]


def test_json_that_is_no_array_of_objects_is_malformed(tmp_path):
    path = tmp_path / "reports.json"
    path.write_text('{"text": "一篇"}', encoding="utf-8")
    assert _failure(path).code == "malformed"


# --- the build: rows, sources, the summary -----------------------------------------------------


@pytest.fixture(scope="module")
def mixed_build(tmp_path_factory, word_file):
    folder = tmp_path_factory.mktemp("mixed")
    corpus = folder / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / "003_792cc556aa004db2.txt", corpus / "speech.txt")
    make_pdf(corpus / "report.pdf", _paragraphs("000_e22c3551305105ef.txt"), header="某某文件")
    make_image_pdf(corpus / "scan.pdf")
    shutil.copy(word_file, corpus / "old.wps")
    rows = [{"province": "湖南", "year": "2021年", "title": "报告一", "full_text": "各位代表：稳中求进，第一份报告。"},
            {"province": "火星", "year": "2020", "title": "报告二", "full_text": ""},
            {"province": "甘肃", "year": "2019", "title": "报告三", "full_text": "各位代表：第三份报告的正文。"}]
    _write_csv(corpus / "reports.csv", rows)
    (corpus / "reports.csv.columns.toml").write_text('text = "full_text"\n', encoding="utf-8")
    (corpus / "report.ofd").write_bytes(b"PK\x03\x04")
    index_dir = folder / "index"
    result = CliRunner().invoke(main, ["index", "--corpus", str(corpus), "--index", str(index_dir), "--json"])
    assert result.exit_code == 0, result.output
    return corpus, index_dir, json.loads(result.output)


def test_index_json_summary_counts_every_format(mixed_build):
    corpus, index_dir, summary = mixed_build
    speeches = Corpus(index_dir).speeches()
    by_source = {}
    for speech in speeches:
        by_source.setdefault(speech["source"].split("#")[0], []).append(speech)
    assert summary["speeches"] == len(speeches)
    assert summary["files_read"] == 4 and summary["files_reused"] == 0
    assert summary["by_format"] == {
        "csv": {"read": 1, "reused": 0, "skipped": 0, "speeches": len(by_source["reports.csv"])},
        "ofd": {"read": 0, "reused": 0, "skipped": 1, "speeches": 0},
        "pdf": {"read": 1, "reused": 0, "skipped": 1, "speeches": len(by_source["report.pdf"])},
        "txt": {"read": 1, "reused": 0, "skipped": 0, "speeches": len(by_source["speech.txt"])},
        "wps": {"read": 1, "reused": 0, "skipped": 0, "speeches": len(by_source["old.wps"])},
    }
    assert {(s["file"], s["code"]) for s in summary["skipped"]} == {("scan.pdf", "needs_ocr"), ("report.ofd", "unsupported")}
    assert summary["rows_skipped"] == [{"file": "reports.csv", "row": 2, "code": "no_text",
                                        "reason": "no text in column 'full_text'"}]
    # Issue 25: the warning names the row, column and value it counted (火星 is no province).
    assert {"file": "reports.csv", "code": "unnormalised_values", "count": 1,
            "rows": [{"row": 2, "field": "province", "column": "province", "value": "火星"}]} in summary["warnings"]
    # The column map is read with its dataset, never indexed or skipped on its own.
    assert not any("columns.toml" in s["source"] for s in speeches)
    assert not any("columns.toml" in s["file"] for s in summary["skipped"])


def test_a_dataset_row_is_its_own_source_and_show_raw_prints_its_cell(mixed_build):
    corpus, index_dir, _ = mixed_build
    rows = {s["source"]: s for s in Corpus(index_dir).speeches() if s["source"].startswith("reports.csv")}
    assert set(rows) == {"reports.csv#row=1", "reports.csv#row=3"}
    result = CliRunner().invoke(main, ["show", rows["reports.csv#row=3"]["id"], "--raw", "--index", str(index_dir)])
    assert result.exit_code == 0 and result.output.strip() == "各位代表：第三份报告的正文。"


def test_human_summary_has_a_line_per_format(mixed_build, tmp_path):
    corpus, _, _ = mixed_build
    result = CliRunner().invoke(main, ["index", "--corpus", str(corpus), "--index", str(tmp_path / "index")])
    assert result.exit_code == 0, result.output
    assert "  pdf: 1 read, 0 reused, 1 skipped" in result.output
    assert "Skipped scan.pdf:" in result.output and "(needs_ocr)" in result.output
    assert "Skipped reports.csv row 2: no text in column 'full_text' (no_text)" in result.output


def test_skipped_files_do_not_make_the_index_look_stale(mixed_build):
    # Regression (issue 12 item 6): a skipped file was counted as added to the corpus since the build.
    from web.state import CorpusWatch

    corpus, index_dir, _ = mixed_build
    manifest = json.loads((index_dir / (index_dir / "CURRENT").read_text().strip() / "manifest.json").read_text())
    assert CorpusWatch(corpus).changes(manifest) is None


def test_a_changed_column_map_rereads_its_dataset(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / SPEECH, corpus / "speech.txt")
    _write_csv(corpus / "r.csv", [{"a": "各位代表：甲栏的报告正文。", "b": "各位代表：乙栏的报告正文。"}])
    (corpus / "r.csv.columns.toml").write_text('text = "a"\n', encoding="utf-8")
    (corpus / "scan.pdf").write_bytes(b"%PDF-1.4\n")
    build_index(corpus, tmp_path / "index")
    assert Corpus(tmp_path / "index").search("甲栏")["total"] == 1
    # Unchanged, a dataset is reused with its rows' sources; a skipped file is skipped again, never reused.
    again = build_index(corpus, tmp_path / "index", jobs=2)
    assert (again.reused, again.files_read, [s["file"] for s in again.skipped]) == (2, 0, ["scan.pdf"])
    assert again.by_format["pdf"] == {"read": 0, "reused": 0, "skipped": 1, "speeches": 0}
    assert {s["source"] for s in Corpus(tmp_path / "index").speeches()} == {"speech.txt", "r.csv#row=1"}
    (corpus / "r.csv.columns.toml").write_text('text = "b"\n', encoding="utf-8")
    summary = build_index(corpus, tmp_path / "index", force=True, jobs=2)
    assert summary.reused == 1  # speech.txt; r.csv is read again
    assert Corpus(tmp_path / "index").search("乙栏")["total"] == 1 and Corpus(tmp_path / "index").search("甲栏")["total"] == 0
