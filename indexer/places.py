"""Read the province, city and county a speech speaks for from the words it uses.

Researchers count speeches per province, so a place is never guessed: it rests on a division
named in the byline or title as the speaker's own, or on one the body names repeatedly while
speaking of itself (我市, 全县...), and the words it rests on are kept as evidence. Divisions
come from the GB/T 2260 codes the cpca package ships, read as CSV (importing cpca loads pandas);
jieba's dictionary tells a place name from the tail or head of an ordinary word.
"""

import csv
import importlib.util
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jieba

from indexer import provinces
from indexer.segment import cut, init_jieba
from indexer.wordfinder import WordFinder

# Longest first: 自治县 must go before 县, 特别行政区 before 区.
SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "林区", "特区", "地区",
            "省", "市", "盟", "县", "区", "旗")
AUTONOMOUS = ("自治区", "自治州", "自治县", "自治旗")
# Ethnic words inside autonomous names (湘西土家族苗族自治州, 巴音郭楞蒙古自治州, 龙胜各族自治县).
ETHNIC = (
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 "
    "东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 "
    "俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 各"
).split()
ETHNIC_WORDS = sorted({w + "族" for w in ETHNIC} | {w for w in ETHNIC if len(w) >= 2}, key=len, reverse=True)
PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}

# Province and prefecture short forms that are common words, or that speeches everywhere use
# for something other than their own place (延安精神, 文山会海, 长治久安, 日照时数, 各位来宾).
STOP_SHORTS = frozenset(
    "朝阳 大同 长治 日照 来宾 中山 白银 安康 玉树 阿里 山南 海北 白山 四平 兴安 大庆 延安 遵义 "
    "普洱 文山 红河 怒江 海西 河源".split()
)
# Longer words a short form begins: 大理石 is stone, not 大理.
TRAP_EXTENSIONS = ("大理石", "三明治", "哈密瓜", "新乡村", "新乡贤", "东营商", "北海道")
# District names that are also plain words (城区 of any city, 矿区, 东区) count only right
# after the prefecture they belong to: 阳泉市城区, 阳泉郊区.
GENERIC_STEMS = frozenset("城 郊 矿 东 西 南 北 中 市中 城中 城关 城东 城西 城南 城北 新城 老城 新市 东城 西城".split())
# A county whose stem is an everyday word (会同县 in 要会同县纪委, 和县 in 乡镇和县直部门) counts
# only when its city or province is named too: its stem is a non-name word in jieba's dictionary
# at least this frequent (a single character is always a word there, so it must be very common).
COMMON_STEM_FREQ = 100
COMMON_CHAR_FREQ = 20000
NAME_TAGS = frozenset({"ns", "nr", "nrt", "nrfg"})
# A two-character name's suffix, or a common-stem name's, read on into a word: 新县城, 和县直.
SUFFIX_WORDS = frozenset(
    "县域 县级 县城 县乡 县区 县市 县镇 县直 县里 县委 县政 县长 县纪 县人 "
    "区域 区级 区县 区委 区政 区长 区里 市场 市级 市县 市区 市委 市政 市长 市里".split()
)
REDACTION_CHARS = frozenset("XxＸ×*＊某")

# Words a speech uses for its own government (我市, 全市, 本市), which tell the level it speaks
# at; 我 and 本 count double, since 全市 also ranks a county among its peers (全市第11, 走在全市
# 前列, 在全市率先). 市委 and 市政府 count less: they also name a superior government.
SELF_RE = re.compile(r"([我本全])(地区|省|市|州|盟|县|区|旗)")
COMPARED_BEFORE = frozenset("居列于占比超")
COMPARED_AFTER_RE = re.compile(r"第|前列|前[一二三四五六七八九十\d]|排|平均|率先|领先|首位|同类")
NOT_SELF = frozenset({"全省份", "全市场", "全州县", "全区域"})
BODY_RE = re.compile(r"(?<![各城都社园景片小校街])(市|州|县|区|旗|盟|地)(?:委|政府)|行署")
LEVELS = ("省", "市", "州", "地区", "盟", "县", "区", "旗")

# A byline names an office after the place: 郴州市市长, 海拉尔区人民政府区长.
OFFICE_RE = re.compile(r"^.{0,16}?(?:秘书长|书记|长|主任|主席|常委|委员|代表)")
# In a title the speaker's own place opens the meeting (在海拉尔区第十三届…, 怀化市2021年…会议)
# or is followed by its government, congress or party body.
TITLE_BEFORE_RE = re.compile(r"(?:^|在|——|中共|中国共产党|暨)(?:\d{4}年(?:\d{1,2}月(?:\d{1,2}日)?)?)?$")
TITLE_AFTER_RE = re.compile(r"^(?:委|人民政府|政府|人大|人民代表大会|政协|党代会|代表大会|第[一二三四五六七八九十\d]+届)")
# A place the title addresses rather than speaks for: 对北京市委的批评, 给湖北省委的信.
TITLE_OBJECT_RE = re.compile(r"(?:^|[，、：:])(?:对|给|致|向|同|与|批评|批转)[^在，、：:]*$")
MEETING_END_RE = re.compile(r"^.{0,40}?(?:会议|大会|全会|会)")

MIN_MENTIONS = 3  # the body names its own place, and speaks of itself, at least this often
DOMINANCE = 2.0   # a winning branch has at least twice the mentions of any rival
# A division the body never names is still its own when it names enough of the places inside
# it: a province speech lists its cities (淮南、淮北、铜陵…), a city speech hears its counties.
DISTINCT_INSIDE = {0: 3, 1: 2}
# Prefectures are 市, 州, 地区 or 盟; a compilation that redacts 湘西州 writes 全市 and 市政府.
PREFECTURE_LEVELS = frozenset({"市", "州", "地区", "盟"})
# A county whose stem is an everyday word (清流县) counts without its city or province when its
# full name, of at least this many characters, recurs this often: 2018年清流县金融工作任务分解表.
REPEATED = 2
MARKS_PATH = Path(__file__).resolve().parent / "data" / "province_marks.tsv"


@dataclass(frozen=True)
class Division:
    """One administrative division of GB/T 2260."""

    code: str
    name: str
    short: str
    rank: int
    province: str
    city: str | None


@dataclass
class Place:
    """Where a speech speaks for, and the words that say so; None where it does not say."""

    province: str | None
    city: str | None
    county: str | None
    evidence: str | None


@dataclass(frozen=True)
class _Hit:
    """One name found in a text, with the divisions it may stand for."""

    start: int
    end: int
    key: str
    codes: tuple[str, ...]
    kind: str            # "full", "alias" (湘西州) or "short" (郴州)
    needs_context: bool  # counts only if the text also names its city or province


def _short(name: str, code: str) -> str:
    """Return the short form of a division name: 广西壮族自治区 -> 广西, 郴州市 -> 郴州."""
    for suffix in SUFFIXES:
        if not name.endswith(suffix):
            continue
        # 林区 is a suffix only for 神农架林区, a province-direct division; 碑林区 is 碑林.
        if suffix == "林区" and code[2:4] != "90":
            continue
        stem = name[: -len(suffix)]
        if suffix in AUTONOMOUS:
            stem = _strip_ethnic(stem)
        return stem if len(stem) >= 2 else name
    return name


def _strip_ethnic(stem: str) -> str:
    """Strip ethnic words from the end of an autonomous name, keeping at least two characters."""
    changed = True
    while changed:
        changed = False
        for word in ETHNIC_WORDS:
            if stem.endswith(word) and len(stem) - len(word) >= 2:
                stem, changed = stem[: -len(word)], True
                break
    # 东乡族自治县: the stem is the ethnic name itself.
    return stem[:-1] if stem.endswith("族") and len(stem) >= 3 else stem


def _level(name: str) -> str:
    """Return the level a division's own speeches speak at: 市 for 郴州市, 区 for 广西壮族自治区."""
    for suffix, level in (("自治州", "州"), ("地区", "地区"), ("省", "省"), ("市", "市"), ("盟", "盟"),
                          ("县", "县"), ("旗", "旗")):
        if name.endswith(suffix):
            return level
    return "区"


def _same_level(div: "Division", level: str) -> bool:
    """Tell whether a division speaks at a level: 湘西土家族苗族自治州 at 州, and at 市 too."""
    own = _level(div.name)
    return own == level or (div.rank == 1 and own in PREFECTURE_LEVELS and level in PREFECTURE_LEVELS)


def _stem(name: str, code: str) -> str:
    """Return the part of a name before its suffix: 南 for 南县, 会同 for 会同县."""
    return name[:-1] if len(name) == 2 else _short(name, code)


def _package_file(package: str, *parts: str) -> Path:
    """Return a data file inside an installed package, without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the {package} package is not installed")
    return Path(spec.submodule_search_locations[0]).joinpath(*parts)


class Gazetteer:
    """China's administrative divisions and a scanner for their names in text."""

    def __init__(self, rows: list[tuple[str, str]], freq: dict[str, int] | None = None,
                 tags: dict[str, str] | None = None):
        """Index divisions from (6-digit code, name) rows, with jieba's word frequencies and tags."""
        freq, tags = freq or {}, tags or {}
        names = {code: name for code, name in rows if name not in PLACEHOLDERS}
        self.divisions: dict[str, Division] = {}
        for code, name in names.items():
            rank = 0 if code.endswith("0000") else 1 if code.endswith("00") else 2
            province = names.get(code[:2] + "0000")
            if province is None:
                continue
            city = name if rank == 1 else names.get(code[:4] + "00") if rank == 2 else None
            self.divisions[code] = Division(code, name, _short(name, code), rank, province, city)
        self._chains = {code: self._make_chain(code) for code in self.divisions}

        keys: dict[str, tuple[str, list[str]]] = {}
        for code, div in self.divisions.items():
            keys.setdefault(div.name, ("full", []))[1].append(code)
        provinces = {div.short: code for code, div in self.divisions.items() if div.rank == 0}
        for short, code in provinces.items():
            keys.setdefault(short, ("short", [code]))
        for code, div in self.divisions.items():
            if div.rank != 1 or div.short == div.name:
                continue
            # 湘西州, 恩施州: how autonomous prefectures are named day to day.
            if div.name.endswith("自治州"):
                keys.setdefault(div.short + "州", ("alias", [code]))
            if div.short in STOP_SHORTS or div.short in provinces:
                continue  # 吉林 is the province; 吉林市 is matched by its full name
            kind, codes = keys.setdefault(div.short, ("short", []))
            if kind == "short":
                codes.append(code)  # two prefectures sharing a short form stay ambiguous
        self.keys = {key: (kind, tuple(codes)) for key, (kind, codes) in keys.items()}
        self._names = WordFinder(self.keys)  # every name is of two characters or more

        self.generic = {key for key, (kind, _) in self.keys.items()
                        if kind == "full" and key[-1] == "区" and key[:-1] in GENERIC_STEMS}
        self.common = set()
        for div in self.divisions.values():
            stem = _stem(div.name, div.code)
            if div.rank != 2 or stem == div.name:
                continue
            count = freq.get(stem, 0)
            if count >= COMMON_CHAR_FREQ if len(stem) == 1 else (
                    count >= COMMON_STEM_FREQ and tags.get(stem, "ns") not in NAME_TAGS):
                self.common.add(div.name)
        # Two-character words ending in a character a short form begins with: 确保 before 保定.
        firsts = {key[0] for key, (kind, _) in self.keys.items() if kind == "short" or len(key) == 2}
        self.joins = {w for w, count in freq.items() if len(w) == 2 and w[1] in firsts and count >= 50}
        self.provinces = {div.name: div.name for div in self.divisions.values() if div.rank == 0}
        self.provinces.update({div.short: div.name for div in self.divisions.values() if div.rank == 0})
        self._cut = None

    @classmethod
    def load(cls) -> "Gazetteer":
        """Read the division codes cpca ships and jieba's dictionary; gazetteer() does it once."""
        rows = []
        with open(_package_file("cpca", "resources", "adcodes.csv"), encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                code, name = row["adcode"].strip(), row["name"].strip()
                if len(code) == 12 and code.endswith("000000") and name:
                    rows.append((code[:6], name))
        init_jieba()  # now, so that forked workers share the loaded dictionary
        stems = {_stem(name, code) for code, name in rows}
        tags = {}
        with open(_package_file("jieba", "dict.txt"), encoding="utf-8") as handle:
            for line in handle:
                word = line[: line.find(" ")]
                if word in stems:
                    tags[word] = line.split()[-1]
        gazetteer = cls(rows, jieba.dt.FREQ, tags)
        gazetteer._cut = cut
        return gazetteer

    def province(self, name: str) -> str | None:
        """Return the full name of a province named in full or short: 湖南 -> 湖南省."""
        return provinces.resolve(name)

    def find(self, text: str, context: str = "") -> list[tuple[Division, int, str]]:
        """Return every division text names, as (division, offset, matched words)."""
        # A name several divisions share (朝阳区), or one that is also an everyday word (会同县),
        # counts only when the text, or `context`, also names its city or province.
        hits = self._scan(text)
        known = self._known(hits + (self._scan(context) if context else []))
        return [(self.divisions[code], hit.start, hit.key)
                for hit, code in ((h, self._pick(h, known)) for h in hits) if code]

    def chain(self, code: str) -> list[str]:
        """Return the codes of a division's province, prefecture and itself, top first."""
        return self._chains[code]

    def _make_chain(self, code: str) -> list[str]:
        """Compute a division's chain: its province and prefecture where they exist, then itself."""
        rank = self.divisions[code].rank
        above = [c for c in (code[:2] + "0000", code[:4] + "00")
                 if c in self.divisions and self.divisions[c].rank < rank]
        return list(dict.fromkeys(above)) + [code]

    # Scanning ---------------------------------------------------------------------------------

    def _scan(self, text: str) -> list[_Hit]:
        """Find division names leftmost-longest, dropping readings that are other words."""
        hits: list[_Hit] = []
        cursor = 0
        # At each place a name starts, the longest name there is tried first; a place inside a
        # name already taken is passed over.
        for start in self._names.starts(text):
            if start < cursor:
                continue
            previous = hits[-1] if hits and hits[-1].end == start else None
            for key in self._names.at(text, start):
                kind, codes = self.keys[key]
                hit = self._accept(text, _Hit(start, start + len(key), key, codes, kind, False), previous)
                if hit:
                    hits.append(hit)
                    cursor = hit.end
                    break
        return hits

    def _accept(self, text: str, hit: _Hit, previous: _Hit | None) -> _Hit | None:
        """Return the hit if it reads as a place name here, or None if it is part of other words."""
        key, start, end, kind = hit.key, hit.start, hit.end, hit.kind
        after = text[end : end + 1]
        before = text[start - 1] if start else ""
        if before in REDACTION_CHARS:
            return None  # XX南县, ××城区: part of a redacted name
        if key.endswith("市") and after == "场":
            return None  # 东方市场 is a market
        if key.endswith("区") and after == "域":
            return None  # 平安区域 is a region
        if kind == "short" and any(text.startswith(word, start) for word in TRAP_EXTENSIONS):
            return None
        # Right after its own city or province (北京市朝阳区, 湖南南县) a name is beyond doubt.
        inside = tuple(code for code in hit.codes
                       if previous is not None and any(c in self.chain(code)[:-1] for c in previous.codes))
        under_parent = bool(inside)
        if under_parent:
            hit = _Hit(start, end, key, inside, kind, False)
        if key in self.generic:
            # 城区 counts only right after its own prefecture: 阳泉市城区.
            if previous is None:
                return None
            parents = {c for c in previous.codes if self.divisions[c].rank == 1}
            codes = tuple(c for c in hit.codes if c[:4] + "00" in parents)
            return _Hit(start, end, key, codes, kind, False) if len(codes) == 1 else None
        risky = len(key) == 2 or key in self.common
        if risky and not under_parent and key[-1] + after in SUFFIX_WORDS:
            return None  # 新县城: 新 + 县城; 要会同县纪委: 会同 + 县纪委
        if (kind == "short" or len(key) == 2) and previous is None and before + key[0] in self.joins:
            # 确保定期, 华北京津冀, 省会长沙: segment the neighbourhood to see which word wins.
            offset, boundaries = max(0, start - 3), set()
            for word in self._cut(text[offset : end + 2]) if self._cut else ():
                boundaries.add(offset)
                offset += len(word)
            if start not in boundaries:
                return None
        if key in self.common and not under_parent:
            return _Hit(start, end, key, hit.codes, kind, True)
        return hit

    def _known(self, hits: list[_Hit]) -> set[str]:
        """Return the codes the hits name without any doubt."""
        # A full county name that is also an everyday word, named again and again (清流县 three
        # times), is the county: the everyday readings are cut off at 县 by SUFFIX_WORDS.
        repeated = Counter(hit.key for hit in hits
                           if hit.needs_context and len(hit.codes) == 1 and len(hit.key) >= 3)
        return {hit.codes[0] for hit in hits
                if len(hit.codes) == 1 and (not hit.needs_context or repeated[hit.key] >= REPEATED)}

    def _pick(self, hit: _Hit, known: set[str]) -> str | None:
        """Return the one division a hit names, given the divisions named without doubt."""
        if len(hit.codes) == 1 and (not hit.needs_context or hit.codes[0] in known):
            return hit.codes[0]
        fitting = [c for c in hit.codes if any(a in known for a in self.chain(c)[:-1])]
        return fitting[0] if len(fitting) == 1 else None


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """Return the gazetteer, loaded once per process (before workers fork)."""
    return Gazetteer.load()


# Resolving a speech ---------------------------------------------------------------------------


def resolve_place(title: str | None, byline: str | None, body: str) -> Place:
    """Tell the province, city and county a speech speaks for, with the words that say so."""
    g = gazetteer()
    title, byline, body = title or "", byline or "", body or ""
    scans = {"byline": g._scan(byline), "title": g._scan(title), "body": g._scan(body)}
    known = g._known([hit for hits in scans.values() for hit in hits])
    named = {part: [(hit, code) for hit in hits if (code := g._pick(hit, known))]
             for part, hits in scans.items()}

    # 1. The byline names the speaker's own government: 郴州市市长, 海拉尔区人民政府区长.
    code = _deepest(g, [code for _, code in named["byline"]])
    if code:
        hit = next(h for h, c in named["byline"] if c == code)
        office = OFFICE_RE.match(byline[hit.start :])
        return _place(g, code, office.group(0) if office else hit.key)

    # 2. The title names it as the meeting's own: 在海拉尔区第十三届人民代表大会, 怀化市…会议.
    own = [(hit, code) for hit, code in named["title"]
           if hit.kind != "short" and (TITLE_BEFORE_RE.search(title[: hit.start])
                                       or TITLE_AFTER_RE.match(title[hit.end :]))
           and not TITLE_OBJECT_RE.search(title[: hit.start])]
    code = _deepest(g, [code for _, code in own])
    if code:
        hit = next(h for h, c in own if c == code)
        opening = title.rfind("在", 0, hit.start)
        begin = opening if opening >= 0 and TITLE_BEFORE_RE.search(title[: hit.start]) else hit.start
        meeting = MEETING_END_RE.match(title[hit.end :])
        return _place(g, code, title[begin : hit.end + (meeting.end() if meeting else 0)])

    # 3. The body names it repeatedly while speaking of itself at its level.
    place = _from_body(g, named["body"], body)
    if place.province:
        return place
    # 4. Its places are redacted, but it speaks of its own province's strategies (三高四新).
    return _from_marks(g, named["body"], body)


def _deepest(g: Gazetteer, codes: list[str]) -> str | None:
    """Return the most specific division if all the others are its ancestors, else None."""
    if not codes:
        return None
    deepest = max(codes, key=lambda c: g.divisions[c].rank)
    chain = g.chain(deepest)
    return deepest if all(c in chain for c in codes) else None


def _place(g: Gazetteer, code: str, evidence: str) -> Place:
    """Return the Place a division implies: a county implies its city and province."""
    div = g.divisions[code]
    return Place(province=div.province, city=div.city,
                 county=div.name if div.rank == 2 else None, evidence=evidence)


def _speaks_at(body: str) -> tuple[str | None, Counter]:
    """Return the level the body speaks of itself at (市 for 我市, 全市) and its words, if it does."""
    strong = {lv: Counter() for lv in LEVELS}
    for m in SELF_RE.finditer(body):
        start, end = m.span()
        if m.group(1) == "全" and (body[start - 1 : start] in COMPARED_BEFORE
                                   or COMPARED_AFTER_RE.match(body, end) or body[start : end + 1] in NOT_SELF):
            continue
        strong[m.group(2)][m.group(0)] += 1
    other = Counter("地区" if m.group(0) == "行署" or m.group(1) == "地" else m.group(1)
                    for m in BODY_RE.finditer(body))
    score = {lv: sum(n * (2 if w[0] in "我本" else 1) for w, n in words.items()) for lv, words in strong.items()}
    # The level the speech speaks at: a city speech says 全市 most, and 全省第一 only comparing.
    level = max(LEVELS, key=lambda lv: (score[lv], other[lv]))
    if sum(strong[level].values()) + other[level] < MIN_MENTIONS:
        return None, Counter()
    return level, strong[level]


def _from_body(g: Gazetteer, mentions: list[tuple[_Hit, str]], body: str) -> Place:
    """Find the division the body speaks of as its own, or nothing if that is not clear."""
    nothing = Place(None, None, None, None)
    level, own_words = _speaks_at(body)
    if level is None or not mentions:
        return nothing

    direct = Counter(code for _, code in mentions)
    words: dict[str, Counter] = {}
    for hit, code in mentions:
        words.setdefault(code, Counter())[hit.key] += 1
    # A division is supported by its own mentions and by those of the divisions inside it.
    support = Counter()
    for code, count in direct.items():
        for above in g.chain(code):
            support[above] += count

    def unrelated(a: str, b: str) -> bool:
        return a not in g.chain(b) and b not in g.chain(a)

    inside = Counter(above for code in direct for above in g.chain(code)[:-1])

    def qualifies(code: str) -> bool:
        div = g.divisions[code]
        # Named seldom or never itself, it counts by the many places named inside it (淮南、
        # 淮北、铜陵… in a speech saying 我省; 永昌县、金川区 in one saying 全市).
        if (div.rank in DISTINCT_INSIDE and inside[code] >= DISTINCT_INSIDE[div.rank]
                and support[code] >= MIN_MENTIONS + 1 and (_same_level(div, level) or div.rank == 0)):
            return True
        if not direct[code]:
            return False
        # Its own level, or a province: 全省第一 in a city speech is the city's own province,
        # but a province named once in passing (广东某某建材) is no evidence.
        if not _same_level(div, level) and (div.rank != 0 or direct[code] < 2):
            return False
        if support[code] >= MIN_MENTIONS:
            return True
        # Named twice while nothing unrelated is named more than once: clearly dominant.
        return direct[code] == 2 and all(support[c] <= 1 for c in support if unrelated(code, c))

    candidates = {code for code in support if qualifies(code)}
    own = _descend(g, candidates, support, level)
    if own is None:
        return nothing

    shown = sorted((c for c in support if own in g.chain(c) or c in g.chain(own)), key=lambda c: -direct[c])
    evidence = [f"{words[c].most_common(1)[0][0]}×{direct[c]}" for c in shown if direct[c]][:4]
    evidence += [f"{word}×{count}" for word, count in own_words.most_common(2)]
    return _place(g, own, ", ".join(evidence))


@dataclass(frozen=True)
class Mark:
    """Words that belong to one province's own government (三高四新 is Hunan's)."""

    words: str
    province: str
    source: str


@lru_cache(maxsize=1)
def province_marks() -> tuple[Mark, ...]:
    """Read province_marks.tsv once: comment lines (#) and blank lines are skipped."""
    marks = []
    provinces = set(gazetteer().provinces.values())
    with open(MARKS_PATH, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 3 or not parts[0]:
                raise ValueError(f"province_marks.tsv:{number}: expected 3 tab-separated columns")
            if parts[1] not in provinces:
                raise ValueError(f"province_marks.tsv:{number}: unknown province {parts[1]!r}")
            marks.append(Mark(*parts))
    return tuple(marks)


def _from_marks(g: Gazetteer, mentions: list[tuple[_Hit, str]], body: str,
                marks: tuple[Mark, ...] | None = None) -> Place:
    """Place a speech by the marks of one province it uses, and the places it names inside it."""
    # A province's own strategy names the province a speech speaks from; its other places are
    # then the ones it compares itself with (学浙江, 江苏响水事故), not rivals. Marks of two
    # provinces, or a single mark with no place of its province named, give nothing.
    nothing = Place(None, None, None, None)
    found = Counter()
    for mark in province_marks() if marks is None else marks:
        if count := body.count(mark.words):
            found[mark] += count
    provinces = {mark.province for mark in found}
    if len(provinces) != 1:
        return nothing
    province = provinces.pop()
    code = next(c for c, d in g.divisions.items() if d.rank == 0 and d.name == province)
    inside = [(hit, c) for hit, c in mentions if code in g.chain(c)]
    level, own_words = _speaks_at(body)
    if level is None or (sum(found.values()) < 2 and not inside):
        return nothing
    shown = ", ".join(f"{mark.words}×{count}" for mark, count in found.most_common())
    marked = inside + [(_Hit(0, 0, mark.words, (code,), "mark", False), code)
                       for mark, count in found.items() for _ in range(count)]
    place = _from_body(g, marked, body)
    if place.province == province and place.city:
        return Place(place.province, place.city, place.county, f"{shown} ({province}); {place.evidence}")
    evidence = [shown + f" ({province})"] + [f"{word}×{count}" for word, count in own_words.most_common(2)]
    return Place(province, None, None, ", ".join(evidence))


def _descend(g: Gazetteer, candidates: set[str], support: Counter, level: str) -> str | None:
    """Walk down from the whole country towards the candidates while one branch clearly wins."""
    # At each step the branch holding the best-supported candidate needs twice the mentions of
    # every other branch named under the current division, or the walk stops where the rivals
    # part (nothing, across provinces). It also stops at the first candidate of the speech's own
    # level: a city speech lists its counties, and none of them is the speech's own.
    current: str | None = None
    while current is None or not (current in candidates and _same_level(g.divisions[current], level)):
        depth = len(g.chain(current)) if current else 0
        inside = [c for c in candidates if c != current and (current is None or current in g.chain(c))]
        if not inside:
            break
        branches = {g.chain(c)[depth] for c in support
                    if len(g.chain(c)) > depth and (current is None or g.chain(c)[depth - 1] == current)}
        best = max(inside, key=lambda c: (support[g.chain(c)[depth]], support[c]))
        branch = g.chain(best)[depth]
        if any(support[branch] < DOMINANCE * support[b] for b in branches if b != branch):
            break
        current = branch
    return current
