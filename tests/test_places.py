"""Places come from what a speech says: byline and title first, then the body speaking of itself."""

import re
from pathlib import Path

import pytest

from indexer.places import Division, Gazetteer, Place, gazetteer, resolve_place

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

# A city speech body: it speaks of itself as 我市 / 全市 and names 怀化 three times.
HUAIHUA_BODY = (
    "今年以来，我市经济稳中向好，推动怀化高质量发展取得新成效。全市上下要坚定信心，"
    "我市各级各部门要擦亮怀化名片，彰显怀化形象，确保我市各项目标任务完成。"
)
SELF_ONLY_BODY = "我市经济稳中向好。全市上下要坚定信心。我市各级各部门要抓好落实。确保我市完成目标。"


def place(title, byline, body) -> tuple:
    p = resolve_place(title, byline, body)
    return p.province, p.city, p.county


@pytest.mark.parametrize("title, byline, body, expected", [
    # 1. The byline names the speaker's own government.
    (None, "郴州市市长  阚保勇", "", ("湖南省", "郴州市", None)),
    (None, "郴州市市长阚保勇", SELF_ONLY_BODY, ("湖南省", "郴州市", None)),
    (None, "中共湖南省委常委、郴州市委书记  张三", "", ("湖南省", "郴州市", None)),
    (None, "海拉尔区人民政府区长  张天喜", "", ("内蒙古自治区", "呼伦贝尔市", "海拉尔区")),
    # A county named in the byline implies its city and province, whatever the body says.
    (None, "宜章县县长  李四", "我县要学习长沙经验，长沙、长沙、长沙。全县上下。", ("湖南省", "郴州市", "宜章县")),
    # 2. The title names it as the meeting's own.
    ("在海拉尔区第十三届人民代表大会第一次会议上的讲话", None, "", ("内蒙古自治区", "呼伦贝尔市", "海拉尔区")),
    ("怀化市2021年经济工作会议上的讲话", None, "", ("湖南省", "怀化市", None)),
    # ...but not a place the meeting only talks about.
    ("在全省学习郴州市经验现场会上的讲话", None, "", (None, None, None)),
    # 3. The body speaks of its own city.
    (None, None, HUAIHUA_BODY, ("湖南省", "怀化市", None)),
    # 全省第一 in a city speech is the city's own province: consistent, not a rival.
    (None, None, HUAIHUA_BODY + "增速居全省第一，全省第一方阵，全省首位，全省上下。", ("湖南省", "怀化市", None)),
    # A county speech names its county and its city: the most specific one wins.
    (None, None, "我县要推动宜章县发展。宜章县、宜章县、宜章县。郴州、郴州。全县上下，我县。全市第一。",
     ("湖南省", "郴州市", "宜章县")),
    # A city speech lists its counties: none of them is the speech's own.
    (None, None, "我市要推动郴州发展。郴州、郴州、郴州。宜章县、宜章县、宜章县。汝城县、汝城县、汝城县。全市上下。我市。",
     ("湖南省", "郴州市", None)),
    # A province speech names a city: the city is not the speech's own.
    (None, None, "我省湖南、湖南、湖南。全省上下。我省郴州、郴州、郴州。全省。", ("湖南省", None, None)),
    # Two cities of one province without a winner: only the province is certain.
    (None, None, "我市要学习长沙经验，长沙、株洲、长沙。我市与株洲合作，株洲。全市上下。我市。", ("湖南省", None, None)),
    # Two cities of different provinces without a winner: nothing.
    (None, None, "我市要学习长沙经验，长沙、成都、长沙。我市与成都合作，成都。全市上下。我市。", (None, None, None)),
    # A place named often in a body that never speaks of itself is no evidence.
    (None, None, "长沙、长沙、长沙、长沙。", (None, None, None)),
    # 4. Redactions are not places; 市委 or 全省 alone give a level, not a place.
    (None, "XX市市长  张三", SELF_ONLY_BODY, (None, None, None)),
    (None, None, "XX省委要求我市。**县、××区和——市都要落实。" + SELF_ONLY_BODY + "全省上下，省委省政府。", (None, None, None)),
    ("在XX市第十三届人民代表大会上的讲话", "XX县县长", SELF_ONLY_BODY, (None, None, None)),
    # Short forms that are common words are not places.
    (None, None, "我市坚持和平发展。全市平安建设。我市城区改造。东方红。我市和平发展。平安我市。东方明珠。城区提质。",
     (None, None, None)),
    (None, None, "我市要长治久安，杜绝文山会海，各位来宾，朝阳产业，中山路，大理石。" * 3 + SELF_ONLY_BODY,
     (None, None, None)),
    # 5. A county name several provinces share resolves only with its city or province named.
    (None, "朝阳区区长  王五", "我区经济稳中向好。全区上下。我区要发展。", (None, None, None)),
    (None, "朝阳区区长  王五", "我区经济稳中向好。全区上下。北京冬奥会。", ("北京市", None, "朝阳区")),
    (None, "长春市朝阳区区长  王五", "", ("吉林省", "长春市", "朝阳区")),
])
def test_resolve_place(title, byline, body, expected):
    assert place(title, byline, body) == expected


def test_no_place_means_no_evidence():
    assert resolve_place(None, "XX市市长  张三", SELF_ONLY_BODY) == Place(None, None, None, None)
    assert resolve_place(None, None, "") == Place(None, None, None, None)


@pytest.mark.parametrize("title, byline, body, evidence", [
    (None, "郴州市市长  阚保勇", "", "郴州市市长"),
    (None, "海拉尔区人民政府区长  张天喜", "", "海拉尔区人民政府区长"),
    ("在海拉尔区第十三届人民代表大会第一次会议上的讲话", None, "", "在海拉尔区第十三届人民代表大会"),
    (None, None, HUAIHUA_BODY, "怀化×3, 我市×3, 全市×1"),
])
def test_evidence_names_the_words(title, byline, body, evidence):
    assert resolve_place(title, byline, body).evidence == evidence


@pytest.mark.parametrize("name, full", [
    ("湖南", "湖南省"), ("湖南省", "湖南省"), ("广西", "广西壮族自治区"), ("广西壮族自治区", "广西壮族自治区"),
    ("内蒙古", "内蒙古自治区"), ("新疆", "新疆维吾尔自治区"), ("宁夏", "宁夏回族自治区"), ("西藏", "西藏自治区"),
    ("香港", "香港特别行政区"), ("澳门", "澳门特别行政区"), ("北京", "北京市"), (" 重庆 ", "重庆市"),
    ("foo", None), ("", None), ("郴州", None), ("湖", None),
])
def test_province_lookup(name, full):
    assert gazetteer().province(name) == full


@pytest.mark.parametrize("code, name, short, rank, province, city", [
    ("430000", "湖南省", "湖南", 0, "湖南省", None),
    ("450000", "广西壮族自治区", "广西", 0, "广西壮族自治区", None),
    ("150000", "内蒙古自治区", "内蒙古", 0, "内蒙古自治区", None),
    ("810000", "香港特别行政区", "香港", 0, "香港特别行政区", None),
    ("431000", "郴州市", "郴州", 1, "湖南省", "郴州市"),
    ("433100", "湘西土家族苗族自治州", "湘西", 1, "湖南省", "湘西土家族苗族自治州"),
    ("652800", "巴音郭楞蒙古自治州", "巴音郭楞", 1, "新疆维吾尔自治区", "巴音郭楞蒙古自治州"),
    ("152200", "兴安盟", "兴安", 1, "内蒙古自治区", "兴安盟"),
    ("150702", "海拉尔区", "海拉尔", 2, "内蒙古自治区", "呼伦贝尔市"),
    ("431022", "宜章县", "宜章", 2, "湖南省", "郴州市"),
    ("430921", "南县", "南县", 2, "湖南省", "益阳市"),  # a one-character stem keeps its suffix
    ("610103", "碑林区", "碑林", 2, "陕西省", "西安市"),
    ("429021", "神农架林区", "神农架", 2, "湖北省", None),  # province-direct
    ("110105", "朝阳区", "朝阳", 2, "北京市", None),
])
def test_divisions(code, name, short, rank, province, city):
    assert gazetteer().divisions[code] == Division(code, name, short, rank, province, city)


def test_placeholders_are_not_divisions():
    names = {d.name for d in gazetteer().divisions.values()}
    assert not names & {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


def found(text: str) -> list[tuple[str, str]]:
    return [(d.code, matched) for d, _, matched in gazetteer().find(text)]


@pytest.mark.parametrize("text, expected", [
    ("省会长沙", [("430100", "长沙")]),
    ("郴州市委", [("431000", "郴州市")]),
    ("长沙县委书记", [("430121", "长沙县")]),      # longest first: 长沙县, not 长沙
    ("湖南县级财政", [("430000", "湖南")]),        # leftmost first: 南县 is inside 湖南县级
    ("湖南南县", [("430000", "湖南"), ("430921", "南县")]),
    ("阳泉市城区", [("140300", "阳泉市"), ("140302", "城区")]),
    ("郴州城区", [("431000", "郴州")]),            # the urban area of a city that has no 城区
    ("湘西州", [("433100", "湘西州")]),
    ("北京市朝阳区", [("110000", "北京市"), ("110105", "朝阳区")]),
    ("长春市朝阳区", [("220100", "长春市"), ("220104", "朝阳区")]),
    ("大同市", [("140200", "大同市")]),            # a stop-listed short form still counts in full
])
def test_find(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("text", [
    # Trap words: short forms and names that are everyday words.
    "平安", "城区", "新区", "和平发展", "东方", "南山", "西湖", "城关", "朝阳产业", "中山路", "各位来宾",
    "长治久安", "文山会海", "大理石", "白山黑水",
    "东方市场", "平安区域", "新县城", "信息县域", "城乡和县直部门", "要会同县纪委监委",
    # A short form is not the tail of another word.
    "确保定期", "华北京津冀", "推广安全", "今天水利", "副市长春节慰问", "巩固原有", "经营口径", "优化营商环境",
    # Ambiguous without context, or a redaction.
    "朝阳区", "鼓楼区", "南县", "XX市", "XX省", "**县", "××区", "——市", "XX南县", "某某县",
    "伟明省长",
])
def test_find_ignores(text):
    assert found(text) == []


def test_find_disambiguates_with_context():
    assert found("朝阳区") == []
    assert [(d.code, m) for d, _, m in gazetteer().find("朝阳区", context="北京冬奥会")] == [("110105", "朝阳区")]


def test_gazetteer_is_loaded_once():
    assert gazetteer() is gazetteer()
    assert isinstance(gazetteer(), Gazetteer)


def _corpus(name: str) -> str:
    return (CORPUS / name).read_text(encoding="utf-8")


def test_corpus_000_chenzhou():
    lines = [line.strip() for line in _corpus("000_e22c3551305105ef.txt").split("\n")]
    at = lines.index("郴州市市长  阚保勇")
    title, byline, body = lines[at - 1], lines[at], "\n".join(lines[at + 1 :])
    assert title == "在市政府六届二次全会上的讲话"
    p = resolve_place(title, byline, body)
    assert (p.province, p.city, p.county, p.evidence) == ("湖南省", "郴州市", None, "郴州市市长")
    # The body alone says the same: it names 郴州 over twenty times while saying 全市.
    p = resolve_place(title, None, body)
    assert (p.province, p.city, p.county) == ("湖南省", "郴州市", None)
    assert re.match(r"郴州×2\d, 湖南×3, 全市×\d+", p.evidence)


def test_corpus_002_huaihua():
    # One line: a 全市 meeting, no byline; the body says 我市 and 全市 and speaks of 推动怀化高质量
    # 跨越式发展, 怀化形象, 擦亮怀化的名片 as its own. 全省第4 ranks the city in its province, and
    # 伟明省长 is Hunan's governor (毛伟明) by given name: a person, not a place.
    text = _corpus("002_ecd33ae129aadc56.txt")
    title, body = re.match(r"(.*?讲话\(2021年-月-日\))(.*)", text, re.S).groups()
    assert "伟明省长" in body
    p = resolve_place(title, None, body)
    assert (p.province, p.city, p.county) == ("湖南省", "怀化市", None)
    assert p.evidence.startswith("怀化×4, ")
    assert [d.name for d, _, _ in gazetteer().find(body)] == ["怀化市"] * 4
    whole = resolve_place(None, None, text)  # the title's 全市 counts too; the place is the same
    assert (whole.province, whole.city, whole.county) == ("湖南省", "怀化市", None)


def _calls(work) -> int:
    """Count the function calls (Python and C) some work makes: its cost, the same on any machine under any load."""
    import sys

    calls = 0

    def count(frame, event, arg):
        nonlocal calls
        calls += event in ("call", "c_call")

    sys.setprofile(count)
    try:
        work()
    finally:
        sys.setprofile(None)
    return calls


def test_resolve_is_fast():
    # Speed is measured in `make bench`; here its cost: a few thousand calls for a speech of 9,000
    # characters (2,366 when written), growing no faster than the text (issue 26: this once
    # asserted 50 ms of wall-clock time, which a loaded machine missed).
    body = _corpus("000_e22c3551305105ef.txt")
    gazetteer()
    once = _calls(lambda: resolve_place(None, None, body))
    assert once < 10_000
    assert _calls(lambda: resolve_place(None, None, "\n".join([body] * 4))) < 4 * once + 1_000


from indexer.places import Mark, _from_marks, province_marks  # noqa: E402

CITY_SELF = "我市经济稳中向好。全市上下要坚定信心。我市要抓好落实。"


@pytest.mark.parametrize("body, expected", [
    # A prefecture speaks at 市 or 州 alike: a compilation that redacts 州 writes 全市.
    ("要推动湘西发展，擦亮湘西名片，建设智慧湘西。" + CITY_SELF, ("湖南省", "湘西土家族苗族自治州", None)),
    # A province never named itself, but its cities named as the speech's own.
    ("我省淮南、淮北、铜陵等资源型城市，黄山、池州等市。全省上下。我省要发展。", ("安徽省", None, None)),
    # ...and in a city speech, the cities of its province listed: the province, not a city.
    ("河西五市中金昌市、酒泉市、张掖市分别增长，嘉峪关市、嘉峪关市与酒泉市。" + CITY_SELF, ("甘肃省", None, None)),
    # Two cities of one province named once each are not enough for the province.
    ("学习淮南、铜陵经验。" + CITY_SELF, (None, None, None)),
    # A city speech hears two of its counties report: their city, never named, is its own.
    ("永昌县政府、金川区政府作了汇报。要推进永昌县、金川区试点。" + CITY_SELF, ("甘肃省", "金昌市", None)),
    # A county whose stem is an everyday word counts when its full name recurs.
    ("我县印发清流县金融工作任务分解表，清流县元鸿广场。全县上下。我县要发展。", ("福建省", "三明市", "清流县")),
    ("我县要发扬清流县风气。全县上下。我县要发展。", (None, None, None)),  # once: an everyday word
])
def test_resolve_place_new_rules(body, expected):
    assert place(None, None, body) == expected


def test_province_marks_file_is_read():
    marks = province_marks()
    assert Mark("三高四新", "湖南省", marks[0].source) in marks
    assert all(m.province in gazetteer().provinces.values() for m in marks)


MARKS = (Mark("三高四新", "湖南省", "test"), Mark("湘商回归", "湖南省", "test"), Mark("一联三帮", "河南省", "test"))


def marked(body: str) -> tuple:
    g = gazetteer()
    scan = g._scan(body)
    known = g._known(scan)
    mentions = [(hit, code) for hit in scan if (code := g._pick(hit, known))]
    p = _from_marks(g, mentions, body, MARKS)
    return p.province, p.city, p.evidence


@pytest.mark.parametrize("body, expected", [
    # Two marks of one province, every place redacted.
    ("落实“三高四新”战略，做好湘商回归。" + CITY_SELF, ("湖南省", None, "三高四新×1, 湘商回归×1 (湖南省), 我市×2, 全市×1")),
    # One mark beside a city of its province: the province; named places elsewhere are compared with.
    ("落实三高四新战略，学浙江、浙江、浙江，对接长沙。" + CITY_SELF, ("湖南省", None, "三高四新×1 (湖南省), 我市×2, 全市×1")),
    # ...and the city inside the province the speech names as its own.
    ("落实三高四新，推动怀化发展，擦亮怀化名片，怀化形象。学浙江、浙江、浙江、浙江。" + CITY_SELF,
     ("湖南省", "怀化市", "三高四新×1 (湖南省); 怀化×3, 三高四新×1, 我市×2, 全市×1")),
    # One mark and no place of its province: nothing.
    ("落实三高四新战略。" + CITY_SELF, (None, None, None)),
    # Marks of two provinces: nothing.
    ("落实三高四新，做好湘商回归，学习一联三帮。" + CITY_SELF, (None, None, None)),
    # A body that never speaks of itself: nothing.
    ("三高四新，湘商回归。", (None, None, None)),
])
def test_from_marks(body, expected):
    assert marked(body) == expected


def test_resolve_place_uses_marks_when_the_body_gives_nothing():
    body = "落实“三高四新”战略，做好湘商回归。" + CITY_SELF
    p = resolve_place(None, None, body)
    assert p.province == "湖南省" and "三高四新" in p.evidence
