"""Near-duplicate groups equal single linkage over exact Jaccard ≥ 0.6 of 8-character shingles."""

import random

from indexer.groups import THRESHOLD, jaccard, near_duplicate_groups, shingles

from conftest import CORPUS


def brute_force(speeches):
    parent = list(range(len(speeches)))

    def root(i):
        while parent[i] != i:
            i = parent[i]
        return i

    sets = [shingles(s["text"]) for s in speeches]
    for i in range(len(speeches)):
        for j in range(i + 1, len(speeches)):
            if jaccard(sets[i], sets[j]) >= THRESHOLD:
                parent[root(i)] = root(j)
    components = {}
    for i in range(len(speeches)):
        components.setdefault(root(i), []).append(speeches[i]["id"])
    return sorted(sorted(c) for c in components.values() if len(c) > 1)


def test_groups_equal_a_brute_force_over_edited_versions():
    rng = random.Random(7)
    text = (CORPUS / "001_1d8c1133fb1961e9.txt").read_text(encoding="utf-8")
    sentences = [s for s in text.replace("\n", "").split("。") if len(s) > 10]
    speeches = []
    for base in range(8):
        original = rng.sample(sentences, 12)
        for version in range(4):
            edited = list(original)
            # Versions replace a varying share of sentences: some stay above the threshold, some fall below.
            for k in rng.sample(range(12), version * 2):
                edited[k] = rng.choice(sentences)
            speeches.append({"id": f"{base:02d}{version:02d}".ljust(16, "0"), "text": "。".join(edited), "date": None})
    groups = near_duplicate_groups(speeches)
    found = {}
    for member, representative in groups.items():
        found.setdefault(representative, []).append(member)
    assert sorted(sorted(c) for c in found.values()) == brute_force(speeches)
    assert groups  # the test builds groups at all
