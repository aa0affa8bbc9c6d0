"""Read a speech's metadata from its own words: title, speaker, office, meeting, date, place.

Nothing is guessed. What the text does not say stays None; redactions (`XX市`, `**同志`,
`——同志`, `20XX年`) are not names, places or years.
"""

import re
from dataclasses import dataclass, field

from indexer import patterns as p
from indexer.dating import infer_year

HAN = "\u4e00-\u9fff"
REDACTION_RE = re.compile(r"[X×xＸ*＊]{1,}|——|某")
POSITION_WORDS = (
    "常务副市长 副市长 代市长 市长 副县长 代县长 县长 副区长 代区长 区长 副州长 代州长 州长 "
    "副省长 代省长 省长 副总理 总理 党组副书记 党组书记 副书记 书记 副主任 主任 副主席 主席 "
    "副局长 局长 副部长 部长 秘书长 副镇长 镇长 副乡长 乡长 旗长 盟长 厅长 院长 行长 组长 "
    "党组成员 常委 委员"
).split()
POSITION_RE = "|".join(POSITION_WORDS)
# Words that end an organisation, never a personal name (XX县统计局, 县工业和信息化局领导).
ORG_END_RE = re.compile(r"(局|委|办|会|厅|部|处|院|府|政府|人大|政协|中心|领导|公司|集团|大学|学校)$")
NAME_RE = re.compile(rf"^[{HAN}]{{2,4}}$")

# The government level a meeting or an office belongs to, most specific words first.
LEVEL_WORDS = [
    ("街道", r"街道"),
    ("镇", r"全镇|镇党委|镇政府|镇长"),
    ("乡", r"全乡|乡党委|乡政府|乡长"),
    ("州", r"全州|州委|州人民政府|州政府|州长|州人大|州政协"),
    ("区", r"全区|区委|区人民政府|区政府|区长|区人大|区政协|城区"),
    ("县", r"全县|县委|县人民政府|县政府|县长|县人大|县政协"),
    ("市", r"全市|市委|市人民政府|市政府|市长|市人大|市政协"),
    ("省", r"全省|省委|省人民政府|省政府|省长|省人大|省政协"),
    ("国家", r"国务院|全国人民代表大会|全国政协"),
]
SELF_REFERENCE = {"省": "我省|全省", "州": "我州|全州", "市": "我市|全市", "县": "我县|全县", "区": "我区|全区"}


@dataclass
class Metadata:
    """What a speech says about itself; None where it says nothing."""

    title: str | None = None
    speaker: str | None = None
    position: str | None = None
    meeting: str | None = None
    date: str | None = None
    date_source: str | None = None
    year: int | None = None
    year_evidence: str | None = None
    province: str | None = None
    city: str | None = None
    level: str | None = None
    province_evidence: str | None = None
    extra: dict = field(default_factory=dict)


def header_paragraphs(paragraphs: list[str]) -> list[str]:
    """Return the title block: the paragraphs before the first one of speech text."""
    header = []
    for paragraph in paragraphs[:8]:
        if p.SALUTATION_RE.match(paragraph) or p.is_heading(paragraph):
            break
        if (p.ends_sentence(paragraph) and len(paragraph) > 20 and not p.is_title(paragraph)
                and not p.DATELINE_RE.match(paragraph)) or len(paragraph) > 120:
            break
        header.append(paragraph)
    return header


def describe(paragraphs: list[str], title_hint: str | None = None, places=None) -> Metadata:
    """Read the metadata of one speech from its cleaned paragraphs."""
    title_hint = getattr(title_hint, "title", title_hint)  # a readers.Document until `meta` lands (formats shim)
    meta = Metadata()
    header = header_paragraphs(paragraphs)
    meta.title = _title(header) or _clean_title(title_hint)
    heading = " ".join(header)
    who, meeting = _who_and_meeting(header, meta.title)
    meta.meeting = meeting
    byline = next((h for h in header if _parse_byline(h)[0]), None)
    speaker, position = _parse_byline(byline) if byline else (None, None)
    if not speaker and who:
        speaker, position = _parse_who(who)
    meta.speaker, meta.position = speaker, position
    meta.date, meta.year, meta.year_evidence = _printed_date(header, meta.title)
    # A dateline's year stands as printed; a year read from a title is checked against the
    # anchors (003 prints 2024 in a title over a speech whose events are of 2020).
    in_dateline = any(p.DATELINE_RE.match(h) and meta.year_evidence and meta.year_evidence in h for h in header)
    dated = infer_year(paragraphs, meta.year, printed_words=meta.year_evidence, check_printed=not in_dateline)
    if dated.year is None:
        meta.date = None
    elif dated.source == "inferred":
        meta.date = str(dated.year)
    meta.year, meta.year_evidence = dated.year, dated.evidence
    # A conflict gives no year, with both pieces of evidence; how the year is known stays null.
    meta.date_source = dated.source if dated.source in ("printed", "inferred") else None
    meta.level = _level(who, meeting, position, byline, paragraphs)
    if places is not None:
        body = "\n".join(paragraphs[len(header):])
        place = places(meta.title, " ".join(filter(None, [byline, who])) or None, body)
        meta.province, meta.city = place.province, place.city
        meta.province_evidence = place.evidence if place.province else None
    return meta


def _clean_title(title: str | None) -> str | None:
    """Strip compilation marks from a title: 第一篇：, 篇二：, [大全], leading commas."""
    if not title:
        return None
    title = p.SECTION_RE.sub("", title)
    title = re.sub(r"(\[[^\[\]]{0,12}\]|【[^【】]{0,12}】)+$", "", title)
    title = re.sub(r"^\d{1,3}[.．、](?!\d)", "", title)
    title = title.strip(",，、 ")
    return title or None


def _title(header: list[str]) -> str | None:
    """Pick the title from the title block; a main title keeps its ——subtitle."""
    titles = [h for h in header if not p.DATELINE_RE.match(h) and not _parse_byline(h)[0]]
    titles = [h for h in titles if len(_clean_title(h) or "") >= 4]
    if not titles:
        return None
    # A section line (第一篇：…) repeats the title that follows it: prefer the plain one.
    plain = [h for h in titles if not p.SECTION_RE.match(h)]
    chosen = plain or titles
    first = chosen[0]
    for following in chosen[1:]:
        if p.SUBTITLE_RE.match(following) and not p.is_title(first):
            return _clean_title(first + following)
    return _clean_title(first if p.is_title(first) or len(chosen) == 1 else
                        next((h for h in chosen if p.is_title(h)), first))


def _who_and_meeting(header: list[str], title: str | None) -> tuple[str | None, str | None]:
    """Split `who在meeting上的讲话` into its speaker part and its meeting."""
    for text in [title or ""] + [_clean_title(h) or "" for h in header]:
        for part in re.split(r"——|-{2,}", text):
            match = re.search(r"^(?P<who>[^在]*?)在(?P<meeting>.+?)(?:上的|上|的)?(?:讲话|发言|致辞|报告)", part)
            if not match:
                match = re.search(r"^(?P<who>[^在]*?)在(?P<meeting>.+?)(?:会议|大会|会)上$", part)
                if match:
                    return match.group("who") or None, _meeting(part[match.start("meeting"):-1])
                continue
            return match.group("who") or None, _meeting(match.group("meeting"))
    return None, None


def _meeting(text: str) -> str | None:
    """Clean a meeting name: drop a leading date and what follows 上 (关于经济运行分析)."""
    text = re.sub(r"^\d{4}年\d{1,2}月\d{1,2}日", "", text)
    text = re.sub(r"(会议|大会|会|全会)上.*$", r"\1", text)
    return text or None


def _parse_byline(line: str | None) -> tuple[str | None, str | None]:
    """Read `郴州市市长阚保勇` as (speaker, position); (None, None) if it is not a byline."""
    if not line or len(line) > 40 or "在" in line:
        return None, None
    match = re.match(rf"^(?P<position>.{{2,30}}?(?:{POSITION_RE}))(?P<name>[{HAN}]{{2,4}})$", line)
    if not match or ORG_END_RE.search(match.group("name")):
        return None, None
    return _valid_name(match.group("name")), match.group("position")


def _parse_who(who: str) -> tuple[str | None, str | None]:
    """Read the part of a title before 在 as (speaker, position)."""
    who = re.sub(r"^(——|中共)", "", who).strip("、，, ")
    who = re.sub(r"同志$", "", who)
    if not who or REDACTION_RE.fullmatch(who):
        return None, None
    # 何良军市长, 张春华县长: the name comes first.
    match = re.match(rf"^(?P<name>[{HAN}]{{2,3}})(?P<position>{POSITION_RE})$", who)
    if match and not re.search(POSITION_RE, match.group("name")) and not ORG_END_RE.search(match.group("name")):
        return _valid_name(match.group("name")), match.group("position")
    # 市委副书记、市长丁巨胜: the name follows the last office.
    offices = list(re.finditer(POSITION_RE, who))
    if offices:
        last = offices[-1]
        position = who[: last.end()].strip("、， ") or None
        return _valid_name(who[last.end():]), position
    # 伏玉琼同志: a name alone.
    if ORG_END_RE.search(who):
        return None, None
    return _valid_name(who), None


def _valid_name(name: str) -> str | None:
    """Return name if it is a personal name, not a redaction or an organisation."""
    if not name or not NAME_RE.match(name) or REDACTION_RE.search(name):
        return None
    if ORG_END_RE.search(name) or re.search(r"[市县区省州委]", name[-1]):
        return None
    return name


def _printed_date(header: list[str], title: str | None) -> tuple[str | None, int | None, str | None]:
    """Read a printed date from the dateline or title: (ISO date, year, the words)."""
    for text in header + [title or ""]:
        match = re.search(r"(?<!\d)((?:19|20)\d{2})年(?:(\d{1,2})月(?:(\d{1,2})日)?)?", text)
        if not match:
            continue
        year, month, day = match.groups()
        date = year
        if month and 1 <= int(month) <= 12:
            date += f"-{int(month):02d}"
            if day and 1 <= int(day) <= 31:
                date += f"-{int(day):02d}"
        return date, int(year), match.group(0)
    return None, None, None


def _level(who, meeting, position, byline, paragraphs) -> str | None:
    """Tell the level of government the speech belongs to, from its meeting or office."""
    for text in (meeting, position, who, byline):
        if not text:
            continue
        for level, words in LEVEL_WORDS:
            if re.search(words, text):
                return level
    # The body speaks of its own place: 我市 / 全市 far more than any other level.
    body = "\n".join(paragraphs)
    counts = {level: len(re.findall(words, body)) for level, words in SELF_REFERENCE.items()}
    best = max(counts, key=counts.get)
    ranked = sorted(counts.values(), reverse=True)
    if ranked[0] >= 5 and ranked[0] >= 3 * ranked[1]:
        return best
    return None
