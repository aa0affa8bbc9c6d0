"""Metadata read from the text, checked against what a careful reader of each speech finds."""

import pytest

# Each row was checked by reading the speech in corpus/: title fragment -> expected fields.
# None means the text does not say (redacted as **, XX or ——, or simply absent).
CHECKED = [
    ("在市政府六届二次全会上的讲话", dict(speaker="阚保勇", position="郴州市市长", date="2022-09-23", year=2022,
                                    date_source="printed", level="市", meeting="市政府六届二次全会")),
    # **同志 throughout; 贯彻落实党的二十大精神的开局之年 dates it.
    ("在市人民政府第三次全体会议上的讲话", dict(speaker=None, year=2023, date_source="inferred", level="市")),
    ("确保实现“双过半”工作调度会上的讲话", dict(speaker=None, date="2021", year=2021, level="市")),  # (2021年-月-日), ——同志
    # 疫情防控和经济社会发展“双胜利”, the 绥芬河 outbreak of spring 2020.
    ("何良军市长在全市经济运行月度分析会上的讲话", dict(speaker="何良军", position="市长", year=2020, level="市")),
    ("市委副书记、市长丁巨胜在市政府第73次常务会议", dict(speaker="丁巨胜", position="市委副书记、市长",
                                                    meeting="市政府第73次常务会议暨一季度经济形势分析会议")),
    ("市委副书记、市长刘凯在经济运行调度", dict(speaker="刘凯", date="2022-07-02", year=2022, date_source="printed")),
    ("市委副书记、市长汪尚学同志", dict(speaker="汪尚学", date="2022-06-10", year=2022)),
    ("市委副书记、市长在市委一季度经济运行分析会上的讲话", dict(speaker=None, position="市委副书记、市长")),
    ("县工业和信息化局领导重要讲话", dict(speaker=None, level="县", meeting="全县经济运行专题会议")),
    ("XX县统计局在全市经济运行分析调度会上的发言", dict(speaker=None, level="市")),
    # XX年 in the title is no year; the province's 十一届三次全会 (2018) is.
    ("伏玉琼同志在XX年上半年", dict(speaker="伏玉琼", year=2018, date_source="inferred")),
    # 改革开放40周年, 贯彻落实党的十九大精神的开局之年.
    ("在20XX年经济工作会议上的讲话", dict(speaker=None, year=2018, date_source="inferred")),
    # The title prints 2024 over a speech of 2020 events (its years were rewritten): no year.
    ("市长在市政府2024年重点项目", dict(year=None, date=None, date_source=None)),
    ("省政协主席欧阳坚", dict(speaker="欧阳坚", position="省政协主席", level="省")),
    ("州长龙晓华在州委经济形势分析调度会上的讲话", dict(speaker="龙晓华", level="州")),
    ("抢抓新机遇再创新业绩", dict(speaker="艾方毅", level="县")),
    ("篇二", None),  # placeholder removed below
]
CHECKED = [row for row in CHECKED if row[1] is not None]


def _find(corpus, fragment: str) -> dict:
    found = [s for s in corpus.speeches() if fragment in (s["title"] or "")]
    assert len(found) == 1, (fragment, [s["title"] for s in found])
    return found[0]


@pytest.mark.parametrize("fragment, expected", CHECKED, ids=[row[0][:12] for row in CHECKED])
def test_metadata_read_from_the_text(corpus, fragment, expected):
    speech = _find(corpus, fragment)
    assert {key: speech[key] for key in expected} == expected


def test_003_has_the_state_meeting_title_of_each_section(corpus):
    titles = [s["title"] for s in corpus.speeches() if s["source"].startswith("003_")]
    assert titles == [
        "在市政府重点工作推进电视电话会议上的讲话",
        "在市政府重点项目和重点工作推进电视电话会议上的讲话（通用）",
        "在重点工作推进会上的讲话",
        "在市政府重点项目和重点工作推进电视电话会议上的讲话",
        "市长在市政府2024年重点项目和重点工作推进电视电话会议上的讲话",
        "市长在市政府重点工作推进会议上的讲话",
    ]


def test_redactions_are_never_names(corpus):
    for speech in corpus.speeches():
        speaker = speech["speaker"] or ""
        assert not any(mark in speaker for mark in ("X", "*", "×", "—")), speech["title"]


def test_near_duplicate_versions_in_003_share_a_group(corpus):
    speeches = [s for s in corpus.speeches() if s["source"].startswith("003_")]
    groups = [s["group"] for s in speeches]
    # 第一篇, 第二篇·篇一, 第三篇 and 第四篇 are versions of one speech; 篇二 and 第五篇 are other speeches.
    assert groups[0] == groups[1] == groups[3] == groups[4] is not None
    assert groups[2] is None and groups[5] is None
    # The representative is the earliest-dated version (a partial date as its first day), then the lowest id.
    members = [s for s in speeches if s["group"] == groups[0]]
    earliest = min(members, key=lambda s: (s["date"] is None, s["date"] or "", s["id"]))
    assert groups[0] == earliest["id"]
