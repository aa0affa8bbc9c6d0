"""The `speeches` command: a thin shell over the indexer and search libraries."""

import functools
import json
import os
import sys
from pathlib import Path

import click

from search.corpus import Corpus, SearchError
from search.export import csv_lines
from search.query import QueryError

def _index_option(command):
    return click.option(
        "--index", "index_dir", type=click.Path(file_okay=False), envvar="SPEECHES_INDEX", default="index",
        show_default=True, help="Index folder (or $SPEECHES_INDEX).",
    )(command)


def _output_options(command):
    """Add --json / --jsonl / --csv, defined once for every command that prints records."""
    for name, text in reversed([("json", "Print one JSON document."), ("jsonl", "Print one JSON object per line."),
                                ("csv", "Print CSV (UTF-8 with BOM) with query, filters and index version.")]):
        command = click.option(f"--{name}", "fmt", flag_value=name, help=text)(command)
    return command


def _filter_options(command):
    """Add the field filters shared by search and kwic."""
    options = [
        click.option("--province", multiple=True, help="Province, full or short name (repeat to OR)."),
        click.option("--year", multiple=True, help="Year or range Y1-Y2 (repeat to OR)."),
        click.option("--speaker", multiple=True, help="Speaker's name (repeat to OR)."),
        click.option("--level", multiple=True, help="Level of government: 省 市 县 区 州 … (repeat to OR)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _settings_options(command):
    """Add the named settings (also read from SPEECHES_<NAME> environment variables)."""
    options = [
        click.option("--query-time-limit-ms", "query_time_limit_ms", type=int, envvar="SPEECHES_QUERY_TIME_LIMIT_MS",
                     help="Give up with a 'query too broad' error after this many ms [default: 10000]."),
        click.option("--base-url", envvar="SPEECHES_BASE_URL", help="Prefix for permalinks and citations."),
        click.option("--max-page-size", type=int, envvar="SPEECHES_MAX_PAGE_SIZE", help="Cap on --page-size [default: 200]."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _friendly_errors(command):
    """Turn library errors into a one-line message on stderr and exit status 2."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from indexer.build import BuildError

        try:
            return command(*args, **kwargs)
        except (SearchError, QueryError, BuildError) as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(2)
        except BrokenPipeError:
            sys.stderr.close()
            sys.exit(0)
    return wrapper


def _open(index_dir, **settings) -> Corpus:
    return Corpus(index_dir, {k: v for k, v in settings.items() if v is not None})


def _filters(province=(), year=(), speaker=(), level=()) -> dict:
    """Collect the filter flags that were given; the library checks and resolves them."""
    given = {"province": province, "year": year, "speaker": speaker, "level": level}
    return {name: tuple(values) for name, values in given.items() if values}


def _echo_json(document) -> None:
    click.echo(json.dumps(document, ensure_ascii=False, indent=1))


def _echo_jsonl(rows) -> None:
    for row in rows:
        click.echo(json.dumps(row, ensure_ascii=False))


def _echo_csv(rows, columns: list[str], context: dict) -> None:
    """Print rows as CSV (UTF-8 with BOM) with the context columns on each row."""
    for line in csv_lines(rows, columns, context):
        click.echo(line, nl=False)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Exact phrase search over Chinese government speeches."""


@main.command("index")
@click.option("--corpus", type=click.Path(file_okay=False), envvar="SPEECHES_CORPUS", default="corpus",
              show_default=True, help="Corpus folder (or $SPEECHES_CORPUS).")
@_index_option
@click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True, help="Worker processes.")
@click.option("--full", is_flag=True, help="Rebuild every file, not only changed ones.")
@click.option("--force", is_flag=True, help="Replace the index even if it would lose over half its speeches.")
@click.option("--corrections", type=click.Path(dir_okay=False), envvar="SPEECHES_CORRECTIONS",
              help="Corrections file (TSV: id, field, value, note) [default: corrections.tsv beside the corpus folder].")
@click.option("--json", "as_json", is_flag=True, help="Print the closing summary as one JSON object.")
@_friendly_errors
def index_command(corpus, index_dir, jobs, full, force, corrections, as_json):
    """Build or update the index from every file under the corpus folder.

    \b
    Example:
        speeches index --corpus corpus --jobs 2
    """
    from indexer.build import build_index, corpus_files

    progress = None
    bar = None
    if sys.stderr.isatty() and Path(corpus).is_dir():
        bar = click.progressbar(length=len(corpus_files(Path(corpus))), label="Indexing", file=sys.stderr)
        bar.__enter__()
        progress = lambda _path: bar.update(1)  # noqa: E731
    try:
        summary = build_index(Path(corpus), Path(index_dir), jobs=jobs, force=force, full=full, progress=progress,
                              corrections=corrections)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    if as_json:
        _echo_json(summary.as_dict())
        return
    click.echo(f"Read {summary.files_read} files, found {summary.speeches} speeches "
               f"in {summary.seconds:.1f} s (index version {summary.index_version}).")
    if summary.reused:
        click.echo(f"{summary.reused} unchanged files were reused from the previous index.")
    for suffix, counts in sorted(summary.by_format.items()):
        click.echo(f"  {suffix}: {counts['read']} read, {counts['reused']} reused, {counts['skipped']} skipped, "
                   f"{counts['speeches']} speeches")
    if summary.duplicates:
        click.echo(f"{summary.duplicates} speeches arrived more than once and were indexed once.")
    for unknown in summary.unknown_corrections:
        click.echo(f"Correction for unknown id {unknown}: no speech has it; check the id with `speeches list`")
    for skipped in summary.skipped:
        click.echo(f"Skipped {skipped['file']}: {skipped['reason']} ({skipped['code']})")
    for row in summary.rows_skipped:
        click.echo(f"Skipped {row['file']} row {row['row']}: {row['reason']} ({row['code']})")
    for warning in summary.warnings:
        click.echo(f"Warning {warning['file']}: {warning['code']} ×{warning['count']}")
    for span in summary.dropped:
        first, last = span["lines"]
        click.echo(f"Dropped {span['path']} lines {first}-{last} ({span['reason']}, {span['han']} Han characters)")


@main.command("list")
@_index_option
@_output_options
@_friendly_errors
def list_command(index_dir, fmt):
    """List every indexed speech.

    \b
    Example:
        speeches list --csv > speeches.csv
    """
    corpus = _open(index_dir)
    speeches = corpus.speeches()
    if fmt == "json":
        _echo_json({"index_version": corpus.index_version, "total": len(speeches), "speeches": speeches})
    elif fmt == "jsonl":
        _echo_jsonl(speeches)
    elif fmt == "csv":
        from indexer.schema import SPEECH_FIELDS

        _echo_csv(speeches, list(SPEECH_FIELDS), {"index_version": corpus.index_version})
    else:
        for s in speeches:
            click.echo("\t".join(str(v if v is not None else "未知") for v in
                                 (s["id"], s["year"], s["province"], s["speaker"], s["title"])))


@main.command("show")
@click.argument("speech_id")
@_index_option
@click.option("--json", "as_json", is_flag=True, help="Print the speech as JSON.")
@click.option("--raw", is_flag=True, help="Print the original, uncleaned text of its source span.")
@_friendly_errors
def show_command(speech_id, index_dir, as_json, raw):
    """Show one speech with its metadata and full text.

    \b
    Example:
        speeches show 3f2a9c0d1e4b5a67 --json
    """
    corpus = _open(index_dir)
    if raw:
        click.echo(corpus.raw(speech_id))
        return
    speech = corpus.speech(speech_id)
    if as_json:
        _echo_json(speech)
        return
    for name, value in speech.items():
        if name != "text":
            click.echo(f"{name}: {value if value is not None else '未知'}")
    click.echo("")
    for number, paragraph in enumerate(speech["text"].split("\n"), 1):
        click.echo(f"[{number}] {paragraph}")


@main.command("search")
@click.argument("query", required=False, default="")
@_filter_options
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True)
@click.option("--page", type=int, default=1, show_default=True)
@click.option("--page-size", "--limit", "page_size", type=int, envvar="SPEECHES_PAGE_SIZE",
              help="Hits per page [default: 20].")
@click.option("--collapse", is_flag=True, help="Fold near-duplicate versions of a speech into one hit.")
@_index_option
@_settings_options
@_output_options
@_friendly_errors
def search_command(query, province, year, speaker, level, sort, page, page_size, collapse, index_dir, fmt, **settings):
    """Search speeches: ranked hits, exact facet counts and highlighted snippets.

    \b
    Example:
        speeches search 双过半 --province 湖南 --json
    """
    filters = _filters(province, year, speaker, level)
    if not query.strip() and not filters:
        raise QueryError("the query is empty; give a phrase or a filter, e.g. speeches search 双过半")
    corpus = _open(index_dir, **settings)
    result = corpus.search(query, filters, sort=sort, page=page, page_size=page_size, collapse=collapse)
    if fmt == "json":
        _echo_json(result)
    elif fmt == "jsonl":
        _echo_jsonl(result["hits"])
    elif fmt == "csv":
        from indexer.schema import SPEECH_FIELDS

        columns = list(SPEECH_FIELDS) + ["score", "occurrences", "folded"]
        _echo_csv(result["hits"], columns, {"query": query, "filters": json.dumps(result["filters"], ensure_ascii=False),
                                            "index_version": result["index_version"]})
    else:
        click.echo(f"{result['total']} speeches, {result['occurrences']} occurrences")
        for hit in result["hits"]:
            click.echo(f"{hit['id']}  {hit['year'] or '未知'}  {hit['province'] or '未知'}  "
                       f"{hit['speaker'] or '未知'}  {hit['title'] or '未知'}  ({hit['occurrences']})")


@main.command("kwic")
@click.argument("query", required=False, default="")
@_filter_options
@click.option("--width", type=int, envvar="SPEECHES_KWIC_WIDTH", help="Characters of context each side [default: 30].")
@_index_option
@_settings_options
@_output_options
@_friendly_errors
def kwic_command(query, province, year, speaker, level, width, index_dir, fmt, **settings):
    """List every occurrence with its left and right context (a concordance).

    \b
    Example:
        speeches kwic 六稳 --csv > 六稳.csv
    """
    filters = _filters(province, year, speaker, level)
    if not query.strip():
        raise QueryError("the query is empty; give a phrase, e.g. speeches kwic 六稳")
    corpus = _open(index_dir, **settings)
    result = corpus.kwic(query, filters, width=width)
    if fmt == "json":
        _echo_json(result)
    elif fmt == "jsonl":
        _echo_jsonl(result["rows"])
    elif fmt == "csv":
        columns = ["id", "title", "speaker", "year", "province", "paragraph", "offset", "left", "match", "right", "url"]
        _echo_csv(result["rows"], columns, {"query": query, "filters": json.dumps(result["filters"], ensure_ascii=False),
                                            "index_version": result["index_version"]})
    else:
        for row in result["rows"]:
            click.echo(f"{row['id']} p{row['paragraph']}: {row['left']:>{width or 30}}[{row['match']}]{row['right']}")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=5000, show_default=True)
@_index_option
@_settings_options
@_friendly_errors
def serve_command(host, port, index_dir, **settings):
    """Serve the web front end.

    \b
    Example:
        speeches serve --port 5000
    """
    try:
        from web import create_app
    except ImportError:
        raise click.ClickException("the web front end is not built yet") from None
    from waitress import serve

    app = create_app({"INDEX": index_dir, **{k.upper(): v for k, v in settings.items() if v is not None}})
    click.echo(f"Serving on http://{host}:{port}/")
    serve(app, host=host, port=port, threads=int(os.environ.get("SPEECHES_THREADS", "8")))
