"""Building: bad files are named and skipped, ids are stable, a failed build leaves the old index."""

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer import schema
from indexer.build import BuildError, build_index, build_lock
from search import Corpus
from search.cli import main

from conftest import CORPUS


def _copy_corpus(folder: Path, names=None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(CORPUS.iterdir()):
        if names is None or path.name[:3] in names:
            shutil.copy(path, folder / path.name)
    return folder


def _ids(index_dir: Path) -> dict[tuple[str, int], str]:
    return {(s["source"], s["ordinal"]): s["id"] for s in Corpus(index_dir).speeches()}


def test_make_index_reports_47_speeches_from_5_files(tmp_path):
    result = CliRunner().invoke(main, ["index", "--corpus", str(CORPUS), "--index", str(tmp_path / "index")])
    assert result.exit_code == 0, result.output
    assert "Read 5 files, found 47 speeches" in result.output
    assert "table of contents" in result.output


def test_ids_survive_a_rebuild_and_a_renamed_file(tmp_path):
    corpus = _copy_corpus(tmp_path / "corpus", {"000", "001", "003"})
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir)
    before = set(_ids(index_dir).values())
    build_index(corpus, index_dir)
    assert set(_ids(index_dir).values()) == before
    (corpus / "001_1d8c1133fb1961e9.txt").rename(corpus / "renamed.txt")
    build_index(corpus, index_dir)
    after = _ids(index_dir)
    assert set(after.values()) == before
    assert ("renamed.txt", 1) in after


def test_jobs_give_the_same_index(tmp_path):
    corpus = _copy_corpus(tmp_path / "corpus", {"000", "002", "003"})
    build_index(corpus, tmp_path / "one", jobs=1)
    build_index(corpus, tmp_path / "two", jobs=2)
    assert Corpus(tmp_path / "one").speeches() == Corpus(tmp_path / "two").speeches()


def test_the_same_speech_twice_is_indexed_once_with_both_sources(tmp_path):
    corpus = _copy_corpus(tmp_path / "corpus", {"001"})
    text = (corpus / "001_1d8c1133fb1961e9.txt").read_text(encoding="utf-8")
    paragraphs = "".join(f"<p>{line}</p>" for line in text.split("\n") if line.strip())
    page = f"<html><head><meta charset='utf-8'></head><body><div class='content'>{paragraphs}</div></body></html>"
    (corpus / "copy.html").write_text(page, encoding="utf-8")
    summary = build_index(corpus, tmp_path / "index")
    speeches = Corpus(tmp_path / "index").speeches()
    assert summary.duplicates == 1 and len(speeches) == 1
    assert speeches[0]["sources"] == ["001_1d8c1133fb1961e9.txt", "copy.html"]


def test_bad_files_are_named_and_skipped_while_the_rest_is_indexed(tmp_path):
    corpus = _copy_corpus(tmp_path / "corpus", {"000", "001"})
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "broken.docx").write_bytes(b"not a zip at all")
    (corpus / "notes.pdf").write_bytes(b"%PDF-1.4")
    os.mkfifo(corpus / "pipe.txt")
    os.symlink(corpus / "loop.txt", corpus / "loop.txt")
    result = CliRunner().invoke(main, ["index", "--corpus", str(corpus), "--index", str(tmp_path / "index")])
    assert result.exit_code == 0, result.output
    assert "found 2 speeches" in result.output
    skipped = {line.split(":")[0].removeprefix("Skipped ") for line in result.output.splitlines() if line.startswith("Skipped ")}
    assert skipped == {"binary.txt", "empty.txt", "broken.docx", "notes.pdf", "pipe.txt", "loop.txt"}


def test_an_empty_corpus_never_replaces_a_good_index(tmp_path):
    corpus = _copy_corpus(tmp_path / "corpus", {"000", "001"})
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir)
    version = Corpus(index_dir).index_version
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(BuildError, match="no speeches"):
        build_index(empty, index_dir)
    with pytest.raises(BuildError, match="does not exist"):
        build_index(tmp_path / "missing", index_dir)
    assert Corpus(index_dir).index_version == version


def test_a_build_that_would_halve_the_index_needs_force(tmp_path):
    corpus = _copy_corpus(tmp_path / "corpus", {"003"})
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir)
    (corpus / "003_792cc556aa004db2.txt").unlink()
    _copy_corpus(corpus, {"000"})
    with pytest.raises(BuildError, match="--force"):
        build_index(corpus, index_dir)
    assert len(Corpus(index_dir).speeches()) == 6
    build_index(corpus, index_dir, force=True)
    assert len(Corpus(index_dir).speeches()) == 1


def test_a_second_build_at_once_refuses_with_a_clear_message(tmp_path):
    corpus = _copy_corpus(tmp_path / "corpus", {"000"})
    index_dir = tmp_path / "index"
    with build_lock(index_dir):
        result = CliRunner().invoke(main, ["index", "--corpus", str(corpus), "--index", str(index_dir)])
    assert result.exit_code == 2
    assert "another build is already running" in result.output
    assert "Traceback" not in result.output


def test_debris_of_a_killed_build_is_cleaned_and_current_switches_atomically(tmp_path):
    corpus = _copy_corpus(tmp_path / "corpus", {"000"})
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir)
    (index_dir / ".tmp-killed-123").mkdir()
    (index_dir / "CURRENT.999.tmp").write_text("gen-nothing")
    build_index(corpus, index_dir)
    names = sorted(p.name for p in index_dir.iterdir())
    assert not any(n.startswith(".tmp-") or n.endswith(".tmp") for n in names)
    current = (index_dir / schema.CURRENT).read_text().strip()
    assert (index_dir / current / schema.MANIFEST).is_file()
    assert len([n for n in names if n.startswith(schema.GENERATION_PREFIX)]) <= 2


def test_a_changed_id_keeps_resolving_through_an_alias(tmp_path):
    corpus = _copy_corpus(tmp_path / "corpus", {"001"})
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir)
    old_id = Corpus(index_dir).speeches()[0]["id"]
    path = corpus / "001_1d8c1133fb1961e9.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("同志们：", "同志们：\n（一处修订）", 1), encoding="utf-8")
    build_index(corpus, index_dir)
    fresh = Corpus(index_dir)
    new_id = fresh.speeches()[0]["id"]
    assert new_id != old_id
    assert fresh.resolve_id(old_id) == new_id
    assert fresh.speech(old_id)["id"] == new_id


def test_manifest_records_files_and_their_hashes(shipped_index):
    current = (shipped_index / schema.CURRENT).read_text().strip()
    manifest = json.loads((shipped_index / current / schema.MANIFEST).read_text(encoding="utf-8"))
    assert sorted(manifest["files"]) == sorted(p.name for p in CORPUS.iterdir())
    assert manifest["summary"]["speeches"] == len(Corpus(shipped_index).speeches())


def _search_state(index_dir: Path) -> tuple:
    corpus = Corpus(index_dir)
    speeches = [{k: v for k, v in s.items()} for s in corpus.speeches()]
    hits = {phrase: sorted((r["id"], r["paragraph"], r["offset"]) for r in corpus.kwic(phrase)["rows"])
            for phrase in ("双过半", "六稳", "营商环境", "同志们")}
    counts = {phrase: _counts(corpus, phrase) for phrase in ("双过半", "六稳", "营商环境", "同志们", "的", "。")}
    return speeches, hits, counts


def _counts(corpus: Corpus, phrase: str) -> tuple:
    """What the postings say of a phrase: total, occurrences, facets and each hit's count."""
    result = corpus.search(f'"{phrase}"', page_size=200)
    return (result["total"], result["occurrences"], result["facets"],
            sorted((h["id"], h["occurrences"]) for h in result["hits"]))


def _scan_counts(corpus: Corpus, phrase: str) -> dict[str, int]:
    """Count a phrase speech by speech as matching does: in the text folded (case, traditional forms)."""
    from indexer.text import fold_case

    found = {}
    phrase = fold_case(phrase)
    for speech in corpus.speeches():
        count = sum(fold_case(p).count(phrase) for p in corpus.speech(speech["id"])["text"].split("\n"))
        if count:
            found[speech["id"]] = count
    return found


def test_an_update_reads_only_changed_files_and_equals_a_full_build(tmp_path):
    corpus = _copy_corpus(tmp_path / "corpus", {"000", "001", "002", "003"})
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir)
    changed = corpus / "002_ecd33ae129aadc56.txt"
    changed.write_text(changed.read_text(encoding="utf-8").replace("双过半", "双过半（修订）", 1), encoding="utf-8")
    (corpus / "001_1d8c1133fb1961e9.txt").unlink()
    shutil.copy(CORPUS / "004_92cf6fb917628260.txt", corpus / "new.txt")
    summary = build_index(corpus, index_dir, force=True)
    assert summary.reused == 2  # 000 and 003; 002 changed, 001 removed, new.txt added
    assert summary.files_read == 2  # read this build (INTERFACE: files_read), the reused ones aside
    full_dir = tmp_path / "full"
    build_index(corpus, full_dir, full=True)
    assert _search_state(index_dir) == _search_state(full_dir)


def test_small_updates_reuse_the_pair_segments_and_stay_exact(tmp_path):
    """An update links the old pair segments and indexes only what changed; a large one rewrites them."""
    corpus = _copy_corpus(tmp_path / "corpus")
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir)
    first_segment = _segment_names(index_dir)[0]
    changed = corpus / "002_ecd33ae129aadc56.txt"
    for round_ in range(3):
        changed.write_text(changed.read_text(encoding="utf-8") + f"\n会议强调，双过半任务要第{round_}次落实。\n",
                           encoding="utf-8")
        assert build_index(corpus, index_dir).reused == 4
        # The first segment is the one written at first, and the changed speech's new text is a
        # segment of its own; the segment of its previous text, dead now, is dropped.
        assert _segment_names(index_dir)[0] == first_segment and len(_segment_names(index_dir)) == 2
        _assert_counts_are_a_scan(Corpus(index_dir), ("双过半", "落实", "的", f"第{round_}次"))
    big = corpus / "004_92cf6fb917628260.txt"
    big.write_text(big.read_text(encoding="utf-8").replace("发展", "發展"), encoding="utf-8")
    build_index(corpus, index_dir)
    assert len(_segment_names(index_dir)) == 1 and _segment_names(index_dir)[0] != first_segment
    _assert_counts_are_a_scan(Corpus(index_dir), ("双过半", "发展", "發展", "的"))


def _segment_names(index_dir: Path) -> list[str]:
    current = (index_dir / schema.CURRENT).read_text().strip()
    plan = json.loads((index_dir / current / schema.PAIR_SEGMENTS).read_text(encoding="utf-8"))
    return [segment["name"] for segment in plan["segments"]]


def _assert_counts_are_a_scan(searcher: Corpus, phrases) -> None:
    for phrase in phrases:
        expected = _scan_counts(searcher, phrase)
        result = searcher.search(f'"{phrase}"', page_size=200)
        assert {h["id"]: h["occurrences"] for h in result["hits"]} == expected, phrase
        assert result["total"] == len(expected) and result["occurrences"] == sum(expected.values())


def test_full_reads_every_file_again(tmp_path):
    corpus = _copy_corpus(tmp_path / "corpus", {"000", "001"})
    build_index(corpus, tmp_path / "index")
    assert build_index(corpus, tmp_path / "index").reused == 2
    assert build_index(corpus, tmp_path / "index", full=True).reused == 0
