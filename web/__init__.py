"""The web front end: a thin Flask shell over search.Corpus.

    from web import create_app
    app = create_app({"INDEX": "index"})
"""

import os

from flask import Flask, jsonify, render_template, request

from search.corpus import Corpus, SearchError
from search.query import QueryError

# Named settings of the interface, as upper-case config keys; Corpus takes them lower-cased.
SETTINGS = ("PAGE_SIZE", "MAX_PAGE_SIZE", "KWIC_WIDTH", "QUERY_TIME_LIMIT_MS", "BASE_URL")


def create_app(config: dict | None = None) -> Flask:
    """Build the app: defaults, then an optional config file, then the given dict."""
    app = Flask(__name__)
    app.config.from_mapping(
        INDEX=os.environ.get("SPEECHES_INDEX", "index"),
        # None: compare against the corpus folder the index was built from (its manifest says).
        CORPUS=os.environ.get("SPEECHES_CORPUS"),
        PAGE_SIZE=20,
        MAX_PAGE_SIZE=200,
        KWIC_WIDTH=30,
        QUERY_TIME_LIMIT_MS=10000,
        BASE_URL="",
        CORPUS_CHECK_SECONDS=10,  # how often pages look for corpus files changed since the build
    )
    config = dict(config or {})
    config_file = config.get("CONFIG_FILE") or os.environ.get("SPEECHES_WEB_CONFIG")
    if config_file:
        app.config.from_pyfile(os.path.abspath(config_file))
    app.config.update(config)
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    settings = {name.lower(): app.config[name] for name in SETTINGS if app.config.get(name) is not None}
    for name in ("page_size", "max_page_size", "kwic_width", "query_time_limit_ms"):
        if name in settings:
            settings[name] = int(settings[name])
    settings["base_url"] = str(settings.get("base_url") or "").rstrip("/")
    from web.state import CorpusWatch

    app.extensions["corpus"] = Corpus(app.config["INDEX"], settings=settings)
    app.extensions["corpus_watch"] = CorpusWatch(app.config.get("CORPUS"), float(app.config["CORPUS_CHECK_SECONDS"]))

    from web import api, pages
    from web.views import template_helpers

    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.context_processor(template_helpers)
    _register_errors(app)
    return app


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _register_errors(app: Flask) -> None:
    """Answer every error with its status and a message: JSON under /api/, a page elsewhere."""

    def error_response(status: int, message: str, kind: str):
        if _wants_json():
            return jsonify(error=message), status
        return render_template("error.html", status=status, message=message, kind=kind), status

    @app.errorhandler(SearchError)
    def search_error(error):
        return error_response(error.status, str(error), type(error).__name__)

    @app.errorhandler(QueryError)
    def query_error(error):
        return error_response(400, str(error), "QueryError")

    @app.errorhandler(404)
    def not_found(error):
        return error_response(404, "这个地址没有页面 (no page at this address)", "NotFound")

    @app.errorhandler(405)
    def not_allowed(error):
        return error_response(405, "this address only answers GET", "MethodNotAllowed")

    @app.errorhandler(500)
    def server_error(error):
        return error_response(500, "an internal error; the server log has the details", "InternalError")
