"""WordFinder finds what a scan for each word finds: the words a text holds, and where."""

from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.places import gazetteer
from indexer.wordfinder import WordFinder

# A small alphabet, so that words overlap, share heads and run into each other; one character
# outside the Basic Multilingual Plane, where a code point is not one UTF-16 unit.
ALPHABET = "湖南省郴州市长沙年月𠀀a"
WORDS = st.lists(st.text(ALPHABET, min_size=1, max_size=4), min_size=1, max_size=30)


def _scan(words: set[str], text: str) -> list[tuple[int, str]]:
    return sorted(((i, w) for w in words if len(w) >= 2 for i in range(len(text)) if text.startswith(w, i)),
                  key=lambda hit: (hit[0], -len(hit[1]), hit[1]))


@settings(max_examples=300, deadline=None)
@given(WORDS, st.text(ALPHABET, max_size=60))
def test_found_and_at_are_a_scan(words, text):
    finder = WordFinder(words)
    assert finder.found(text) == {w for w in set(words) if w in text}
    starts = finder.starts(text)
    assert starts == sorted(set(starts))
    found = [(start, word) for start in starts for word in finder.at(text, start)]
    assert found == _scan(set(words), text)


def test_the_gazetteer_finds_every_name_a_scan_finds():
    g = gazetteer()
    text = "湖南省郴州市市长在宜章县讲话，北京市朝阳区、内蒙古自治区呼伦贝尔市海拉尔区，湘西州。" * 2
    names = set(g.keys)
    expected = _scan(names, text)
    assert len(expected) >= 10
    assert [(start, word) for start in g._names.starts(text) for word in g._names.at(text, start)] == expected
