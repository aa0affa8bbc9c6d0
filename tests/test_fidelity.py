"""Fidelity: every reader keeps the characters of the document the test wrote, and nothing else.

Issue 22: a lone number inside a dataset row was deleted as a page number (广义货币M2 lost its 2),
a heading ran into the next paragraph across a blank line, paragraphs opened with closing
punctuation, digits printed one by one were not mended. Each reader is given one report in
that shape; what the index keeps, whitespace aside, must be the report's characters in order,
plus nothing, minus only what the build summary names as dropped.
"""

import csv
import io
import json
import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from indexer.build import build_index, process_file
from indexer.readers.word import converter
from indexer.text import CLOSING_CHARS, normalize

from pdfmaker import make_pdf

REPORT = [
    "政府工作报告",
    "——2025年1月14日在某某省第十四届人民代表大会第三次会议上",
    "某某省人民政府省长　王建国",
    "各位代表：",
    "现在，我代表省人民政府，向大会报告工作，请予审议，并请省政协各位委员提出意见。",
    "一、2024年工作回顾",
    "",
    "过去一年，全省广义货币M",
    "2",
    "余额增长8%，社会融资规模稳步扩大，地区生产总值达到５.１万亿元。",
    "本届省政府从1 9 9 8 年1 月就职，五年来年均增长8%，全省粮食产量达到3 1 6 2 0 万吨。",
    "会议听取了省长王建国所作的",
    "政府工作报告",
    "。会议同意报告提出的目标任务，同意报告对今年工作的总体部署。",
    "全省發展經濟的主要任務，是建設現代化產業體系，改善人民生活。",
    "二、2025年工作安排",
    "",
    "做好今年工作，要坚持稳中求进工作总基调，完整准确全面贯彻新发展理念。",
    "3",
    "各位代表！让我们团结奋斗，为完成全年目标任务而努力！",
]
TEXT = "\n".join(REPORT)
_FULL_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)}


def squash(text: str) -> str:
    """A text as fidelity compares it: whitespace aside, full-width digits folded as normalize() folds them."""
    return re.sub(r"\s+", "", text.translate(_FULL_WIDTH))


def _docx(path: Path, lines: list[str]) -> Path:
    from xml.sax.saxutils import escape

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(f'<w:p><w:r><w:t xml:space="preserve">{escape(line)}</w:t></w:r></w:p>' for line in lines)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{w}">'
                                              f"<w:body>{body}</w:body></w:document>")
    return path


def _html(path: Path, lines: list[str]) -> Path:
    from html import escape

    paragraphs = "".join(f"<p>{escape(line)}</p>" for line in lines if line)
    page = (f'<html><head><meta charset="utf-8"><title>{escape(lines[0])}</title></head><body>'
            f'<div class="nav"><a href="/">首页</a></div><div class="article">{paragraphs}</div></body></html>')
    path.write_text(page, encoding="utf-8")
    return path


def _csv(path: Path, delimiter: str = ",") -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerows([["title", "text"], [REPORT[0], TEXT]])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _xlsx(path: Path) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["title", "text"])
    workbook.active.append([REPORT[0], TEXT])
    workbook.save(path)
    return path


def _written(path: Path, data: str | bytes) -> Path:
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


WRITERS = {
    "report.txt": lambda path: _written(path, TEXT),
    "report-gbk.txt": lambda path: _written(path, TEXT.encode("gb18030")),
    "report.html": lambda path: _html(path, REPORT),
    "report.docx": lambda path: _docx(path, REPORT),
    "report.csv": _csv,
    "report.tsv": lambda path: _csv(path, "\t"),
    "report.jsonl": lambda path: _written(path, json.dumps({"title": REPORT[0], "text": TEXT}, ensure_ascii=False)),
    "report.json": lambda path: _written(path, json.dumps([{"title": REPORT[0], "text": TEXT}], ensure_ascii=False)),
    "report.xlsx": _xlsx,
}


def _kept(result: dict) -> str:
    return "".join(speech["text"] for speech in result["speeches"])


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_each_reader_keeps_every_character_of_a_report_and_adds_none(tmp_path, name):
    path = WRITERS[name](tmp_path / name)
    result = process_file(path, name)
    assert result.get("skipped") is None
    assert squash(_kept(result)) == squash(normalize(TEXT))
    # Nothing dropped: a lone number in a cell, a page or a Word paragraph is text, not a page number.
    assert result["dropped"] == []
    (speech,) = result["speeches"]
    paragraphs = speech["text"].split("\n")
    assert not [p for p in paragraphs if p[0] in CLOSING_CHARS]
    # Headings stay paragraphs of their own; what a link or a subscript cut is one paragraph again.
    assert "一、2024年工作回顾" in paragraphs and "二、2025年工作安排" in paragraphs
    assert any("所作的政府工作报告。会议同意" in p for p in paragraphs)
    assert any("1998年1月就职" in p and "31620万吨" in p for p in paragraphs)
    assert any("广义货币M2余额" in p for p in paragraphs)


def test_a_text_with_pages_drops_its_page_numbers_and_names_them(tmp_path):
    # Pages (a form feed, or numbers counting up a page apart) carry page numbers; they alone go.
    pages = ["\n".join(REPORT[:8]), "\n".join(REPORT[8:14]), "\n".join(REPORT[14:])]
    body = "\n\f".join(f"{page}\n- {number} -" for number, page in enumerate(pages, 1))
    path = tmp_path / "paged.txt"
    path.write_text(body, encoding="utf-8")
    result = process_file(path, path.name)
    dropped = "".join(f"- {n} -" for n in range(1, 4))
    assert sorted(d["reason"] for d in result["dropped"]) == ["page number"] * 3
    assert sum(d["chars"] for d in result["dropped"]) == len(squash(dropped))
    assert squash(_kept(result)) == squash(normalize(TEXT))


def test_a_pdf_keeps_every_character_and_names_its_furniture(tmp_path):
    header = "某某省人民政府公报"
    path = make_pdf(tmp_path / "report.pdf", [line for line in REPORT if line], header=header, footer="- {n} -")
    result = process_file(path, path.name)
    assert squash(_kept(result)) == squash(normalize("".join(REPORT)))
    (furniture,) = result["dropped"]
    assert furniture["reason"] == "page furniture" and furniture["lines"] is None
    assert furniture["chars"] > 0 and header not in _kept(result)


@pytest.mark.skipif(converter() is None, reason="LibreOffice is installed by `make converters`")
def test_a_word_97_file_keeps_every_character(tmp_path):
    source = _written(tmp_path / "source.txt", TEXT)
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
                    "--infilter=Text (encoded):UTF8,LF,,,", "--convert-to", "doc", "--outdir", str(tmp_path / "out"),
                    str(source)], check=True, capture_output=True, timeout=180)
    path = tmp_path / "out" / "source.doc"
    result = process_file(path, path.name)
    assert squash(_kept(result)) == squash(normalize(TEXT))
    assert result["dropped"] == []


def test_the_build_summary_counts_what_it_dropped_per_file_and_why(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    # A cover over a report whose title stands over its byline.
    (corpus / "cover.txt").write_text("讲话汇编\n内部资料\n\n" + "\n".join(REPORT[:1] + REPORT[2:]), encoding="utf-8")
    make_pdf(corpus / "report.pdf", [line for line in REPORT if line], header="某某省人民政府公报")
    summary = build_index(corpus, tmp_path / "index")
    by_file = summary.as_dict()["dropped_by_file"]
    assert set(by_file) == {"cover.txt", "report.pdf"}
    assert by_file["cover.txt"] == {"front matter": len("讲话汇编内部资料")}
    assert set(by_file["report.pdf"]) == {"page furniture"}
