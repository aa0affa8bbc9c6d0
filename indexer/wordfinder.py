"""Find which of many words a text holds, and where, in one numpy pass over the text.

The gazetteer's 3,550 names and the dated anchors' words are looked for in every speech.
Trying each position in Python, or each word with `in`, was a fifth of a build; so was
pyahocorasick's automaton, which compares a character with every first character of the
words (900 for the names) one by one. Here a table of the words' first two characters,
indexed by a hash, tells in numpy where a word may start; only those places are read.
"""

import numpy as np


def pair_codes(text: str) -> np.ndarray:
    """Return each two adjacent characters of text as one number (code points are under 2**21)."""
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
    return (points[:-1] << np.uint64(21)) | points[1:]


class WordFinder:
    """Many words, and the table of their first two characters."""

    def __init__(self, words):
        words = set(words)
        self.single = frozenset(word for word in words if len(word) == 1)
        self.by_head: dict[str, list[str]] = {}  # first two characters -> words, longest first
        for word in sorted((w for w in words if len(w) >= 2), key=lambda w: (-len(w), w)):
            self.by_head.setdefault(word[:2], []).append(word)
        # About a thousand slots a head: a place where no word starts is rarely looked at.
        self.bits = min(24, max(16, len(self.by_head).bit_length() + 10))
        self.table = np.zeros(1 << self.bits, dtype=bool)
        if self.by_head:
            self.table[self._slots(np.concatenate([pair_codes(head) for head in self.by_head]))] = True

    def _slots(self, codes: np.ndarray) -> np.ndarray:
        return ((codes * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(64 - self.bits)).astype(np.intp)

    def starts(self, text: str) -> list[int]:
        """Return, in order, the places where a word of two characters or more may start (a few where none does)."""
        return np.nonzero(self.table[self._slots(pair_codes(text))])[0].tolist()

    def at(self, text: str, start: int) -> list[str]:
        """Return the words of two characters or more that text holds at start, longest first."""
        return [word for word in self.by_head.get(text[start : start + 2], ()) if text.startswith(word, start)]

    def found(self, text: str) -> set[str]:
        """Return every word text holds."""
        held = {word for word in self.single if word in text}
        for start in self.starts(text):
            held.update(self.at(text, start))
        return held
