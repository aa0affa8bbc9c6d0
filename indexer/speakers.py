"""Who gave a speech, read from the places a document says so, each with the words it rests on.

In order of trust: a byline in the title block (`郴州市市长阚保勇`, a name alone under the
title, or the byline after a work report's subtitle `——…会议上 某省省长 王建国`); the title
(`王建国同志在…会议上的讲话`, `王明：在…`, `李明同志的讲话摘要`); the lead of a repost
(`市长王建国1月21日在…上的讲话《…》`, `现摘录…`) or of a news report (`1月21日，…王建国在…发表
重要讲话`); a page's other titles; a closing note (`（这是王建国…时的讲话）`); the author of a book.

A person a speech mentions or quotes is not its speaker: only these shapes are read, never the
body (`习近平总书记指出` names no speaker), and a title without a name (`在全省工作会议上的讲话`)
gives none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer import patterns as p
from indexer.dates import DateMention, find_dates
from indexer.names import parse_byline, parse_who

SPEECH_WORDS = r"(?:讲话|发言|致辞|报告|讲课|党课|演讲|谈话|讲话稿)"
_CLAUSE_END = "，。；：！？,;:!?（）()“”《》【】「」\n"
# Words that open a repost before the speaker: 现摘录…, 转发…, 这是…, 本文系….
_REPOST_RE = re.compile(r"^(?:现将|现摘录|现摘登|现转发|现刊发|现刊登|摘录|摘登|转发|转载|刊发|刊登|印发"
                        r"|下面是|以下是|这是|本文系|本文是|本文为|此文系|此文为)")
# What stands between a name and 在: a date and time of day (1月21日上午, 于).
_CN = "〇○零一二三四五六七八九十"
_WHEN_RE = re.compile(
    rf"(?:(?:(?:19|20)\d\d|[一二][{_CN}]{{3}})年(?:[\d{_CN}]{{1,2}}月(?:[\d{_CN}]{{1,3}}[日号])?)?"
    rf"|[\d{_CN}]{{1,2}}月(?:[\d{_CN}]{{1,3}}[日号])?|日前|近日|昨天|今天|今日|近期|昨日)?"
    r"(?:上午|下午|晚上|晚|早上)?于?$")
# 在…上的讲话 as a noun (a repost names the speech), 在…发表讲话 as a verb (a news report).
_NOUN_RE = re.compile(rf"在[^。；！？]{{2,60}}?(?:上|时|期间|之际)?(?:的|所作的|作的)(?:重要|总结|动员|主题|专题)?{SPEECH_WORDS}")
_VERB_RE = re.compile(
    rf"在[^。；！？]{{2,60}}?(?:上|时)?(?:发表|作了|作|发表了)(?:重要|热情洋溢的|重要的|总结|动员)?{SPEECH_WORDS}"
    r"|(?:出席|主持)[^。；！？]{2,40}?并(?:发表)?(?:重要)?讲话")
# A news report dates its first sentence or names its agency: 1月21日，… 本报讯 新华社…电.
_NEWS_OPENING_RE = re.compile(r"(?:\d{1,2}月\d{1,2}日|日前|近日|昨天|今天|今日|昨日|近期)(?:上午|下午|晚上|晚)?$")
# What may follow a speech named by a repost: its title, (摘要), the end of the sentence.
_NOUN_FOLLOWERS = ("《", "》", "（", "(", "：", ":", "全文", "摘要", "要点", "稿")
_REPOST_AFTER_RE = re.compile(r"^[，,]?(?:全文如下|现予|现将|予以|特此|供|希|请|刊发|印发|转发|摘登|摘录|如下)")
_PRESS_RE = re.compile(r"^.{0,24}?(?:讯|电)")
_NEWS_PARAGRAPH_RE = re.compile(r"^(?:.{0,24}?(?:讯|电)|.{0,16}?(?:\d{1,2}月\d{1,2}日|日前|近日|昨天|今天|今日|昨日|近期))")
_RELATIVE_DAYS = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}
_RELATIVE_DAY_RE = re.compile("|".join(_RELATIVE_DAYS))
# A news agency's dateline run into the first clause: 新华社北京1月21日电.
_DATELINE_PREFIX_RE = re.compile(r"^.{0,20}?(?:\d{1,2}日电|讯)")
# Words before a speaker that refer to a speech rather than give it: 学习贯彻…在…上的讲话.
_REFERRED_RE = re.compile(r"(?:学习|贯彻|落实|领会|传达|按照|根据|遵照|对照|围绕)$")
_HEADLINE_RE = re.compile(
    r"^(?P<who>[^在，。：:]{2,30}?)(?:近日|日前|今天|昨天|\d{1,2}月\d{1,2}日)?"
    r"(?:在[^，。]{2,40}?(?:会议|大会|全会|座谈会|推进会|论坛|典礼|仪式|开幕式)(?:上|时)"
    r"(?:强调|指出|要求|表示|讲话|发表讲话|作报告)|出席[^，。]{0,30}?并(?:发表)?(?:重要)?讲话"
    # News of a leader's speech: 王建国在某地考察时强调, 王建国主持会议并发表重要讲话,
    # 王建国等分别参加…代表团审议 (with several, the first).
    r"|在[^，。]{2,60}?(?:时|期间|之际)(?:强调|指出|要求|表示)"
    r"|主持[^，。]{0,20}?并(?:发表)?(?:重要)?讲话"
    r"|等?分别参加[^，。]{2,40}?(?:审议|讨论))")
# A closing note: （这是王建国同志在…时的讲话）, 注：本文系….
_NOTE_RE = re.compile(
    r"^(?:[（(]|注[:：])?(?:注[:：])?(?:这是|本文系|本文是|本文为|此文系|此文是|此为|以上是|以上为|本文根据|根据)"
    r"(?P<rest>.{4,150}?)[。.]?[）)]?[。.]?$")
_NOTE_WHO_END_RE = re.compile(
    r"(?:同志)?(?:在|于|(?:19|20)\d\d年|[一二][〇○零Ｏ一二三四五六七八九]{3}年|\d{1,2}月|出席|参加|考察|视察|调研|主持|同(?!志))")
# A book by one author: 王建国文集, 王建国文选, 王建国谈改革, 王建国论…, 王建国讲话选编.
_BOOK_AUTHOR_RE = re.compile(
    r"^(?P<who>[^\s，。：:《》]{2,12}?)(?:同志)?(?:文集|文选|选集|文稿|全集|文存|著作选|著作选读|讲话选编|讲话集|讲话选|"
    r"重要讲话|论述摘编|谈|论"
    # 王建国关于高质量发展论述摘编, 王建国关于…的重要论述
    r"|关于[^\s，。：:《》]{1,40}?(?:论述摘编|重要论述|讲话选编|论述选编))")
# A subtitle that runs on into its byline: ——2025年1月15日在某省第十四届人民代表大会第三次会议上某省省长王建国.
# Also a subtitle's second line run on into it: 暨某县第十八届人民代表大会第三次会议上某县县长王建国.
_AFTER_MEETING_RE = re.compile(r"(?:会议|大会|全会|座谈会|论坛|典礼|仪式|开幕式|闭幕式)上(?P<byline>[^的上].{1,40}?)"
                               # …会议上省长王建国作政府工作报告。: the office and name before what they delivered.
                               r"(?:(?:作|做)(?:了)?(?:政府工作|重要)?(?:报告|讲话)[。.]?)?$")


@dataclass
class Speaker:
    """A speaker, the office the document gives, the words they were read from, and dates there."""

    name: str | None
    position: str | None
    evidence: str | None
    dates: list[DateMention]
    title: str | None = None  # the speech's title where the lead names it (《…》)
    # A news lead's 昨天 or 今天: the words, and how many days before the publication date.
    relative_day: tuple[str, int] | None = None


NOBODY = Speaker(None, None, None, [])


def who_before(text: str) -> tuple[str, str, bool]:
    """Split the words before a 在 into (what opens the sentence, the speaker's words, reposted?).

    The speaker's words are the clause just before 在, less its date (1月21日上午) and the
    repost words that open it (现摘录…).
    """
    text = text.rstrip("《“\"「『 ")
    cut = max(text.rfind(ch) for ch in _CLAUSE_END)
    opening, who = text[: cut + 1], text[cut + 1:]
    who = _WHEN_RE.sub("", _DATELINE_PREFIX_RE.sub("", who))
    reposted = bool(_REPOST_RE.match(who))
    return opening.rstrip("，,、《“ "), _REPOST_RE.sub("", who), reposted


def from_byline(header: list[str], title: str | None) -> Speaker:
    """Read a byline line of the title block, or the byline a subtitle runs on into.

    A name alone on its line is the speaker's under a speech's title (…的讲话) or over a
    dateline; under a news headline it is as likely the reporter's.
    """
    for i, line in enumerate(header):
        run_on = _AFTER_MEETING_RE.search(line)
        if line == title and not run_on:
            continue
        if run_on:
            name, position = parse_byline(run_on.group("byline"))
            if name:
                return Speaker(name, position, line, find_dates(line))
        name, position = parse_byline(line)
        if name and position is None:
            dated = i + 1 < len(header) and p.DATELINE_RE.match(header[i + 1])
            if not (dated or (title and p.is_title(title))):
                name = None
        if name:
            return Speaker(name, position, line, [])
    return NOBODY


def without_run_on_byline(title: str) -> str:
    """Cut the byline a title's subtitle runs on into: ——…会议上国务院总理王建国 → ——…会议上."""
    run_on = _AFTER_MEETING_RE.search(title)
    if run_on and parse_byline(run_on.group("byline"))[0]:
        return title[: run_on.start("byline")]
    return title


def from_named_heading(text: str | None) -> Speaker:
    """Read a title that names its speaker without 在: 王建国同志讲话, 李明同志的讲话摘要."""
    if not text or len(text) > 60:
        return NOBODY
    match = p.NAMED_SPEECH_RE.match(text)
    if not match or match.group("meeting"):
        return NOBODY
    name, position = parse_who(match.group("who"))
    return Speaker(name, position, text, []) if name else NOBODY


# A run-in sentence under a report's title: 2025年1月19日在某省第十四届人民代表大会第三次会议上省长王建国作政府工作报告。
_RUN_IN_RE = re.compile(r"在(?P<meeting>[^。；！？]{2,60}?(?:会议|大会|全会|座谈会))上(?P<who>[^，。；：在]{2,40}?)"
                        r"(?:作|做)(?:了)?(?:政府工作|重要)?(?:报告|讲话)")


def from_lead(paragraph: str) -> Speaker:
    """Read the speaker from the lead of a repost or a news report of the speech."""
    if "在" not in paragraph and "出席" not in paragraph and "主持" not in paragraph:
        return NOBODY
    first = paragraph[: _sentence_end(paragraph)]
    run_in = _RUN_IN_RE.search(first)
    if run_in:
        name, position = parse_who(run_in.group("who"))
        if name:
            return Speaker(name, position, first, find_dates(first[: run_in.start()]))
    found = _lead_sentence(first, paragraph, news=False)
    if found.name or not _NEWS_PARAGRAPH_RE.match(paragraph):
        return found
    # A dated news paragraph: 1月21日，全市经济工作会议召开。市委书记王建国出席会议并讲话。
    rest, at = paragraph, 0
    for _ in range(3):
        sentence = rest[at: at + _sentence_end(rest[at:])]
        if not sentence:
            break
        found = _lead_sentence(sentence, paragraph, news=True)
        if found.name:
            return found
        at += len(sentence)
    return NOBODY


def _lead_sentence(sentence: str, paragraph: str, news: bool) -> Speaker:
    """Read one sentence of a lead; `news`: the paragraph opens with a news date."""
    for regex, is_noun in ((_NOUN_RE, True), (_VERB_RE, False)):
        if news and is_noun:
            continue
        match = regex.search(sentence)
        if not match:
            continue
        opening, who, reposted = who_before(sentence[: match.start()])
        name, position = parse_who(who)
        after = sentence[match.end():]
        if not name or after.startswith("精神") or _REFERRED_RE.search(opening):
            continue  # 学习贯彻…在…上的讲话精神: a speech referred to, not this one
        if is_noun:
            # The lead names the speech: after a repost word, or opening the sentence and
            # followed by its title, (摘要) or the end of the sentence.
            ends = not after.strip("。！") or after.startswith(_NOUN_FOLLOWERS) or _REPOST_AFTER_RE.match(after)
            if not (reposted or (opening == "" and ends)):
                continue
        elif not (news or _NEWS_OPENING_RE.search(opening) or _PRESS_RE.match(opening)):
            continue  # 在…发表讲话 tells of this speech only in a dated news lead
        at = max(0, sentence.rfind(who, 0, match.start()))
        if at and sentence[at - 1] in "《“「『" and not reposted:
            continue  # 《王建国在…上的讲话》单行本: a publication's title, quoted
        start = paragraph.find(sentence)
        title = re.search(r"《([^《》]{4,60})》", paragraph[start + match.start(): start + match.end() + 70])
        words = sentence[at: match.end()] if is_noun else f"reported: {sentence[at: match.end()]}"
        relative = _RELATIVE_DAY_RE.search(paragraph[: min(start + at, 40)])
        return Speaker(name, position, words, find_dates(paragraph[: start + match.end()]),
                       title.group(1) if title else None,
                       (relative.group(0), _RELATIVE_DAYS[relative.group(0)]) if relative else None)
    return NOBODY


_LEADING_DATE_RE = re.compile(rf"^(?:(?:19|20)\d\d|[一二][{_CN}]{{3}})年(?:[\d{_CN}]{{1,2}}月(?:[\d{_CN}]{{1,3}}[日号])?)?")


def from_title(text: str | None) -> Speaker:
    """Read the speaker a title names before 在 (`王明：在…`, `李建国局长在…`), or as a named heading."""
    if not text:
        return NOBODY
    office = None
    for part in re.split(r"——|-{2,}", text):
        # 王明在…上的讲话, or a subtitle that names who delivered it: 2025年1月14日自治区主席王明在…会议上.
        match = re.search(rf"^(?P<who>[^在]*?)在.+?(?:{SPEECH_WORDS}|(?:会议|大会|全会)上$)", part)
        if match and match.group("who"):
            who = _WHEN_RE.sub("", _LEADING_DATE_RE.sub("", match.group("who").rstrip("：:《“ ")))
            name, position = parse_who(who)
            if name:
                return Speaker(name, position, text, [])
            office = office or position
    # A news headline: 王建国在全市组织工作会议上强调…, 王建国出席…并讲话.
    headline = _HEADLINE_RE.search(text)
    if headline:
        name, position = parse_who(re.sub(r"等$", "", _WHEN_RE.sub("", headline.group("who"))))
        if name:
            return Speaker(name, position, f"reported: {text}", [])
    named = from_named_heading(text)
    # 市委副书记、市长在…上的讲话: the office without a name.
    return named if named.name or not office else Speaker(None, office, None, [])


def from_closing_note(paragraph: str) -> Speaker:
    """Read a closing note: （这是王建国同志2019年1月在…会议上的讲话）."""
    if len(paragraph) > 160:
        return NOBODY
    match = _NOTE_RE.match(paragraph)
    if not match or not re.search(SPEECH_WORDS, match.group("rest")):
        return NOBODY
    rest = match.group("rest")
    end = _NOTE_WHO_END_RE.search(rest)
    # The name is followed at once by when or where the speech was given: not 李明同志代为宣读的讲话.
    name, position = parse_who(rest[: end.start()]) if end else (None, None)
    return Speaker(name, position, paragraph if name else None, find_dates(paragraph))


def from_book_title(text: str | None) -> str | None:
    """Return the author a book's title names (王建国文集, 王建国关于…论述摘编), or None."""
    match = _BOOK_AUTHOR_RE.match(text or "")
    return parse_who(match.group("who"), strict=False)[0] if match else None


def book_author(texts: list[str | None]) -> Speaker:
    """Read the one author of a book from its author field or title: 王建国文集, 王建国谈改革.

    The first text is the author field the reader found (a cover's 王建国 著, the book's title):
    a name there is a name, famous or not; elsewhere a bare line must not be an everyday word.
    """
    for k, text in enumerate(texts):
        if not text:
            continue
        text = re.sub(r"\s*(?:著|撰|讲|述)$", "", text.strip())
        name, position = parse_who(text, strict=k > 0)
        if name and len(text) <= 20:
            return Speaker(name, position, f"book author: {text}", [])
        match = _BOOK_AUTHOR_RE.match(text)
        if match:
            # 王明选集: a name its book is named for, however common a word jieba thinks it.
            name, position = parse_who(match.group("who"), strict=False)
            if name:
                return Speaker(name, position, f"book author: {text}", [])
    return NOBODY


def _sentence_end(text: str) -> int:
    ends = [i for i in (text.find("。"), text.find("！"), text.find("；")) if i >= 0]
    return min(ends) + 1 if ends else len(text)
