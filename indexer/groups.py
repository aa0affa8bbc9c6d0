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
from collections import OrderedDict, defaultdict

import numpy as np

SHINGLE = 8
THRESHOLD = 0.6
BINS = 64
ROWS = 2  # bins per band
SCREEN = 0.4  # signature estimate below which a pair cannot plausibly reach the threshold
EMPTY = np.uint64(2**64 - 1)
_SPACE_RE = re.compile(r"\s+")


def shingles(text: str) -> np.ndarray:
    """Return the distinct hashed 8-character shingles of a text with whitespace removed, sorted."""
    points = np.frombuffer(_SPACE_RE.sub("", text).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(points) < SHINGLE:
        points = np.concatenate([points, np.zeros(SHINGLE - len(points), dtype=np.uint64)])
    count = len(points) - SHINGLE + 1
    value = np.zeros(count, dtype=np.uint64)
    for k in range(SHINGLE):  # a polynomial hash of each window, wrapping at 2**64
        value = value * np.uint64(0x100000001B3) + points[k : k + count]
    # Mix the bits (splitmix64's finaliser) so that the bins below are evenly used.
    value ^= value >> np.uint64(30)
    value *= np.uint64(0xBF58476D1CE4E5B9)
    value ^= value >> np.uint64(27)
    value *= np.uint64(0x94D049BB133111EB)
    value ^= value >> np.uint64(31)
    return _distinct(value)


def _distinct(values: np.ndarray) -> np.ndarray:
    """Return the distinct values, sorted (numpy's sort is much faster here than np.unique)."""
    values = np.sort(values)
    return values[np.concatenate([[True], values[1:] != values[:-1]])] if len(values) else values


def signature(found: np.ndarray) -> np.ndarray:
    """Return the one-permutation MinHash signature: the smallest hash in each of 64 bins."""
    bins = np.full(BINS, EMPTY, dtype=np.uint64)
    np.minimum.at(bins, (found % np.uint64(BINS)).astype(np.intp), found)
    return bins


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Return |a ∩ b| / |a ∪ b| of two sorted arrays of distinct hashes."""
    if not len(a) and not len(b):
        return 1.0
    common = len(np.intersect1d(a, b, assume_unique=True))
    return common / (len(a) + len(b) - common)


def near_duplicate_groups(speeches: list[dict], signatures: np.ndarray | None = None, sizes: list[int] | None = None,
                          text_of=None, verdicts: dict[tuple[str, str], bool] | None = None) -> dict[str, str]:
    """Map the id of every speech in a group of two or more to its group's representative id.

    `signatures[i]` and `sizes[i]` are speech i's signature and number of shingles, and
    `text_of(i)` returns its text; without them they are computed from each speech's "text".
    `verdicts` maps pairs of ids (lower first) to whether they reach the threshold: those known
    are not computed again (an id names a text), and those computed are added.
    The representative is the earliest-dated version (a partial date counts as its first day,
    undated last), then the lowest id.
    """
    verdicts = {} if verdicts is None else verdicts
    if text_of is None:
        text_of = lambda i: speeches[i]["text"]  # noqa: E731
    if signatures is None:
        found = [shingles(text_of(i)) for i in range(len(speeches))]
        signatures = np.array([signature(f) for f in found], dtype=np.uint64).reshape(len(speeches), BINS)
        sizes = [len(f) for f in found]
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
            cache[i] = shingles(text_of(i))
            if len(cache) > 64:
                cache.popitem(last=False)
        return cache[i]

    count = len(speeches)
    candidates = np.empty(0, dtype=np.int64)  # pairs i < j as i * count + j
    for band in range(0, BINS, ROWS):
        rows = signatures[:, band : band + ROWS]
        filled = np.nonzero((rows != EMPTY).any(axis=1))[0]
        # One key per band; keys that collide only add candidates, which the screen drops.
        keys = rows[filled, 0]
        for column in range(1, ROWS):
            keys = keys * np.uint64(0x9E3779B97F4A7C15) ^ rows[filled, column]
        order = np.argsort(keys, kind="stable")  # members of a bucket stay in position order
        ordered = keys[order]
        starts = np.concatenate([[0], np.nonzero(ordered[1:] != ordered[:-1])[0] + 1]).astype(np.int64)
        lengths = np.diff(np.concatenate([starts, [len(keys)]]))
        found = []
        for size in np.unique(lengths[(lengths >= 2) & (lengths <= 40)]).tolist():
            members = filled[order[starts[lengths == size][:, None] + np.arange(size)]]
            first, second = np.triu_indices(size, 1)
            found.append((members[:, first] * count + members[:, second]).ravel())
        for start, size in zip(starts[lengths > 40].tolist(), lengths[lengths > 40].tolist()):
            # A crowded bucket is shared boilerplate: link along the chain, not every pair.
            members = filled[order[start : start + size]]
            found.append(members[:-1] * count + members[1:])
            found.append(members[0] * count + members[1:])
        if found:
            candidates = _distinct(np.concatenate([candidates] + found))
    plausible = []
    size = np.array(sizes, dtype=np.float64)
    for begin in range(0, len(candidates), 1 << 16):  # in chunks: signatures are 512 bytes a pair
        chunk = candidates[begin : begin + (1 << 16)]
        left, right = chunk // count, chunk % count
        first, second = signatures[left], signatures[right]
        used = (first != EMPTY) | (second != EMPTY)
        agree = ((first == second) & used).sum(axis=1)
        estimates = np.where(used.any(axis=1), agree / np.maximum(used.sum(axis=1), 1), 1.0)
        small = np.minimum(size[left], size[right])
        large = np.maximum(size[left], size[right])
        # Drop pairs whose Jaccard can't reach the threshold, or plainly does not.
        keep = (small >= THRESHOLD * large) & (estimates >= SCREEN)
        plausible.extend(zip(left[keep].tolist(), right[keep].tolist()))
    for i, j in plausible:
        if root(i) == root(j):
            continue
        key = tuple(sorted((speeches[i]["id"], speeches[j]["id"])))
        if key not in verdicts:
            verdicts[key] = jaccard(shingle_set(i), shingle_set(j)) >= THRESHOLD
        if verdicts[key]:
            parent[root(i)] = root(j)
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
