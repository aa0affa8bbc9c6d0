"""Forms, collocates and keywords: counts against scans of the cleaned texts, keyness against a hand-checked example."""

import math
import re
from collections import Counter

import numpy as np
import pytest
import rjieba

from indexer.build import build_index
from indexer.segment import words
from indexer.text import fold_case
from search import Corpus
from search.counts import Tally, collocation_scores, fold_maximal, has_punctuation, keyness_scores, word_table
from search.corpus import QueryTooBroad, SearchError

MEANINGFUL = re.compile(r"[^\W_]")


def g2_by_hand(o11, o12, o21, o22) -> float:
    """Dunning's G² written out cell by cell: 2 Σ O ln(O / E), E = row total × column total / N."""
    n = o11 + o12 + o21 + o22
    cells = [(o11, o11 + o12, o11 + o21), (o12, o11 + o12, o12 + o22), (o21, o21 + o22, o11 + o21),
             (o22, o21 + o22, o12 + o22)]
    return 2 * sum(o * math.log(o / (row * column / n)) for o, row, column in cells if o > 0)


# ---- the statistics, by hand -------------------------------------------------------------------------


def test_keyness_of_a_small_table_computed_by_hand():
    # An item 10 times in a target of 1,000 words, 5 times in a reference of 4,000:
    #   table [[10, 990], [5, 3995]], N = 5,000; rows 1,000 and 4,000; columns 15 and 4,985.
    #   E = 1000·15/5000 = 3, 1000·4985/5000 = 997, 4000·15/5000 = 12, 4000·4985/5000 = 3988.
    #   G² = 2 (10 ln(10/3) + 990 ln(990/997) + 5 ln(5/12) + 3995 ln(3995/3988))
    #      = 2 (12.03973 − 6.97544 − 4.37734 + 7.00611) = 2 × 7.69305 = 15.3861
    #   log ratio = log2((10/1000) / (5/4000)) = log2(8) = 3.
    scores = keyness_scores([10], 1000, [5], 4000)
    assert scores["g2"][0] == pytest.approx(15.3861, abs=1e-3)
    assert scores["log_ratio"][0] == 3.0
    # A zero count is taken as 0.5 in the log ratio (Hardie 2014): log2((3/6) / (0.5/8)) = log2(8).
    assert keyness_scores([3], 6, [0], 8)["log_ratio"][0] == 3.0


def test_collocation_scores_of_a_small_table_computed_by_hand():
    # A collocate 4 times in windows holding 40 words, 10 times in a corpus of 1,000 words,
    # beside a node occurring 5 times:
    #   table [[4, 36], [6, 954]]: E11 = 40·10/1000 = 0.4, so MI = log2(4/0.4) = log2(10) = 3.3219;
    #   logDice = 14 + log2(2·4 / (5 + 10)) = 14 + log2(0.5333) = 13.0931;
    #   E12 = 40·990/1000 = 39.6, E21 = 960·10/1000 = 9.6, E22 = 960·990/1000 = 950.4;
    #   G² = 2 (4 ln(4/0.4) + 36 ln(36/39.6) + 6 ln(6/9.6) + 954 ln(954/950.4))
    #      = 2 (9.21034 − 3.43117 − 2.82002 + 3.60681) = 2 × 6.56596 = 13.1319
    scores = collocation_scores([4], 40, [10], 1000, 5)
    assert scores["mi"][0] == pytest.approx(3.3219, abs=1e-4)
    assert scores["logdice"][0] == pytest.approx(13.0931, abs=1e-4)
    assert scores["g2"][0] == pytest.approx(13.1319, abs=1e-3)
    assert scores["g2"][0] == pytest.approx(g2_by_hand(4, 36, 6, 954))


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    """Four rows whose words the test counts by hand: two of 2021, two of 2019."""
    corpus = tmp_path_factory.mktemp("hand") / "corpus"
    corpus.mkdir()
    # rjieba: 创新/发展/创新/驱动, 创新/改革 | 经济/发展/改革/开放, 经济/改革/发展/经济 (punctuation is no word).
    (corpus / "rows.csv").write_text("year,text\n2021,创新发展。创新驱动。\n2021,创新改革。\n"
                                     "2019,经济发展。改革，开放。\n2019,经济改革。发展经济。\n", encoding="utf-8")
    build_index(corpus, corpus.parent / "index")
    return Corpus(corpus.parent / "index")


def test_keywords_of_a_hand_counted_corpus(hand):
    result = hand.keywords("", {"year": "2021"}, min_freq=1, limit=None)
    # Target (2021): 创新 3, 发展 1, 驱动 1, 改革 1: 6 words in 15 characters (10 + 5).
    # Reference (the rest, 2019): 经济 3, 发展 2, 改革 2, 开放 1: 8 words in 21 characters (11 + 10).
    assert result["target"] == {"query": "", "filters": {"year": ("2021",)}, "speeches": 2, "chars": 15, "size": 6}
    assert result["reference"] == {"filters": None, "rest": True, "speeches": 2, "chars": 21, "size": 8}
    rows = {row["item"]: row for row in result["items"]}
    assert set(rows) == {"创新", "发展", "驱动", "改革"}  # the target's words: min_freq 1
    # 创新: table [[3, 3], [0, 8]], N = 14; E = 6·3/14 = 1.28571, 6·11/14 = 4.71429, 8·3/14 = 1.71429,
    # 8·11/14 = 6.28571. G² = 2 (3 ln(3/1.28571) + 3 ln(3/4.71429) + 0 + 8 ln(8/6.28571))
    #                       = 2 (2.54189 − 1.35596 + 1.92930) = 6.2305;
    # log ratio = log2((3/6) / (0.5/8)) = 3 (the zero count taken as 0.5); 3 × 10,000 / 15 = 2,000 per 10k.
    assert rows["创新"] == {"item": "创新", "target_freq": 3, "reference_freq": 0, "target_speeches": 2,
                          "reference_speeches": 0, "target_per_10k_chars": 2000.0, "reference_per_10k_chars": 0.0,
                          "g2": pytest.approx(6.2305, abs=1e-3), "log_ratio": 3.0}
    # 发展: 1 of 6 against 2 of 8: log ratio = log2((1/6) / (2/8)) = log2(2/3) = −0.58496.
    assert rows["发展"]["reference_freq"] == 2 and rows["发展"]["reference_speeches"] == 2
    assert rows["发展"]["log_ratio"] == pytest.approx(-0.58496, abs=1e-5)
    assert rows["发展"]["g2"] == pytest.approx(g2_by_hand(1, 5, 2, 6))
    # Sorted by G², the items the target uses more first: 创新 (6.23), 驱动 (1.80), then 改革 and 发展.
    assert [row["item"] for row in result["items"]][:2] == ["创新", "驱动"]
    against = hand.keywords("", {"year": "2021"}, against={"year": "2019"}, min_freq=1, limit=None)
    assert against["reference"]["rest"] is False and against["reference"]["size"] == 8
    assert against["items"] == result["items"]


def test_keywords_by_character_ngrams_of_a_hand_counted_corpus(hand):
    result = hand.keywords("", {"year": "2021"}, unit="ngram", min_freq=2, limit=None)
    # 2021: 创新发展 / 创新驱动 / 创新改革: only 创新 occurs twice or more (3 times); 新发, 新驱… once.
    assert [(r["item"], r["target_freq"], r["reference_freq"]) for r in result["items"]] == [("创新", 3, 0)]
    assert result["target"]["size"] == 15 and result["reference"]["size"] == 21  # characters


# ---- forms ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("pattern", ["[一二三四五六七八九十]+个一批", "三.四新", "稳.{0,4}进", "(?i)gdp"])
def test_forms_equal_a_scan(corpus, texts, pattern):
    occurrences, speeches = Counter(), Counter()
    for paragraphs in texts.values():
        found = Counter(m.group() for p in paragraphs for m in re.finditer(pattern, p))
        occurrences.update(found)
        speeches.update(found.keys())
    result = corpus.forms(f"/{pattern}/", limit=None)
    expected = sorted(({"form": f, "occurrences": n, "speeches": speeches[f]} for f, n in occurrences.items()),
                      key=lambda row: (-row["occurrences"], row["form"]))
    assert result["forms"] == expected and expected
    assert result["occurrences"] == sum(occurrences.values()) and result["total"] == len(expected)
    assert [row["form"] for row in corpus.forms(f"/{pattern}/", sort="form", limit=None)["forms"]] == \
        sorted(occurrences)


def test_forms_of_a_phrase_are_its_cases_as_written(corpus, texts):
    written = Counter(p[m.start() : m.end()] for ps in texts.values() for p in ps
                      for m in re.finditer("gdp", fold_case(p)))
    assert {row["form"]: row["occurrences"] for row in corpus.forms("gdp")["forms"]} == dict(written)


def test_forms_filters_limit_and_sorts(corpus):
    everything = corpus.forms("/稳.{0,4}进/", limit=None)
    assert len(corpus.forms("/稳.{0,4}进/", limit=2)["forms"]) == 2 and everything["total"] > 2
    by_speeches = corpus.forms("/稳.{0,4}进/", sort="speeches", limit=None)["forms"]
    assert [r["speeches"] for r in by_speeches] == sorted((r["speeches"] for r in by_speeches), reverse=True)
    narrowed = corpus.forms("/稳.{0,4}进/", {"province": "湖南"}, limit=None)
    assert narrowed["filters"] == {"province": ("湖南省",)} and narrowed["occurrences"] < everything["occurrences"]
    with pytest.raises(SearchError, match="unknown sort"):
        corpus.forms("/稳.{0,4}进/", sort="size")


# ---- collocates ------------------------------------------------------------------------------------------


def node_spans(paragraph: str, phrase: str) -> list[tuple[int, int]]:
    folded, spans, at = fold_case(paragraph), [], fold_case(paragraph).find(phrase)
    while at != -1:
        spans.append((at, at + len(phrase)))
        at = folded.find(phrase, at + len(phrase))
    return spans


def window_positions(length: int, spans, width: int) -> set[int]:
    inside = set()
    for start, end in spans:
        inside |= set(range(max(0, start - width), start)) | set(range(end, min(length, end + width)))
    return inside - {k for start, end in spans for k in range(start, end)}


def collocate_scan(texts, speeches, phrase: str, width: int, unit: str, ids=None):
    """Count by brute force what collocates counts: items wholly inside the windows, and in the corpus."""
    in_windows, window_size, nodes = Counter(), 0, 0
    corpus_counts, corpus_size = Counter(), 0
    for speech_id, paragraphs in texts.items():
        if ids is not None and speech_id not in ids:
            continue
        for paragraph in paragraphs:
            folded = fold_case(paragraph)
            if unit == "word":
                tokens = [(w.lower(), s, e) for w, s, e in rjieba.tokenize(paragraph) if MEANINGFUL.search(w)]
                corpus_counts.update(w for w, _, _ in tokens)
                corpus_size += len(tokens)
            spans = node_spans(paragraph, phrase)
            if not spans:
                continue
            nodes += len(spans)
            inside = window_positions(len(paragraph), spans, width)
            if unit == "word":
                kept = [w for w, s, e in tokens if all(k in inside for k in range(s, e))]
                in_windows.update(kept)
                window_size += len(kept)
            else:
                window_size += len(inside)
                for size in range(2, 9):
                    for at in range(len(folded) - size + 1):
                        gram = folded[at : at + size]
                        if all(k in inside for k in range(at, at + size)) and gram.isalnum():
                            in_windows[gram] += 1
        if unit == "ngram":
            corpus_size += speeches[speech_id]["chars"]
    return in_windows, window_size, nodes, corpus_counts, corpus_size


@pytest.mark.parametrize("phrase, filters", [("营商环境", None), ("双过半", None), ("项目", {"province": "湖南"})])
def test_word_collocates_equal_a_scan(corpus, texts, phrase, filters):
    speeches = {s["id"]: s for s in corpus.speeches()}
    ids = {i for i, s in speeches.items() if s["province"] == "湖南省"} if filters else None
    in_windows, window_size, nodes, corpus_counts, corpus_size = collocate_scan(texts, speeches, phrase, 10, "word", ids)
    result = corpus.collocates(phrase, filters, min_freq=1, numbers=True, punctuation=True, limit=None)
    assert (result["occurrences"], result["window_size"], result["corpus_size"]) == (nodes, window_size, corpus_size)
    got = {row["item"]: (row["window_freq"], row["corpus_freq"]) for row in result["collocates"]}
    assert got == {item: (count, corpus_counts[item]) for item, count in in_windows.items()}
    for row in result["collocates"][:20]:
        a, c = row["window_freq"], row["corpus_freq"]
        assert row["g2"] == pytest.approx(g2_by_hand(a, window_size - a, c - a, corpus_size - window_size - c + a))
        assert row["mi"] == pytest.approx(math.log2(a / (window_size * c / corpus_size)))
        assert row["logdice"] == pytest.approx(14 + math.log2(2 * a / (nodes + c)))
    assert [r["g2"] for r in result["collocates"]] == sorted((r["g2"] for r in result["collocates"]), reverse=True)


def gram_neighbours(texts, phrase: str, width: int) -> dict:
    """Return the letters just before and after each window n-gram at all its occurrences, as a set of pairs."""
    found: dict = {}
    for paragraphs in texts.values():
        for paragraph in paragraphs:
            folded = fold_case(paragraph)
            spans = node_spans(paragraph, phrase)
            inside = window_positions(len(paragraph), spans, width) if spans else set()
            for size in range(2, 9):
                for at in range(len(folded) - size + 1):
                    gram = folded[at : at + size]
                    if spans and all(k in inside for k in range(at, at + size)) and gram.isalnum():
                        left = folded[at - 1] if at and folded[at - 1].isalnum() else ""
                        right = folded[at + size] if at + size < len(folded) and folded[at + size].isalnum() else ""
                        found.setdefault(gram, set()).add((left, right))
    return found


def test_ngram_collocates_equal_a_scan(corpus, texts):
    speeches = {s["id"]: s for s in corpus.speeches()}
    in_windows, window_size, nodes, _, corpus_size = collocate_scan(texts, speeches, "营商环境", 6, "ngram")
    result = corpus.collocates("营商环境", window=6, unit="ngram", min_freq=2, limit=None)
    assert (result["occurrences"], result["window_size"], result["corpus_size"]) == (nodes, window_size, corpus_size)
    # Issue 25: a gram the same letter extends at every occurrence (切实提高服, always before 务) is a
    # cut piece of a longer string and is left out.
    neighbours = gram_neighbours(texts, "营商环境", 6)

    def fragment(gram):
        return len({left for left, _ in neighbours[gram]} - {""}) == 1 == len({left for left, _ in neighbours[gram]}) \
            or len({right for _, right in neighbours[gram]} - {""}) == 1 == len({right for _, right in neighbours[gram]})

    # None of these repeat inside themselves (哈哈-like), so overlapping and chained counts agree.
    expected = fold_maximal({g: n for g, n in in_windows.items() if n >= 2 and not fragment(g)})
    got = {row["item"]: (row["window_freq"], row["corpus_freq"]) for row in result["collocates"]}
    corpus_freq = {g: sum(fold_case(p).count(g) for ps in texts.values() for p in ps) for g in expected}
    assert got == {g: (n, corpus_freq[g]) for g, n in expected.items()}


def test_ngram_collocates_list_no_piece_a_window_cut_from_a_longer_string(corpus, texts):
    # Issue 25: 切实提高服 was listed, a window's edge cutting 切实提高服务 short.
    result = corpus.collocates("发展", unit="ngram", limit=None)
    items = {row["item"] for row in result["collocates"]}
    assert "切实提高服" not in items and "高质" not in items
    neighbours = gram_neighbours(texts, "发展", corpus.settings["collocation_window"])
    for item in items:
        seen = neighbours[fold_case(item)]
        lefts, rights = {left for left, _ in seen}, {right for _, right in seen}
        assert not (len(lefts) == 1 and lefts != {""}) and not (len(rights) == 1 and rights != {""}), item


def test_collocate_windows_stay_in_a_paragraph_and_count_a_position_once(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    # Two nodes three characters apart share their windows; the next paragraph is not in any window.
    (corpus / "rows.csv").write_text("text\n改革发展改革\n发展\n", encoding="utf-8")
    build_index(corpus, tmp_path / "index")
    result = Corpus(tmp_path / "index").collocates("改革", window=10, min_freq=1, limit=None)
    # Windows: 发展 between the two nodes, once; the second paragraph's 发展 is outside.
    assert result["occurrences"] == 2 and result["window_size"] == 1
    assert [(r["item"], r["window_freq"], r["corpus_freq"]) for r in result["collocates"]] == [("发展", 1, 2)]


@pytest.mark.parametrize("item, number, punctuated", [
    ("2021", True, False), ("十四", True, False), ("3.5", True, False), ("6%", True, False),
    ("x%", False, True), ("pm2.5", False, True), ("发展", False, False), ("gdp", False, False), ("“六稳”", False, True),
])
def test_what_counts_as_a_number_or_punctuation(item, number, punctuated):
    from search.counts import is_number

    assert (is_number(item), has_punctuation(item)) == (number, punctuated)


def test_collocates_filter_punctuation_and_numbers(corpus):
    everything = corpus.collocates("营商环境", unit="ngram", min_freq=1, punctuation=True, limit=None)
    assert any(not r["item"].isalnum() for r in everything["collocates"])
    plain = corpus.collocates("营商环境", unit="ngram", min_freq=1, limit=None)
    assert all(r["item"].isalnum() for r in plain["collocates"])
    numbers = corpus.collocates("亿元", min_freq=1, limit=None)
    assert any(r["item"].isdigit() for r in numbers["collocates"])
    assert not any(r["item"].isdigit() for r in corpus.collocates("亿元", min_freq=1, numbers=False,
                                                                  limit=None)["collocates"])


def test_collocates_take_patterns_and_the_window_setting(shipped_index):
    wide = Corpus(shipped_index, {"collocation_window": 20})
    assert wide.collocates("/三.四新/")["window"] == 20
    assert wide.collocates("/三.四新/", window=5)["window"] == 5
    with pytest.raises(SearchError, match="unknown unit"):
        wide.collocates("/三.四新/", unit="sentence")


# ---- keywords ----------------------------------------------------------------------------------------------


def word_scan(texts, ids) -> tuple[Counter, Counter, int]:
    freq, speeches, size = Counter(), Counter(), 0
    for speech_id in ids:
        found = Counter(w.lower() for w in words("\n".join(texts[speech_id])))
        freq.update(found)
        speeches.update(found.keys())
        size += sum(found.values())
    return freq, speeches, size


def test_word_keywords_equal_a_scan_on_both_sides(corpus, texts):
    speeches = corpus.speeches()
    target = {s["id"] for s in speeches if s["year"] == 2021}
    rest = {s["id"] for s in speeches} - target
    result = corpus.keywords("", {"year": "2021"}, min_freq=1, punctuation=True, limit=None)
    mine, mine_speeches, mine_size = word_scan(texts, target)
    theirs, theirs_speeches, theirs_size = word_scan(texts, rest)
    assert result["target"]["size"] == mine_size and result["reference"]["size"] == theirs_size
    rows = {row["item"]: row for row in result["items"]}
    assert set(rows) == set(mine)
    for item, row in rows.items():
        assert (row["target_freq"], row["target_speeches"], row["reference_freq"], row["reference_speeches"]) == \
            (mine[item], mine_speeches[item], theirs[item], theirs_speeches[item]), item


def test_keywords_of_a_query_against_filters(corpus, texts):
    speeches = {s["id"]: s for s in corpus.speeches()}
    target = {i for i, ps in texts.items() if any("营商环境" in p for p in ps)}
    reference = {i for i, s in speeches.items() if s["province"] == "湖南省"}
    result = corpus.keywords("营商环境", against={"province": "湖南"}, min_freq=2, limit=None)
    assert result["target"]["speeches"] == len(target) and result["reference"]["speeches"] == len(reference)
    mine, _, _ = word_scan(texts, target)
    theirs, _, _ = word_scan(texts, reference)
    assert {r["item"]: (r["target_freq"], r["reference_freq"]) for r in result["items"]} == \
        {w: (n, theirs[w]) for w, n in mine.items() if n >= 2 and not has_punctuation(w)}


def test_the_ngram_frequency_list_equals_a_scan(corpus, texts):
    speeches = corpus.speeches()
    target = [s["id"] for s in speeches if s["year"] == 2022]
    rest = [s["id"] for s in speeches if s["year"] != 2022]
    sliding = Counter()
    for speech_id in target:
        for paragraph in texts[speech_id]:
            folded = fold_case(paragraph)
            for size in range(2, 9):
                for at in range(len(folded) - size + 1):
                    gram = folded[at : at + size]
                    if gram.isalnum():
                        sliding[gram] += 1

    folded = {i: fold_case("\n".join(ps)) for i, ps in texts.items()}

    def count(ids, gram):  # as search counts: leftmost non-overlapping (no gram holds a line break)
        per = [folded[i].count(gram) for i in ids]
        return sum(per), sum(1 for n in per if n)

    exact = {g: count(target, g)[0] for g, n in sliding.items() if n >= 5}
    expected = fold_maximal({g: n for g, n in exact.items() if n >= 5})
    result = corpus.keywords("", {"year": "2022"}, unit="ngram", limit=None)
    rows = {r["item"]: r for r in result["items"]}
    assert set(rows) == set(expected) and expected
    for gram, row in rows.items():
        assert (row["target_freq"], row["target_speeches"]) == count(target, gram), gram
        assert (row["reference_freq"], row["reference_speeches"]) == count(rest, gram), gram
    freq = corpus.keywords("", {"year": "2022"}, unit="ngram", sort="freq", limit=None)["items"]
    assert [r["target_freq"] for r in freq] == sorted((r["target_freq"] for r in freq), reverse=True)


def test_word_counts_are_sums_over_speeches_that_merge(corpus):
    table = word_table(corpus.generation())
    everything = np.arange(len(corpus.generation()))
    halves = [table.tally(everything[: len(everything) // 2]), table.tally(everything[len(everything) // 2 :])]
    whole = table.everything()
    merged = halves[0].merge(halves[1])
    assert (merged.freq == whole.freq).all() and (merged.speeches == whole.speeches).all()
    assert (merged.size, merged.chars, merged.count) == (whole.size, whole.chars, whole.count)
    # Tallies with their own labels (as two shards have) merge by label.
    words_a = Tally(["发展", "改革"], np.array([3, 1]), np.array([2, 1]), 10, 30, 2)
    words_b = Tally(["改革", "开放"], np.array([2, 4]), np.array([1, 1]), 8, 20, 1)
    both = words_a.merge(words_b)
    assert dict(zip(both.labels, both.freq.tolist())) == {"发展": 3, "改革": 3, "开放": 4}
    assert (both.size, both.chars, both.count) == (18, 50, 3)


def test_a_corrected_title_leaves_the_word_counts_of_the_text(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("在全市经济工作会议上的讲话\n经济发展要稳中求进。\n", encoding="utf-8")
    build_index(corpus, tmp_path / "index")
    speech_id = Corpus(tmp_path / "index").speeches()[0]["id"]
    (tmp_path / "corrections.tsv").write_text(f"{speech_id}\ttitle\t改革开放座谈会讲话\tthe book's contents page\n",
                                              encoding="utf-8")
    build_index(corpus, tmp_path / "index", full=True)
    fixed = Corpus(tmp_path / "index")
    assert fixed.speech(speech_id)["title"] == "改革开放座谈会讲话"
    tally = word_table(fixed.generation()).tally(np.array([0]))
    counted = {tally.labels[k]: int(n) for k, n in enumerate(tally.freq) if n}
    assert counted == dict(Counter(w.lower() for w in words(fixed.speech(speech_id)["text"])))


def test_keywords_say_what_is_missing(corpus):
    with pytest.raises(SearchError, match="say what the target is"):
        corpus.keywords("")
    with pytest.raises(SearchError, match="reference holds no speech"):
        corpus.keywords("", {"year": "2021"}, against={"year": "1990"})
    with pytest.raises(SearchError, match="unknown sort"):
        corpus.keywords("", {"year": "2021"}, sort="size")


@pytest.mark.parametrize("call", [
    lambda c: c.forms("/稳.{0,4}进/"),
    lambda c: c.collocates("发展"),
    lambda c: c.keywords("", {"year": "2021"}, unit="ngram"),
])
def test_past_the_time_limit_everything_is_too_broad(shipped_index, call):
    with pytest.raises(QueryTooBroad):
        call(Corpus(shipped_index, {"query_time_limit_ms": 0}))


def test_window_words_are_the_whole_paragraphs_words_there(corpus):
    """Segmenting only the runs a window touches gives the words segmenting the whole paragraph gives there."""
    import random
    from collections import Counter

    from indexer.segment import word_spans
    from search.analysis import _window_words, window_intervals

    generation = corpus.generation()
    rng = random.Random(7)
    paragraphs = [p for i in range(len(generation)) for p in generation.text(i).split("\n") if len(p) > 30]
    for paragraph in rng.sample(paragraphs, 300):
        starts = sorted(rng.sample(range(len(paragraph) - 4), 3))
        spans = [(start, start + rng.randint(1, 4)) for start in starts]
        intervals = window_intervals(len(paragraph), spans, rng.choice([3, 10, 40]))
        whole = Counter()
        for word, start, end in word_spans(paragraph):
            if any(low <= start and end <= high for low, high in intervals):
                whole[word.lower()] += 1
        windowed = Counter()
        assert _window_words(paragraph, intervals, windowed) == sum(whole.values())
        assert windowed == whole, paragraph
