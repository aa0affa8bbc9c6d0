"""Printed dates in every common form (indexer/dates.py), ranges, and years told by a publication date."""

import pytest

from indexer.dates import find_dates, number, year_before_publication


@pytest.mark.parametrize("text, standalone, expected", [
    ("（2018年5月4日）", True, ["2018-05-04"]),
    ("2019年2月", True, ["2019-02"]),
    ("2019年2月份", False, ["2019-02"]),
    ("二〇一九年二月三日", True, ["2019-02-03"]),
    ("二○一九年二月三日", True, ["2019-02-03"]),  # a white circle for the zero, as many PDFs have it
    ("二〇一八年十二月二十八日", True, ["2018-12-28"]),
    ("一九九八年三月十二日", True, ["1998-03-12"]),
    ("2019.2.3", True, ["2019-02-03"]),
    ("2019-02-03", True, ["2019-02-03"]),
    ("2019/2/3", True, ["2019-02-03"]),
    ("（2019.2）", True, ["2019-02"]),
    ("在2022学年开学典礼上的讲话", False, ["2022"]),
    ("——2025年1月15日在湖南省第十四届人民代表大会第三次会议上", False, ["2025-01-15"]),
    ("1月21日在全市经济工作会议上", False, [None]),  # a month and day: no year of its own
    # Numbers that are no dates.
    ("增长2019.5万元", False, []),
    ("2019.2", False, []),
    ("2019年13月", False, ["2019"]),
    ("20XX年", False, []),
])
def test_find_dates(text, standalone, expected):
    assert [m.iso for m in find_dates(text, standalone)] == expected


@pytest.mark.parametrize("text, years, first", [
    ("2016—2020年", (2016, 2020), None),  # a span of years alone dates nothing
    ("2016年—2020年", (2016, 2020), None),
    ("（2016-2020）", (2016, 2020), None),
    ("二〇一六至二〇二〇年", (2016, 2020), None),
    ("2019年12月至2020年1月", (2019, 2020), "2019-12"),  # a range of dates keeps its first
    ("2019年12月—2020年1月", (2019, 2020), "2019-12"),
    ("2019年1月至3月", (2019, 2019), "2019-01"),  # within one year
])
def test_ranges_are_one_mention_with_their_years(text, years, first):
    mentions = find_dates(text, standalone=True)
    assert len(mentions) == 1 and mentions[0].iso == first and mentions[0].span_years == years
    assert mentions[0].spans_years == (years[0] != years[1])


def test_month_and_day_alone_are_read():
    (mention,) = find_dates("市长王建国12月28日在全市经济工作会议上的讲话")
    assert (mention.year, mention.month, mention.day, mention.words) == (None, 12, 28, "12月28日")


@pytest.mark.parametrize("month, day, published, year", [
    (1, 21, "2025-01-24", 2025),  # published three days later
    (1, 21, "2025-01-21", 2025),  # the same day
    (12, 28, "2025-01-02", 2024),  # the month wraps: the speech is of the year before
    (12, 28, "2025-01", 2024),
    (1, 21, "2025-01", 2025),
    (6, 30, "2025-03-01", None),  # eight months before publication: the day no longer tells the year
    (1, 21, "2025", None),  # a publication year alone cannot tell before from after
    (1, 21, None, None),
    (2, 30, "2025-03-01", None),
])
def test_year_before_publication(month, day, published, year):
    assert year_before_publication(month, day, published) == year


@pytest.mark.parametrize("text, value", [("70", 70), ("七十", 70), ("十五", 15), ("二十三", 23), ("一百零一", 101),
                                         ("二〇一九", 2019), ("二○一九", 2019), ("十二", 12), ("三十一", 31)])
def test_number(text, value):
    assert number(text) == value
