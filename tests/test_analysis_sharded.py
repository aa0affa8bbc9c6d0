"""Forms, collocates and keywords of a sharded index equal one index's: the shards' sums, merged."""

import json

import pytest

from search import open_index
from search.corpus import Corpus

from test_sharded import without_versions

ANALYSES = [
    ("forms", ("/[一二三四五六七八九十]+个一批/",), {}),
    ("forms", ("/稳.{0,4}进/",), {"sort": "speeches", "min_freq": 2, "limit": None}),
    ("forms", ("gdp",), {}),
    ("collocates", ("营商环境",), {}),
    ("collocates", ("发展",), {"window": 4, "min_freq": 5, "limit": None}),
    ("collocates", ("/三.四新/",), {"unit": "ngram", "min_freq": 2}),
    ("collocates", ("项目",), {"filters": {"province": ("湖南",)}, "unit": "ngram", "punctuation": True}),
    ("keywords", ("", {"year": ("2021",)}), {"limit": None}),
    ("keywords", ("", {"province": ("湖南",)}), {"against": {"province": ("甘肃",)}, "sort": "log_ratio"}),
    ("keywords", ("营商环境",), {"unit": "ngram", "min_freq": 3, "limit": None}),
    ("keywords", ("", {"year": ("2020-2021",)}), {"unit": "ngram", "against": {"year": ("2022",)}}),
]


def run(corpus, method, args, kwargs):
    kwargs = dict(kwargs)
    if "filters" in kwargs:
        args = args + (kwargs.pop("filters"),)
    return _plain(getattr(corpus, method)(*args, **kwargs))


def _plain(result):
    return without_versions(json.loads(json.dumps(result, ensure_ascii=False, default=list)))


@pytest.mark.parametrize("method, args, kwargs", ANALYSES, ids=[f"{m}-{i}" for i, (m, _, _) in enumerate(ANALYSES)])
def test_every_analysis_equals_one_index(indexes, method, args, kwargs):
    folder, _ = indexes
    one, many = Corpus(folder / "one"), open_index(folder / "many")
    expected = run(one, method, args, kwargs)
    assert run(many, method, args, kwargs) == expected
    assert expected[{"forms": "forms", "collocates": "collocates", "keywords": "items"}[method]]  # something to compare


@pytest.mark.parametrize("method, args", [("search", ("/三.四新/",)), ("kwic", ("/[一二三四五六七八九十]+个一批/",)),
                                          ("search", ("发展 -/稳.{0,4}进/", {"province": ("湖南",)})),
                                          ("facets", ("NEAR(/三[^，]四新/ 发展)",))])
def test_pattern_queries_of_a_sharded_index_equal_one_index(indexes, method, args):
    folder, _ = indexes
    one, many = Corpus(folder / "one"), open_index(folder / "many")
    assert _plain(getattr(many, method)(*args)) == _plain(getattr(one, method)(*args))


def test_the_cluster_answers_the_analyses_as_one_index(indexes, cluster):
    folder, _ = indexes
    one, many = Corpus(folder / "one"), open_index(folder / "many", client=cluster)
    # Each tool, each unit and each side of keywords through the workers; n-gram keywords of a query,
    # whose every candidate crosses to the coordinator (a minute on the cluster), is compared in this process above.
    for method, args, kwargs in [ANALYSES[k] for k in (0, 3, 6, 8)]:
        assert run(many, method, args, kwargs) == run(one, method, args, kwargs), (method, args)
