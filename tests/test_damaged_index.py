"""A damaged index says so: every index file truncated, emptied, overwritten or deleted gives a clear error, never a wrong answer.

Issue 14 item 5: 64 damages gave 4 wrong answers with exit 0, bare "Aborted!" and Whoosh
tracebacks. Issue 24 item 7: damages that keep a file's size and form (a byte changed, a run
of bytes zeroed) gave 5 wrong answers with exit 0 on the command line: a speaker silently
changed in `list`, a changed `kwic`, other BM25 scores, other collocates. Every answer here is
compared with the same question put to an undamaged copy: it is either equal to that answer
or an error naming what is wrong (`damaged_index`, or `no_index` when CURRENT itself is gone),
on the library, the web and the command line.
"""

import json
import random
import shutil
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer import integrity
from indexer.build import build_index
from search import Corpus
from search.cli import main
from search.corpus import SearchError
from search.errors import DamagedIndex
from web import create_app

from conftest import CORPUS

# Damages: the file cut in half, emptied, overwritten whole with random bytes, random bytes over
# its middle third (headers intact, so only values or the checksum betray it), deleted; and two
# that keep its size and, mostly, its form: one byte changed by its lowest bit two thirds in (a
# digit of a JSON number, a character of a name, a value of an array), 64 bytes zeroed in the middle.
DAMAGES = ("truncate", "empty", "garbage", "scribble", "delete", "flip", "zeros")
ERRORS = {"damaged_index", "no_index"}


def damage(path: Path, how: str, seed: int) -> bool:
    """Damage a file one way; tell whether its bytes changed."""
    rng = random.Random(seed)
    data = path.read_bytes()
    noise = lambda n: bytes(rng.randrange(256) for _ in range(n))  # noqa: E731
    if how == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "garbage":
        path.write_bytes(noise(len(data)))
    elif how == "scribble":
        low, high = len(data) // 3, 2 * len(data) // 3
        path.write_bytes(data[:low] + noise(high - low) + data[high:])
    elif how == "flip":
        at = 2 * len(data) // 3
        path.write_bytes(data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :] if data else b"")
    elif how == "zeros":
        at = max(0, len(data) // 2 - 32)
        path.write_bytes(data[:at] + bytes(len(data[at : at + 64])) + data[at + 64 :])
    else:
        path.unlink()
    return not path.exists() or path.read_bytes() != data


@pytest.fixture(scope="module")
def sound(tmp_path_factory) -> Path:
    """A small index of eight shipped speeches' files, never damaged."""
    folder = tmp_path_factory.mktemp("sound")
    (folder / "corpus").mkdir()
    for path in sorted(CORPUS.iterdir())[:8]:
        shutil.copy(path, folder / "corpus" / path.name)
    build_index(folder / "corpus", folder / "index")
    return folder / "index"


def index_files(index: Path) -> list[str]:
    """Every file of an index folder a damage can hit: CURRENT and each file of the generation."""
    return sorted(p.relative_to(index).as_posix() for p in index.rglob("*") if p.is_file() and p.name != ".lock")


CASES = [(file, how) for file in (
    "CURRENT", ".checked", "manifest.json", "speeches.jsonl", "store.bin", "aliases.json", "pairs.json", "pairs/keys.npy",
    "pairs/starts.npy", "pairs/positions.npy", "pairs/texts.npy", "pairs/chars.npy",
    "pairs/chars.counts.npy", "words.json", "words.keys.npy", "words.starts.npy",
    "words.docs.npy", "words.weights.npy", "words.lengths.npy", "signatures.npy", "verdicts.json", "whoosh/.toc",
    "whoosh/.seg") for how in DAMAGES]


def test_the_cases_name_every_file_of_a_generation(sound):
    # The parametrized names stand for the real paths; none of the index's files is left out.
    assert {_pattern(path) for path in index_files(sound)} - {"whoosh/MAIN_WRITELOCK"} == {f for f, _ in CASES}


def _pattern(relpath: str) -> str:
    """Name an index file as CASES does: generation and segment folders dropped, Whoosh files by suffix."""
    parts = relpath.split("/")[1:] if "/" in relpath else [relpath]  # CURRENT and .checked stand beside the generations
    if parts[0] == "pairs" and len(parts) == 3:
        return "pairs/" + parts[2]
    if parts[0] == "whoosh" and parts[1].endswith((".toc", ".seg")):
        return "whoosh/" + parts[1][parts[1].rindex("."):]
    return "/".join(parts)


@pytest.fixture
def damaged(sound, tmp_path, request, monkeypatch):
    """A copy of the sound index, opened once (so its checksums are cached, as in use), then one file damaged one
    way; yields (index, the damaged file's path)."""
    file, how = request.param
    index = tmp_path / "index"
    shutil.copytree(sound, index)
    with monkeypatch.context() as patch:
        patch.setattr(integrity, "RACY_NS", 0)  # the copies keep the build's mtimes; the damage writes a new one
        Corpus(index).generation()
    assert json.loads((index / ".checked").read_text(encoding="utf-8")), "the checksums were cached"
    matches = [p for p in index_files(index) if _pattern(p) == file]
    assert len(matches) == 1, (file, matches)
    if not damage(index / matches[0], how, seed=zlib.crc32(file.encode())):
        pytest.skip("this damage leaves the file as it was")
    return index, index / matches[0]


def harmless(path: Path) -> bool:
    """Tell whether a damaged file is no index file: the cache of checked sums, which is only ever trusted less."""
    return path.name == ".checked"


def library_answers(index: Path) -> dict:
    """Put the same questions to the library: each an answer or ("error", code)."""
    corpus = Corpus(index)
    questions = {
        "search": lambda: corpus.search("发展"),
        "one character": lambda: corpus.search("的"),  # counted from its row of counts per text
        "kwic page": lambda: corpus.kwic("发展", page=1),
        "kwic sorted": lambda: corpus.kwic("改革", sort="left"),
        "rows": lambda: list(corpus.kwic_rows("改革")["rows"]),
        "speech": lambda: corpus.speech(sorted(s["id"] for s in corpus.speeches())[0]),
        "raw": lambda: corpus.raw(sorted(s["id"] for s in corpus.speeches())[-1]),
        "overview": lambda: corpus.overview(),
        "facets": lambda: corpus.facets("改革", {"year": ("2015-2025",)}),
        "hits": lambda: list(corpus.hits("经济", sort="date")),
    }
    answers = {}
    for name, ask in questions.items():
        try:
            answers[name] = ask()
        except SearchError as error:
            answers[name] = ("error", error.code)
    return answers


@pytest.fixture(scope="module")
def expected(sound):
    return library_answers(sound)


@pytest.mark.parametrize("damaged", CASES, indirect=True, ids=[f"{f}-{h}" for f, h in CASES])
def test_the_library_answers_as_before_or_names_the_damage(damaged, expected):
    index, path = damaged
    for name, answer in library_answers(index).items():
        if answer != expected[name]:
            assert isinstance(answer, tuple) and answer[1] in ERRORS and not harmless(path), (name, answer)
    try:
        assert [d["file"] for d in Corpus(index).verify()["damaged"]] == ([] if harmless(path) else [str(path)])
    except SearchError as error:  # CURRENT gone or unreadable: there is no index to verify
        assert path.name == "CURRENT" and error.code == "no_index"


# The commands whose answers a damage changed with exit 0 (issue 24): list (speeches.jsonl), kwic
# (speeches.jsonl), search's BM25 order (words.lengths.npy), collocates (words.docs.npy, words.weights.npy).
COMMANDS = (("search", "发展", "--json"), ("kwic", "改革", "--csv"), ("list", "--json"),
            ("collocates", "发展", "--json"), ("search", "经济", "--sort", "date", "--jsonl"))


@pytest.fixture(scope="module")
def cli_expected(sound) -> dict:
    runner = CliRunner()
    answers = {args: runner.invoke(main, [*args, "--index", str(sound)]) for args in COMMANDS}
    assert all(answer.exit_code == 0 for answer in answers.values())
    return {args: answer.stdout for args, answer in answers.items()}


@pytest.mark.parametrize("damaged", CASES, indirect=True, ids=[f"{f}-{h}" for f, h in CASES])
def test_the_command_line_answers_as_before_or_exits_2_naming_the_file(damaged, cli_expected):
    index, path = damaged
    runner = CliRunner()
    for args in COMMANDS:
        after = runner.invoke(main, [*args, "--index", str(index)])
        assert "Traceback" not in after.output and after.exception is None or isinstance(after.exception, SystemExit)
        if after.exit_code == 0 or harmless(path):
            assert after.exit_code == 0 and after.stdout == cli_expected[args], args
        else:
            assert after.exit_code == 2, args
            if after.stdout:  # an export that met the damage while streaming ends saying so
                assert args[-1] == "--csv" and after.stdout.splitlines()[-1].startswith("#incomplete"), after.stdout
                assert str(path) in after.stdout.splitlines()[-1]
            assert len(after.stderr.strip().splitlines()) == 1, after.stderr
            assert str(path) in after.stderr and "speeches index --full" in after.stderr or \
                path.name == "CURRENT" and "no index in" in after.stderr, after.stderr
    verified = runner.invoke(main, ["verify", "--index", str(index)])
    if harmless(path):
        assert verified.exit_code == 0, verified.output
        return
    assert verified.exit_code == 2 and "Traceback" not in verified.output
    assert str(path) in verified.stderr or path.name == "CURRENT" and "no index in" in verified.stderr


def web_answers(index: Path, speech_id: str) -> dict:
    """Ask the web app the same questions: (status, JSON answer or error code, body when not JSON) of each."""
    app = create_app({"INDEX": str(index), "TESTING": True})
    try:
        # The answers once the server's background verification is done, not some before and some after.
        app.extensions["corpus"].generation().verified.wait(60)
    except SearchError:
        pass
    client = app.test_client()
    answers = {}
    for path in ("/api/search?q=发展", "/api/kwic?q=改革", "/?q=发展", "/", "/kwic?q=改革&sort=right",
                 "/export.csv?q=改革", "/export.csv?what=speeches", f"/api/speech/{speech_id}", f"/speech/{speech_id}",
                 f"/speech/{speech_id}/raw"):
        response = client.get(path)
        document = response.get_json(silent=True)
        if document is not None and response.status_code != 200:
            document = document.get("code")
        answers[path] = (response.status_code, document, None if document is not None else response.get_data(as_text=True))
    return answers


@pytest.fixture(scope="module")
def speech_id(sound) -> str:
    return sorted(s["id"] for s in Corpus(sound).speeches())[0]


@pytest.fixture(scope="module")
def web_expected(sound, speech_id):
    return web_answers(sound, speech_id)


@pytest.mark.parametrize("damaged", CASES, indirect=True, ids=[f"{f}-{h}" for f, h in CASES])
def test_the_web_answers_as_before_or_503_naming_the_damage(damaged, web_expected, speech_id):
    index, damaged_file = damaged
    for path, (status, document, body) in web_answers(index, speech_id).items():
        expected = web_expected[path]
        if (status, document, body) == expected:
            continue
        assert status != 500 and not harmless(damaged_file), path
        if status == 200 and path.startswith("/export.csv"):
            # A stream that met the damage after its first rows ends saying so.
            last = body.strip().splitlines()[-1]
            assert last.startswith("#incomplete") and "speeches index --full" in last, (path, last)
            continue
        if status == 200 and path.startswith("/api/kwic"):
            assert document["complete"] is False and "speeches index --full" in document["incomplete"]["error"]
            assert document["rows"] == expected[1]["rows"][: len(document["rows"])]
            continue
        assert status == 503, (path, status)
        if path.startswith("/api/"):
            assert document in ERRORS, (path, document)
        else:
            assert "speeches index --full" in body or "speeches index" in body, path


SERVED = [file for file in dict.fromkeys(f for f, _ in CASES)
          if file not in ("CURRENT", ".checked", "signatures.npy", "verdicts.json")]


@pytest.mark.parametrize("file", SERVED)
def test_a_file_damaged_while_the_server_runs_is_found_before_the_next_answer(sound, tmp_path, file, speech_id):
    # The texts and postings are mapped into memory: a file changed in place under a running
    # server would answer with its new bytes. Each request first asks stat whether a file changed.
    index = tmp_path / "index"
    shutil.copytree(sound, index)
    app = create_app({"INDEX": str(index), "TESTING": True})
    client = app.test_client()
    assert client.get("/api/search?q=发展").status_code == 200  # opened, checked and answering
    target = index / next(p for p in index_files(index) if _pattern(p) == file)
    assert damage(target, "flip", seed=zlib.crc32(file.encode()))
    for path in ("/api/search?q=发展", f"/api/speech/{speech_id}", "/api/kwic?q=改革"):
        response = client.get(path)
        assert response.status_code == 503 and response.get_json()["code"] == "damaged_index", path
        assert str(target) in response.get_json()["error"]


def test_the_server_finds_damage_the_cheap_checks_cannot_and_then_answers_nothing(sound, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(sound, index)
    signatures = next(index.glob("gen-*/signatures.npy"))  # read by builds only: no answer changes
    assert damage(signatures, "scribble", seed=7)
    app = create_app({"INDEX": str(index), "TESTING": True})
    client = app.test_client()
    generation = app.extensions["corpus"].generation()  # opened: the cheap checks pass
    assert generation.verified.wait(60), "the background verification ran"
    response = client.get("/api/search?q=发展")
    assert response.status_code == 503
    document = response.get_json()
    assert document["code"] == "damaged_index"
    assert str(signatures) in document["error"] and "speeches index --full" in document["error"]
    assert "speeches index --full" in document["zh"]
    # Even a cheap page says so: the generation answers nothing more.
    page = client.get(f"/speech/{Corpus(sound).speeches()[0]['id']}")
    assert page.status_code == 503 and "speeches index --full" in page.get_data(as_text=True)


def test_a_build_over_a_damaged_index_asks_for_a_full_rebuild_which_repairs_it(sound, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(sound, index)
    corpus = tmp_path / "corpus"
    shutil.copytree(sound.parent / "corpus", corpus)
    words = next(index.glob("gen-*/words.docs.npy"))
    assert damage(words, "scribble", seed=3)
    runner = CliRunner()
    # An update would carry the damaged word postings into the new generation as they are.
    (corpus / "new.txt").write_text("在全县经济工作会议上的讲话\n同志们：\n今年要稳中求进，狠抓落实。\n", encoding="utf-8")
    refused = runner.invoke(main, ["index", "--corpus", str(corpus), "--index", str(index)])
    assert refused.exit_code == 2 and str(words) in refused.stderr and "speeches index --full" in refused.stderr
    assert "Traceback" not in refused.output
    rebuilt = runner.invoke(main, ["index", "--corpus", str(corpus), "--index", str(index), "--full"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert runner.invoke(main, ["verify", "--index", str(index)]).exit_code == 0
    assert Corpus(index).search("稳中求进")["total"] == Corpus(sound).search("稳中求进")["total"] + 1


def test_a_full_rebuild_repairs_an_index_whose_records_are_gone(sound, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(sound, index)
    next(index.glob("gen-*/speeches.jsonl")).unlink()
    summary = build_index(sound.parent / "corpus", index, full=True)
    assert summary.speeches == len(Corpus(sound).speeches())
    assert Corpus(index).verify()["damaged"] == []


def test_verify_passes_a_sound_index_and_prints_json(sound):
    runner = CliRunner()
    result = runner.invoke(main, ["verify", "--index", str(sound)])
    assert result.exit_code == 0 and "match their checksums" in result.stdout
    document = json.loads(runner.invoke(main, ["verify", "--index", str(sound), "--json"]).stdout)
    manifest = json.loads(next(sound.glob("gen-*/manifest.json")).read_text(encoding="utf-8"))
    files = len(index_files(sound)) - 3  # but CURRENT, .checked and the manifest
    assert document["damaged"] == [] and document["files"] == len(manifest["checksums"]) == files
    assert document["index_version"] == Corpus(sound).index_version


def test_a_damaged_manifest_or_current_leads_nowhere_outside_the_index(sound, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(sound, index)
    (tmp_path / "outside.txt").write_text("secret", encoding="utf-8")
    manifest_path = next(index.glob("gen-*/manifest.json"))
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["checksums"]["../../outside.txt"] = [6, "0" * 64]
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(SearchError) as raised:
        Corpus(index).search("发展")
    assert raised.value.code == "damaged_index" and str(manifest_path) in str(raised.value)
    assert [d["file"] for d in Corpus(index).verify()["damaged"]] == [str(manifest_path)]
    # CURRENT naming a folder outside the index is no index at all.
    (index / "CURRENT").write_text("gen-x/../../" + tmp_path.name, encoding="utf-8")
    with pytest.raises(SearchError) as raised:
        Corpus(index).search("发展")
    assert raised.value.code == "no_index"


def test_a_server_whose_old_generation_is_cleaned_away_by_later_builds_answers_from_the_new_one(tmp_path):
    # The per-request check looks at the generation it serves; once CURRENT has moved on, the
    # old generation's files may go (two builds later they do) without that being damage.
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    first = sorted(CORPUS.iterdir())[0]
    shutil.copy(first, corpus / first.name)
    index = tmp_path / "index"
    build_index(corpus, index)
    client = create_app({"INDEX": str(index), "TESTING": True}).test_client()
    assert client.get("/api/search?q=发展").status_code == 200
    for text in ("在全县经济工作会议上的讲话\n同志们：\n今年要稳中求进。\n", "在全市会议上的讲话\n同志们：\n要抓落实。\n"):
        (corpus / f"{len(text)}.txt").write_text(text, encoding="utf-8")
        build_index(corpus, index)
    answer = client.get("/api/search?q=同志们")
    assert answer.status_code == 200 and answer.get_json()["total"] == Corpus(index).search("同志们")["total"]


def test_a_background_verify_that_ends_after_a_recheck_found_damage_keeps_it(sound, tmp_path, monkeypatch):
    # Under load a server's background verify, which had read every file before the damage, ended just
    # after a request's recheck had found the manifest changed and cleared the damage in the moment that
    # request's recheck returned: it answered 200. Damage once found is never taken back.
    from indexer import store

    index = tmp_path / "index"
    shutil.copytree(sound, index)
    corpus = Corpus(index)
    generation = corpus.generation()
    target = index / next(p for p in index_files(index) if _pattern(p) == "manifest.json")
    assert damage(target, "flip", seed=zlib.crc32(b"manifest.json"))
    found = list(generation.recheck())
    assert found and str(target) in str(found[0])
    monkeypatch.setattr(store, "verify_generation", lambda path: [])  # it read every file while they were sound
    generation.verify()
    assert generation.damage[: len(found)] == found
    with pytest.raises(DamagedIndex):
        corpus.kwic("改革")
