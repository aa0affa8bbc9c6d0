"""Near-duplicate groups: versions of one text (003 holds four) share a group.

Two speeches are near-duplicates when the Jaccard similarity of their sets of 8-character
shingles (whitespace removed) is at least 0.6; groups are the connected components (single
linkage). Only pairs that share a sample of shingles are compared, so the cost stays near
linear in the corpus size.
"""

import re
import zlib
from collections import defaultdict

SHINGLE = 8
THRESHOLD = 0.6
# Keep one shingle in SAMPLE as a candidate key: pairs above the threshold share many.
SAMPLE = 8


def shingles(text: str) -> set[int]:
    """Return the hashed 8-character shingles of a text with whitespace removed."""
    compact = re.sub(r"\s+", "", text)
    return {zlib.crc32(compact[i : i + SHINGLE].encode("utf-8")) for i in range(max(1, len(compact) - SHINGLE + 1))}


def jaccard(a: set, b: set) -> float:
    """Return |a ∩ b| / |a ∪ b|."""
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def near_duplicate_groups(speeches: list[dict]) -> dict[str, str]:
    """Map the id of every speech in a group of two or more to its group's representative id.

    The representative is the earliest-dated version (a partial date counts as its first day,
    undated last), then the lowest id.
    """
    sets = [shingles(s["text"]) for s in speeches]
    keys: dict[int, list[int]] = defaultdict(list)
    for position, found in enumerate(sets):
        for shingle in found:
            if shingle % SAMPLE == 0:
                keys[shingle].append(position)
    parent = list(range(len(speeches)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    compared: set[tuple[int, int]] = set()
    for members in keys.values():
        if len(members) < 2 or len(members) > 200:
            # A key shared by hundreds of speeches is boilerplate (同志们，…), not evidence.
            continue
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                pair = (members[x], members[y])
                if pair in compared or root(pair[0]) == root(pair[1]):
                    continue
                compared.add(pair)
                small, large = sorted((len(sets[pair[0]]), len(sets[pair[1]])))
                if small / large < THRESHOLD:
                    continue  # Jaccard can't reach the threshold
                if jaccard(sets[pair[0]], sets[pair[1]]) >= THRESHOLD:
                    parent[root(pair[0])] = root(pair[1])
    components: dict[int, list[int]] = defaultdict(list)
    for position in range(len(speeches)):
        components[root(position)].append(position)
    groups = {}
    for members in components.values():
        if len(members) < 2:
            continue
        representative = min(members, key=lambda i: (_date_key(speeches[i].get("date")), speeches[i]["id"]))
        for i in members:
            groups[speeches[i]["id"]] = speeches[representative]["id"]
    return groups


def _date_key(date: str | None) -> tuple:
    """Sort dates earliest first, a partial date as its first day, unknown last."""
    if not date:
        return (1, 0, 0, 0)
    parts = [int(x) for x in date.split("-")] + [1, 1]
    return (0, parts[0], parts[1], parts[2])
