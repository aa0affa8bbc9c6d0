"""Read a speech's metadata: title, speaker, office, meeting, date, place, and how each is known.

Nothing is guessed. What the text does not say stays None; redactions (`XX市`, `**同志`,
`——同志`, `20XX年`) are not names, places or years. A value is read from the most direct
source there is: a dataset's column (`given`), the speech's own words (`printed`), the page's
metadata about the speech (`meta`), and last what its words imply (`inferred`: dated anchors,
or a month and day set against the page's publication date). `date_source` says which, and
`speaker_evidence`, `year_evidence` and `province_evidence` give the words.
"""

import datetime
import re
from dataclasses import dataclass, field, make_dataclass

from indexer import patterns as p
from indexer import schema
from indexer import speakers
from indexer.dates import DateMention, find_dates, parse_iso, year_before_publication
from indexer.dating import infer_year
from indexer.names import parse_byline, parse_who
from indexer.sessions import session_year, work_report_premier
from indexer.text import normalize

# How a date is known, the most direct first (the closed list is the schema's).
DATE_SOURCES = tuple(schema.DATE_SOURCES)
CENTRAL = schema.CENTRAL

# The government level a meeting or an office belongs to, most specific words first.
LEVEL_WORDS = [
    ("街道", r"街道"),
    ("镇", r"全镇|镇党委|镇政府|镇长"),
    ("乡", r"全乡|乡党委|乡政府|乡长"),
    ("州", r"全州|州委|州人民政府|州政府|州长|州人大|州政协"),
    ("区", r"全区|区委|区人民政府|区政府|区长|区人大|区政协|城区"),
    ("县", r"全县|县委|县人民政府|县政府|县长|县人大|县政协"),
    ("市", r"全市|市委|市人民政府|市政府|市长|市人大|市政协"),
    ("省", r"全省|省委|省党委|省人民政府|省政府|省长|省主席|省人大|省政协"),
]
SELF_REFERENCE = {"省": "我省|全省", "州": "我州|全州", "市": "我市|全市", "县": "我县|全县", "区": "我区|全区"}
# National organs and offices: an office among them makes a speech central (level 中央, no province).
_CENTRAL_ORGANS = (
    r"国务院|中共中央|党中央|中央政治局|中央书记处|中央委员会|中央军委|中央纪委|国家监委|全国人大常委会|全国人大"
    r"|全国人民代表大会|全国政协|中国人民政治协商会议全国委员会|国家主席|国家副主席|最高人民法院|最高人民检察院"
    r"|中央(?:组织|宣传|统战|政法|财经|外事|网信|金融|社会)[^，。、]{0,6}(?:部|委员会|委|办公室)"
    r"|(?<![省市县区州])(?:外交部|国防部|教育部|科学技术部|科技部|工业和信息化部|公安部|国家安全部|民政部|司法部|财政部"
    r"|人力资源和社会保障部|自然资源部|生态环境部|住房和城乡建设部|交通运输部|水利部|农业农村部|商务部|文化和旅游部"
    r"|退役军人事务部|应急管理部|审计署|海关总署|中国人民银行|国务院国资委)"
    r"|国家(?:发展和改革委员会|发展改革委|卫生健康委员会|卫生健康委|民委|统计局|税务总局|市场监督管理总局|能源局"
    r"|医疗保障局|乡村振兴局|林业和草原局|粮食和物资储备局|信访局|体育总局|广播电视总局|知识产权局|文物局"
    r"|中医药管理局|药品监督管理局|外汇管理局|邮政局|数据局|疾病预防控制局|金融监督管理总局|移民管理局)"
)
_CENTRAL_OFFICE_RE = re.compile(rf"(?:{_CENTRAL_ORGANS})(?!代表|委员(?!长))")
# A meeting of the whole country: 中央经济工作会议, 全国教育工作会议, 十三届全国人大一次会议.
_CENTRAL_MEETING_RE = re.compile(
    rf"^(?:\d{{4}}年)?(?:中央[^，。]{{0,12}}(?:工作)?会议|全国[^，。]{{1,24}}(?:会议|大会)|{_CENTRAL_ORGANS})"
    r"|第[^，。]{1,4}届全国人民代表大会|届全国人大|届全国政协|全国代表大会|届中央委员会")
# A speech that speaks for the centre: 我代表国务院, 受国务院委托.
_CENTRAL_SELF_RE = re.compile(r"我代表国务院|受国务院委托|代表中共中央|代表党中央|受党中央委托|代表中央政治局")
_LOCAL_SELF_RE = re.compile("|".join(SELF_REFERENCE.values()))
_NATIONAL_SELF_RE = re.compile(r"全国|我国|各省|各地区各部门")
# Page titles end in the column and site they were published under: 标题_网站名, 标题--栏目-网站.
_SITE_SUFFIX_RE = re.compile(r"\s*(?:-{2,}|_+|[|｜]|\s[-–—]\s)\s*")


# What a speech says about itself, None where it says nothing: every field the registry says
# is read from the text (schema.Field.read), and what else the reading found (`extra`).
Metadata = make_dataclass("Metadata", [(f.name, f.read | None, None) for f in schema.read_fields()] +
                          [("extra", dict, field(default_factory=dict))])
Metadata.__doc__ = "What a speech says about itself; None where it says nothing."


@dataclass
class Hints:
    """What a file's format says about the document (indexer.readers' Document, or any object)."""

    title: str | None = None
    title_candidates: list = field(default_factory=list)
    headings: list = field(default_factory=list)
    byline: str | None = None
    author: str | None = None
    dates: list = field(default_factory=list)
    published: str | None = None
    given: dict = field(default_factory=dict)
    kind: str = "document"
    text: str = ""
    site: str | None = None


def hints_of(document) -> Hints:
    """Read the hints of a Document, of any object with some of its fields, or of a title string."""
    if document is None or isinstance(document, str):
        return Hints(title=document or None)
    return Hints(**{name: getattr(document, name, None) or default
                    for name, default in (("title", None), ("title_candidates", []), ("headings", []),
                                          ("byline", None), ("author", None), ("dates", []), ("published", None),
                                          ("given", {}), ("kind", "document"), ("text", ""),
                                          ("site", None))})


HEAD_LINES = 40  # paragraphs a head may run to, the page's frame included (下载 打印 全屏 收藏 【字号：加大 …】)
HEAD_SHOWN_LINES = 10  # lines of a head that are not its frame


def _title_block(paragraphs: list[str], headed: bool = False) -> tuple[list[speakers.Speaker], list[str]]:
    """Return the leads (a repost's or news report's first lines) and the title block.

    `headed`: the first paragraph is the heading a book's outline leads to (2. 关于工作方法的若干意见〔…〕),
    which opens the title block even when it is numbered like a section heading.
    """
    leads, header = [], []
    shown = 0  # lines of the head that are not the page's frame
    labelled = False
    for i, paragraph in enumerate(paragraphs[:HEAD_LINES]):
        if headed and i == 0:
            header.append(paragraph)
            continue
        if p.SALUTATION_RE.match(paragraph):
            break
        if labelled:
            labelled = False
            continue  # the value of a label a line above: 来源： / 某某日报客户端
        # 发布时间：2022-03-01 is when the page went up, 来源：某某日报 where from, 下载 打印 全屏 the
        # page's buttons, …记者王明 摄 a photo's caption: none is a line of the title block.
        if p.PAGE_CHROME_RE.match(paragraph) or p.SITE_CHROME_RE.match(paragraph) or p.STAFF_RE.search(paragraph):
            labelled = bool(p.LABEL_RE.match(paragraph))
            continue
        shown += 1
        if shown > HEAD_SHOWN_LINES:
            break
        if p.is_heading(paragraph) and not (shown == 1 and p.NAMED_SPEECH_RE.match(paragraph)):
            break
        if shown <= 4 and len(leads) < 2 and not p.is_title(paragraph):
            lead = speakers.from_lead(paragraph)
            if lead.name:
                leads.append(lead)
                continue
        if (p.ends_sentence(paragraph) and len(paragraph) > 20 and not p.is_title(paragraph)
                and not p.DATELINE_RE.match(paragraph)) or len(paragraph) > 120:
            break
        if leads and paragraph[-1] in "。！？；":
            break  # the report goes on after its lead
        header.append(paragraph)
    return leads, header


def describe(paragraphs: list[str], document=None, places=None, span=None) -> Metadata:
    """Read the metadata of one speech from its cleaned paragraphs and its document's hints.

    `document` is the Document it was read from (or just a title hint); `span` the split's
    Span, which says how many speeches the document holds and what it prints for all of them.
    """
    hints = hints_of(document)
    alone = span is None or getattr(span, "siblings", 1) <= 1
    context = list(getattr(span, "context", ()) or ())
    meta = Metadata()
    leads, header = _title_block(paragraphs, headed=bool(getattr(span, "heading", None)))
    # A page's other titles (ArticleTitle, <title> less its site) are this speech's only when
    # the page holds no other; a book's title is the book's.
    candidates = _candidates(hints) if alone and hints.kind != "book" else []
    lead_title = next((lead.title for lead in leads if lead.title), None)
    book_heading = _clean_title(getattr(span, "heading", None))
    meta.title = book_heading or _title(header) or (candidates[0] if candidates else None) or lead_title
    who, meeting = _who_and_meeting(header + [lead.evidence for lead in leads], meta.title)
    meta.meeting = meeting or (_who_and_meeting(context, None)[1] if context else None)
    closing = _closing_note(paragraphs, len(header) + len(leads))
    speaker, position, byline = _speaker(header, meta.title, leads, candidates, closing, hints)
    meta.speaker, meta.position, meta.speaker_evidence = speaker.name, position, speaker.evidence
    _date(meta, paragraphs, header, leads, closing, candidates, context, hints, span)
    speaking = " ".join(filter(None, [byline, who, "" if speaker.evidence == byline else
                                      (speaker.position or "") + (speaker.name or "")])) or None
    # An office of a named place (湖南省教育厅厅长) speaks for that place, at a national meeting too.
    placed_office = bool(places and speaking and places(None, speaking, "").province)
    meta.level = _level(who, meta.meeting, position, byline, paragraphs, placed_office)
    if meta.level != CENTRAL and places is not None:
        # A book's piece is placed by its own head (在某市会议上的讲话), never by the places its
        # text discusses: a collected work speaks of the whole country and the world.
        body = "" if hints.kind == "book" else "\n".join(paragraphs[len(header) + len(leads):])
        # The title block's subtitles name the meeting too (——在某县第十八届人民代表大会…上).
        named = "\n".join([meta.title or ""] + [h for h in header if h != meta.title and p.SUBTITLE_RE.match(h)])
        place = places(named, speaking, body)
        if place.province is None and context:
            place = places(context[0], None, body)  # 中共某市委办公室关于印发…的通知
        if place.province is None and hints.kind != "book":
            place = _site_place(places, hints)
        meta.province, meta.city = place.province, place.city
        meta.province_evidence = place.evidence if place.province else None
    _apply_given(meta, hints.given)
    if meta.speaker is None and meta.speaker_evidence is None and meta.level in (CENTRAL, None):
        opening = "\n".join(paragraphs[len(header) + len(leads): len(header) + len(leads) + 3])
        premier = work_report_premier(opening, meta.year)
        if premier:
            meta.speaker, meta.speaker_evidence = premier
            meta.position, meta.level = meta.position or "国务院总理", CENTRAL
    return meta


def _candidates(hints: Hints) -> list[str]:
    """The titles a file offers besides its text, most trusted first, site names cut off."""
    found = []
    for text in list(hints.title_candidates) + [hints.title] + [h for h in hints.headings if p.is_title(h)]:
        title = _clean_candidate(text)
        if title and title not in found:
            found.append(title)
    return found


def _site_place(places, hints: Hints):
    """Place a page by the site that published it (嘉兴市第二中学, 中共某市委组织部) when its text does not."""
    suffixes = [part for text in [*hints.title_candidates, hints.title] if text
                for part in _SITE_SUFFIX_RE.split(" ".join(text.split()))[1:]]
    # 校园新闻-嘉兴市第二中学: a column and the site, joined by a bare hyphen.
    sites = [hints.site] + [piece for part in suffixes for piece in re.split(r"[-－–—]", part)]
    for site in filter(None, sites):
        place = places(site, None, "")
        if place.province:
            place.evidence = f"site: {site}"
            return place
    return places(None, None, "")


def _clean_candidate(text: str | None) -> str | None:
    """Cut the column and site a page title ends in: 标题_网站名, 标题--栏目-网站, 标题 - 栏目 - 网站."""
    if not text:
        return None
    text = " ".join(text.split())
    first = _SITE_SUFFIX_RE.split(text, maxsplit=1)[0].strip()
    return _clean_title(normalize(first if len(first) >= 4 else text))


def _headline_parts(hints: Hints) -> list[str]:
    """The space-separated parts of a page's titles: 全省经济工作会议召开 王建国出席并讲话."""
    parts = []
    for text in [*hints.title_candidates, hints.title]:
        if text and " " in text.strip():
            first = _SITE_SUFFIX_RE.split(" ".join(text.split()), maxsplit=1)[0]
            parts += [normalize(part) for part in first.split() if len(part) >= 4]
    return parts


def _clean_title(title: str | None) -> str | None:
    """Strip compilation marks from a title: 第一篇：, 篇二：, 一、, [大全], leading commas."""
    if not title:
        return None
    title = p.SECTION_RE.sub("", title)
    # A book's heading carries a note's asterisk and footnote marks: 在某某会议〔1〕上的讲话*.
    title = re.sub(r"[〔\[［](?:\d{1,3}|[一二三四五六七八九十]{1,3})[〕\]］]|[*＊]+$", "", title)
    title = re.sub(r"(\[[^\[\]]{0,12}\]|【[^【】]{0,12}】)+$", "", title)
    title = re.sub(rf"^(?:\d{{1,3}}[.．、](?!\d)|[{p.NUM_CN}]{{1,3}}、|[（(][{p.NUM_CN}]{{1,3}}[）)])", "", title)
    title = title.strip(",，、 ")
    if p.SUBTITLE_RE.match(title):
        title = title.lstrip("—-－ ")  # a subtitle standing alone: ——在…会议上的讲话
    return speakers.without_run_on_byline(title) or None


def _title(header: list[str]) -> str | None:
    """Pick the title from the title block; a main title keeps its ——subtitle."""
    titles = [h for h in header if not p.DATELINE_RE.match(h) and not parse_byline(h)[0]
              and (h[-1] not in "。！？；" or p.is_title(h))]
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


def _who_and_meeting(texts: list[str], title: str | None) -> tuple[str | None, str | None]:
    """Split `who在meeting上的讲话` into its speaker part and its meeting."""
    for text in [title or ""] + [_clean_title(h) or "" for h in texts]:
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
    text = re.sub(r"^(?:\d{4}年)?\d{1,2}月\d{1,2}日", "", text)
    text = re.sub(r"(会议|大会|会|全会)上.*$", r"\1", text)
    return text or None


def _closing_note(paragraphs: list[str], header_size: int) -> speakers.Speaker:
    """Read the note a speech may end with: （这是王建国…时的讲话）."""
    for paragraph in paragraphs[max(header_size, len(paragraphs) - 2):][::-1]:
        note = speakers.from_closing_note(paragraph)
        if note.dates or note.name:
            return note
        if p.SOURCE_NOTE_RE.match(paragraph):
            # An excerpt's dated source: （2017年12月18日在中央经济工作会议上的讲话）.
            return speakers.Speaker(None, None, None, find_dates(paragraph))
    return speakers.NOBODY


def _speaker(header, title, leads, candidates, closing, hints) -> tuple[speakers.Speaker, str | None, str | None]:
    """Find the speaker in order of trust; return it, its office, and the byline line if any."""
    byline = speakers.from_byline(header, title)
    if byline.name:
        return byline, byline.position, byline.evidence
    found = [speakers.from_title(text) for text in [title] + [h for h in header if h != title]]
    found += leads
    found += [speakers.from_title(text) for text in candidates + (_headline_parts(hints) if candidates else [])]
    found.append(closing)
    positions = [s.position for s in found if s.position]
    named = next((s for s in found if s.name), None)
    if named is None and (hints.kind == "book" or hints.author):
        first_lines = [line.strip() for line in hints.text[:600].split("\n") if line.strip()][:6]
        named = speakers.book_author([hints.author, *hints.title_candidates, hints.title, *first_lines])
        named = named if named.name else None
    if named is None and hints.byline:
        # A byline field (meta author, dc:creator) counts where the title block or lead names it too.
        name, position = parse_who(hints.byline)
        shown = " ".join(header + [lead.evidence or "" for lead in leads] + candidates)
        if name and name in shown:
            named = speakers.Speaker(name, position, f"byline: {hints.byline}", [])
    if named is None:
        return speakers.NOBODY, positions[0] if positions else None, None
    return named, named.position or (positions[0] if positions else None), None


# ---------------------------------------------------------------------------------------------
# Dates

_MONTH_DAY_LINE_RE = re.compile(r"^[（(]?\d{1,2}月\d{1,2}日[）)]?$")
# Where in the title block a date stands, by how surely it is the speech's own.
_ROLE_RANK = {"dateline": 3, "contents": 3, "closing": 2, "lead": 2, "title": 1, "context": 1}


def _date(meta: Metadata, paragraphs, header, leads, closing, candidates, context, hints, span=None) -> None:
    """Set date, year, date_source and year_evidence from the most direct source there is."""
    printed = []  # (mention, role)
    # The date a book's outline or contents prints beside the piece's title: 〔一九五八年一月〕.
    outside = getattr(span, "dateline", None)
    if outside:
        printed += [(m, "contents") for m in find_dates(outside, standalone=True)]
    for line in header:
        dateline = p.DATELINE_RE.match(line) or p.SUBTITLE_RE.match(line) or _MONTH_DAY_LINE_RE.match(line)
        role = "dateline" if dateline else "title"
        printed += [(m, role) for m in find_dates(line, standalone=role == "dateline" and len(line) <= 16)]
    for lead in leads:
        printed += [(m, "lead") for m in lead.dates]
    printed += [(m, "closing") for m in closing.dates]
    for line in context[:6]:
        printed += [(m, "context") for m in find_dates(line)]
    # A range under a title (2019年12月至2020年1月) dates the speech from its first day; one in
    # a title is its topic (关于…（2021—2025年）规划).
    dated = [(m, role) for m, role in printed if m.year is not None and (m.span_years is None or role != "title")]
    if dated:
        # A dateline's own date (under the title, or a book's contents beside it) to the month at
        # least is the speech's, before a fuller date some other header line mentions.
        mention, role = max(dated, key=lambda mr: (_ROLE_RANK[mr[1]] >= 3 and mr[0].month is not None,
                                                   mr[0].precision, _ROLE_RANK[mr[1]]))
        mention = _with_day(mention, printed)
        # A dated line stands as printed; a year alone in a title is checked against the anchors
        # (003 prints 2024 in a title over a speech whose events are of 2020).
        checked = role == "title" and mention.month is None
        words = f"range: {mention.words}" if mention.spans_years else mention.words
        _set_year(meta, paragraphs, mention.iso, mention.year, words, "printed", checked)
        return
    meta_dates = [m for value in hints.dates if (m := _iso_mention(value))]
    meta_dates += [m for text in candidates for m in find_dates(text) if m.year and m.span_years is None]
    if meta_dates:
        mention = max(meta_dates, key=lambda m: m.precision)
        _set_year(meta, paragraphs, mention.iso, mention.year, mention.words, "meta", True)
        return
    month_days = [m for m, _ in printed if m.year is None and m.month and m.day]
    month_days += [m for text in candidates for m in find_dates(text) if m.year is None and m.month and m.day]
    for mention in month_days:
        year = year_before_publication(mention.month, mention.day, hints.published)
        if year is not None:
            meta.date = f"{year}-{mention.month:02d}-{mention.day:02d}"
            meta.year, meta.date_source = year, "inferred"
            meta.year_evidence = f"{mention.words} (published {hints.published})"
            return
    # A session named in the head (第十四届全国人民代表大会第三次会议, 十三届全国人大一次会议):
    # the year it met, and the day the head prints beside it.
    head = [meta.title or ""] + header + [lead.evidence or "" for lead in leads]
    # A news report's lead dates the event it reports (7月3日至5日，…在某地考察); a speech's
    # first paragraphs date only what they say of themselves (今天是12月1日), never the
    # meetings they refer to (贯彻3月28日市政府常务会精神).
    reported = (meta.speaker_evidence or "").startswith("reported:")
    lead_lines = paragraphs[len(header) + len(leads): len(header) + len(leads) + 2]
    head += lead_lines if reported else [m.group() for text in lead_lines for m in _TODAY_RE.finditer(text)]
    session_head = head if reported else head + lead_lines
    session = session_year("\n".join(session_head), "\n".join(paragraphs))
    if session is not None:
        day = _day_of(head)
        meta.year, meta.date_source, meta.year_evidence = session.year, "inferred", session.evidence
        meta.date = f"{session.year}-{day.month:02d}-{day.day:02d}" if day else str(session.year)
        if day:
            meta.year_evidence += f"; {day.words}"
        return
    published = parse_iso(hints.published)
    relative = next((lead.relative_day for lead in leads if lead.relative_day), None)
    if relative and published and published[2]:
        # 昨天上午，…王建国出席会议并讲话 in a report published on 2023-12-27.
        day = datetime.date(*published) - datetime.timedelta(days=relative[1])
        meta.date, meta.year, meta.date_source = day.isoformat(), day.year, "inferred"
        meta.year_evidence = f"{relative[0]} (published {hints.published})"
        return
    _set_year(meta, paragraphs, None, None, None, None, True)
    if meta.year is not None and meta.date_source == "inferred":
        # The day the head prints (7月3日至5日，…在某地考察) in the year the speech's words tell.
        day = _day_of(head)
        if day:
            meta.date = f"{meta.year}-{day.month:02d}-{day.day:02d}"
            meta.year_evidence = f"{meta.year_evidence}; {day.words}"


_TODAY_RE = re.compile(r"今天是\d{1,2}月\d{1,2}日")


def _day_of(head: list[str]) -> DateMention | None:
    """The month and day the head prints for the speech (no year), if any."""
    return next((m for text in head for m in find_dates(text) if m.year is None and m.month and m.day), None)


def _with_day(mention: DateMention, printed) -> DateMention:
    """Give a year printed alone the month and day a dateline prints without one: 2019年… （1月21日）."""
    if mention.month is not None:
        return mention
    day = next((m for m, role in printed if role == "dateline" and m.year is None and m.month and m.day), None)
    if day is None:
        return mention
    return DateMention(mention.start, mention.end, mention.year, day.month, day.day, f"{mention.words} {day.words}")


def _iso_mention(value: str | None) -> DateMention | None:
    parts = parse_iso(value)
    return DateMention(0, 0, *parts, words=f"date {value}") if parts else None


def _set_year(meta: Metadata, paragraphs, date, year, words, source, checked) -> None:
    """Keep a read year unless the anchors contradict it; with none read, infer one from them."""
    dated = infer_year(paragraphs, year, printed_words=words, check_printed=checked)
    if dated.year is None:
        meta.date = None
    elif dated.source == "inferred":
        meta.date = str(dated.year)
    else:
        meta.date = date
    meta.year, meta.year_evidence = dated.year, dated.evidence
    # A conflict gives no year, with both pieces of evidence; how the year is known stays null.
    if dated.source == "printed":
        meta.date_source = source
    else:
        meta.date_source = "inferred" if dated.source == "inferred" else None


# ---------------------------------------------------------------------------------------------
# Level


def _level(who, meeting, position, byline, paragraphs, placed_office=False) -> str | None:
    """Tell the level of government the speech belongs to, from its meeting or office."""
    # 自治区 is of a province's rank: 自治区主席, 广西壮族自治区南宁市青秀区区长 (a district).
    texts = [t.replace("自治区", "省") for t in (meeting, position, who, byline) if t]
    for text in texts:
        for level, words in LEVEL_WORDS:
            if re.search(words, text):
                return level
    # A national office (国务院总理) or the country's meeting (全国…工作会议) is central, unless
    # the speech speaks for its own place (a city's meeting on a 国务院 document says 全市).
    if any(_CENTRAL_OFFICE_RE.search(t) for t in (position, who, byline) if t):
        return CENTRAL
    opening = "\n".join(paragraphs[:6])
    if not placed_office and ((meeting and _CENTRAL_MEETING_RE.search(meeting)) or _CENTRAL_SELF_RE.search(opening)):
        body = "\n".join(paragraphs)
        if len(_LOCAL_SELF_RE.findall(body)) < max(5, len(_NATIONAL_SELF_RE.findall(body))):
            return CENTRAL
    # The body speaks of its own place: 我市 / 全市 far more than any other level.
    body = "\n".join(paragraphs)
    counts = {level: len(re.findall(words, body)) for level, words in SELF_REFERENCE.items()}
    best = max(counts, key=counts.get)
    ranked = sorted(counts.values(), reverse=True)
    if ranked[0] >= 5 and ranked[0] >= 3 * ranked[1]:
        return best
    return None


# ---------------------------------------------------------------------------------------------
# A dataset's values


_NATIONAL_WORDS = frozenset({"全国", "中央", "国家", "国务院", "中国", "全国人大", "中华人民共和国"})


def _apply_given(meta: Metadata, given: dict) -> None:
    """Let the values a dataset gives win over the text, normalised the way read ones are."""
    if not given:
        return

    def cell(name):
        entry = given.get(name)
        if not entry:
            return None, None
        raw = entry.get("raw")
        raw = "" if raw is None else normalize(str(raw)).strip()
        value = entry.get("value")
        value = normalize(value).strip() if isinstance(value, str) else value
        if not raw and value in (None, ""):
            return None, None
        return (value if value not in (None, "") else raw), f"column {entry.get('column') or name}: {raw or value}"

    title, _ = cell("title")
    if title:
        meta.title = str(title)
    speaker, evidence = cell("speaker")
    if evidence:
        name, position = given_speaker(str(speaker)) if speaker else (None, None)
        if name is None and speaker:
            meta.extra["refused"] = {"field": "speaker", "column": given["speaker"].get("column"), "value": str(speaker)}
        meta.speaker, meta.speaker_evidence = name, evidence
        meta.position = position or meta.position if name else None
    position, _ = cell("position")
    if position:
        meta.position = str(position)
    _given_date(meta, cell("date"), cell("year"))
    province, evidence = cell("province")
    city, city_evidence = cell("city")
    if evidence:
        _given_place(meta, str(province), evidence, str(city) if city else None, city_evidence)
    elif city_evidence:
        _given_place(meta, None, None, str(city), city_evidence)


_SURNAMED_RE = re.compile(r"^[\u4e00-\u9fff]{2,3}$")
_NO_VALUE_RE = re.compile(r"^(?:未知|不详|无|暂无|空|[-—–/]|n/?a|none|null|unknown)$", re.I)


def given_speaker(value: str) -> tuple[str | None, str | None]:
    """Read a dataset's speaker cell as (name, office): kept as given unless it is plainly no person.

    省长王建国 gives 王建国 and 省长; a name of any script (洛桑江村, 阿不都热依木, 郑广会, 艾力·买买提)
    is kept as it is, spaces removed and middle dots unified; an office alone (省长), an organ
    (某某省人民政府) or an empty word (未知, 无, -) is no person.
    """
    from indexer.names import DOTS, ORG_END_RE, REDACTION_RE, parse_who, surnames

    text = re.sub(r"\s+", "", value).strip("，,、；;")
    if not text or _NO_VALUE_RE.match(text) or REDACTION_RE.fullmatch(text):
        return None, None
    name, position = parse_who(text, strict=False)
    if name:
        return name, position
    if position is None and _SURNAMED_RE.match(text) and text[0] in surnames()[0]:
        return text, None  # 郑广会: a name that ends like an organisation, given as a speaker's
    if position is not None or ORG_END_RE.search(text) or re.search(r"[\d，。；：:！？、（）()《》]", text):
        return None, position  # an office alone, an organ, or a sentence
    return re.sub(f"[{DOTS}]", "·", text), None


def _given_date(meta: Metadata, date_cell, year_cell) -> None:
    date, date_evidence = date_cell
    year, year_evidence = year_cell
    if not (date_evidence or year_evidence):
        return
    read = _given_mention(date) if date_evidence else None
    year_read = _given_year(year) if year_evidence else None
    printed = meta.date if meta.date_source == "printed" and meta.date and len(meta.date) > 4 else None
    if year_evidence and not date_evidence and year_read and printed and printed.startswith(f"{year_read}-"):
        # A dataset gives the year, the text the day in it (——2026年1月27日在…会议上): both stand.
        meta.year, meta.year_evidence = year_read, f"{year_evidence}; printed {printed}"
        return
    meta.date_source = "given"
    if year_evidence:
        meta.year, meta.year_evidence = year_read, year_evidence
        meta.date = read.iso if read and read.year == year_read else (str(year_read) if year_read else None)
    else:
        meta.year = read.year if read else None
        meta.date, meta.year_evidence = (read.iso if read else None), date_evidence
    if meta.year is None:
        meta.date_source = None


def _given_mention(value) -> DateMention | None:
    text = str(value).strip()
    compact = re.fullmatch(r"((?:19|20)\d\d)(\d\d)(\d\d)", text)  # 20210305
    if compact:
        text = "-".join(compact.groups())
    found = [m for m in find_dates(text, standalone=True) if m.year and m.span_years is None]
    if found:
        return max(found, key=lambda m: m.precision)
    year = _given_year(text)
    return DateMention(0, len(text), year, None, None, text) if year else None


def _given_year(value) -> int | None:
    """Read a dataset's year: 2021, "2021", "2021年", 2021.0 (as spreadsheets store it), 二〇二一年."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 1900 <= value <= 2100 else None
    if isinstance(value, float) and value.is_integer():
        return _given_year(int(value))
    text = str(value).strip()
    match = re.fullmatch(r"((?:19|20)\d\d)(?:\.0+)?\s*年?", text)
    if match:
        return int(match.group(1))
    found = [m for m in find_dates(text if text.endswith("年") else text + "年") if m.year and m.span_years is None]
    return found[0].year if len(found) == 1 and found[0].end - found[0].start == len(text.rstrip("年")) + 1 else None


def _given_place(meta: Metadata, province: str | None, evidence: str | None, city: str | None, city_evidence) -> None:
    from indexer.places import gazetteer

    g = gazetteer()
    if province is not None and province in _NATIONAL_WORDS:
        meta.level, meta.province, meta.city, meta.province_evidence = CENTRAL, None, None, evidence
        return
    full = g.province(province) if province else None
    found_city = None
    if city:
        named = [div for div, _, _ in g.find(city, province or "") if div.rank == 1]
        found_city = named[0] if len({d.code for d in named}) == 1 else None
    read_province = meta.province
    if province is not None:
        meta.province, meta.province_evidence = full, evidence
        if found_city is not None and found_city.province == full:
            meta.city = found_city.name
        elif city is not None or read_province != full:
            meta.city = None
    elif found_city is not None:
        meta.province, meta.city, meta.province_evidence = found_city.province, found_city.name, city_evidence
    else:
        meta.city = None
    if meta.province and meta.level == CENTRAL:
        meta.level = None
