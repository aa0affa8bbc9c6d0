"""The one settings table: every named limit and default, with its help.

The command line's options (`--page-size`, also `$SPEECHES_PAGE_SIZE`), the web app's config
(`PAGE_SIZE`) and the README's table all derive from these rows; a test holds the README to
them. A setting is given as a flag, an environment variable, or the web app's config.
"""

from dataclasses import dataclass


SEARCH, SERVE, INDEX = "search", "serve", "index"


@dataclass(frozen=True)
class Setting:
    """One named setting: its default, what it does, and where it applies."""

    name: str
    default: object
    help: str
    scope: str = SEARCH  # SEARCH: every command that searches, and serve; SERVE: serve only; INDEX: index only
    aliases: tuple[str, ...] = ()  # further command-line flags for it

    @property
    def server(self) -> bool:
        """Tell whether only `speeches serve` takes it."""
        return self.scope == SERVE

    @property
    def flag(self) -> str:
        """Return its command-line flag: page_size -> --page-size."""
        return "--" + self.name.replace("_", "-")

    @property
    def envvar(self) -> str:
        """Return its environment variable: page_size -> SPEECHES_PAGE_SIZE."""
        return "SPEECHES_" + self.name.upper()

    def parse(self, value):
        """Return a given value as the setting's type, or raise ValueError naming the setting."""
        if value is None:
            return None
        if isinstance(self.default, bool):
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                raise ValueError(f"{self.name} must be true or false, not {value!r}")
            return text in ("1", "true", "yes", "on")
        if isinstance(self.default, int):
            try:
                number = int(value)
            except (TypeError, ValueError):
                raise ValueError(f"{self.name} must be a whole number, not {value!r}") from None
            if number < 0:
                raise ValueError(f"{self.name} must not be negative, not {number}")
            return number
        return str(value)


SETTINGS = (
    Setting("page_size", 20, "Hits per page of search results.", aliases=("--limit",)),
    Setting("max_page_size", 200, "Largest page of search results or concordance rows a request may ask for."),
    Setting("kwic_width", 30, "Characters of context each side of a concordance match.", aliases=("--width",)),
    Setting("kwic_page_size", 50, "Concordance rows per page on the web."),
    Setting("snippets_per_hit", 3, "Highlighted snippets shown for each hit."),
    Setting("query_time_limit_ms", 10000, "Give up with a 'query too broad' error after this many milliseconds."),
    Setting("similar_speeches", 10, "Similar speeches (相似讲话) listed on a speech's page and in its JSON."),
    Setting("collocation_window", 10, "Characters each side of an occurrence in which collocates are counted.",
            aliases=("--window",)),
    Setting("base_url", "", "Prefix for permalinks and citations, so links pasted into a paper point at the team's server."),
    Setting("trusted_hosts", "", "Hosts (comma-separated) whose address permalinks and citations may use when base_url is "
            "not set; the host serve is bound to and localhost always are. Other Host: headers get relative links.",
            scope=SERVE),
    Setting("export_time_limit_s", 300, "An export (CSV, JSON Lines) that runs longer stops, its last line saying it is "
            "incomplete and after how many rows."),
    Setting("max_concurrent_exports", 2, "Exports the server streams at once; one more gets 503 with Retry-After.",
            scope=SERVE),
    Setting("max_concurrent_queries", 4, "Searches, concordances and analyses the server computes at once; one more "
            "gets 503 with Retry-After. Speech pages, the overview and static files are not counted.", scope=SERVE),
    Setting("max_citation_kb", 1024, "Largest snapshot (KB) a citation may store; a query whose snapshot would be "
            "larger is refused (narrow it)."),
    Setting("max_snapshots_mb", 1024, "Largest snapshots.sqlite may grow (MB); past it new citations are refused with "
            "503 until room is made."),
    Setting("citations_per_hour", 30, "Citations one client (address) may store in an hour; more get 429 with "
            "Retry-After.", scope=SERVE),
    Setting("max_arguments", 100, "Most arguments (name=value pairs) one web request may carry; more is a 400.",
            scope=SERVE),
    Setting("threads", 8, "Threads of the web server; serve runs at least max_concurrent_exports + "
            "max_concurrent_queries + 2, so cheap requests always find one.", scope=SERVE),
    Setting("map_min_chars", 10000, "A province whose speeches in the view hold fewer characters than this is marked "
            "too small to rate on the maps (one short speech would otherwise make it the darkest).", scope=SERVE),
    Setting("corpus_check_seconds", 10, "How often pages look for corpus files changed since the build.", scope=SERVE),
    Setting("max_file_mb", 200, "Skip (and name) any corpus file larger than this many MB, datasets and PDFs included.",
            scope=INDEX),
    Setting("max_reader_mb", 256, "Memory (MB) reading one PDF may take, in a child process of its own; a PDF that "
            "needs more (a decompression bomb) is skipped as too_large.", scope=INDEX),
    Setting("reader_time_limit_s", 300, "Seconds reading one PDF may take; a PDF that takes longer is skipped as "
            "unreadable.", scope=INDEX),
)


def rows(scope: str) -> tuple[Setting, ...]:
    """Return the settings a command of a scope takes: serve takes the search settings too."""
    wanted = {SEARCH: {SEARCH}, SERVE: {SEARCH, SERVE}, INDEX: {INDEX}}[scope]
    return tuple(row for row in SETTINGS if row.scope in wanted)


def setting(name: str) -> Setting:
    """Return the row of a setting, or raise KeyError."""
    for row in SETTINGS:
        if row.name == name:
            return row
    raise KeyError(name)


def defaults(scope: str = SERVE) -> dict:
    """Return the defaults of the settings a command of a scope takes."""
    return {row.name: row.default for row in rows(scope)}


def resolve(given: dict | None = None, scope: str = SERVE) -> dict:
    """Return the defaults overridden by the given values that are set, each of its type."""
    values = defaults(scope)
    for name, value in (given or {}).items():
        if value is not None and name in values:
            values[name] = setting(name).parse(value)
    if "base_url" in values:
        values["base_url"] = str(values["base_url"] or "").rstrip("/")
    return values
