"""Metadata on documents of each shape real corpora bring, written here (issue 13, item 6).

Each test writes a small document the way a reader delivers it (its text, and the hints its
format carries: title candidates, publication date, a book's kind and author, a dataset's
values), runs it through split, repair and describe, and checks speaker, date, province and
level with the evidence for each. Negative rows pin what must stay null: a person mentioned or
quoted, a title without a name, a range of years.
"""

from types import SimpleNamespace

import pytest

from indexer.build import process_file
from indexer.describe import DATE_SOURCES, describe
from indexer.places import resolve_place
from indexer.readers import read_document
from indexer.split import split_document
from indexer.text import count_han, repair

BODY = ("今年以来，全市上下坚持稳中求进工作总基调，我市经济运行总体平稳。\n"
        "全市各级各部门要狠抓落实，我市要推动高质量发展。\n")
HUNAN_CITY = ("今年以来，全市上下坚持稳中求进，我市经济运行总体平稳，岳阳高质量发展迈出新步伐。\n"
              "全市要抓好项目建设，推动岳阳在湖南发展大局中走在前列，我市各级各部门要擦亮岳阳名片。\n")


def read(text: str, **hints) -> list:
    """Split, repair and describe a document the test writes, as the build does for a file."""
    document = SimpleNamespace(text=text, **hints)
    lines = text.split("\n")
    found = []
    for span in split_document(lines, hints.get("kind", "document")):
        if span.kind == "speech":
            repaired = repair(lines[span.start:span.end], span.start + 1, span.header_lines)
            found.append(describe(repaired.paragraphs, document, resolve_place, span))
    return found


def one(text: str, **hints):
    speeches = read(text, **hints)
    assert len(speeches) == 1, [s.title for s in speeches]
    return speeches[0]


# ---------------------------------------------------------------------------------------------
# Speakers: (document text, hints, speaker, the words it is read from; `reported:` a news report's)

SPEAKERS = [
    # Titles, in the text or among the page's candidates (its <title> less the site).
    ("李建国局长在全市教育工作会议上的讲话\n同志们：\n" + BODY, {}, "李建国", "李建国局长在全市教育工作会议上的讲话"),
    ("同志们：\n" + BODY, {"title_candidates": ["李建国局长在全市教育工作会议上的讲话--学校新闻-某某市第一中学"]},
     "李建国", "李建国局长在全市教育工作会议上的讲话"),
    ("同志们：\n" + BODY, {"title_candidates": ["王明：在全市教育工作大会上的讲话_某某网"]},
     "王明", "王明：在全市教育工作大会上的讲话"),
    ("同志们：\n" + BODY, {"title_candidates": ["王建国同志在全县项目建设推进会议上的讲话 - 工作动态 - 某某县人民政府"]},
     "王建国", "王建国同志在全县项目建设推进会议上的讲话"),
    ("欧阳建国书记在全区经济工作会议上的讲话\n同志们：\n" + BODY, {}, "欧阳建国", "欧阳建国书记在全区经济工作会议上的讲话"),
    # Bylines: an office and a name, a name alone under a speech's title, a work report's subtitle.
    ("在全市经济工作会议上的讲话\n岳阳市市长  王建国\n（2021年1月8日）\n同志们：\n" + BODY, {}, "王建国", "岳阳市市长王建国"),
    ("在全市经济工作会议上的讲话\n王建国\n（2021年1月8日）\n同志们：\n" + BODY, {}, "王建国", "王建国"),
    ("政府工作报告\n——2025年1月15日在湖南省第十四届人民代表大会第三次会议上 湖南省省长 王建国\n各位代表：\n" + BODY, {},
     "王建国", "——2025年1月15日在湖南省第十四届人民代表大会第三次会议上湖南省省长王建国"),
    ("政府工作报告\n——2025年1月15日在湖南省第十四届人民代表大会第三次会议上\n湖南省省长  王建国\n各位代表：\n" + BODY, {},
     "王建国", "湖南省省长王建国"),
    # A subtitle over two lines, which repair joins (its second opens with 暨); the byline under it stands alone.
    ("平潭综合实验区管委会工作报告\n—2024年1月18日在平潭综合实验区人大工作会议\n暨平潭县第十八届人民代表大会第三次会议上\n"
     "平潭综合实验区管委会主任  王建国\n各位代表，同志们：\n" + BODY, {}, "王建国", "平潭综合实验区管委会主任王建国"),
    ("在自治区经济工作会议上的讲话\n自治区主席 艾力•买买提\n（2019年12月20日）\n同志们：\n" + BODY, {},
     "艾力·买买提", "自治区主席艾力•买买提"),
    # The lead of a repost, and of a news report.
    ("市委副书记、市长王建国1月21日在全市经济工作会议上的讲话《坚定信心 真抓实干》\n坚定信心 真抓实干\n同志们：\n" + BODY,
     {}, "王建国", "市委副书记、市长王建国1月21日在全市经济工作会议上的讲话"),
    ("现摘录李建国局长《在全市教育系统年度工作会议上的讲话》，希全体教工认真学习！\n在全市教育系统年度工作会议上的讲话\n"
     "同志们：\n" + BODY, {}, "李建国", "李建国局长《在全市教育系统年度工作会议上的讲话"),
    ("1月21日，市委书记王建国在全市经济工作会议上发表重要讲话。他强调，要坚定信心。\n会议要求，全市要抓好落实。\n", {},
     "王建国", "reported: 市委书记王建国在全市经济工作会议上发表重要讲话"),
    ("1月21日，全市经济工作会议召开。市委书记王建国出席会议并讲话，市长李华主持会议。\n会议要求，全市要抓好落实。\n", {},
     "王建国", "reported: 市委书记王建国出席会议并讲话"),
    ("新华社北京1月21日电 国务院总理赵立群在国务院常务会议上发表讲话。\n会议指出，要稳定经济大盘。\n", {},
     "赵立群", "reported: 国务院总理赵立群在国务院常务会议上发表讲话"),
    ("会议要求，全市要抓好落实。\n",
     {"title_candidates": ["王建国在全市组织工作会议上强调 锻造高素质干部队伍_中共某某市委组织部"]},
     "王建国", "reported: 王建国在全市组织工作会议上强调锻造高素质干部队伍"),
    ("会议要求，全市要抓好落实。\n", {"title_candidates": ["全省经济工作会议在长沙召开 王建国出席并讲话"]},
     "王建国", "reported: 王建国出席并讲话"),
    # A closing note.
    ("在全县脱贫攻坚推进会上的讲话\n同志们：\n" + BODY + "（这是王建国同志2019年3月5日在全县脱贫攻坚推进会上的讲话，有删节）\n",
     {}, "王建国", "（这是王建国同志2019年3月5日在全县脱贫攻坚推进会上的讲话，有删节）"),
    # A byline field counts where the text names the same person.
    ("在全市经济工作会议上的讲话\n市长  王建国\n同志们：\n" + BODY, {"byline": "李华"}, "王建国", "市长王建国"),
    ("王建国同志在全市经济工作会议上的讲话\n同志们：\n" + BODY, {"byline": "王建国"}, "王建国",
     "王建国同志在全市经济工作会议上的讲话"),
]

NOBODY = [
    # A title without a name; a leader the speech quotes or mentions.
    "在全省工作会议上的讲话\n同志们：\n习近平总书记指出，要坚持稳中求进。王建国同志在上次会议上的讲话很重要。\n" + BODY,
    "习近平总书记在中央经济工作会议上的重要讲话，深刻分析了当前经济形势。\n" + BODY,
    "深入学习贯彻习近平总书记在庆祝建党100周年大会上的重要讲话精神。\n" + BODY,
    "刚才，王建国同志作了很好的讲话，我完全同意。\n" + BODY,
    "《王建国在全市经济工作会议上的讲话》单行本已经出版。\n" + BODY,
    "近日，我市召开会议，学习贯彻王建国书记在全省经济工作会议上的讲话精神。\n" + BODY,
    "学习王建国同志在全市经济工作会议上的讲话精神的体会\n" + BODY,
    "王建国在全市经济工作会议上的讲话中指出，要坚定信心。\n" + BODY,
    # Two people, redactions, a note that names only who read the speech out.
    "王建国市长、李华副市长在全市经济工作会议上的讲话\n同志们：\n" + BODY,
    "**同志在全县经济工作会议上的讲话\n同志们：\n" + BODY,
    "王某某同志在全县经济工作会议上的讲话\n同志们：\n" + BODY,
    "在全县经济工作会议上的讲话\n同志们：\n" + BODY + "（这是李华同志代为宣读的讲话稿）\n",
    # A name alone under a news headline is as likely its reporter's; 全体 is a word.
    "王建国在全市经济工作会议上强调坚定信心\n李华\n会议要求，全市要抓好落实。\n",
    "在全市经济工作会议上的讲话\n全体\n同志们：\n" + BODY,
]


@pytest.mark.parametrize("text, hints, speaker, evidence", SPEAKERS, ids=[row[2] + str(i) for i, row in enumerate(SPEAKERS)])
def test_speaker_and_the_words_it_is_read_from(text, hints, speaker, evidence):
    meta = one(text, **hints)
    assert (meta.speaker, meta.speaker_evidence) == (speaker, evidence)


@pytest.mark.parametrize("text", NOBODY, ids=[str(i) for i in range(len(NOBODY))])
def test_no_speaker_without_evidence(text):
    meta = one(text)
    assert (meta.speaker, meta.speaker_evidence) == (None, None)


def test_a_byline_field_the_text_does_not_confirm_is_no_speaker():
    # dc:creator or <meta name=author> is often the typist or the page's editor.
    meta = one("在全市经济工作会议上的讲话\n同志们：\n" + BODY, byline="李华")
    assert meta.speaker is None


# ---------------------------------------------------------------------------------------------
# Dates: (text, hints, date, year, date_source, evidence)

DATES = [
    ("在全省工作会议上的讲话\n（2018年5月4日）\n同志们：\n" + BODY, {}, "2018-05-04", 2018, "printed", "2018年5月4日"),
    ("在全省工作会议上的讲话\n（二〇一九年二月三日）\n同志们：\n" + BODY, {}, "2019-02-03", 2019, "printed",
     "二〇一九年二月三日"),
    ("在全省工作会议上的讲话\n（二○一九年二月三日）\n同志们：\n" + BODY, {}, "2019-02-03", 2019, "printed", "二○一九年二月三日"),
    ("在全省工作会议上的讲话\n2019.2.3\n同志们：\n" + BODY, {}, "2019-02-03", 2019, "printed", "2019.2.3"),
    ("政府工作报告\n（2025年1月15日在湖南省第十四届人民代表大会第三次会议上）\n湖南省省长  王建国\n各位代表：\n" + BODY, {},
     "2025-01-15", 2025, "printed", "2025年1月15日"),
    ("坚定信心 真抓实干\n——在全省经济工作会议上的讲话（2019年1月）\n同志们：\n" + BODY, {}, "2019-01", 2019, "printed",
     "2019年1月"),
    # A full date under the title wins over a year in the title: a 2019 meeting held in December 2018.
    ("在2019年全市经济工作会议上的讲话\n（2018年12月28日）\n同志们：\n" + BODY, {}, "2018-12-28", 2018, "printed",
     "2018年12月28日"),
    ("在全县脱贫攻坚推进会上的讲话\n同志们：\n" + BODY + "（这是王建国同志2019年3月5日在全县脱贫攻坚推进会上的讲话）\n", {},
     "2019-03-05", 2019, "printed", "2019年3月5日"),
    # A year printed alone with a month and day in the dateline.
    ("在2019年全市经济工作会议上的讲话\n（1月21日）\n同志们：\n" + BODY, {}, "2019-01-21", 2019, "printed", "2019年 1月21日"),
    # A range of dates under a title dates the speech from its first day, saying so; a range in a title is its topic.
    ("在全市主题教育总结会议上的讲话\n（2019年12月至2020年1月）\n同志们：\n今年是新中国成立70周年。\n" + BODY, {},
     "2019-12", 2019, "printed", "range: 2019年12月至2020年1月"),
    # A book's dateline in its square brackets, several days: the first.
    ("干部要以普通劳动者的姿态出现\n〔一九五八年五月二十日、二十三日〕\n同志们：\n" + BODY, {},
     "1958-05-20", 1958, "printed", "一九五八年五月二十日"),
    ("关于全市“十四五”规划（2021—2025年）编制工作的讲话\n同志们：\n" + BODY, {}, None, None, None, None),
    # The page's metadata about the speech, and its publication date where the text dates itself against it.
    ("在全市经济工作会议上的讲话\n同志们：\n" + BODY, {"dates": ["2021-03-05"]}, "2021-03-05", 2021, "meta", "date 2021-03-05"),
    ("市长王建国1月21日在全市经济工作会议上的讲话\n同志们：\n" + BODY, {"published": "2025-01-24"},
     "2025-01-21", 2025, "inferred", "1月21日 (published 2025-01-24)"),
    ("市长王建国12月28日在全市经济工作会议上的讲话\n同志们：\n" + BODY, {"published": "2025-01-02"},
     "2024-12-28", 2024, "inferred", "12月28日 (published 2025-01-02)"),
    ("本报讯（记者 李明）昨天上午，全区经济工作会议召开。区委书记王建国出席会议并讲话。\n" + BODY, {"published": "2024-01-01"},
     "2023-12-31", 2023, "inferred", "昨天 (published 2024-01-01)"),
    # A publication date alone says when the page went up, not when the speech was given; nor
    # does the date a page prints over its article.
    ("发布时间：2025-01-24 来源：某某市人民政府\n在全市经济工作会议上的讲话\n同志们：\n" + BODY, {}, None, None, None, None),
    ("在全市经济工作会议上的讲话\n同志们：\n" + BODY, {"published": "2025-01-24"}, None, None, None, None),
    ("市长王建国3月5日在全市经济工作会议上的讲话\n同志们：\n" + BODY, {"published": "2025-12-24"}, None, None, None, None),
    # Anchors when nothing is printed.
    ("在全市经济工作会议上的讲话\n同志们：\n今年是“十四五”开局之年。\n" + BODY, {}, "2021", 2021, "inferred",
     "“十四五”开局之年 (→2021)"),
]


@pytest.mark.parametrize("text, hints, date, year, source, evidence", DATES, ids=[str(i) for i in range(len(DATES))])
def test_date_year_and_how_it_is_known(text, hints, date, year, source, evidence):
    meta = one(text, **hints)
    assert (meta.date, meta.year, meta.date_source, meta.year_evidence) == (date, year, source, evidence)
    assert meta.date_source in DATE_SOURCES + (None,)


# ---------------------------------------------------------------------------------------------
# Datasets: values the dataset gives win, normalised as read ones are.

REPORT = "政府工作报告\n——2020年1月15日在湖南省第十三届人民代表大会第三次会议上\n湖南省省长  王建国\n各位代表：\n" + BODY


def given(**cells) -> dict:
    return {name: {"value": None, "raw": raw, "column": column} for name, (column, raw) in cells.items()}


@pytest.mark.parametrize("cells, expected", [
    (given(year=("year", "2021年")),
     dict(year=2021, date="2021", date_source="given", year_evidence="column year: 2021年")),
    (given(year=("年份", "2021.0")), dict(year=2021, date_source="given", year_evidence="column 年份: 2021.0")),
    (given(date=("date", "2021/3/5")),
     dict(year=2021, date="2021-03-05", date_source="given", year_evidence="column date: 2021/3/5")),
    (given(date=("日期", "20210305")), dict(year=2021, date="2021-03-05", date_source="given")),
    # A value that cannot be read is kept in the evidence; the field stays null.
    (given(year=("年份", "不详")), dict(year=None, date=None, date_source=None, year_evidence="column 年份: 不详")),
    (given(province=("省份", "湖北")),
     dict(province="湖北省", city=None, province_evidence="column 省份: 湖北", year=2020, date_source="printed")),
    (given(city=("city", "武汉")), dict(province="湖北省", city="武汉市", province_evidence="column city: 武汉")),
    (given(province=("province", "火星")), dict(province=None, province_evidence="column province: 火星")),
    (given(province=("province", "全国")), dict(province=None, level="中央", province_evidence="column province: 全国")),
    (given(speaker=("讲话人", "省长 李华")),
     dict(speaker="李华", position="省长", speaker_evidence="column 讲话人: 省长李华")),
    (given(speaker=("speaker", "省人民政府")), dict(speaker=None, speaker_evidence="column speaker: 省人民政府")),
    (given(title=("标题", "湖南省2020年政府工作报告")), dict(title="湖南省2020年政府工作报告", speaker="王建国")),
    # An empty cell gives nothing: the text's values stand.
    (given(year=("year", ""), province=("province", " ")), dict(year=2020, province="湖南省", date_source="printed")),
])
def test_dataset_values_win_over_the_text(cells, expected):
    meta = one(REPORT, given=cells)
    assert {key: getattr(meta, key) for key in expected} == expected


# ---------------------------------------------------------------------------------------------
# Central organs and national leaders: level 中央, province null; provincial speeches keep theirs.

@pytest.mark.parametrize("text, level, province", [
    ("政府工作报告\n——2024年3月5日在第十四届全国人民代表大会第二次会议上\n国务院总理  赵立群\n各位代表：\n"
     "现在，我代表国务院，向大会报告政府工作。广东、江苏、浙江等经济大省挑大梁，我国经济回升向好。\n", "中央", None),
    ("各位代表：\n现在，我代表国务院，向大会报告政府工作，请予审议。\n全国各族人民。我国经济。\n", "中央", None),
    ("在中央农村工作会议上的讲话\n（2022年12月23日）\n同志们：\n全国上下要抓好粮食生产。我国农业。各地区各部门。\n",
     "中央", None),
    ("在全国教育工作会议上的讲话\n教育部部长  王建国\n同志们：\n全国教育系统要抓好落实。\n", "中央", None),
    # A province's official at a national meeting speaks for the province.
    ("在全国教育工作会议上的交流发言\n湖南省教育厅厅长  王建国\n同志们：\n我省教育。全省上下。\n", None, "湖南省"),
    # Speeches that mention the State Council, or a national title, are local.
    ("在全市贯彻落实国务院常务会议精神电视电话会议上的讲话\n同志们：\n我市要认真贯彻国务院部署。\n" + HUNAN_CITY, "市", "湖南省"),
    ("在国务院廉政工作会议精神传达会上的讲话\n同志们：\n" + HUNAN_CITY + "我市。全市。我市。\n", "市", "湖南省"),
    ("在全国文明城市创建工作推进会上的讲话\n同志们：\n我市要创建全国文明城市。\n" + HUNAN_CITY, "市", "湖南省"),
    ("在全省经济工作会议上的讲话\n湖南省省长  王建国\n同志们：\n要贯彻党中央、国务院决策部署。我省。全省上下。\n",
     "省", "湖南省"),
])
def test_central_speeches_have_level_central_and_no_province(text, level, province):
    meta = one(text)
    assert (meta.level, meta.province) == (level, province)
    if level == "中央":
        assert meta.city is None and meta.province_evidence is None


def test_a_page_is_placed_by_the_site_that_published_it_when_its_text_does_not():
    meta = one("在开学典礼上的讲话\n同志们：\n新学期开始了，希望同学们勤奋学习。\n",
               title_candidates=["校长李华在开学典礼上的讲话--校园新闻-嘉兴市第二中学"])
    assert (meta.speaker, meta.province, meta.city) == ("李华", "浙江省", "嘉兴市")
    assert meta.province_evidence == "site: 嘉兴市第二中学"
    # The text's own place wins over the site's.
    meta = one("在全市经济工作会议上的讲话\n同志们：\n" + HUNAN_CITY, site="嘉兴市人民政府")
    assert meta.province == "湖南省"


# ---------------------------------------------------------------------------------------------
# Several speeches on one page

NOTICE = """中共岳阳市委办公室关于印发王建国同志和李华同志在全市经济工作会议上的讲话摘要的通知
各县市区委，市直各单位：
现将王建国同志和李华同志2019年1月15日在全市经济工作会议上的讲话摘要印发给你们，请认真学习贯彻。
王建国同志的讲话摘要
今年全市经济工作的总体要求是稳中求进。我市要坚定信心，全市上下要狠抓落实。
一、认清形势
当前我市经济运行总体平稳。
李华同志的讲话摘要
我完全同意王建国同志的讲话。全市各级各部门要抓好落实，我市要推动高质量发展。
"""
NUMBERED = """全市安全生产工作会议领导讲话
一、王建国同志讲话
同志们：安全生产是底线。全市上下要高度重视，我市要守住底线。
二、李华同志讲话
同志们：要压实责任。我市各级要抓好落实。
"""


@pytest.mark.parametrize("text, titles, dated", [
    (NOTICE, ["王建国同志的讲话摘要", "李华同志的讲话摘要"], "2019-01-15"),
    (NUMBERED, ["王建国同志讲话", "李华同志讲话"], None),
])
def test_a_page_of_several_speakers_splits_into_one_speech_each(tmp_path, text, titles, dated):
    path = tmp_path / "page.txt"
    path.write_text(text, encoding="utf-8")
    result = process_file(path, path.name, resolve_place)
    speeches = result["speeches"]
    assert [s["title"] for s in speeches] == titles
    assert [s["speaker"] for s in speeches] == ["王建国", "李华"]
    assert [s["speaker_evidence"] for s in speeches] == titles
    # The notice dates both speeches and names their meeting; it is kept as a dropped span, so
    # every Han character lands in one speech or in a span listed as dropped.
    assert [s["date"] for s in speeches] == [dated, dated]
    in_speeches = sum(count_han(s["text"]) for s in speeches)
    assert in_speeches + sum(span["han"] for span in result["dropped"]) == count_han(read_document(path).text)
    if dated:
        assert [s["meeting"] for s in speeches] == ["全市经济工作会议"] * 2
        assert speeches[0]["province"] == speeches[1]["province"] == "湖南省"


def test_one_named_title_is_one_speech():
    assert len(read("王建国同志讲话\n同志们：\n" + BODY)) == 1


# ---------------------------------------------------------------------------------------------
# Books: a table of contents with page numbers, pieces under dated titles, one author

BOOK = """王建国文集
第一卷
人民出版社

出版说明
本书收入王建国同志在1998年至1999年间的讲话、文章。这些讲话是研究的重要资料。

目  录
一九九八年
坚持把发展作为第一要务……………………………1
在全省农村工作会议上的讲话
（一九九八年十二月二十八日）………………………9
一九九九年
致全省青年的一封信………………………………17
关于加强基层党组织建设的几点意见……………21

一九九八年
坚持把发展作为第一要务
（一九九八年三月十二日）
发展是硬道理。全省各级干部要牢固树立发展是第一要务的思想，我省要在加快发展上下功夫。
一、认清形势
当前我省经济发展面临难得的机遇。
在全省农村工作会议上的讲话
（一九九八年十二月二十八日）
同志们：
这次全省农村工作会议的主要任务是，贯彻落实党的十五届三中全会精神。全省上下要稳定农村土地承包关系。
一九九九年
致全省青年的一封信
（1999年5月4日）
全省广大青年朋友们：
值此五四运动八十周年之际，我向全省广大青年致以节日的问候。
关于加强基层党组织建设的几点意见
——在全省组织工作座谈会上的讲话
（1999年8月）
省委副书记  李华
同志们：
基层党组织是党的全部工作和战斗力的基础。我省基层党组织建设取得了新进展。
后  记
本书的编辑工作得到了各方面的支持。
"""


def test_a_book_splits_by_its_contents_into_dated_pieces_by_its_author():
    lines = BOOK.split("\n")
    spans = split_document(lines, "book")
    kinds = [(span.kind, lines[span.start].strip()) for span in spans if lines[span.start].strip()]
    assert [kind for kind, _ in kinds].count("speech") == 4
    assert ("table of contents", "目  录") in kinds and ("back matter", "后  记") in kinds
    assert kinds[0] == ("front matter", "王建国文集")
    pieces = read(BOOK, kind="book")
    assert [(m.title, m.date, m.date_source) for m in pieces] == [
        ("坚持把发展作为第一要务", "1998-03-12", "printed"),
        ("在全省农村工作会议上的讲话", "1998-12-28", "printed"),
        ("致全省青年的一封信", "1999-05-04", "printed"),
        ("关于加强基层党组织建设的几点意见——在全省组织工作座谈会上的讲话", "1999-08", "printed"),
    ]
    # The book's author gives every piece, unless a piece names another speaker.
    assert [(m.speaker, m.speaker_evidence) for m in pieces] == [
        ("王建国", "book author: 王建国文集")] * 3 + [("李华", "省委副书记李华")]


def test_a_book_whose_author_the_reader_gives_and_without_contents():
    text = ("讲话选编\n\n在全市经济工作会议上的讲话\n（2017年12月26日）\n同志们：\n" + BODY
            + "在全市招商引资大会上的讲话\n（2018年3月9日）\n同志们：\n招商引资是经济工作的生命线。我市要打造一流营商环境。\n")
    pieces = read(text, kind="book", author="王建国")
    assert [(m.title, m.year, m.speaker) for m in pieces] == [
        ("在全市经济工作会议上的讲话", 2017, "王建国"), ("在全市招商引资大会上的讲话", 2018, "王建国")]
    # An organisation as the author is nobody's name; a book title of no one person gives none.
    assert {m.speaker for m in read(text, kind="book", author="中共某某市委办公室")} == {None}


@pytest.mark.parametrize("book_title, author", [
    ("王建国文集", "王建国"), ("王建国谈改革", "王建国"), ("王建国讲话选编", "王建国"), ("欧阳建国文选（第二卷）", "欧阳建国"),
    ("王建国 著", "王建国"), ("改革开放论", None), ("浅谈基层党建", None), ("全省经济工作会议讲话汇编", None),
])
def test_the_author_of_a_book_from_its_title(book_title, author):
    text = "在全市经济工作会议上的讲话\n（2017年12月26日）\n同志们：\n" + BODY
    (piece,) = read(text, kind="book", title=book_title)
    assert piece.speaker == author


def test_speaker_evidence_reaches_the_index_record(tmp_path):
    path = tmp_path / "speech.txt"
    path.write_text("在全市经济工作会议上的讲话\n岳阳市市长  王建国\n（2021年1月8日）\n同志们：\n" + HUNAN_CITY, encoding="utf-8")
    (speech,) = process_file(path, path.name, resolve_place)["speeches"]
    assert (speech["speaker"], speech["speaker_evidence"], speech["province"]) == ("王建国", "岳阳市市长王建国", "湖南省")
