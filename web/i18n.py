"""The interface's language: Chinese (the source language of every message) or English, through Flask-Babel.

A page's language is `?lang=zh|en` when given (and remembered in a cookie), else the cookie,
else the best of the browser's Accept-Language, else Chinese. Only the interface changes:
the speeches, the query language and what a query says stay as printed.

The catalogs live in web/translations/<lang>/LC_MESSAGES/messages.po, extracted from the
templates and views by `make translations` (pybabel extract and update) and compiled to the
.mo files the app reads (pybabel compile); tests/test_i18n.py holds them in step.
"""

from flask import Flask, request
from flask_babel import Babel, get_locale

LANGUAGES = ("zh", "en")  # the first is the default and the language every message is written in
COOKIE = "lang"
COOKIE_SECONDS = 365 * 24 * 3600


def chosen() -> str | None:
    """Return the language the address asks for (?lang=), or None when it asks none or an unknown one."""
    value = request.args.get("lang", "").strip().lower()
    return value if value in LANGUAGES else None


def select_language() -> str:
    """Return the request's language: ?lang=, then the cookie, then Accept-Language, then Chinese."""
    remembered = request.cookies.get(COOKIE, "")
    if chosen():
        return chosen()
    if remembered in LANGUAGES:
        return remembered
    return request.accept_languages.best_match(LANGUAGES, default=LANGUAGES[0])


def language() -> str:
    """Return the current request's language code (zh or en)."""
    locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else LANGUAGES[0]


def _remember(response):
    """Keep a language asked for by ?lang= in a cookie, so the next page without it stays in that language."""
    asked = chosen()
    if asked and request.cookies.get(COOKIE) != asked:
        response.set_cookie(COOKIE, asked, max_age=COOKIE_SECONDS, samesite="Lax", httponly=True)
    return response


def init_app(app: Flask) -> None:
    """Give the app Flask-Babel with the language selector, and remember a chosen language."""
    Babel(app, locale_selector=select_language, default_locale=LANGUAGES[0],
          default_translation_directories="translations")
    app.after_request(_remember)
