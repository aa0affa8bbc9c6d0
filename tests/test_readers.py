"""Readers: real samples decode to clean text, and every bad file fails with a short reason."""

import os
import re
import tempfile
import threading
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import indexer.readers as readers_table
from indexer.readers import base as readers
from indexer.readers import SUPPORTED_SUFFIXES, Document, UnreadableFile, read_document
from indexer.text import HAN_RE

SAMPLES = Path(__file__).resolve().parent / "data" / "samples"
GBK_TXT = SAMPLES / "gbk_crlf_work_report_2012.txt"
BOM_TXT = SAMPLES / "utf8_bom_partial_report_2018.txt"
CRLF_TXT = SAMPLES / "utf8_crlf_untitled_report_2022.txt"
WORD_HTML = SAMPLES / "word_exported_speech_2010.html"
GOV_HTML = SAMPLES / "gov_site_meta_tags_report_2024.html"


def _reason(path) -> str:
    with pytest.raises(UnreadableFile) as caught:
        read_document(path)
    return caught.value.reason


def _han(text: str) -> str:
    return "".join(HAN_RE.findall(text))


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- real samples ------------------------------------------------------------------------------


@pytest.mark.parametrize("path, codec, encoding, phrases", [
    # GBK with CRLF: the district, the dateline and the closing words of the report.
    (GBK_TXT, "gbk", "gb18030", ["海拉尔区", "2012年2月29日在海拉尔区第十三届人民代表大会第六次会议上",
                                 "为打造“两个中心”实现新突破而努力奋斗！"]),
    (BOM_TXT, "utf-8-sig", "utf-8", ["政府工作报告", "国务院总理 李克强"]),
    (CRLF_TXT, "utf-8", "utf-8", ["各位代表：", "一、2021年工作回顾"]),
])
def test_text_samples_decode_exactly(path, codec, encoding, phrases):
    raw = path.read_bytes()
    document = read_document(path)
    assert document.encoding == encoding
    # The whole text, not just a few phrases: the bytes decoded, line ends folded.
    assert document.text == raw.decode(codec).replace("\r\n", "\n")
    assert "\r" not in document.text
    assert not document.text.startswith("\ufeff") and "\ufeff" not in document.text
    assert document.text.count("\n") == raw.count(b"\n")
    for phrase in phrases:
        assert phrase in document.text
    # Plain text carries no title, date or site: nothing is guessed.
    assert (document.title, document.published, document.site, document.source) == (None,) * 4


def test_bom_sample_really_has_a_bom_and_the_gbk_sample_is_not_utf8():
    assert BOM_TXT.read_bytes().startswith(b"\xef\xbb\xbf")
    assert read_document(BOM_TXT).text.startswith("政府工作报告")
    with pytest.raises(UnicodeDecodeError):
        GBK_TXT.read_bytes().decode("utf-8")
    assert b"\r\n" in GBK_TXT.read_bytes() and b"\r\n" in CRLF_TXT.read_bytes()


def _meta(raw: str) -> dict[str, str]:
    return dict(re.findall(r'<meta name="(\w+)" content="([^"]*)"', raw))


def _between(raw: str, start: str, end: str) -> str:
    begin = raw.index(start) + len(start)
    return raw[begin : raw.index(end, begin)]


def test_gov_page_meta_tags_become_the_document_hints():
    raw = GOV_HTML.read_text(encoding="utf-8")
    meta = _meta(raw)
    document = read_document(GOV_HTML)
    assert document.title == meta["ArticleTitle"]
    assert document.site == meta["SiteName"]
    assert document.source == meta["ContentSource"]
    # PubDate carries a time ("2024-01-22 23:08"); the hint is the ISO date only.
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", meta["PubDate"])
    assert document.published == meta["PubDate"][:10]
    assert document.encoding == "utf-8"


def test_gov_page_body_is_the_whole_article_in_order_without_chrome():
    raw = GOV_HTML.read_text(encoding="utf-8")
    document = read_document(GOV_HTML)
    # Every Han character of the article container, in order, and nothing else.
    article = re.sub(r"<[^>]+>", "", _between(raw, "<div class=TRS_Editor>", 'class="article_extend"'))
    assert _han(document.text) == _han(article)
    lines = document.text.split("\n")
    assert lines[0] == "平潭综合实验区管委会工作报告"
    assert "平潭综合实验区管委会主任 黄建波" in lines
    # Header, breadcrumb, page tools, source line and footer of the site are gone.
    for chrome in ("当前位置", "网站支持IPV6", "闽政通APP", "长者模式", "浏览量", "来源：", "解读回应",
                   "福建网上办事大厅"):
        assert chrome in raw
        assert chrome not in document.text


def test_word_page_joins_what_word_split_across_tags():
    raw = WORD_HTML.read_text(encoding="utf-8")
    document = read_document(WORD_HTML)
    lines = document.text.split("\n")
    # The speech date is split over three SPANs inside st1:chsdate in the source.
    assert "<SPAN lang=EN-US>2010</SPAN>年<SPAN lang=EN-US>2</SPAN>月<SPAN lang=EN-US>22</SPAN>日" in raw
    assert "（2010年2月22日）" in lines
    assert "在总结<SPAN lang=EN-US>2009</SPAN>年工作的基础上" in raw
    assert "在总结2009年工作的基础上" in document.text
    # Title, byline and salutation are paragraphs of their own.
    for line in ("在全市教育系统年度工作会议上的讲话", "陈国阳", "同志们："):
        assert line in lines
    # Word's <o:p>&nbsp;</o:p> spacer paragraphs leave no blank or padded lines.
    assert all(line and line == line.strip() and "  " not in line for line in lines)


def test_word_page_body_is_complete_and_chrome_is_gone():
    raw = WORD_HTML.read_text(encoding="utf-8")
    document = read_document(WORD_HTML)
    article = _between(raw, '<div class="conTxt">', "<!--endprint-->")
    article = re.sub(r"<[^>]+>", "", article)
    assert _han(document.text) == _han(article)
    # Top links, main menu, side menu, breadcrumb, article info, prev/next links, footer.
    for chrome in ("公共文件夹", "学校公告", "教学处", "当前位置", "点击数", "打印正文", "上一篇",
                   "网站地图", "版权所有"):
        assert chrome in raw
        assert chrome not in document.text
    assert "function" not in document.text and "<" not in document.text


def test_word_page_title_comes_from_title_tag_without_site_name():
    raw = WORD_HTML.read_text(encoding="utf-8")
    page_title = re.search(r"<title>(.*?)</title>", raw).group(1)
    document = read_document(WORD_HTML)
    # "<title>…--党政办-绍兴市第一中学": column and school are site chrome.
    assert document.title == page_title.split("--")[0]
    assert "ArticleTitle" not in raw and "PubDate" not in raw
    assert (document.published, document.site, document.source) == (None, None, None)


@pytest.mark.parametrize("path", [WORD_HTML, GOV_HTML])
def test_truncated_page_still_reads_its_first_half(tmp_path, path):
    raw = path.read_bytes()
    # Cut in the middle of the article, and mid-way through a UTF-8 character.
    cut = len(raw) // 2
    while raw[cut] & 0xC0 != 0x80:
        cut += 1
    truncated = read_document(_write(tmp_path, "cut" + path.suffix, raw[:cut])).text.split("\n")
    full = read_document(path).text.split("\n")
    assert 10 < len(truncated) < len(full)
    assert truncated[:-1] == full[: len(truncated) - 1]
    assert full[len(truncated) - 1].startswith(truncated[-1])


# --- plain text decoding -----------------------------------------------------------------------


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("codec, encoding", [("utf-8", "utf-8"), ("gbk", "gb18030"),
                                             ("utf-8-sig", "utf-8"), ("utf-16", "utf-16")])
def test_encodings_and_line_ends(tmp_path, codec, encoding, newline):
    # 镕 is in GBK but not in GB2312: the 朱镕基 of many speeches.
    lines = ["政府工作报告", "朱镕基同志在会上的讲话", "", "　　各位代表：GDP增长7.5%"]
    path = _write(tmp_path, "speech.txt", newline.join(lines).encode(codec))
    document = read_document(path)
    assert document.text == "\n".join(lines)
    assert document.encoding == encoding


def test_ten_megabyte_single_line_file(tmp_path):
    line = "坚持稳中求进工作总基调" * 350_000
    path = _write(tmp_path, "long.txt", line.encode("utf-8"))
    assert path.stat().st_size > 10_000_000
    assert read_document(path).text == line


def test_utf8_cut_mid_character_stays_utf8(tmp_path):
    data = "各位代表：现在，我代表国务院".encode("utf-8")[:-1]
    document = read_document(_write(tmp_path, "cut.txt", data))
    assert (document.text, document.encoding) == ("各位代表：现在，我代表国务", "utf-8")


def test_one_bad_byte_does_not_turn_utf8_into_gb18030_mojibake(tmp_path):
    body = "推动高质量发展取得新成效。" * 50
    data = body.encode("utf-8") + b"\xff" + body.encode("utf-8")
    document = read_document(_write(tmp_path, "bad_byte.txt", data))
    assert document.encoding == "utf-8"
    assert document.text == body + "\ufffd" + body


@pytest.mark.parametrize("data, reason", [
    (bytes(range(256)) * 40, "binary data"),  # NUL bytes
    (b"PK\x03\x04" + bytes(range(1, 32)) * 100, "binary data"),  # control bytes, no NUL
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
    # GB18030 decodes this without error, but into private-use characters only.
    (b"\xaa\xa1" * 200, "undecodable text (neither UTF-8 nor GB18030)"),
    (b"\x81\x20" * 50, "undecodable text (neither UTF-8 nor GB18030)"),
    (b"", "empty file"),
    (b" \r\n\t \n", "empty file"),
    ("\u3000\u3000\n\n".encode("utf-8"), "empty file"),
    (b"\xef\xbb\xbf\r\n", "empty file"),
])
def test_bad_text_files(tmp_path, data, reason):
    assert _reason(_write(tmp_path, "bad.txt", data)) == reason


@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"),
                                         exclude_characters="\ufeff")), min_size=1, max_size=8),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_any_utf8_text_reads_back_with_its_lines(lines, newline):
    text = "\n".join(lines)
    with tempfile.TemporaryDirectory() as folder:
        path = _write(Path(folder), "any.txt", newline.join(lines).encode("utf-8"))
        if not text.strip():
            assert _reason(path) == "empty file"
        else:
            assert read_document(path).text == text


# --- files that are not files ------------------------------------------------------------------


def test_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    outcome = []

    def read():
        try:
            read_document(fifo)
        except UnreadableFile as error:
            outcome.append(error.reason)

    worker = threading.Thread(target=read, daemon=True)
    worker.start()
    worker.join(timeout=5)
    if worker.is_alive():  # unblock the reader so the test run can end
        with open(fifo, "wb"):
            pass
        pytest.fail("reading a FIFO blocked")
    assert outcome == ["not a regular file"]


def test_directory_is_not_a_regular_file(tmp_path):
    (tmp_path / "folder.html").mkdir()
    assert _reason(tmp_path / "folder.html") == "not a regular file"


def test_symlinks(tmp_path):
    target = _write(tmp_path, "real.txt", "各位代表".encode("utf-8"))
    (tmp_path / "link.txt").symlink_to(target)
    assert read_document(tmp_path / "link.txt").text == "各位代表"
    (tmp_path / "a.txt").symlink_to(tmp_path / "b.txt")
    (tmp_path / "b.txt").symlink_to(tmp_path / "a.txt")
    assert _reason(tmp_path / "a.txt") == "too many levels of symbolic links"
    (tmp_path / "broken.txt").symlink_to(tmp_path / "missing.txt")
    assert _reason(tmp_path / "broken.txt") == "no such file or directory"
    assert _reason(tmp_path / "never_existed.docx") == "no such file or directory"


def test_permission_denied(tmp_path, monkeypatch):
    path = _write(tmp_path, "locked.txt", "各位代表".encode("utf-8"))

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    # Tests run as root, where chmod 000 does not stop a read: fail the open instead.
    monkeypatch.setattr(readers, "open", refuse, raising=False)
    assert _reason(path) == "permission denied"


@pytest.mark.parametrize("name, reason", [
    # PDF and .doc are read since issue 13; OFD has no reader that holds up, and says so.
    ("speech.pptx", "unsupported file type .pptx"),
    ("speech.ofd", readers_table.UNSUPPORTED[".ofd"]),
    ("README", "unsupported file type (no suffix)"),
])
def test_unsupported_types_are_refused_before_reading(tmp_path, name, reason):
    # Not even created: the suffix alone decides.
    assert _reason(tmp_path / name) == reason


def test_suffix_is_matched_case_insensitively(tmp_path):
    path = _write(tmp_path, "SPEECH.TXT", "各位代表".encode("utf-8"))
    assert read_document(path).text == "各位代表"
    assert SUPPORTED_SUFFIXES == (".txt", ".html", ".htm", ".docx", ".pdf", ".doc", ".wps",
                                  ".csv", ".tsv", ".jsonl", ".json", ".xlsx")


# --- HTML --------------------------------------------------------------------------------------


def _page(body: str, head: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


@pytest.mark.parametrize("declaration, codec, encoding", [
    # libxml2 alone stops at 镕 when a page says gb2312; GB18030 reads the whole page.
    ('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">', "gbk", "gb18030"),
    ('<meta charset="GBK">', "gbk", "gb18030"),
    ("", "gbk", "gb18030"),  # no declaration: UTF-8 fails, GB18030 fits
    ("", "utf-8", "utf-8"),
    ('<meta charset="utf-8">', "gbk", "gb18030"),  # a false declaration is detected past
    ('<meta charset="iso-8859-1">', "utf-8", "utf-8"),  # a default template's Latin-1 label
])
def test_page_encodings(tmp_path, declaration, codec, encoding):
    page = _page("<p>朱镕基同志在会上的讲话</p><p>同志们：</p>", declaration)
    document = read_document(_write(tmp_path, "page.htm", page.encode(codec)))
    assert document.text == "朱镕基同志在会上的讲话\n同志们："
    assert document.encoding == encoding


def test_xml_declared_page(tmp_path):
    page = '<?xml version="1.0" encoding="gb2312"?>' + _page("<p>在全市工作会议上的讲话</p>")
    document = read_document(_write(tmp_path, "x.html", page.encode("gbk")))
    assert document.text == "在全市工作会议上的讲话"


def test_inline_tags_join_and_blocks_break(tmp_path):
    body = (
        "<p><span>2010</span>年<b>3</b>月<font>5</font>日</p>"
        "<p>全面贯彻\n  落实会议精神</p>"  # a source line break between CJK is no space
        "<div>Deng   Xiaoping<br>第二行</div>"
        "<table><tr><td>姓名</td><td>职务</td></tr></table>"
        "<ul><li>第一条</li><li>第二条</li></ul>"
        "<p>&nbsp;</p><p><o:p>&nbsp;</o:p></p>"
    )
    document = read_document(_write(tmp_path, "p.html", _page(body).encode("utf-8")))
    assert document.text.split("\n") == [
        "2010年3月5日", "全面贯彻落实会议精神", "Deng Xiaoping", "第二行", "姓名", "职务", "第一条", "第二条",
    ]


def test_densest_container_wins_over_site_chrome(tmp_path):
    paragraphs = "".join(f"<p>第{n}段，坚持以人民为中心的发展思想，推动高质量发展。</p>" for n in range(12))
    body = (
        '<div id="mainNav"><a>首页</a><a>政务公开</a></div>'
        '<div class="left"><ul><li>通知公告一</li><li>通知公告二</li></ul></div>'
        f'<div class="right"><h1>讲话标题</h1><div class="box">{paragraphs}</div></div>'
        '<div class="copyRight"><p>主办单位：某某市人民政府办公室 版权所有</p></div>'
    )
    text = read_document(_write(tmp_path, "d.html", _page(body).encode("utf-8"))).text
    assert text.startswith("第0段") and text.endswith("第11段，坚持以人民为中心的发展思想，推动高质量发展。")
    for chrome in ("首页", "通知公告", "版权所有"):
        assert chrome not in text


def test_link_lists_do_not_outweigh_a_short_speech(tmp_path):
    links = "".join(f'<li><a href="/{n}">关于做好第{n}批重点项目建设工作的通知</a></li>' for n in range(30))
    body = (
        '<div class="zoom"><p>同志们：</p><p>这次会议很重要，大家要认真抓好落实。</p></div>'
        f'<div class="list"><h3>相关文章</h3><ul>{links}</ul></div>'
    )
    text = read_document(_write(tmp_path, "short.html", _page(body).encode("utf-8"))).text
    assert text == "同志们：\n这次会议很重要，大家要认真抓好落实。"


def test_a_form_wrapping_the_whole_page_is_kept(tmp_path):
    # ASP.NET pages put everything inside one <form runat=server>.
    body = '<form id="form1"><div class="article"><p>各位代表：</p><p>现在，我代表市政府作报告。</p></div></form>'
    text = read_document(_write(tmp_path, "f.aspx.html", _page(body).encode("utf-8"))).text
    assert text == "各位代表：\n现在，我代表市政府作报告。"


@pytest.mark.parametrize("head, title", [
    ('<title>讲话标题_某某市人民政府</title><meta name="SiteName" content="某某市人民政府">', "讲话标题"),
    ("<title>讲话标题 - 栏目 - 某某网</title>", "讲话标题"),
    ("<title>中国-东盟博览会开幕式致辞|外交部</title>", "中国-东盟博览会开幕式致辞"),
    ('<title>某某市人民政府</title><meta name="sitename" content="某某市人民政府">', None),
    ('<title>页面标题</title><META NAME="articletitle" CONTENT="文章标题">', "文章标题"),
    ("", None),
])
def test_title_hint(tmp_path, head, title):
    path = _write(tmp_path, "t.html", _page("<p>正文</p>", head).encode("utf-8"))
    assert read_document(path).title == title


@pytest.mark.parametrize("pubdate, published", [
    ("2024-01-22 23:08", "2024-01-22"),
    ("2024/1/5", "2024-01-05"),
    ("2024年3月8日", "2024-03-08"),
    ("20240308", "2024-03-08"),
    ("2024-03", "2024-03"),
    ("2024", "2024"),
    ("2024-02-30", "2024-02"),
    ("unknown", None),
    ("", None),
])
def test_pubdate(tmp_path, pubdate, published):
    head = f'<meta name="PubDate" content="{pubdate}">'
    path = _write(tmp_path, "d.html", _page("<p>正文</p>", head).encode("utf-8"))
    assert read_document(path).published == published


@pytest.mark.parametrize("data, reason", [
    (b"", "empty file"),
    (b"  \n\t ", "empty file"),
    (_page("<script>var a = '讲话';</script><style>p{}</style>", "<title>标题</title>").encode(), "no text in page"),
    (b"<html><body><!-- only a comment --></body></html>", "no text in page"),
    (b"\x00\x01\x02<html>", "binary data"),
])
def test_bad_pages(tmp_path, data, reason):
    assert _reason(_write(tmp_path, "bad.html", data)) == reason


# --- .docx -------------------------------------------------------------------------------------

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _docx(tmp_path: Path, body: str, title: str | None = None, name: str = "speech.docx") -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr(
            "word/document.xml",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>',
        )
        if title is not None:
            archive.writestr(
                "docProps/core.xml",
                '<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties '
                'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
                f'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{title}</dc:title></cp:coreProperties>',
            )
    return path


def test_docx_paragraphs_become_lines(tmp_path):
    body = (
        '<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:t>在全市经济工作会议上的讲话</w:t></w:r></w:p>'
        # Runs split a date, as Word does around proofing marks; tab stops in pPr are no text.
        '<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>'
        "<w:r><w:t>（</w:t></w:r><w:r><w:t>2023</w:t></w:r><w:r><w:t>年12月</w:t></w:r>"
        "<w:r><w:t>20日）</w:t></w:r></w:p>"
        "<w:p/>"
        '<w:p><w:r><w:t xml:space="preserve">姓名</w:t><w:tab/><w:t>职务</w:t></w:r></w:p>'
        "<w:p><w:r><w:t>第一行</w:t><w:br/><w:t>第二行</w:t></w:r></w:p>"
        "<w:p><w:r><w:delText>删去的话</w:delText></w:r><w:ins><w:r><w:t>插入的话</w:t></w:r></w:ins></w:p>"
        "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>表格单元</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
    )
    document = read_document(_docx(tmp_path, body, title="  经济工作会议讲话 "))
    assert document.text.split("\n") == [
        "在全市经济工作会议上的讲话", "（2023年12月20日）", "姓名\t职务", "第一行", "第二行", "插入的话", "表格单元",
    ]
    assert document.title == "经济工作会议讲话"
    assert document == Document(text=document.text, title="经济工作会议讲话", line_breaks="paragraph")


@pytest.mark.parametrize("title", [None, "", "   "])
def test_docx_without_title(tmp_path, title):
    document = read_document(_docx(tmp_path, "<w:p><w:r><w:t>同志们：</w:t></w:r></w:p>", title=title))
    assert (document.text, document.title) == ("同志们：", None)


def test_docx_text_box_is_read_once(tmp_path):
    box = "<w:txbxContent><w:p><w:r><w:t>文本框</w:t></w:r></w:p></w:txbxContent>"
    body = (
        '<w:p xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
        "<w:r><w:t>正文前</w:t></w:r><w:r><mc:AlternateContent>"
        f"<mc:Choice><w:drawing>{box}</w:drawing></mc:Choice><mc:Fallback><w:pict>{box}</w:pict></mc:Fallback>"
        "</mc:AlternateContent></w:r><w:r><w:t>正文后</w:t></w:r></w:p>"
    )
    assert read_document(_docx(tmp_path, body)).text == "正文前正文后\n文本框"


def test_bad_docx_files(tmp_path):
    assert _reason(_write(tmp_path, "fake.docx", b"this is no zip archive")) == "not a zip archive (.docx)"
    assert _reason(_write(tmp_path, "empty.docx", b"")) == "empty file"
    # An old binary .doc renamed .docx.
    assert _reason(_write(tmp_path, "old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)) \
        == "not a zip archive (.docx)"
    with zipfile.ZipFile(tmp_path / "other.docx", "w") as archive:
        archive.writestr("content.xml", "<x/>")
    assert _reason(tmp_path / "other.docx") == "no word/document.xml in .docx"
    assert _reason(_docx(tmp_path, "<w:p/><w:p><w:r><w:t> </w:t></w:r></w:p>", name="blank.docx")) \
        == "no text in document"
    with zipfile.ZipFile(tmp_path / "broken.docx", "w") as archive:
        archive.writestr("word/document.xml", "<w:document><w:body>")
    assert _reason(tmp_path / "broken.docx") == "malformed word/document.xml in .docx"
