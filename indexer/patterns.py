"""Line shapes of speech documents, shared by repair, splitting and metadata reading.

Every pattern applies to a line after normalize(): no spaces next to CJK characters.
"""

import re

NUM_CN = "一二三四五六七八九十百零〇两"

# A sentence is over: nothing of it continues on the next line.
TERMINAL_CHARS = "。！？!?；;…”’」』）)】》"
# A line ending in one of these is mid-sentence for sure.
CONTINUING_CHARS = "，,、（(“‘《【—-"

# 在…会议上的讲话, …发言, …致辞, 政府工作报告; optionally followed by （通用） or a date.
TITLE_END_RE = re.compile(
    r"(讲话|发言|致辞|讲话稿|报告|讲话提纲|讲稿)(?:摘要|要点|摘编)?"
    r"(?:[（(][^（）()]{0,24}[）)]|\[[^\[\]]{0,12}\]|【[^【】]{0,12}】)*$"
)
# Compilation sections: 第一篇：…, 篇二：…
SECTION_RE = re.compile(rf"^(?:第[{NUM_CN}\d]+篇|篇[{NUM_CN}\d]+)[：:]")
# A subtitle under a main title: ——在…会议上的讲话, ----2012年2月29日在…
SUBTITLE_RE = re.compile(r"^(?:—{1,2}|-{2,4}|－{1,2})\S")
# （2022年9月23日）, (2021年-月-日), 2022年7月2日
# （一九七八年十二月十三日）, （2019.2.3）, 2019年2月 as books and reports print them.
DATELINE_RE = re.compile(
    r"^[（(]?\s*(?:\d{4}|20XX|20xx|[12][0-9]{3}|[一二][〇○零Ｏ一二三四五六七八九]{3})\s*年"
    r"[\d〇○零Ｏ一二三四五六七八九十XxＸ×\s月日号、\-—－至到]{0,16}?[日月号]?\s*[）)]?$"
    r"|^[（(〔［\[]\s*(?:19|20)\d\d[.．/-]\d{1,2}(?:[.．/-]\d{1,2})?\s*[）)〕］\]]$|^(?:19|20)\d\d[.．/]\d{1,2}[.．/]\d{1,2}$"
    # （2025年1月15日在某省第十四届人民代表大会第三次会议上）: the date and the meeting in brackets.
    r"|^[（(]\s*(?:19|20)\d\d\s*年\s*\d{1,2}\s*月[^（）()。]{0,70}[）)]$"
    # A book's dateline in its brackets, with several days: 〔一九五九年七月十日、二十三日〕, 〔1958年4月〕.
    r"|^[（(〔［\[]\s*(?:(?:19|20)\d\d|[一二][〇○零Ｏ一二三四五六七八九]{3})\s*年[^（）()〔〕［］\[\]，。；]{0,60}[）)〕］\]]$"
)
SALUTATION_RE = re.compile(r"^(?:各位[^，。：:]{0,20}|同志们|同事们|女士们[、，]?先生们|朋友们)[：:，,！!]"
                           # A letter's: 少奇同志：, 阮友寿主席：
                           r"|^[^，。：:；！？\s]{1,20}(?:同志|主席|首相|总理|总统|先生|女士|阁下)[：:]$")
# 一、 （一） (一) 1、 1. 第一， 第一个问题： 一是 一要 一方面
HEADING_RE = re.compile(
    rf"^(?:[{NUM_CN}]+[、.．]|[（(][{NUM_CN}\d]+[）)]|\d+[、.．](?!\d)|第[{NUM_CN}]+[，,、：:是个条部分]"
    rf"|[{NUM_CN}][是要抓];?|[{NUM_CN}]方面)"
)
# Page numbers left by PDF extraction: 12, - 12 -, —12—, 第12页, 12/460
PAGE_NUMBER_RE = re.compile(r"^(?:[-—－–\s]*\d{1,4}[-—－–\s]*|第\d{1,4}页(?:共\d{1,4}页)?|\d{1,4}/\d{1,4})$")
# Table-of-contents entries: a number, a title, dot leaders and a page number.
TOC_ENTRY_RE = re.compile(r"^(\d{1,3})[.．、]\s*(.+?)[\s.．…·。]*\t?\s*(\d{1,4})$")
# A book's entries, numbered or not: a title, leaders (dots, ellipses, spaces) and a page number.
TOC_LINE_RE = re.compile(r"^(?:(?P<number>\d{1,3})[.．、]\s*)?(?P<title>.*?[^\d\s.．…·。\-—_])"
                         r"(?P<leader>[\s.．…·。\-—_]*)(?P<page>\d{1,4})$")
TOC_HEADING_RE = re.compile(r"^目\s*录$|^目次$|^目\s*录[（(][^）)]{1,6}[）)]$")
# The note that closes a dated excerpt: （2017年12月18日在中央经济工作会议上的讲话）, （《…》，2019年3月）.
SOURCE_NOTE_RE = re.compile(r"^[（(〔][^（）()〔〕]{0,80}?(?:(?:19|20)\d\d|[一二][〇○零一二三四五六七八九]{3})\s*年"
                            r"[^（）()〔〕]{0,80}[）)〕]$")
# Headings of a book's front and back matter, which are no speech.
FRONT_MATTER_RE = re.compile(r"^(?:(?:出版|编辑|编者|再版|修订|重印)说明|前\s*言|序\s*言|序|代序|凡\s*例"
                             r"|内容提要|内容简介|说\s*明)$")
BACK_MATTER_RE = re.compile(r"^(?:后\s*记|编后记|编\s*后|索\s*引|人名索引)$")


# Lines a web page prints around its article: where it sits, when it went up, its source.
PAGE_CHROME_RE = re.compile(
    r"^(?:当前位置|您的位置|你的位置|您现在的位置|首页\s*[>＞»]|发布时间|发布日期|发布于|更新时间|时间[:：]\s*\d{4}|来源[:：]|信息来源"
    r"|文章来源|浏览次数|阅读次数|点击数|点击量|访问量|字号|【字体|【打印|打印本页|关闭窗口|分享到)")


# Words a sentence or a heading never ends with: a line ending in one was cut (…李强所作的 | 政府工作报告).
_OPEN_WORD_END_RE = re.compile(r"(?:[的之和与及或在对把被从向于是以其这那各每该由按经据并而且将]|为了|通过|关于)$")


def ends_open(line: str) -> bool:
    """Tell whether a line stops where no sentence stops: a comma-like mark or a word like 的, 和, 关于."""
    return bool(line) and (line[-1] in CONTINUING_CHARS or bool(_OPEN_WORD_END_RE.search(line)))


def is_title(line: str) -> bool:
    """Tell whether a line reads as a speech title."""
    return (len(line) <= 100 and bool(TITLE_END_RE.search(line)) and not line.endswith("的报告》")
            and not PAGE_CHROME_RE.match(line))


# What a page's frame prints over its article, each on a line of its own once a page is read:
# buttons and font-size switches, breadcrumbs, counters, a bare timestamp.
SITE_CHROME_RE = re.compile(
    r"^(?:下载|打印|全屏|收藏|分享|分享到|关闭|关闭窗口|返回|返回顶部|加大|还原|减小|放大|缩小|默认|[小中大]|[【】\[\]>＞»|｜/]"
    r"|【?字[号体][:：]?|【?\s*[大中小]\s*】?|首页|当前位置[:：]?|您的位置[:：]?|阅读量[:：]?\s*\d*|浏览量?[:：]?\s*\d*"
    r"|阅读次数[:：]?\s*\d*|点击观看视频|点击播放|【图集】|扫一扫|微信|微博|QQ空间|视频|图片"
    r"|(?:19|20)\d\d[-/.]\d{1,2}[-/.]\d{1,2}\s+\d{1,2}:\d{2}(?::\d{2})?)$", re.I)  # a timestamp, not a dateline
# A label whose value the next line holds on a page read line by line: 来源： / 某某日报客户端.
LABEL_RE = re.compile(r"^(?:来源|信息来源|文章来源|作者|编辑|责任编辑|发布时间|发表时间|发布日期|时间|日期)[：:]$")
# Who made the page, never who spoke: 编辑：李明, 责任编辑 王明, a photo caption ending in 摄.
STAFF_RE = re.compile(r"^(?:[（(【\[]?(?:责任)?编辑|校对|审核|监制|作者|记者|通讯员|撰稿|摄影|图片|制图)[：:\s]"
                      r"|(?:摄|摄影|供图|制图)[）)】\]]?$")


def is_subtitle(line: str) -> bool:
    """Tell whether a line is a subtitle under a title (——在…会议上的讲话), not a dashed list item.

    Reports list achievements as dashed sentences (——经济跨上新台阶。2007年，…): a subtitle
    holds no finished sentence.
    """
    return bool(SUBTITLE_RE.match(line)) and not re.search(r"[。！？；]", line)


def is_heading(line: str) -> bool:
    """Tell whether a line is a short numbered heading (一、… （二）… 第三，…)."""
    if len(line) > 60 or not HEADING_RE.match(line):
        return False
    # A heading holds no finished sentence: 第四，…加力。一要突出招商引 is prose.
    return not re.search(r"[。！？；]", line[:-1])


def ends_sentence(line: str) -> bool:
    """Tell whether a line ends where a sentence ends."""
    return bool(line) and line[-1] in TERMINAL_CHARS


# A heading that names whose speech follows, as pages of several speakers print them:
# 一、王建国同志讲话, 李明同志的讲话摘要, （二）张华书记在座谈会上的讲话. `who` is read by names.parse_who.
_NUMBERING = rf"(?:[{NUM_CN}]+[、.．]|[（(][{NUM_CN}\d]+[）)]|\d{{1,2}}[、.．](?!\d)|第[{NUM_CN}]+部分[：:]?)?"
NAMED_SPEECH_RE = re.compile(
    rf"^{_NUMBERING}(?P<who>[^，。；：:！？“”《》\s]{{2,30}}?)(?:同志)?的?"
    r"(?:在(?P<meeting>[^，。；]{2,50}?)(?:上的|上|时的|的)?)?"
    r"(?:重要|总结|主持|即席|专题)?(?:讲话|发言|致辞|主持词)"
    r"(?:摘要|要点|提纲|摘编|[（(](?:摘要|节选|摘录)[）)])?[：:]?$"
)


# What a bookmark's title and its heading in the body differ by: the entry's number, the date the
# outline adds (〔一九五八年一月〕), footnote marks (〔1〕), the asterisk of a note, spaces and punctuation.
_ENTRY_NUMBER_RE = re.compile(r"^\s*(?:\d{1,3}\s*[.．、]|第[一二三四五六七八九十百\d]+[篇章]\s*)\s*")
_BRACKETED_RE = re.compile(r"[〔［\[【（(][^〔〕［］\[\]【】（）()]{0,40}[〕］\]】）)]")
_MARKS_RE = re.compile(r"[\s*＊※.．…·—\-－_:：，,、。“”\"'‘’《》〈〉!！?？]")


def heading_key(text: str) -> str:
    """Reduce a title to what a bookmark, a contents entry and the body heading share."""
    from indexer.text import normalize

    text = _ENTRY_NUMBER_RE.sub("", normalize(text))
    return _MARKS_RE.sub("", _BRACKETED_RE.sub("", text))


def heading_match(key: str, line: str) -> float:
    """Score how well a body line reads as the heading a title key names (1.0: the same words)."""
    other = heading_key(line)
    if not key or not other:
        return 0.0
    if key == other:
        return 1.0
    if len(other) > 2 * len(key) + 10:
        return 0.0
    if key in other or other in key:
        return min(len(key), len(other)) / max(len(key), len(other))
    from collections import Counter
    from difflib import SequenceMatcher

    score = SequenceMatcher(None, key, other, autojunk=False).ratio()
    if len(key) >= 6:
        # The same words in another order (对北京市委和中宣部 / 对中宣部和北京市委), a little below the same order.
        shared = sum((Counter(key) & Counter(other)).values())
        score = max(score, shared / max(len(key), len(other)) - 0.05)
    return score
