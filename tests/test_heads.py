"""Speaker, date and year as real documents print them (issue 23): the head read as one block.

Each document is written here in a shape real pages, reports, datasets and news bring: a
byline after source and time lines under a page's buttons, an ideographic space inside a
byline, a name outside the surname list, a dataset's speaker column, a news report of a
leader's speech, a session name, a work report that names no speaker. Photographers, editors
and people a report lists as present are never speakers.
"""

import csv
import io

import pytest

from indexer.build import build_index, process_file
from indexer.describe import given_speaker
from indexer.sessions import session_year, work_report_premier

BODY = ("现在，我代表省人民政府向大会报告工作，请予审议，并请省政协委员和列席人员提出意见。\n"
        "一、2024年工作回顾\n过去一年，全省经济运行稳中有进，地区生产总值增长5.2%，城乡居民收入稳步增长。\n")
CHROME = "下载\n打印\n全屏\n收藏\n【字号：\n加大\n还原\n减小\n】\n"


def _read(tmp_path, text: str, name: str = "report.txt") -> dict:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    (speech,) = process_file(path, name)["speeches"]
    return speech


@pytest.mark.parametrize("head, speaker, position", [
    # A byline on its own line after the page's buttons, a source line and a time line.
    (CHROME + "2026年某某省政府工作报告\n——2026年1月27日在某某省第十四届人民代表大会第四次会议上\n来源：某某日报\n"
     "时间：2026-02-03\n某某省人民政府省长 王建国\n", "王建国", "某某省人民政府省长"),
    # An ideographic space between office and name; a space inside the name itself.
    ("2025年某某省政府工作报告\n来源：某某新闻\n2025年1月13日在某某省第十四届人民代表大会第三次会议上\n省长\u3000王建国\n",
     "王建国", "省长"),
    ("2026年某某市政府工作报告\n——2026年2月3日在某某市第十六届人民代表大会第四次会议上\n某某市市长 龚 正\n",
     "龚正", "某某市市长"),
    # Names outside the surname list after an office word: Tibetan, Uyghur without its dot, Uyghur with it.
    ("2026年某某自治区政府工作报告\n——2026年1月31日在某某自治区第十二届人民代表大会第四次会议上\n自治区主席 洛桑江村\n",
     "洛桑江村", "自治区主席"),
    ("政府工作报告\n——2026年1月27日在某某自治区第十四届人民代表大会第四次会议上\n自治区主席 阿不都热依木\n",
     "阿不都热依木", "自治区主席"),
    ("政府工作报告\n——2026年1月27日在某某自治区第十四届人民代表大会第四次会议上\n自治区主席 艾尔肯·吐尼亚孜\n",
     "艾尔肯·吐尼亚孜", "自治区主席"),
    # A run-in sentence under the title names who delivered the report.
    ("2025年某某省政府工作报告\n来源：某某新闻\n2025年1月19日在某某省第十四届人民代表大会第三次会议上省长王建国作政府工作报告。\n",
     "王建国", "省长"),
    # The speaker inside the subtitle.
    ("2025年某某自治区政府工作报告\n——2025年1月14日自治区人民政府主席王建国在某某自治区第十四届人民代表大会第三次会议上\n",
     "王建国", "自治区人民政府主席"),
])
def test_the_byline_is_read_wherever_it_stands_in_the_head(tmp_path, head, speaker, position):
    speech = _read(tmp_path, head + "各位代表：\n" + BODY)
    assert (speech["speaker"], speech["position"]) == (speaker, position)
    assert speech["speaker_evidence"]


def test_photographers_editors_and_the_page_frame_are_never_speakers(tmp_path):
    head = ("当前位置：\n首页\n>\n要闻\n政府工作报告\n发表时间：\n2026-02-09 09:45:30\n来源：\n某某日报客户端\n阅读量：\n"
            "【字体：\n小\n中\n大\n】\n——2026年2月3日在某某自治区第十三届人民代表大会第四次会议上\n"
            "2月3日，大会开幕。某某日报记者 周明远 摄\n编辑：李明\n")
    speech = _read(tmp_path, head + "各位代表：\n" + BODY)
    assert speech["speaker"] is None
    assert (speech["date"], speech["year"]) == ("2026-02-03", 2026)


@pytest.mark.parametrize("text, speaker, evidence_mark", [
    # A leader reported as speaking: 在…时强调; 主持…并发表重要讲话; the first of several.
    ("赵立群在某省调研时强调 扎实推进乡村全面振兴\n国务院副总理赵立群近日在某省调研时强调，"
     "要扎实推进乡村全面振兴。\n秋收时节，9月3日至5日，赵立群在某省委书记王建国、省长李华陪同下，先后来到各地调研。\n",
     "赵立群", "强调"),
    ("某省召开全省农村工作会议 赵立群主持并发表重要讲话\n某省召开全省农村工作会议\n"
     "11月8日至9日，某省召开全省农村工作会议，省委书记赵立群主持会议并发表重要讲话。\n", "赵立群", "讲话"),
])
def test_a_news_report_names_the_leader_it_reports_speaking(tmp_path, text, speaker, evidence_mark):
    speech = _read(tmp_path, text + "会议指出，要坚持稳中求进工作总基调。\n" * 3, "news.txt")
    assert speech["speaker"] == speaker and evidence_mark in speech["speaker_evidence"]


def test_a_person_a_report_lists_as_present_is_not_the_speaker(tmp_path):
    text = ("某省召开全省经济工作会议\n12月20日，全省经济工作会议在省会召开，省委书记王建国、省长李华等出席会议。\n"
            "会议指出，今年以来全省经济运行总体平稳。会议要求，各地要抓好落实。\n" * 2)
    assert _read(tmp_path, text, "news.txt")["speaker"] is None


@pytest.mark.parametrize("value, expected", [
    ("洛桑江村", ("洛桑江村", None)),
    ("阿不都热依木", ("阿不都热依木", None)),
    ("郑广会", ("郑广会", None)),  # a Han name that ends like an organisation (会)
    ("艾尔肯•吐尼亚孜", ("艾尔肯·吐尼亚孜", None)),
    ("省长 王建国", ("王建国", "省长")),
    ("王 建 国", ("王建国", None)),
    ("省长", (None, "省长")),  # an office alone is no person
    ("某某省人民政府", (None, None)),
    ("未知", (None, None)),
])
def test_a_datasets_speaker_is_kept_as_given_unless_plainly_no_person(value, expected):
    assert given_speaker(value) == expected


def test_a_refused_speaker_value_is_named_in_the_summary(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows([["title", "speaker", "text"], ["政府工作报告", "洛桑江村", "各位代表：\n" + BODY],
                      ["政府工作报告", "省长", "各位代表：\n" + BODY.replace("5.2%", "5.3%")]])
    (corpus / "reports.csv").write_text(buffer.getvalue(), encoding="utf-8")
    summary = build_index(corpus, tmp_path / "index")
    from search import Corpus

    speakers = sorted((s["source"], s["speaker"]) for s in Corpus(tmp_path / "index").speeches())
    assert speakers == [("reports.csv#row=1", "洛桑江村"), ("reports.csv#row=2", None)]
    assert [w for w in summary.warnings if w["code"] == "given_value_refused"] == [
        {"file": "reports.csv", "code": "given_value_refused", "count": 1,
         "rows": [{"row": 2, "field": "speaker", "column": "speaker", "value": "省长"}]}]


@pytest.mark.parametrize("head, year", [
    ("第九届全国人民代表大会第二次会议关于政府工作报告的决议", 1999),
    ("3月9日，赵立群参加十一届全国人大二次会议某省代表团的审议。", 2009),
    ("中国人民政治协商会议第十三届全国委员会第一次会议", 2018),
    ("第二届全国人民代表大会第三次会议关于政府工作报告的决议", 1962),  # sessions did not meet every year then
    ("自第八届全国人民代表大会第一次会议以来，政府做了大量工作", None),  # a session looked back to
    ("全国人大常委会第十三届第一次会议", None),  # the standing committee meets many times a year
])
def test_a_national_session_gives_its_year_from_the_table(head, year):
    found = session_year(head)
    assert (found.year if found else None) == year


def test_a_provincial_session_gives_the_year_its_terms_and_its_text_agree_on():
    text = "2026年全省经济社会发展的主要预期目标是：地区生产总值增长5%左右。2026年要抓好以下工作。2025年，全省经济稳中有进。"
    found = session_year("在某某省第十四届人民代表大会第四次会议上", text)
    assert found.year == 2026 and "provincial terms" in found.evidence
    assert session_year("在某某省第十四届人民代表大会第四次会议上", "") is None  # the text names no year


def test_a_session_dates_a_resolution_without_a_printed_year(tmp_path):
    text = ("第九届全国人民代表大会第二次会议关于政府工作报告的决议\n"
            "大会审议了政府工作报告，同意报告对今年工作的部署，号召全国各族人民为实现今年的目标而努力。\n")
    speech = _read(tmp_path, text)
    assert (speech["year"], speech["date_source"], speech["speaker"]) == (1999, "inferred", None)


@pytest.mark.parametrize("opening, year, premier", [
    ("现在，我代表国务院，向大会作政府工作报告，请予审议。", 2019, "李克强"),
    ("现在，我代表国务院，向大会作政府工作报告，请予审议。", 2023, "李克强"),  # the outgoing premier opens the session
    ("现在，我代表国务院，向大会报告本届政府过去五年的工作，对今年工作提出建议。", 2013, "温家宝"),
    ("我受国务院委托，现在向各位代表报告政府工作。", 1979, "华国锋"),
    # A plan's or a budget's report, which vice-premiers delivered, is given nobody.
    ("我受国务院委托，提出今明两年国民经济计划的报告，请各位代表审议。", 1980, None),
    ("我代表国务院，提出关于国家预算的报告，请予审查。", 1956, None),
    ("我代表国务院，向大会作政府工作报告。", None, None),  # no year, no premier
])
def test_a_national_work_report_that_names_nobody_gets_the_premier_then_in_office(opening, year, premier):
    found = work_report_premier(opening, year)
    assert (found[0] if found else None) == premier
    assert found is None or "table of premiers" in found[1]


def test_a_word_in_common_use_never_vetoes_a_printed_year(tmp_path):
    # 贸易摩擦 was in reports long before the trade war of 2018: it bounds no year.
    text = ("某省政府工作报告\n——2009年1月16日在某省第十一届人民代表大会第二次会议上\n各位代表：\n"
            "我们积极应对贸易摩擦，稳定外需。推动高质量发展，支持冬奥会申办工作。\n")
    speech = _read(tmp_path, text)
    assert (speech["year"], speech["date"]) == (2009, "2009-01-16")


@pytest.mark.parametrize("opening, date", [
    ("今天是12月1日，马上要到年底了，今年的目标任务还有很大困难。", "2020-12-01"),
    # A meeting the speech refers to is not the day it was given.
    ("今天召开这次会议，主要任务是贯彻12月11日全省经济运行分析会议精神。", "2020"),
])
def test_an_inferred_year_takes_only_the_day_a_speech_gives_itself(tmp_path, opening, date):
    text = (f"在全市经济形势分析会上的讲话\n同志们：\n{opening}\n"
            "今年是“十三五”规划收官之年，要确保全面建成小康社会、“十三五”规划圆满收官。\n")
    speech = _read(tmp_path, text)
    assert (speech["date"], speech["date_source"]) == (date, "inferred")
