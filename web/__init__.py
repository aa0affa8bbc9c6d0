"""The web front end: a thin Flask shell over search.Corpus.

    from web import create_app
    app = create_app({"INDEX": "index"})
"""

import os

from flask import Flask, jsonify, render_template, request

from indexer.integrity import StoreError
from search import settings as named_settings
from search import open_index
from search.corpus import DamagedIndex, SearchError
from search.query import QueryError


def create_app(config: dict | None = None) -> Flask:
    """Build the app: defaults, then $SPEECHES_<NAME> variables, then an optional config file, then the given dict.

    The config keys are INDEX, CORPUS (None: the folder the index was built from) and every
    named setting upper-cased (PAGE_SIZE, QUERY_TIME_LIMIT_MS, …; see search/settings.py).
    """
    app = Flask(__name__)
    app.config.from_mapping(
        INDEX=os.environ.get("SPEECHES_INDEX", "index"),
        CORPUS=os.environ.get("SPEECHES_CORPUS"),
        HOST="127.0.0.1",  # the address serve binds: trusted for absolute links (TRUSTED_HOSTS adds others)
        MAX_CONTENT_LENGTH=64 * 1024,  # the one form (a citation) is a query and a few filters: no body grows past this
        # Unset here, each setting takes its default from the settings table when it is resolved below.
        **{row.name.upper(): os.environ.get(row.envvar) for row in named_settings.SETTINGS},
    )
    config = dict(config or {})
    config_file = config.get("CONFIG_FILE") or os.environ.get("SPEECHES_WEB_CONFIG")
    if config_file:
        app.config.from_pyfile(os.path.abspath(config_file))
    app.config.update(config)
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    settings = named_settings.resolve({row.name: app.config.get(row.name.upper()) for row in named_settings.SETTINGS})
    app.config.update({name.upper(): value for name, value in settings.items()})
    from web.state import CorpusWatch

    # One index, or a sharded one (its shards held by the Dask client's workers when DASK_CLIENT is given).
    app.extensions["corpus"] = open_index(app.config["INDEX"], settings, app.config.get("DASK_CLIENT"),
                                          verify_in_background=True)
    app.extensions["corpus_watch"] = CorpusWatch(app.config.get("CORPUS"), float(settings["corpus_check_seconds"]))

    from web import api, capacity, compare, guard, i18n, pages
    from web.views import template_helpers

    guard.init_app(app)  # first: a request it refuses takes no slot
    i18n.init_app(app)
    app.before_request(_recheck_index)
    capacity.init_app(app, settings)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(compare.bp)
    from web import analysis  # forms, collocates, keywords

    app.register_blueprint(analysis.bp)
    app.context_processor(template_helpers)
    _register_errors(app)
    return app


def _recheck_index():
    """Before a request reads the index, make sure none of its files changed since they were checked."""
    from flask import current_app

    if request.endpoint and request.endpoint != "static" and not request.endpoint.endswith(".static"):
        recheck = getattr(current_app.extensions["corpus"], "recheck", None)
        if recheck is not None:
            recheck()


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _register_errors(app: Flask) -> None:
    """Answer every error with its status and a message: JSON under /api/, a page in the page's language elsewhere.

    JSON errors are {"error": message, "code": code, "zh": message in Chinese}, `code` one of
    the fixed list the README gives, so a script can tell them apart. A Chinese page shows the
    Chinese message with the English beneath; an English page the English alone.
    """

    def error_response(status: int, message: str, zh: str, kind: str, code: str, headers: dict | None = None):
        from web.i18n import language

        if _wants_json():
            return jsonify(error=message, code=code, zh=zh), status, headers or {}
        shown, english = (message, None) if language() == "en" else (zh, message)
        return (render_template("error.html", status=status, message=shown, english=english, kind=kind), status,
                headers or {})

    @app.errorhandler(SearchError)
    def search_error(error):
        retry = getattr(error, "retry_after", None)
        return error_response(error.status, str(error), error.zh, type(error).__name__, error.code,
                              {"Retry-After": str(retry)} if retry else None)

    @app.errorhandler(StoreError)
    def store_error(error):
        # A library method that did not report the damage itself (every Corpus method does).
        return search_error(DamagedIndex(error))

    @app.errorhandler(QueryError)
    def query_error(error):
        return error_response(400, str(error), error.zh, "QueryError", "bad_query")

    @app.errorhandler(404)
    def not_found(error):
        return error_response(404, "no page at this address", "这个地址没有页面", "NotFound", "not_found")

    @app.errorhandler(413)
    def too_large(error):
        return error_response(413, "the request's body is larger than this server takes (64 KB)",
                              "请求内容超过了服务器接受的上限（64 KB）", "RequestEntityTooLarge", "bad_query")

    @app.errorhandler(405)
    def not_allowed(error):
        return error_response(405, "this address only answers GET", "这个地址只接受 GET 请求", "MethodNotAllowed",
                              "bad_query")

    @app.errorhandler(500)
    def server_error(error):
        return error_response(500, "an internal error; the server log has the details", "服务器内部错误，详情见服务器日志",
                              "InternalError", "internal")
