"""A sharded index answers every query with the same JSON as one index over the same files.

Three shards of the shipped corpus plus generated speeches, searched in this process and by
the worker processes of a Dask LocalCluster on this machine; a worker killed under a shard
gives `shard_unavailable`, never a partial answer, and the next query after it is back
answers in full.
"""

import json
import os
import shutil
import signal

import pytest

from indexer import shards
from indexer.build import build_index
from search import SearchError, open_index
from search.corpus import Corpus
from search.sharded import ShardedCorpus, ShardUnavailable

from conftest import CORPUS

QUERIES = [
    ("search", ("双过半",), {}),
    ("search", ("经济 发展",), {"page": 2, "page_size": 7}),
    ("search", ("营商环境 OR 招商引资",), {"sort": "date", "page": 3, "page_size": 5}),
    ("search", ("高质量发展 -疫情",), {"collapse": True}),
    ("search", ("NEAR(稳中求进 高质量发展)",), {}),
    ("search", ("发展",), {"filters": {"province": ("湖南",), "year": ("2018-2022",)}}),
    ("search", ("", {"level": ("市",)}), {}),
    ("search", ("gdp",), {}),
    ("search", ("双 过 半",), {}),
    ("facets", ("改革",), {}),
    ("year_series", ("双过半",), {}),
    ("kwic", ("双过半",), {}),
    ("kwic", ("经济",), {"sort": "left", "page": 4, "page_size": 9}),
    ("kwic", ("六稳 OR 六保",), {"sort": "date"}),
    ("kwic", ("招商引资",), {"sort": "province", "width": 5}),
    ("compare", (["稳中求进", "高质量发展", "营商环境 OR 招商引资"], "year"), {}),
    ("compare", (["双过半"], ["province", "year"]), {"collapse": True}),
    ("compare", (["经济"], "level"), {"filters": {"year": ("2019-2021",)}}),
    ("overview", (), {}),
    ("speeches", (), {}),
]


def without_versions(document):
    """Drop index_version at every depth: the one thing a sharded index's answers may differ in."""
    if isinstance(document, dict):
        return {k: without_versions(v) for k, v in document.items() if k != "index_version"}
    if isinstance(document, list):
        return [without_versions(v) for v in document]
    return document


def answer(corpus, method, args, kwargs):
    kwargs = dict(kwargs)
    if "filters" in kwargs and method in ("search", "facets", "year_series", "kwic", "compare"):
        filters = kwargs.pop("filters")
        args = args + (filters,) if method != "compare" else args + (filters,)
    result = getattr(corpus, method)(*args, **kwargs)
    return without_versions(json.loads(json.dumps(result, ensure_ascii=False, default=list)))


@pytest.mark.parametrize("method, args, kwargs", QUERIES, ids=[f"{m}-{i}" for i, (m, _, _) in enumerate(QUERIES)])
def test_every_answer_equals_one_index(indexes, method, args, kwargs):
    folder, _ = indexes
    one, many = Corpus(folder / "one"), open_index(folder / "many")
    assert isinstance(many, ShardedCorpus)
    assert answer(many, method, args, kwargs) == answer(one, method, args, kwargs)


def test_exports_and_single_speeches_equal_one_index(indexes):
    folder, _ = indexes
    one, many = Corpus(folder / "one"), open_index(folder / "many")
    for query, sort in (("发展", "relevance"), ("经济", "date")):
        assert [h for h in many.hits(query, sort=sort)] == [h for h in one.hits(query, sort=sort)]
    listed = one.speech_list("双过半", {"year": ("2018-2022",)})
    mine = many.speech_list("双过半", {"year": ("2018-2022",)})
    assert (mine["total"], list(mine["hits"])) == (listed["total"], list(listed["hits"]))
    for speech in one.speeches()[::9]:
        assert many.speech(speech["id"]) == one.speech(speech["id"])
        assert many.raw(speech["id"]) == one.raw(speech["id"])
    with pytest.raises(SearchError):
        many.speech("0" * 16)


def test_the_web_app_serves_a_sharded_index_as_one(indexes):
    from web import create_app

    folder, _ = indexes
    one = create_app({"INDEX": str(folder / "one"), "TESTING": True}).test_client()
    many = create_app({"INDEX": str(folder / "many"), "TESTING": True}).test_client()
    for url in ("/api/search?q=双过半&province=湖南省", "/api/kwic?q=六稳", "/api/compare?q=经济&by=province"):
        assert without_versions(many.get(url).get_json()) == without_versions(one.get(url).get_json())
    for url in ("/export.csv?q=双过半", "/export.csv?q=发展&what=speeches&sort=date"):
        strip = lambda body: [line.rsplit(",", 1)[0] for line in body.splitlines()]  # noqa: E731 (index_version last)
        assert strip(many.get(url).get_data(as_text=True)) == strip(one.get(url).get_data(as_text=True))
    assert many.get("/?q=双过半").status_code == 200 and many.get("/compare?q=双过半&by=year").status_code == 200


def test_the_build_summary_and_manifest(indexes):
    folder, summary = indexes
    manifest = shards.read_manifest(folder / "many")
    assert len(manifest["shards"]) == 3 and all(entry["generation"] for entry in manifest["shards"])
    assert summary.speeches == len(Corpus(folder / "one").speeches()) == manifest["speeches"]
    assert sorted(manifest["assignment"]) == sorted(p.name for p in (folder / "corpus").iterdir())
    versions = [e["index_version"] for e in manifest["shards"]]
    assert manifest["index_version"] not in versions and open_index(folder / "many").index_version == manifest["index_version"]


def test_an_update_rebuilds_only_the_shards_whose_files_changed(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    shards.build_sharded(corpus, tmp_path / "index", shards=3)
    before = shards.read_manifest(tmp_path / "index")
    changed = "001_1d8c1133fb1961e9.txt"
    (corpus / changed).write_text((corpus / changed).read_text(encoding="utf-8") + "\n新增一段：确保双过半。\n",
                                  encoding="utf-8")
    summary = shards.build_sharded(corpus, tmp_path / "index")  # stays sharded, 3 shards
    after = shards.read_manifest(tmp_path / "index")
    touched = before["assignment"][changed]
    assert after["assignment"] == before["assignment"]
    for k in range(3):
        same = after["shards"][k]["generation"] == before["shards"][k]["generation"]
        assert same == (k != touched), k
    assert summary.files_read == 1
    fresh = Corpus(tmp_path / "single")
    build_index(corpus, tmp_path / "single")
    assert without_versions(open_index(tmp_path / "index").search("双过半")) == without_versions(fresh.search("双过半"))


def test_a_speech_in_two_files_and_its_versions_end_up_in_one_shard(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = (CORPUS / "002_ecd33ae129aadc56.txt").read_bytes()
    for name in ("a.txt", "m.txt", "z.txt"):
        (corpus / name).write_bytes(text)  # the same speech three times
    shutil.copy(CORPUS / "003_792cc556aa004db2.txt", corpus / "b.txt")
    shutil.copy(CORPUS / "001_1d8c1133fb1961e9.txt", corpus / "c.txt")
    shards.build_sharded(corpus, tmp_path / "many", shards=3)
    build_index(corpus, tmp_path / "one")
    manifest = shards.read_manifest(tmp_path / "many")
    assert len({manifest["assignment"][f] for f in ("a.txt", "m.txt", "z.txt")}) == 1
    one, many = Corpus(tmp_path / "one"), open_index(tmp_path / "many")
    assert many.speeches() == one.speeches()
    assert answer(many, "search", ("经济",), {"collapse": True}) == answer(one, "search", ("经济",), {"collapse": True})


def test_a_sharded_index_that_would_lose_half_its_speeches_is_refused(tmp_path):
    from indexer.build import BuildError

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    shards.build_sharded(corpus, tmp_path / "index", shards=2)
    version = shards.read_manifest(tmp_path / "index")["index_version"]
    (corpus / "004_92cf6fb917628260.txt").unlink()
    with pytest.raises(BuildError, match="fewer than half"):
        shards.build_sharded(corpus, tmp_path / "index")
    assert shards.read_manifest(tmp_path / "index")["index_version"] == version
    # The old shards still serve, whatever the refused build did to the shards' own folders.
    build_index(CORPUS, tmp_path / "one")
    assert open_index(tmp_path / "index").overview() == {**Corpus(tmp_path / "one").overview(), "index_version": version}


# ---- on a Dask cluster of worker processes --------------------------------------------------


def test_the_cluster_answers_as_one_index(indexes, cluster):
    folder, _ = indexes
    one, many = Corpus(folder / "one"), open_index(folder / "many", client=cluster)
    for method, args, kwargs in QUERIES[::2]:
        assert answer(many, method, args, kwargs) == answer(one, method, args, kwargs), (method, args)


def test_a_killed_worker_gives_shard_unavailable_then_the_next_query_answers(indexes, cluster):
    folder, _ = indexes
    one, many = Corpus(folder / "one"), open_index(folder / "many", client=cluster)
    expected = answer(one, "search", ("双过半",), {})
    assert answer(many, "search", ("双过半",), {}) == expected
    # Kill the worker that holds the first shard's actor; its nanny starts a new one.
    actor = many.parts._shards()[0][0]
    holder = next(iter(cluster.who_has(actor._future)[actor._future.key]))
    pid = cluster.run(os.getpid, workers=[holder])[holder]
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(ShardUnavailable) as error:
        many.search("双过半")
    assert error.value.code == "shard_unavailable" and error.value.status == 503
    cluster.wait_for_workers(2, timeout=600)
    assert answer(many, "search", ("双过半",), {}) == expected


def test_a_cluster_builds_the_shards(tmp_path, cluster):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    shards.build_sharded(corpus, tmp_path / "index", shards=3, client=cluster)
    build_index(corpus, tmp_path / "one")
    assert without_versions(open_index(tmp_path / "index").search("经济")) == \
        without_versions(Corpus(tmp_path / "one").search("经济"))


def test_a_shard_file_damaged_under_a_running_server_is_found_before_the_next_answer(indexes, tmp_path):
    # Issue 24 item 7, for a sharded index served from one process: each request asks stat first.
    from web import create_app

    folder, _ = indexes
    many = tmp_path / "many"
    shutil.copytree(folder / "many", many)
    client = create_app({"INDEX": str(many), "TESTING": True}).test_client()
    assert client.get("/api/search?q=双过半").status_code == 200
    target = sorted(many.glob("shard-*/gen-*/store.bin"))[0]
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 1
    target.write_bytes(bytes(data))
    answer = client.get("/api/search?q=双过半")
    assert answer.status_code == 503 and answer.get_json()["code"] == "damaged_index"
    assert str(target) in answer.get_json()["error"]
