"""Near-duplicate groups: versions of one text (003 holds four) share a group.

Two speeches are near-duplicates when the Jaccard similarity of their sets of 8-character
shingles (whitespace removed) is at least 0.6; groups are the connected components (single
linkage). Comparing every pair is quadratic, and keeping every shingle set costs gigabytes at
5,000 speeches, so each speech gets a 64-bin one-permutation MinHash signature; locality-
sensitive banding (32 bands of 2 bins: a pair at the threshold becomes a candidate with
probability 0.99995) proposes pairs, the signatures screen them, and the exact Jaccard of the
shingle sets, recomputed for the few survivors, decides.
"""

import re
import zlib
from collections import OrderedDict, defaultdict

SHINGLE = 8
THRESHOLD = 0.6
BINS = 64
ROWS = 2  # bins per band
SCREEN = 0.4  # signature estimate below which a pair cannot plausibly reach the threshold
_EMPTY = 1 << 32


def shingles(text: str) -> set[int]:
    """Return the hashed 8-character shingles of a text with whitespace removed."""
    compact = re.sub(r"\s+", "", text)
    return {zlib.crc32(compact[i : i + SHINGLE].encode("utf-8")) for i in range(max(1, len(compact) - SHINGLE + 1))}


def signature(found: set[int]) -> tuple[int, ...]:
    """Return the one-permutation MinHash signature: the smallest hash in each of 64 bins."""
    bins = [_EMPTY] * BINS
    for value in found:
        slot = value % BINS
        if value < bins[slot]:
            bins[slot] = value
    return tuple(bins)


def estimate(a: tuple, b: tuple) -> float:
    """Estimate Jaccard similarity from two signatures (bins empty in both are skipped)."""
    used = [(x, y) for x, y in zip(a, b) if x != _EMPTY or y != _EMPTY]
    if not used:
        return 1.0
    return sum(x == y for x, y in used) / len(used)


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
    signatures = []
    sizes = []
    for speech in speeches:
        found = shingles(speech["text"])
        signatures.append(signature(found))
        sizes.append(len(found))
    parent = list(range(len(speeches)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    cache: OrderedDict[int, set] = OrderedDict()

    def shingle_set(i: int) -> set:
        if i in cache:
            cache.move_to_end(i)
        else:
            cache[i] = shingles(speeches[i]["text"])
            if len(cache) > 64:
                cache.popitem(last=False)
        return cache[i]

    checked: set[tuple[int, int]] = set()

    def consider(i: int, j: int) -> None:
        if root(i) == root(j):
            return
        pair = (i, j) if i < j else (j, i)
        if pair in checked:
            return
        checked.add(pair)
        small, large = sorted((sizes[i], sizes[j]))
        if small < THRESHOLD * large or estimate(signatures[i], signatures[j]) < SCREEN:
            return  # Jaccard can't reach the threshold, or plainly does not
        if jaccard(shingle_set(i), shingle_set(j)) >= THRESHOLD:
            parent[root(i)] = root(j)

    for band in range(0, BINS, ROWS):
        buckets: dict[tuple, list[int]] = defaultdict(list)
        for position, sig in enumerate(signatures):
            key = sig[band : band + ROWS]
            if all(value == _EMPTY for value in key):
                continue
            buckets[key].append(position)
        for members in buckets.values():
            if len(members) <= 40:
                for x in range(len(members)):
                    for y in range(x + 1, len(members)):
                        consider(members[x], members[y])
            else:
                # A crowded bucket is shared boilerplate: link along the chain, not every pair.
                for x in range(1, len(members)):
                    consider(members[x - 1], members[x])
                    consider(members[0], members[x])
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
