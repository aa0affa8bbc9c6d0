"""Personal names and offices (indexer/names.py): what reads as a speaker's name, and what never does."""

import pytest

from indexer.names import parse_byline, parse_who, surnames, valid_name


@pytest.mark.parametrize("who, expected", [
    # The name follows the last office.
    ("市委副书记、市长王建国", ("王建国", "市委副书记、市长")),
    ("省委常委、常务副省长李华", ("李华", "省委常委、常务副省长")),
    ("国务院总理赵立群", ("赵立群", "国务院总理")),
    ("自治区党委副书记、自治区主席阿不都·热合曼", ("阿不都·热合曼", "自治区党委副书记、自治区主席")),
    # The name comes first, the longest office after it (王明副市长 is 王明, not 王明副).
    ("李建国局长", ("李建国", "局长")),
    ("王明副市长", ("王明", "副市长")),
    ("欧阳建国书记", ("欧阳建国", "书记")),
    # A name alone, with or without 同志; compound surnames; middle dots in every variant.
    ("王建国同志", ("王建国", None)),
    ("司马文华", ("司马文华", None)),
    ("艾力·买买提", ("艾力·买买提", None)),
    ("艾力•买买提", ("艾力·买买提", None)),
    ("艾力‧买买提", ("艾力·买买提", None)),
    ("艾力・买买提", ("艾力·买买提", None)),
    # No name: an office alone, an organisation, redactions, two people, everyday words.
    ("市委副书记、市长", (None, "市委副书记、市长")),
    ("XX县统计局", (None, None)),
    ("县工业和信息化局领导", (None, None)),
    ("**同志", (None, None)),
    ("王某某", (None, None)),
    ("市长XX", (None, "市长")),
    ("王建国市长、李华副市长", (None, "王建国市长、李华副市长")),
    ("全体", (None, None)),
    ("学习贯彻王建国", (None, None)),
])
def test_parse_who(who, expected):
    assert parse_who(who) == expected


@pytest.mark.parametrize("line, expected", [
    ("郴州市市长阚保勇", ("阚保勇", "郴州市市长")),
    ("省长王建国", ("王建国", "省长")),
    ("王建国", ("王建国", None)),
    ("（王建国）", ("王建国", None)),
    # Lines of a title block that name nobody.
    ("同志们", (None, None)),
    ("（2019年1月8日）", (None, None)),
    ("记者李明", (None, None)),
    ("作者：李明", (None, None)),
    ("责任编辑王明", (None, None)),
    ("目录", (None, None)),
    ("在全省工作会议上的讲话", (None, None)),
])
def test_parse_byline(line, expected):
    assert parse_byline(line) == expected


def test_a_name_starts_with_a_listed_surname():
    single, compound = surnames()
    assert len(single) > 500 and len(compound) > 50 and "欧阳" in compound
    for name in ("王建国", "欧阳坚", "阚保勇"):
        assert valid_name(name) == name
    # 记 and 们 begin no surname; a single surname takes one or two more characters.
    assert valid_name("记者") is None and valid_name("们好") is None and valid_name("王建国华") is None


def test_a_bare_name_must_not_be_an_everyday_word():
    # jieba's dictionary knows 文明 and 高度 as words, whatever it tags them; 王建国 it does not know.
    assert valid_name("文明") == "文明" and valid_name("文明", strict=True) is None
    assert valid_name("高度", strict=True) is None
    assert valid_name("王建国", strict=True) == "王建国"


@pytest.mark.parametrize("who", ["接见某国总理某某某的谈话", "省长作政府工作报告", "主任的批示", "总理致某国的贺信"])
def test_what_follows_an_office_is_no_name_when_it_is_words(who):
    # A title naming an office (接见…总理…的谈话) names no speaker by it.
    assert parse_who(who)[0] is None
