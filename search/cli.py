"""The `speeches` command: a thin shell over the indexer and search libraries."""

import functools
import json
import sys
from pathlib import Path

import click

from indexer import schema
from search import settings as named_settings

# Only click, the field registry and the settings table load with the command: each
# subcommand imports the library it runs, so `speeches --help` answers at once.


def _remember(ctx, param, value):
    """Keep an option for _open and the index command, without adding it to every command's parameters."""
    ctx.meta[param.name] = value
    return value


def _index_option(command):
    """Add --index, and --cluster / --scheduler for a sharded index held by Dask workers."""
    command = click.option("--scheduler", expose_value=False, callback=_remember, envvar="SPEECHES_SCHEDULER",
                           help="A Dask scheduler's address (tcp://HOST:8786) whose workers hold and search "
                                "(or build) the shards of a sharded index.")(command)
    command = click.option("--cluster", expose_value=False, callback=_remember,
                           help="local:N starts a Dask LocalCluster of N worker processes here for a sharded index.")(command)
    return click.option(
        "--index", "index_dir", type=click.Path(file_okay=False), envvar="SPEECHES_INDEX", default="index",
        show_default=True, help="Index folder (or $SPEECHES_INDEX).",
    )(command)


def _client():
    """Return the Dask client the command's --cluster or --scheduler asks for (closed when the command ends), or None."""
    from search.cluster import connect

    ctx = click.get_current_context()
    return ctx.with_resource(connect(ctx.meta.get("cluster"), ctx.meta.get("scheduler")))


def _output_options(command):
    """Add --json / --jsonl / --csv, defined once for every command that prints records."""
    for name, text in reversed([("json", "Print one JSON document."), ("jsonl", "Print one JSON object per line."),
                                ("csv", "Print CSV (UTF-8 with BOM) with query, filters and index version.")]):
        command = click.option(f"--{name}", "fmt", flag_value=name, help=text)(command)
    return command


def _filter_options(command):
    """Add an option for every field the registry gives a flag (--province, --year, …), repeatable."""
    for entry in reversed([f for f in schema.FIELDS if f.flag]):
        command = click.option(schema.flag(entry.name), entry.name, multiple=True,
                               help=f"{entry.label}: {entry.help} (repeat to OR).")(command)
    return command


def _settings_options(scope: str = named_settings.SEARCH):
    """Add an option for every named setting of a scope (also read from $SPEECHES_<NAME>), gathered into `settings`."""
    rows = named_settings.rows(scope)

    def decorate(command):
        @functools.wraps(command)
        def wrapper(*args, **kwargs):
            kwargs["settings"] = {row.name: kwargs.pop(row.name) for row in rows}
            return command(*args, **kwargs)

        for row in reversed(rows):
            kind = type(row.default) if isinstance(row.default, (int, str)) and not isinstance(row.default, bool) else None
            wrapper = click.option(row.flag, *row.aliases, row.name, type=kind, envvar=row.envvar,
                                   help=f"{row.help} [default: {row.default if row.default != '' else '(none)'}]")(wrapper)
        return wrapper
    return decorate


# The errors a user can fix, by module: each is caught only once its module has been imported
# (an error cannot come from a module that was never loaded), so catching costs no import.
USER_ERRORS = (("search.errors", "SearchError"), ("search.query", "QueryError"), ("indexer.build", "BuildError"),
               ("search.cluster", "ClusterError"), ("indexer.integrity", "StoreError"), ("search.cli", "IncompleteExport"))


class IncompleteExport(Exception):
    """An export stopped before its last row; its output ends with a line saying so."""


def _friendly_errors(command):
    """Turn library errors into a one-line message on stderr and exit status 2."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except BrokenPipeError:
            sys.stderr.close()
            sys.exit(0)
        except Exception as error:
            known = tuple(getattr(sys.modules[module], name) for module, name in USER_ERRORS if module in sys.modules)
            if not isinstance(error, known):
                raise
            click.echo(f"Error: {error}", err=True)
            sys.exit(2)
    return wrapper


def _open(index_dir, settings: dict | None = None):
    """Open the index for reading: one index, or a sharded one (searched by Dask workers with --cluster/--scheduler)."""
    from search import open_index

    return open_index(index_dir, settings, _client())


# A query may start with - (`speeches search -疫情 --province 湖南` excludes 疫情): the commands
# that take one pass words click does not know as options through as query words.
QUERY_COMMAND = {"ignore_unknown_options": True}


def _query_argument(command):
    """Add the query: every word not an option, joined by spaces (`speeches search 营商环境 -疫情`)."""
    return click.argument("query_words", nargs=-1, type=click.UNPROCESSED, metavar="QUERY")(command)


def _query(words: tuple[str, ...]) -> str:
    """Join the query words, refusing a misspelled long option instead of searching for it."""
    for word in words:
        if word.startswith("--") and len(word) > 2:
            raise click.UsageError(f"no such option: {word.split('=')[0]} (see --help); a query word cannot start "
                                   "with --: quote it inside the query, e.g. '\"--\"'")
    return " ".join(words)


def _filters(given: dict) -> dict:
    """Take the filter flags out of a command's arguments and keep those given; the library checks them."""
    taken = {f.name: tuple(given.pop(f.name, ())) for f in schema.FIELDS if f.flag}
    return {name: values for name, values in taken.items() if values}


def _count(number: int, one: str, many: str) -> str:
    """Write a count with its noun, singular for 1: 1 speech, 2 speeches."""
    return f"{number} {one if number == 1 else many}"


def _explain(parsed: dict | None, suggestions: list[dict], prefix: str = "", err: bool = False) -> None:
    """Print how the query was read and what it may have meant, each suggestion with the speeches it finds."""
    if parsed and parsed.get("reading"):
        click.echo(f"{prefix}Read as: {parsed['reading']}", err=err)
    for suggestion in suggestions:
        click.echo(f"{prefix}Did you mean “{suggestion['query']}”? {_count(suggestion['total'], 'speech', 'speeches')}",
                   err=err)


def _echo_json(document) -> None:
    click.echo(json.dumps(document, ensure_ascii=False, indent=1))


def _echo_jsonl(rows) -> None:
    for row in rows:
        click.echo(json.dumps(row, ensure_ascii=False))


def _echo_csv(rows, columns: list[str], context: dict) -> None:
    """Print rows as CSV (UTF-8 with BOM) with the context columns on each row."""
    from search.export import csv_lines

    for line in csv_lines(rows, columns, context):
        click.echo(line, nl=False)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Exact phrase search over Chinese government speeches."""


@main.command("index")
@click.option("--corpus", type=click.Path(file_okay=False), envvar="SPEECHES_CORPUS", default="corpus",
              show_default=True, help="Corpus folder (or $SPEECHES_CORPUS).")
@_index_option
@click.option("--jobs", type=click.IntRange(1, 64), help="Worker processes [default: every core].")
@click.option("--full", is_flag=True, help="Rebuild every file, not only changed ones.")
@click.option("--force", is_flag=True, help="Replace the index even if it would lose over half its speeches.")
@click.option("--corrections", type=click.Path(dir_okay=False), envvar="SPEECHES_CORRECTIONS",
              help="Corrections file (TSV: id, field, value, note) [default: corrections.tsv beside the corpus folder].")
@click.option("--json", "as_json", is_flag=True, help="Print the closing summary as one JSON object.")
@click.option("--shards", type=click.IntRange(1, 256), help="Build a sharded index of N shards (kept on updates).")
@_settings_options(named_settings.INDEX)
@_friendly_errors
def index_command(corpus, index_dir, jobs, full, force, corrections, as_json, shards, settings):
    """Build or update the index from every file under the corpus folder.

    A sharded index (--shards N) stays sharded when it is updated; --cluster or --scheduler
    builds its shards as Dask tasks on the cluster's workers.

    \b
    Example:
        speeches index --corpus corpus --jobs 2
        speeches index --shards 4 --cluster local:2
    """
    from indexer import shards as sharding
    from indexer.build import build_index
    from indexer.corpusfiles import corpus_files

    progress = None
    bar = None
    if sys.stderr.isatty() and Path(corpus).is_dir():
        bar = click.progressbar(length=len(corpus_files(Path(corpus))), label="Indexing", file=sys.stderr)
        bar.__enter__()
        progress = lambda _path: bar.update(1)  # noqa: E731
    limits = named_settings.resolve(settings, named_settings.INDEX)
    if jobs is None:
        from indexer.build import every_core

        jobs = every_core()
    options = dict(jobs=jobs, force=force, full=full, progress=progress, corrections=corrections,
                   **{name: limits[name] for name in ("max_file_mb", "max_reader_mb", "reader_time_limit_s")})
    try:
        if shards or sharding.is_sharded(Path(index_dir)):
            summary = sharding.build_sharded(Path(corpus), Path(index_dir), shards=shards, client=_client(), **options)
        else:
            summary = build_index(Path(corpus), Path(index_dir), **options)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    if as_json:
        _echo_json(summary.as_dict())
        return
    if summary.unchanged:
        click.echo(f"Nothing changed since the last build: index version {summary.index_version} kept "
                   f"({_count(summary.speeches, 'speech', 'speeches')}, {_count(summary.reused, 'file', 'files')}).")
        return
    click.echo(f"Read {_count(summary.files_read, 'file', 'files')}, found {_count(summary.speeches, 'speech', 'speeches')} "
               f"in {summary.seconds:.1f} s (index version {summary.index_version}).")
    if summary.reused:
        click.echo(f"{_count(summary.reused, 'unchanged file was', 'unchanged files were')} reused from the previous index.")
    for suffix, counts in sorted(summary.by_format.items()):
        click.echo(f"  {suffix}: {counts['read']} read, {counts['reused']} reused, {counts['skipped']} skipped, "
                   f"{_count(counts['speeches'], 'speech', 'speeches')}")
    if summary.duplicates:
        click.echo(f"{_count(summary.duplicates, 'speech', 'speeches')} arrived more than once and were indexed once.")
    for unknown in summary.unknown_corrections:
        click.echo(f"Correction for unknown id {unknown}: no speech has it; check the id with `speeches list`")
    for skipped in summary.skipped:
        click.echo(f"Skipped {skipped['file']}: {skipped['reason']} ({skipped['code']})")
    for row in summary.rows_skipped:
        click.echo(f"Skipped {row['file']} row {row['row']}: {row['reason']} ({row['code']})")
    for warning in summary.warnings:
        where = "; ".join(f"row {item['row']} {item['column']}: {item['value']!r}" for item in warning.get("rows", []))
        click.echo(f"Warning {warning['file']}: {warning['code']} ×{warning['count']}" + (f" ({where})" if where else ""))
    for span in summary.dropped:
        where = f"lines {span['lines'][0]}-{span['lines'][1]}" if span["lines"] else "from its pages"
        row = f" row {span['row']}" if span.get("row") else ""
        click.echo(f"Dropped {span['path']}{row} {where} ({span['reason']}, {span.get('chars', span['han'])} characters, "
                   f"{span['han']} Han)")
    for path, reasons in summary.dropped_by_file().items():
        click.echo(f"Dropped in all from {path}: " + ", ".join(f"{reason} {chars:,} characters"
                                                           for reason, chars in sorted(reasons.items())))


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
    from search.export import speech_columns

    corpus = _open(index_dir)
    speeches = corpus.speeches()
    if fmt == "json":
        _echo_json({"index_version": corpus.index_version, "total": len(speeches), "speeches": speeches})
    elif fmt == "jsonl":
        _echo_jsonl(speeches)
    elif fmt == "csv":
        _echo_csv(speeches, speech_columns(), {"index_version": corpus.index_version})
    else:
        for s in speeches:
            click.echo("\t".join(str(v if v is not None else schema.UNKNOWN) for v in
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
            click.echo(f"{name}: {value if value is not None else schema.UNKNOWN}")
    click.echo("")
    for number, paragraph in enumerate(speech["text"].split("\n"), 1):
        click.echo(f"[{number}] {paragraph}")


@main.command("similar")
@click.argument("speech_id")
@_index_option
@_settings_options()
@click.option("--json", "as_json", is_flag=True, help="Print the answer as one JSON object.")
@_friendly_errors
def similar_command(speech_id, index_dir, settings, as_json):
    """List the speeches most like one (相似讲话): its near-duplicate versions, then those on its topic.

    \b
    Example:
        speeches similar 3f2a9c0d1e4b5a67 --similar-speeches 5
    """
    result = _open(index_dir, settings).similar(speech_id)
    if as_json:
        _echo_json(result)
        return
    for hit in result["similar"]:
        click.echo("  ".join(str(v or schema.UNKNOWN) for v in (hit["id"], hit["year"], hit["province"], hit["speaker"],
                                                                hit["title"])) + f"  ({hit['score']:.2f})")


@main.command("search", context_settings=QUERY_COMMAND)
@_query_argument
@_filter_options
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True)
@click.option("--page", type=int, default=1, show_default=True)
@click.option("--collapse", is_flag=True, help="Fold near-duplicate versions of a speech into one hit.")
@_index_option
@_settings_options()
@_output_options
@_friendly_errors
def search_command(query_words, sort, page, collapse, index_dir, fmt, settings, **given):
    """Search speeches: ranked hits, exact facet counts and highlighted snippets.

    \b
    Example:
        speeches search 双过半 --province 湖南 --json
    """
    query = _query(query_words)
    corpus = _open(index_dir, settings)
    # Only the JSON document shows facets; the other outputs need not load the field columns.
    result = corpus.search(query, _filters(given), sort=sort, page=page, collapse=collapse, facets=fmt == "json")
    if fmt == "json":
        _echo_json(result)
    elif fmt == "jsonl":
        _echo_jsonl(result["hits"])
    elif fmt == "csv":
        from search.export import hit_columns

        _echo_csv(result["hits"], hit_columns(), _context(result))
    else:
        click.echo(f"{_count(result['total'], 'speech', 'speeches')}, "
                   f"{_count(result['occurrences'], 'occurrence', 'occurrences')}")
        _explain(result["parsed"], result["suggestions"])
        for hit in result["hits"]:
            click.echo("  ".join(str(v or schema.UNKNOWN) for v in (hit["id"], hit["year"], hit["province"],
                                                                    hit["speaker"], hit["title"]))
                       + f"  ({hit['occurrences']})")


@main.command("kwic", context_settings=QUERY_COMMAND)
@_query_argument
@_filter_options
@click.option("--sort", type=click.Choice(["source", "left", "match", "right", "date", "province"]), default="source",
              show_default=True, help="Order of the rows: as in the sources, by left context (nearest character "
              "first), match, right context, date (newest first) or province.")
@_index_option
@_settings_options()
@_output_options
@_friendly_errors
def kwic_command(query_words, sort, index_dir, fmt, settings, **given):
    """List every occurrence with its left and right context (a concordance).

    \b
    Example:
        speeches kwic 六稳 --csv > 六稳.csv
    """
    from search import limits
    from search.corpus import SearchError
    from search.export import csv_lines, jsonl_lines, stopped_message
    from search.snippets import kwic_columns

    corpus = _open(index_dir, settings)
    result = corpus.kwic_rows(_query(query_words), _filters(given), sort=sort)
    # Every row is found as it is printed, under export_time_limit_s; a cut export says so in its last line.
    limit = named_settings.resolve(settings)["export_time_limit_s"]
    rows = limits.bounded(result["rows"], limits.export_deadline(limit), stops=(SearchError,))
    stopped = []

    def watched(rows):
        for row in rows:
            if isinstance(row, limits.Stopped):
                stopped.append(row)
            yield row

    if fmt == "json":
        result["rows"] = list(watched(rows))
        if stopped:
            raise IncompleteExport(stopped_message(stopped[0]) + "; --jsonl and --csv give the rows found in time")
        _echo_json(result)
        return
    if fmt == "jsonl":
        lines = jsonl_lines(watched(rows))
    elif fmt == "csv":
        lines = csv_lines(watched(rows), kwic_columns(), _context(result))
    else:
        # How the query was read heads the listing as comment lines, as a cut listing's last line is one.
        _explain(result.get("parsed"), corpus.suggestions(result["query"], result["filters"]), prefix="# ")
        width = named_settings.resolve(settings)["kwic_width"]
        lines = (f"# {stopped_message(row)}\n" if isinstance(row, limits.Stopped) else
                 f"{row['id']} p{row['paragraph']}: {row['left']:>{width}}[{row['match']}]{row['right']}\n"
                 for row in watched(rows))
    for line in lines:
        click.echo(line, nl=False)
    if stopped:
        raise IncompleteExport(stopped_message(stopped[0]))


@main.command("verify")
@_index_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@_friendly_errors
def verify_command(index_dir, as_json):
    """Check every file of the serving index against the checksums its manifest records.

    Exit status 0 when every file matches, 2 naming each damaged file.

    \b
    Example:
        speeches verify --index index
    """
    result = _open(index_dir).verify()
    if as_json:
        _echo_json(result)
    elif not result["damaged"]:
        click.echo(f"{result['files']} files of {result['generation']} match their checksums "
                   f"(index version {result['index_version']}).")
    for damage in result["damaged"]:
        click.echo(f"Damaged: {damage['file']}: {damage['problem']}", err=True)
    if result["damaged"]:
        click.echo("Error: the index is damaged; rebuild it with `speeches index --full`", err=True)
        sys.exit(2)


def _context(result: dict) -> dict:
    """Return the columns every CSV row repeats: the query, the filters and the index version."""
    return {"query": result["query"], "filters": json.dumps(result["filters"], ensure_ascii=False),
            "index_version": result["index_version"]}


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=5000, show_default=True)
@_index_option
@_settings_options(named_settings.SERVE)
@_friendly_errors
def serve_command(host, port, index_dir, settings):
    """Serve the web front end.

    \b
    Example:
        speeches serve --port 5000
    """
    import errno

    from web import create_app
    from web.capacity import create_server

    app = create_app({"INDEX": index_dir, "HOST": host, "DASK_CLIENT": _client(),
                      **{k.upper(): v for k, v in settings.items() if v is not None}})
    try:
        server = create_server(app, host, port)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            click.echo(f"Error: port {port} on {host} is already in use; serve on another with --port N "
                       "(make serve PORT=N)", err=True)
        else:
            click.echo(f"Error: cannot serve on {host}:{port}: {error.strerror or error}", err=True)
        sys.exit(2)
    click.echo(f"Serving on http://{host}:{port}/")
    server.run()


@main.command("compare")
@click.argument("terms", nargs=-1, required=True)
@click.option("--by", default="year", show_default=True,
              help="One or two fields, comma-separated: year, province, city, level, speaker, date_source.")
@_filter_options
@click.option("--collapse", is_flag=True, help="Count representatives of near-duplicate versions only.")
@_index_option
@_settings_options()
@_output_options
@_friendly_errors
def compare_command(terms, by, collapse, index_dir, fmt, settings, **given):
    """Compare terms per year, province or both: occurrences, speeches, and rates per 10,000 characters.

    Each TERM is one query (quote one with spaces: "营商环境 OR 招商引资").

    \b
    Example:
        speeches compare 稳中求进 高质量发展 --by province,year --csv > compare.csv
    """
    corpus = _open(index_dir, settings)
    result = corpus.compare(list(terms), by.split(","), _filters(given), collapse=collapse)
    from search.export import compare_columns, compare_rows

    rows = compare_rows(result)
    if fmt == "json":
        _echo_json(result)
    elif fmt == "jsonl":
        _echo_jsonl(rows)
    elif fmt == "csv":
        _echo_csv(rows, compare_columns(result["by"]), {
            "terms": json.dumps(result["terms"], ensure_ascii=False), "by": ",".join(result["by"]),
            "filters": json.dumps(result["filters"], ensure_ascii=False), "index_version": result["index_version"]})
    else:
        for bucket in result["buckets"]:
            counts = "  ".join(f"{term} {s['occurrences']} ({s['speeches']} 篇, "
                               f"{'-' if s['per_10k_chars'] is None else format(s['per_10k_chars'], '.3f')}/万字)"
                               for term, s in bucket["series"].items())
            click.echo(f"{' · '.join(bucket['key'].values())}  {bucket['speeches']} 篇 {bucket['chars']} 字  {counts}")


@main.command("cite", context_settings=QUERY_COMMAND)
@_query_argument
@_filter_options
@click.option("--collapse", is_flag=True, help="Fold near-duplicate versions of a speech into one.")
@_index_option
@click.option("--json", "as_json", is_flag=True, help="Print the snapshot as JSON.")
@_friendly_errors
def cite_command(query_words, collapse, index_dir, as_json, **given):
    """Store a citable snapshot of what a query finds now, under a short id shown at /cite/<id>.

    \b
    Example:
        speeches cite 双过半 --province 湖南
    """
    corpus = _open(index_dir)
    snapshot = corpus.cite(_query(query_words), _filters(given), collapse=collapse)
    if as_json:
        _echo_json(snapshot)
    else:
        click.echo(f"snapshot {snapshot['id']}: {_count(snapshot['total'], 'speech', 'speeches')}, "
                   f"{_count(snapshot['occurrences'], 'occurrence', 'occurrences')} "
                   f"(index version {snapshot['index_version']}); the page is /cite/{snapshot['id']}")


# ---- forms, collocates, keywords (search/analysis.py) -------------------------------------------


def _analysis_options(min_freq: int):
    """Add --min-freq and --all, which the research tools share, and every command's --index, settings, formats and
    friendly errors."""
    def decorate(command):
        command = _friendly_errors(command)
        command = _output_options(command)
        command = _settings_options()(command)
        command = _index_option(command)
        command = click.option("--all", "everything", is_flag=True,
                               help="Every row, not the first 200 (CSV always gives every row).")(command)
        return click.option("--min-freq", type=click.IntRange(1), default=min_freq, show_default=True,
                            help="Leave out what occurs fewer times.")(command)
    return decorate


def _item_options(command):
    """Add --unit, --punctuation and --no-numbers for collocates and keywords."""
    command = click.option("--no-numbers", "numbers", is_flag=True, flag_value=False, default=True,
                           help="Leave out numbers (2021, 十四, 3.5).")(command)
    command = click.option("--punctuation", is_flag=True, help="Keep items holding punctuation.")(command)
    return click.option("--unit", type=click.Choice(["word", "ngram"]), default="word", show_default=True,
                        help="Words (as ranking segments them) or character n-grams of 2-8 characters.")(command)


def _against_options(command):
    """Add --against-<field> for every filter flag of the registry: the reference of keywords."""
    for entry in reversed([f for f in schema.FIELDS if f.flag]):
        command = click.option("--against-" + schema.flag(entry.name)[2:], f"against_{entry.name}", multiple=True,
                               help=f"Reference {entry.label}: {entry.help} (repeat to OR).")(command)
    return command


def _print_rows(result: dict, key: str, columns: list[str], fmt: str | None) -> None:
    """Print the rows of an analysis: JSON, JSON lines, CSV, or a tab-separated table."""
    from search.analysis import export_context

    if fmt == "json":
        _echo_json(result)
    elif fmt == "jsonl":
        _echo_jsonl(result[key])
    elif fmt == "csv":
        _echo_csv(result[key], columns, export_context(result))
    else:
        click.echo("\t".join(columns))
        for row in result[key]:
            click.echo("\t".join(f"{row[c]:.4f}" if isinstance(row[c], float) else str(row[c]) for c in columns))


@main.command("forms", context_settings=QUERY_COMMAND)
@_query_argument
@_filter_options
@click.option("--sort", type=click.Choice(["occurrences", "speeches", "form"]), default="occurrences",
              show_default=True, help="Order of the forms.")
@_analysis_options(1)
def forms_command(query_words, sort, min_freq, everything, index_dir, fmt, settings, **given):
    """List the distinct strings a pattern (or any query) matched, with occurrences and speeches.

    \b
    Example:
        speeches forms '/[一二三四五六七八九十]个一批/' --csv > 个一批.csv
    """
    from search.analysis import FORM_COLUMNS

    corpus = _open(index_dir, settings)
    every = {"limit": None} if everything or fmt == "csv" else {}  # else the library's first LIMIT rows
    result = corpus.forms(_query(query_words), _filters(given), sort=sort, min_freq=min_freq, **every)
    _print_rows(result, "forms", FORM_COLUMNS, fmt)


@main.command("clusters", context_settings=QUERY_COMMAND)
@_query_argument
@_filter_options
@click.option("--side", type=click.Choice(["right", "left", "both"]), default="right", show_default=True,
              help="The words after each occurrence (right), before it (left) or both.")
@click.option("--words", type=click.IntRange(1, 8), default=2, show_default=True, help="Words on each side taken.")
@click.option("--sort", type=click.Choice(["occurrences", "speeches", "cluster"]), default="occurrences",
              show_default=True, help="Order of the clusters.")
@_analysis_options(2)
def clusters_command(query_words, side, words, sort, min_freq, everything, index_dir, fmt, settings, **given):
    """List each occurrence with the words after (or before) it in its clause, as strings, with occurrences and speeches.

    \b
    Example:
        speeches clusters 稳中求进 --words 3
        speeches clusters 营商环境 --side left --csv > 营商环境.csv
    """
    from search.analysis import CLUSTER_COLUMNS

    corpus = _open(index_dir, settings)
    every = {"limit": None} if everything or fmt == "csv" else {}  # else the library's first LIMIT rows
    result = corpus.clusters(_query(query_words), _filters(given), side=side, words=words, sort=sort, min_freq=min_freq,
                             **every)
    _print_rows(result, "clusters", CLUSTER_COLUMNS, fmt)


@main.command("collocates", context_settings=QUERY_COMMAND)
@_query_argument
@_filter_options
@_item_options
@click.option("--sort", type=click.Choice(["g2", "mi", "logdice", "freq"]), default="g2", show_default=True,
              help="Order of the collocates (freq: in the windows).")
@_analysis_options(3)
def collocates_command(query_words, unit, punctuation, numbers, sort, min_freq, everything, index_dir, fmt, settings,
                       **given):
    """List the words (or n-grams) within a window of a term's occurrences, with G², MI and logDice.

    \b
    Example:
        speeches collocates 营商环境 --window 10 --unit word --json
    """
    from search.analysis import COLLOCATE_COLUMNS

    corpus = _open(index_dir, settings)
    every = {"limit": None} if everything or fmt == "csv" else {}  # else the library's first LIMIT rows
    result = corpus.collocates(_query(query_words), _filters(given), unit=unit, min_freq=min_freq,
                               punctuation=punctuation, numbers=numbers, sort=sort, **every)
    _print_rows(result, "collocates", COLLOCATE_COLUMNS, fmt)


@main.command("keywords", context_settings=QUERY_COMMAND)
@_query_argument
@_filter_options
@_against_options
@_item_options
@click.option("--sort", type=click.Choice(["g2", "log_ratio", "freq"]), default="g2", show_default=True,
              help="Order of the items (freq: the frequency list of the target).")
@_analysis_options(5)
def keywords_command(query_words, unit, punctuation, numbers, sort, min_freq, everything, index_dir, fmt, settings,
                     **given):
    """Compare a target (filters or a query) with the rest of the corpus or --against-* filters: keyness.

    \b
    Example:
        speeches keywords --year 2021 --against-year 2019 --csv > 2021.csv
    """
    from search.analysis import KEYWORD_COLUMNS

    against = {name[len("against_"):]: tuple(values) for name, values in list(given.items())
               if name.startswith("against_") and values}
    for name in [name for name in given if name.startswith("against_")]:
        given.pop(name)
    corpus = _open(index_dir, settings)
    every = {"limit": None} if everything or fmt == "csv" else {}  # else the library's first LIMIT rows
    result = corpus.keywords(_query(query_words), _filters(given), against=against or None, unit=unit,
                             min_freq=min_freq, punctuation=punctuation, numbers=numbers, sort=sort, **every)
    _print_rows(result, "items", KEYWORD_COLUMNS, fmt)
