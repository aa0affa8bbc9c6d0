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
    r"(讲话|发言|致辞|讲话稿|报告|讲话提纲|讲稿)"
    r"(?:[（(][^（）()]{0,24}[）)]|\[[^\[\]]{0,12}\]|【[^【】]{0,12}】)*$"
)
# Compilation sections: 第一篇：…, 篇二：…
SECTION_RE = re.compile(rf"^(?:第[{NUM_CN}\d]+篇|篇[{NUM_CN}\d]+)[：:]")
# A subtitle under a main title: ——在…会议上的讲话, ----2012年2月29日在…
SUBTITLE_RE = re.compile(r"^(?:—{1,2}|-{2,4}|－{1,2})\S")
# （2022年9月23日）, (2021年-月-日), 2022年7月2日
DATELINE_RE = re.compile(
    r"^[（(]?\s*(?:\d{4}|20XX|20xx|[12][0-9]{3})年[^，。；]{0,12}日?\s*[）)]?$"
)
SALUTATION_RE = re.compile(r"^(?:各位[^，。：:]{0,20}|同志们|同事们|女士们[、，]?先生们|朋友们)[：:，,！!]")
# 一、 （一） (一) 1、 1. 第一， 第一个问题： 一是 一要 一方面
HEADING_RE = re.compile(
    rf"^(?:[{NUM_CN}]+[、.．]|[（(][{NUM_CN}\d]+[）)]|\d+[、.．](?!\d)|第[{NUM_CN}]+[，,、：:是个条部分]"
    rf"|[{NUM_CN}][是要抓];?|[{NUM_CN}]方面)"
)
# Page numbers left by PDF extraction: 12, - 12 -, —12—, 第12页, 12/460
PAGE_NUMBER_RE = re.compile(r"^(?:[-—－–\s]*\d{1,4}[-—－–\s]*|第\d{1,4}页(?:共\d{1,4}页)?|\d{1,4}/\d{1,4})$")
# Table-of-contents entries: a number, a title, dot leaders and a page number.
TOC_ENTRY_RE = re.compile(r"^(\d{1,3})[.．、]\s*(.+?)[\s.．…·。]*\t?\s*(\d{1,4})$")
TOC_HEADING_RE = re.compile(r"^目\s*录$|^目次$")


def is_title(line: str) -> bool:
    """Tell whether a line reads as a speech title."""
    return len(line) <= 100 and bool(TITLE_END_RE.search(line)) and not line.endswith("的报告》")


def is_heading(line: str) -> bool:
    """Tell whether a line is a short numbered heading (一、… （二）… 第三，…)."""
    if len(line) > 60 or not HEADING_RE.match(line):
        return False
    # A heading holds no finished sentence: 第四，…加力。一要突出招商引 is prose.
    return not re.search(r"[。！？；]", line[:-1])


def ends_sentence(line: str) -> bool:
    """Tell whether a line ends where a sentence ends."""
    return bool(line) and line[-1] in TERMINAL_CHARS
