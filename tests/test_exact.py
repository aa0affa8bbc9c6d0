"""Exactness: every query finds what a plain substring scan of the cleaned text finds, and only that."""

import random

import pytest

from indexer.text import fold_case, normalize

from conftest import CORPUS

PHRASES = ["双过半", "稳中求进", "营商环境", "高质量发展", "招商引资", "六稳", "六保", "开门红", "三高四新",
           "一带一路", "碳达峰", "疫情防控", "gdp", "GDP"]
ABSENT = ["量子计算机", "元宇宙", "碳达峰碳中和之后的世界", "ABCXYZ", "双过半双过半双过半"]


def scan(texts: dict[str, list[str]], term: str) -> list[tuple[str, int, int]]:
    """Locate every leftmost non-overlapping occurrence, paragraph by paragraph (str.count semantics).

    Matching folds ASCII letters (`gdp` finds `GDP`), so the scan does too.
    """
    found = []
    term = fold_case(term)
    for speech_id, paragraphs in texts.items():
        for number, paragraph in enumerate(paragraphs, 1):
            paragraph = fold_case(paragraph)
            start = paragraph.find(term)
            while start != -1:
                found.append((speech_id, number, start))
                start = paragraph.find(term, start + len(term))
    return sorted(found)


def kwic_rows(corpus, query: str) -> list[tuple[str, int, int]]:
    return sorted((r["id"], r["paragraph"], r["offset"]) for r in corpus.kwic(query)["rows"])


@pytest.mark.parametrize("phrase", PHRASES + ABSENT)
def test_phrase_occurrences_equal_a_scan(corpus, texts, phrase):
    expected = scan(texts, phrase)
    assert kwic_rows(corpus, phrase) == expected
    assert kwic_rows(corpus, f'"{phrase}"') == expected
    result = corpus.search(phrase, page_size=200)
    assert result["total"] == len({speech_id for speech_id, _, _ in expected})
    assert result["occurrences"] == len(expected)
    assert {hit["id"] for hit in result["hits"]} == {speech_id for speech_id, _, _ in expected}


def test_the_common_phrases_are_found_at_all(corpus, texts):
    # Guards the scan itself: with jieba's ChineseAnalyzer 7 of these found nothing.
    assert all(scan(texts, phrase) for phrase in PHRASES)


def test_random_substrings_are_found_exactly(corpus, texts):
    rng = random.Random(20261122)
    paragraphs = [p for ps in texts.values() for p in ps if len(p) >= 6]
    for _ in range(300):
        paragraph = rng.choice(paragraphs)
        length = rng.randint(1, 6)
        start = rng.randrange(len(paragraph) - length + 1)
        term = paragraph[start : start + length]
        if term != term.strip() or not normalize(term):
            continue  # a term is normalised like the text: edge spaces are not part of it
        quoted = '"' + term.replace("\\", "\\\\").replace('"', '\\"') + '"'
        assert kwic_rows(corpus, quoted) == scan(texts, normalize(term)), term


@pytest.mark.parametrize("phrase", ["招商引资", "碳达峰"])
def test_phrases_split_by_page_breaks_in_004_are_found(corpus, texts, phrase):
    raw = (CORPUS / "004_92cf6fb917628260.txt").read_text(encoding="utf-8")
    body = raw[raw.index("XX省人大常委会党组副书记"):]
    on_one_line = sum(line.count(phrase) for line in normalize(body).split("\n"))
    across_lines = normalize(body).replace("\n", "").count(phrase)
    assert across_lines > on_one_line  # the file itself splits the phrase at least once
    found_in_004 = [r for r in corpus.kwic(phrase)["rows"]
                    if corpus.speech(r["id"], with_text=False)["source"].startswith("004_")]
    assert len(found_in_004) == across_lines


@pytest.mark.parametrize("query, holds", [
    ("NEAR(营商环境 招商引资)", lambda ps: any("营商环境" in p and "招商引资" in p for p in ps)),
    ("营商环境 招商引资", lambda ps: any("营商环境" in p for p in ps) and any("招商引资" in p for p in ps)),
    ("双过半 OR 开门红", lambda ps: any("双过半" in p or "开门红" in p for p in ps)),
    ("招商引资 -疫情", lambda ps: any("招商引资" in p for p in ps) and not any("疫情" in p for p in ps)),
    ("(六稳 OR 六保) NOT 双过半", lambda ps: any("六稳" in p or "六保" in p for p in ps) and not any("双过半" in p for p in ps)),
    ("同志们 level:县", None),
])
def test_boolean_and_near_queries_equal_a_paragraph_scan(corpus, texts, query, holds):
    result = corpus.search(query, page_size=200)
    if holds is None:  # a filter: compare with the metadata
        levels = {s["id"]: s["level"] for s in corpus.speeches()}
        holds_id = lambda sid, ps: levels[sid] == "县" and any("同志们" in p for p in ps)  # noqa: E731
    else:
        holds_id = lambda sid, ps: holds(ps)  # noqa: E731
    expected = {sid for sid, ps in texts.items() if holds_id(sid, ps)}
    assert {hit["id"] for hit in result["hits"]} == expected
    assert result["total"] == len(expected)


def test_traditional_characters_match_their_simplified_forms(tmp_path):
    # Issue 22: a report of the 1950s printed in traditional characters; `社会主义` found none of its `社會主義`.
    from indexer.build import build_index
    from search import Corpus

    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    (corpus_dir / "1954.txt").write_text(
        "政府工作報告\n各位代表：\n我國要建設社會主義現代化國家，社會主義建設是全國人民的共同任務。\n"
        "第二個五年計劃的主要問題。\n", encoding="utf-8")
    (corpus_dir / "2024.txt").write_text(
        "政府工作报告\n各位代表：\n坚持和发展中国特色社会主义，推进社会主义现代化。乾隆年间的著名建筑。\n", encoding="utf-8")
    build_index(corpus_dir, tmp_path / "index")
    corpus = Corpus(tmp_path / "index")
    texts = {s["id"]: corpus.speech(s["id"])["text"].split("\n") for s in corpus.speeches()}
    for term in ["社会主义", "社會主義", "社会主", "国家", "五年计划", "乾隆", "著名", "问题"]:
        expected = scan(texts, term)
        assert kwic_rows(corpus, term) == expected, term
        assert corpus.search(term)["occurrences"] == len(expected), term
    assert len(scan(texts, "社会主义")) == 4
    # Shown as printed: the concordance and the text keep the traditional characters.
    rows = corpus.kwic("社会主义")["rows"]
    assert sorted(row["match"] for row in rows) == sorted(["社會主義", "社會主義", "社会主义", "社会主义"])
    assert "社會主義" in "".join(next(t for t in texts.values() if "報告" in t[0]))
