"""Locale selection, translation helpers and the one money and date formatter."""

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal
from flask import current_app, has_request_context, request, session
from flask_babel import format_datetime as _babel_datetime
from flask_babel import get_locale, gettext, lazy_gettext, ngettext, pgettext
from flask_login import current_user

_ = gettext
_l = lazy_gettext
__all__ = ["_", "_l", "ngettext", "pgettext", "format_money", "format_datetime", "select_locale"]

ALMATY = ZoneInfo("Asia/Almaty")
LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


def select_locale():
    """User setting, then session, then Accept-Language, then Kazakh.

    Outside a request (commands, jobs) English, the language of the command line;
    a job that writes for a person wraps its work in force_locale(their language).
    """
    if not has_request_context():
        return "en"
    languages = current_app.config["LANGUAGES"]
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if user_locale in languages:
        return user_locale
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(languages) or languages[0]


MISSING = "—"


def missing(reason=None):
    """What a person reads where a figure is missing: a dash, and why when the caller knows ("— not entered").
    Pages (the or_missing filter) and workbooks (reports.workbook.Column.missing) both say it this way."""
    return f"{MISSING} {reason}" if reason else MISSING


def format_money(amount, currency_sign=True):
    """Tenge with the locale's thousands separator and two places: 1 234 567,89 ₸."""
    if amount is None:
        return ""
    text = format_decimal(Decimal(amount), format="#,##0.00", locale=str(get_locale()))
    return f"{text}\u00a0₸" if currency_sign else text


def format_number(value):
    """A quantity in the locale's digits, without trailing zeros: 1 500 or 2,5."""
    if value in (None, ""):
        return ""
    return format_decimal(Decimal(str(value)).normalize(), format="#,##0.##", locale=str(get_locale() or "kk"))


def format_datetime(value, format="dd.MM.yyyy HH:mm"):
    """An aware UTC moment shown in Asia/Almaty; naive values are a bug, not a guess."""
    if value is None:
        return ""
    if value.tzinfo is None:
        raise ValueError("naive datetime passed to format_datetime")
    return _babel_datetime(value, format)


def astana_today():
    """Today's date in Astana: the day a person there lives in. The server's own date (UTC) is
    still yesterday until 05:00 in Kazakhstan, so it must not decide what is 'today' or 'overdue'."""
    return datetime.now(ALMATY).date()


def format_date(value):
    return "" if value is None else value.strftime("%d.%m.%Y")


def local_to_utc(naive):
    """A wall-clock time typed in Astana time, as the aware UTC moment it names."""
    return None if naive is None else naive.replace(tzinfo=ALMATY).astimezone(UTC)


def utc_to_local(moment):
    """An aware moment as naive Astana wall-clock time, for a form field."""
    return None if moment is None else moment.astimezone(ALMATY).replace(tzinfo=None)
