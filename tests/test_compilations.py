"""Compilations split as their contents say (issue 22): books by their outline, contents and headings;
texts of one speech a line; numbered dated excerpts; and never a speech's own headings or mentions.

Every document here is written by the test in the shape real ones have; none is copied.
"""

from pathlib import Path

import pytest

from indexer.build import process_file
from indexer.readers import read_document

from pdfmaker import make_book_pdf

BOOK = "王建国文集（第二卷）"
BODY = ("我们要坚持实事求是的思想路线，一切从实际出发，把工作做扎实。调查研究是谋事之基、成事之道，"
        "没有调查就没有发言权，更没有决策权。各级干部要沉下身子，到群众中去，倾听群众呼声。")
_SERIAL = iter(range(1, 1000))


def body(count: int) -> list[str]:
    """Paragraphs of a piece, each its own (a book repeats no line, and a line every page repeats is furniture)."""
    return [f"第{next(_SERIAL)}段，{BODY}" for _ in range(count)]
FRONT = [
    ("出版说明", ["本卷收入王建国同志一九六二年至一九六八年间的重要著作，按写作时间先后编排。" * 3]),
    ("编者絮语", ["编辑这部文集，历时三年，所据版本多种，文字略有校订。" * 3]),
]
PIECES = [
    {"title": "关于农业合作化问题", "date": "一九六二年三月十四日",
     "note": "这是王建国同志在省委工作会议上的讲话。", "paragraphs": body(5)},
    {"title": "关于工作方法的若干意见〔草案〕", "date": "一九六二年四月",
     "note": "这是王建国同志为省委起草的党内指示。", "paragraphs": body(8)},
    {"title": "在全省水利工作会议上的讲话", "date": "一九六二年五月十日、十三日",
     "note": "这是王建国同志在全省水利工作会议上的两次讲话。", "paragraphs": body(2),
     "parts": [("一、五月十日的讲话-兴修水利要依靠群众", body(4)),
               ("二、五月十三日的讲话-干部要带头劳动", body(4))]},
    {"title": "新闻工作要深入基层", "date": "一九六二年十一月六日",
     "note": "这是王建国同志同省报总编辑谈话的要点。", "paragraphs": body(2), "same_page": True},
    {"title": "坚持深入农村调查", "date": "一九六三年二月九日",
     "note": "这是王建国同志在省委扩大会议上的讲话。", "paragraphs": body(6)},
]
EXPECTED = [("关于农业合作化问题", "1962-03-14"), ("关于工作方法的若干意见〔草案〕", "1962-04"),
            ("在全省水利工作会议上的讲话", "1962-05-10"), ("新闻工作要深入基层", "1962-11-06"),
            ("坚持深入农村调查", "1963-02-09")]


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("books")
    return {
        "outline": make_book_pdf(folder / "outline.pdf", BOOK, FRONT, PIECES),
        "contents": make_book_pdf(folder / "contents.pdf", BOOK, FRONT, PIECES, bookmarks=False),
        "headings": make_book_pdf(folder / "headings.pdf", BOOK, FRONT, PIECES, bookmarks=False, contents=False),
    }


@pytest.mark.parametrize("witness", ["outline", "contents", "headings"])
def test_a_book_splits_into_its_pieces_by_each_witness(books, witness):
    result = process_file(books[witness], books[witness].name)
    speeches = result["speeches"]
    assert [(s["title"], s["date"]) for s in speeches] == EXPECTED
    # The book's author is every piece's speaker; the date as printed beside the title.
    assert {s["speaker"] for s in speeches} == {"王建国"}
    assert all(s["speaker_evidence"].startswith("book author: 王建国") for s in speeches)
    assert [s["year"] for s in speeches] == [1962, 1962, 1962, 1962, 1963]
    # Front matter (the publisher's and the compiler's notes, the contents) is no piece, and is dropped.
    text = "\n".join(s["text"] for s in speeches)
    assert "本卷收入" not in text and "编辑这部文集" not in text
    assert {d["reason"] for d in result["dropped"]} >= {"front matter", "page furniture"}
    for speech, piece in zip(speeches, PIECES):
        # Each piece keeps its note and its parts; no running header is left in it.
        assert piece["note"] in speech["text"]
        assert all(heading in speech["text"] for heading, _ in piece.get("parts", []))
        assert BOOK not in speech["text"]
        paragraphs = piece["paragraphs"] + [text for _, texts in piece.get("parts", []) for text in texts]
        assert all(text in speech["text"].split("\n") for text in paragraphs)


def test_the_outline_is_read_with_the_lines_its_pieces_start_at(books):
    document = read_document(books["outline"])
    lines = document.text.split("\n")
    titles = [(title, lines[line]) for _, title, line in document.bookmarks if line is not None]
    assert titles[0] == ("封面", BOOK)
    # A bookmark leads to its piece's heading in the body, even one that starts mid-page.
    for number, piece in enumerate(PIECES, 1):
        heading = f"{number}. {piece['title']}〔{piece['date']}〕"
        assert (heading, heading.replace(" ", "")) in [(t, line.replace(" ", "")) for t, line in titles]


# --- texts that hold several speeches -----------------------------------------------------------

REPORT = ("各位代表：现在，我代表省人民政府，向大会报告政府工作，请予审议。过去一年，全省经济稳中向好，"
          "地区生产总值增长百分之六，城乡居民收入稳步增加，民生保障持续加强，各项事业取得新进展。") * 4


def _write(tmp_path: Path, name: str, text: str) -> dict:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return process_file(path, name)


@pytest.mark.parametrize("opening, dates", [
    ("{y}年政府工作报告 ", ["2019", "2020", "2021"]),
    ("{y}-03-05 ", ["2019-03-05", "2020-03-05", "2021-03-05"]),
    ("{y}\t政府工作报告\t", ["2019", "2020", "2021"]),
])
def test_a_text_of_one_speech_a_line_splits_by_line_and_dates_each(tmp_path, opening, dates):
    text = "\n".join(opening.format(y=year) + REPORT for year in (2019, 2020, 2021))
    speeches = _write(tmp_path, "reports.txt", text)["speeches"]
    assert [s["date"] for s in speeches] == dates
    assert all(s["text"].count(REPORT[:40]) == 4 for s in speeches)


def test_numbered_excerpts_each_dated_are_pieces_of_their_author(tmp_path):
    excerpts = "\n".join(
        f"{number}.\n坚持以人民为中心的发展思想，把增进人民福祉作为发展的出发点和落脚点，这是第{number}段。\n"
        f"（{year}年12月{number}日在全省经济工作会议上的讲话）" for number, year in ((1, 2017), (2, 2018), (3, 2019)))
    result = _write(tmp_path, "excerpts.txt", "王建国关于高质量发展论述摘编\n" + excerpts)
    speeches = result["speeches"]
    assert [(s["date"], s["speaker"]) for s in speeches] == [
        ("2017-12-01", "王建国"), ("2018-12-02", "王建国"), ("2019-12-03", "王建国")]
    assert [d["reason"] for d in result["dropped"]] == ["front matter"]


def test_a_report_is_not_split_at_its_headings_quotes_mentions_or_a_resolution(tmp_path):
    paragraphs = [
        "政府工作报告", "——2025年1月15日在某某省第十四届人民代表大会第三次会议上", "某某省省长　王建国", "各位代表：",
        REPORT, "一、2024年工作回顾", REPORT, "2024年，我们坚持稳中求进工作总基调，经济运行总体平稳。" * 3,
        "《政府工作报告》", REPORT, "会议听取了省长王建国所作的", "政府工作报告", "。会议同意报告提出的目标任务。",
        "关于政府工作报告的决议", REPORT, "——经济跨上新台阶。2024年，地区生产总值增长百分之六。", REPORT,
    ]
    speeches = _write(tmp_path, "report.txt", "\n".join(paragraphs))["speeches"]
    assert len(speeches) == 1 and speeches[0]["speaker"] == "王建国"


def test_a_long_reports_outline_of_its_own_parts_splits_nothing(tmp_path):
    # A report's bookmarks list its parts (一、…, 二、…): it is one speech, not a book of pieces.
    from fpdf import FPDF

    from pdfmaker import CJK_FONT

    pdf = FPDF(format="A4")
    pdf.add_font("cjk", fname=str(CJK_FONT), collection_font_number=2)
    pdf.add_page()
    pdf.set_font("cjk", size=12)
    pdf.cell(0, 10, "2025年某某省政府工作报告", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 10, "各位代表：", new_x="LMARGIN", new_y="NEXT")
    for number, heading in enumerate(["一、2024年工作回顾", "二、2025年工作总体要求", "三、2025年重点任务"], 1):
        pdf.add_page()
        pdf.start_section(heading)
        pdf.cell(0, 10, heading, new_x="LMARGIN", new_y="NEXT")
        for text in body(12):
            pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
    path = tmp_path / "report.pdf"
    pdf.output(str(path))
    speeches = process_file(path, path.name)["speeches"]
    assert len(speeches) == 1 and speeches[0]["title"] == "2025年某某省政府工作报告"


def test_a_line_that_holds_a_whole_report_keeps_its_title_date_and_byline(tmp_path):
    line = ("{y}年政府工作报告 ——{y}年3月5日在第十四届全国人民代表大会第{n}次会议上 国务院总理 王建国 " + REPORT)
    text = "\n".join(line.format(y=year, n=session) for year, session in ((2023, "一"), (2024, "二"), (2025, "三")))
    speeches = _write(tmp_path, "reports.txt", text)["speeches"]
    assert [(s["title"], s["date"], s["speaker"]) for s in speeches] == [
        (f"{y}年政府工作报告——{y}年3月5日在第十四届全国人民代表大会第{n}次会议上", f"{y}-03-05", "王建国")
        for y, n in ((2023, "一"), (2024, "二"), (2025, "三"))]
