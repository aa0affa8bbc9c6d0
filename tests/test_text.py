"""normalize() folds text and queries alike; repair() mends what PDF extraction broke."""

import pytest

from indexer.text import normalize, repair


@pytest.mark.parametrize("raw, expected", [
    ("分析 会上的讲话", "分析会上的讲话"),  # 004 line 580: a space PDF extraction left inside a title
    ("20XX 年", "20XX年"),
    ("第 73 次", "第73次"),
    ("ＧＤＰ增长１２％", "GDP增长12％"),  # full-width letters and digits fold; ％ is punctuation and stays
    ("政 府 工 作 报 告", "政府工作报告"),  # the GBK sample's spaced-out title
    ("海拉尔区人民政府区长\u3000\u3000张天喜", "海拉尔区人民政府区长张天喜"),
    ("COVID 19  cases", "COVID 19 cases"),
    ("“双过半” 目标", "“双过半”目标"),
    ("县（市、区）", "县（市、区）"),  # Chinese punctuation stays as it is
    ("\u200b零宽\ufeff字符", "零宽字符"),
    ("  两行 \n 文本  ", "两行\n文本"),
])
def test_normalize(raw, expected):
    assert normalize(raw) == expected


def test_normalize_is_idempotent():
    sample = "（2022年9月23日） 第 73 次　ＡＢＣ abc  def"
    assert normalize(normalize(sample)) == normalize(sample)


def test_repair_rejoins_a_word_split_by_a_page_break():
    # 004 line 3387: 招商引 | 资 split across a page, a heading-like line before it.
    lines = ["第四，重点工作推进落实要全面加力。一要突出招商引", "", "资。今年，疫情给招商引资带来诸多不便。"]
    assert repair(lines).paragraphs == ["第四，重点工作推进落实要全面加力。一要突出招商引资。今年，疫情给招商引资带来诸多不便。"]


def test_repair_rejoins_a_heading_cut_before_its_tail():
    # 004 line 324: (一)、…紧盯薄弱指 | 标。
    lines = ["(一)、紧密关注 GDP 核算基础指标，尤其紧盯薄弱指", "", "标。", "(二)、加快推进申规入统。"]
    assert repair(lines).paragraphs == ["(一)、紧密关注GDP核算基础指标，尤其紧盯薄弱指标。", "(二)、加快推进申规入统。"]


def test_repair_keeps_headings_salutations_and_lists_apart():
    lines = ["一、上半年经济工作值得充分肯定", "今年以来，全省经济稳中向好。", "真抓实干、务求实效",
             "艰苦奋斗、勤俭节约", "同志们：", "下面我讲三点意见。"]
    assert repair(lines).paragraphs == lines


def test_repair_drops_page_numbers_and_says_so():
    lines = ["当前，全球疫情形势依然严峻，国内经济仍处在恢复之", "- 12 -", "中，我省稳定经济增长仍面临一些困难。"]
    repaired = repair(lines, first_line=40)
    assert repaired.paragraphs == ["当前，全球疫情形势依然严峻，国内经济仍处在恢复之中，我省稳定经济增长仍面临一些困难。"]
    assert repaired.dropped == [(41, "- 12 -", "page number")]


def test_repair_keeps_title_byline_and_dateline_as_first_paragraphs():
    lines = ["在市政府重点项目和重点工作推进电视", "电话会议上的讲话", "郴州市市长  阚保勇", "（2022年9月23日）",
             "同志们：", "今天开会。"]
    assert repair(lines, header_lines=4).paragraphs == [
        "在市政府重点项目和重点工作推进电视电话会议上的讲话", "郴州市市长阚保勇", "（2022年9月23日）", "同志们：", "今天开会。"]


def test_repair_splits_a_whole_speech_on_one_line():
    # 002 arrives as a single 14,000-byte line: title, dateline, salutation and parts glued together.
    body = "今天召开会议。" * 300
    line = f"在全市工作调度会上的讲话(2021年-月-日)同志们:{body}一、抓好落实。{body}二、保障民生。"
    assert repair([line]).paragraphs == [
        "在全市工作调度会上的讲话", "(2021年-月-日)", "同志们:", body, "一、抓好落实。" + body, "二、保障民生。"]


def test_fold_case_folds_ascii_capitals_only_one_for_one():
    from indexer.text import fold_case

    for text in ["GDP增长", "HeLLo World", "İstanbul Ωmega ÄÖÜ", "ＧＤＰ", "", "a" * 10 + "Z"]:
        folded = fold_case(text)
        assert len(folded) == len(text)
        assert folded == "".join(c.lower() if "A" <= c <= "Z" else c for c in text)


def test_fold_case_folds_traditional_characters_by_opencc_one_for_one():
    from importlib import resources

    from indexer.text import fold_case, folds_alike

    # The table itself: every character OpenCC maps to one simplified character, not itself a
    # simplified one, folds to it; a character simplified text prints too stays.
    folder = resources.files("opencc") / "dictionary"
    simplified = {line.split("\t")[0] for line in (folder / "STCharacters.txt").read_text(encoding="utf-8").splitlines()}
    checked = 0
    for line in (folder / "TSCharacters.txt").read_text(encoding="utf-8").splitlines():
        key, values = line.split("\t")
        values = values.split()
        if len(key) == 1 and len(values[0]) == 1 and key not in simplified and key not in values:
            assert fold_case(key) == values[0], key
            checked += 1
    assert checked > 3000
    text = "第一個五年計劃的若干問題，社會主義。乾隆年間，著名的於某。GDP"
    folded = fold_case(text)
    assert len(folded) == len(text) and folded == "第一个五年计划的若干问题，社会主义。乾隆年间，著名的於某。gdp"
    assert fold_case(folded) == folded
    assert not folds_alike("社会主义") and folds_alike("乾隆") and not folds_alike("gdp")
