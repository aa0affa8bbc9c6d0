"""Personal names and the offices around them: `市委副书记、市长王建国`, `李建国局长`, `艾力·买买提`.

A name is read only where the words say it is one: after or before an office, in a byline, or
as a whole line of a title block. It starts with a surname of `data/surnames.txt` (or is written
with a middle dot), is not a redaction (`XX`, `**`, `某`) and does not end like an organisation.
A bare name standing alone must also not be an everyday word of jieba's dictionary (`全体`).
"""

import os
import re
from functools import lru_cache
from pathlib import Path

HAN = "\u4e00-\u9fff"
SURNAMES_PATH = Path(__file__).resolve().parent / "data" / "surnames.txt"
REDACTION_RE = re.compile(r"[X×xＸ*＊]{1,}|——|某")
# Offices, longest first so that 副市长 is read before 市长 and 委员长 before 委员.
POSITION_WORDS = sorted(set((
    "常务副市长 副市长 代市长 市长 副县长 代县长 县长 副区长 代区长 区长 副州长 代州长 州长 "
    "常务副省长 副省长 代省长 省长 副总理 总理 国务委员 委员长 副委员长 总书记 党组副书记 党组书记 副书记 书记 "
    "副主任 主任 副主席 主席 副局长 局长 副部长 部长 秘书长 副秘书长 副镇长 镇长 副乡长 乡长 旗长 盟长 "
    "副厅长 厅长 副院长 院长 行长 副行长 组长 副组长 党组成员 常委 委员 司长 副司长 署长 副署长 "
    "副处长 处长 主任委员 检察长 副检察长 校长 副校长 董事长 总经理 会长 理事长 社长 主委 政委 "
    "巡视员 调研员 专员 参事 督学 主席团成员 负责人"
).split()), key=len, reverse=True)
POSITION_RE = "|".join(POSITION_WORDS)
_POSITION_END_RE = re.compile(f"(?:{POSITION_RE})$")
_POSITION_ANY_RE = re.compile(POSITION_RE)
# Words that end an organisation, never a personal name (XX县统计局, 县工业和信息化局领导).
ORG_END_RE = re.compile(r"(局|委|办|会|厅|部|处|院|府|政府|人大|政协|中心|领导|公司|集团|大学|学校)$")
_NAME_RE = re.compile(rf"^[{HAN}]{{2,4}}$")
# Middle dots in names of other scripts: ·, •, ‧, ・ (all shown as ·).
DOTS = "·•‧・･"
_DOTTED_RE = re.compile(rf"^[{HAN}]{{1,8}}(?:[{DOTS}][{HAN}]{{1,8}}){{1,3}}$")
_DOT_RE = re.compile(f"[{DOTS}]")
# A name ends before these: 王建国同志, 王建国1月21日.
HONORIFIC_RE = re.compile(r"(?:同志|先生|女士)$")
# What follows an office word but is no name: 作政府工作报告, 讲话, 同志们, 等, a place or an organ.
_NOT_A_NAME_RE = re.compile(r"^(?:作|做|在|于|和|与|及|等|讲|说|代表|出席|主持|同志|指出|强调|要求|表示|致辞|发言|报告)"
                            r"|的|(?:讲话|谈话|报告|会议|政府|人民|同志们|工作|指出|强调|表示|要求|批示|指示|声明|电报|贺信)")
# Everyday words a bare line never names a person by, even when jieba tags them as names.
COMMON_FREQ, NAME_WORD_FREQ = 20, 1000
NAME_TAGS = frozenset({"nr", "nrfg", "nrt"})


@lru_cache(maxsize=1)
def surnames() -> tuple[frozenset, frozenset]:
    """Read data/surnames.txt once: (single-character surnames, compound surnames)."""
    words = [w for line in SURNAMES_PATH.read_text(encoding="utf-8").splitlines()
             if not line.startswith("#") for w in line.split()]
    return frozenset(w for w in words if len(w) == 1), frozenset(w for w in words if len(w) == 2)


@lru_cache(maxsize=1)
def name_words() -> dict[str, tuple[int, str]]:
    """jieba's words of 2-4 characters that begin with a surname, as {word: (frequency, tag)}."""
    import jieba

    found = {}
    single, compound = surnames()
    with open(os.path.join(os.path.dirname(jieba.__file__), "dict.txt"), encoding="utf-8") as handle:
        for line in handle:
            word, _, rest = line.partition(" ")
            if 2 <= len(word) <= 4 and (word[0] in single or word[:2] in compound):
                freq, _, tag = rest.partition(" ")
                if int(freq) >= COMMON_FREQ:
                    found[word] = (int(freq), tag.strip())
    return found


def is_common_word(word: str) -> bool:
    """Tell whether a word is an everyday word (全体, 文明) rather than a personal name.

    A word jieba tags as a name is one however often it occurs when it has three characters
    or more (邓小平, 江泽民: the leaders a corpus of speeches names most); of two characters,
    only when it is rare (文明 is tagged a name, and is a word).
    """
    freq, tag = name_words().get(word, (0, ""))
    if tag in NAME_TAGS:
        return len(word) == 2 and freq >= NAME_WORD_FREQ
    return freq >= COMMON_FREQ


# A name that follows an office word need not start with a listed surname: Tibetan (洛桑江村),
# Uyghur written without its dot (阿不都热依木), Mongolian, Kazakh names run to eight characters.
_FREE_NAME_RE = re.compile(rf"^[{HAN}]{{2,8}}$")


def valid_name(name: str | None, strict: bool = False, free: bool = False) -> str | None:
    """Return name (middle dots shown as ·) if it reads as a personal name, else None.

    `strict` is for a name standing alone, with no office beside it: it must not be an
    everyday word either. `free` is for a name an office word stands before (省长 王建国,
    自治区主席 洛桑江村): any surname, or none, as long as it is no word, office or place.
    """
    if not name:
        return None
    name = name.replace(" ", "").replace("\u3000", "")
    if _DOTTED_RE.match(name):
        return _DOT_RE.sub("·", name)
    # (A Tibetan name may end in 村 as a village does: 洛桑江村; after an office word it is a name.)
    if free and _FREE_NAME_RE.match(name) and not REDACTION_RE.search(name) and not ORG_END_RE.search(name) \
            and name[-1] not in "市县区省州委镇乡" and not _POSITION_ANY_RE.search(name) and not is_common_word(name) \
            and not _NOT_A_NAME_RE.search(name):
        return name
    if not _NAME_RE.match(name) or REDACTION_RE.search(name):
        return None
    if ORG_END_RE.search(name) or name[-1] in "市县区省州委镇乡村":
        return None
    single, compound = surnames()
    if name[:2] in compound and len(name) >= 3:
        pass
    elif name[0] not in single or len(name) > 3:
        return None
    if _POSITION_ANY_RE.search(name[1:]):
        return None  # 王明副 (of 王明副市长) is no name
    if strict and is_common_word(name):
        return None
    return name


def parse_who(who: str | None, strict: bool = True) -> tuple[str | None, str | None]:
    """Read the words naming a speaker as (name, position): `市委副书记、市长王建国`, `李建国局长`."""
    if not who:
        return None, None
    who = re.sub(r"^(?:——|—|-+|中共)", "", who).strip("、，,：: 　")
    who = HONORIFIC_RE.sub("", who)
    if not who or REDACTION_RE.fullmatch(who):
        return None, None
    # 李建国局长, 王明副市长: the name comes first, the longest office after it.
    office = _POSITION_END_RE.search(who)
    if office and office.start() >= 2:
        longest = max((w for w in POSITION_WORDS if who.endswith(w)), key=len)
        name = valid_name(who[: -len(longest)])
        if name:
            return name, longest
    # 市委副书记、市长王建国: the name follows the last office, whatever its first character.
    offices = list(_POSITION_ANY_RE.finditer(who))
    if offices:
        last = offices[-1]
        position = who[: last.end()].strip("、， ") or None
        return valid_name(who[last.end():], free=True), position
    if ORG_END_RE.search(who):
        return None, None
    # 王建国: a name alone.
    return valid_name(who, strict), None


def parse_byline(line: str | None) -> tuple[str | None, str | None]:
    """Read a byline (`郴州市市长阚保勇`, `省长王建国`, `王建国`) as (name, position), or (None, None)."""
    if not line or len(line) > 50 or "在" in line or line.endswith(("：", ":")):
        return None, None  # 阮友寿主席： addresses a letter to its reader
    line = line.strip("（）() ")
    if _POSITION_ANY_RE.search(line):
        return parse_who(line)
    bare = HONORIFIC_RE.sub("", line)
    if not (_NAME_RE.match(bare) or _DOTTED_RE.match(bare)):
        return None, None
    return valid_name(bare, strict=True), None
