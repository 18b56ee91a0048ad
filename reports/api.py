"""The JSON API for analysts under /api/v1, with personal tokens and an OpenAPI document.

Every statistics call carries `Authorization: Bearer <token>`; session cookies play no part, so
CSRF does not apply. Parameters are checked against the same bounds the OpenAPI document states
(reports/openapi.py) — the filters by reports.filters, the reading the pages share — and a bad one
is a 400 naming it, never a 500. Messages are English: the API's readers are programs and the
people who write them, and the messages stay stable.
"""

import functools
import logging
from decimal import Decimal

from flask import Blueprint, g, jsonify, request, url_for
from flask_babel import force_locale
from werkzeug.exceptions import HTTPException, InternalServerError

import reports.filters
import reports.rules  # noqa: F401  (registers "stats.view")
from grants.extensions import csrf, db
from grants.permissions import allow, can
from reports import openapi, stats, tokens

log = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

REALM = 'Bearer realm="Baiqau"'


class BadParameter(ValueError):
    """A query parameter the API does not understand; the message names it."""


# --- answers ---------------------------------------------------------------------------------

def error(status, message, **headers):
    response = jsonify(error=message)
    response.status_code = status
    response.headers.update(headers)
    return response


@bp.after_request
def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(HTTPException)
def http_error(exc):
    return error(exc.code or 500, exc.description or exc.name)


@bp.errorhandler(InternalServerError)
def server_error(exc):
    log.error("unhandled error on %s %s", request.method, request.path, exc_info=exc.original_exception)
    return error(500, "Something went wrong on our side; the error has been recorded. Try again in a few minutes.")


def plain(value):
    """JSON-safe: Decimal as an exact string (money with 2 places, shares with 4, as stats rounded them)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def answer(rows, **extra):
    return jsonify(rows=[{k: plain(v) for k, v in row.items()} for row in rows], **extra)


# --- who asks --------------------------------------------------------------------------------

def bearer_token():
    """The token of an `Authorization: Bearer …` header, or None."""
    scheme, _sep, token = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def token_required(action):
    """Like grants.permissions.allow, for the API: the user comes from the bearer token, not the session."""

    def wrap(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            token = bearer_token()
            if token is None:
                return error(401, "Send a personal API token: Authorization: Bearer <token>. Create one on "
                             f"{url_for('tokens.index', _external=True)} or with `flask create-token EMAIL`.",
                             **{"WWW-Authenticate": REALM})
            user = tokens.verify(token)
            db.session.commit()  # the token's last use
            if user is None:
                return error(401, "The API token is not valid: it is unknown, revoked, or its account is "
                             "deactivated.", **{"WWW-Authenticate": f'{REALM}, error="invalid_token"'})
            if not can(user, action):
                return error(403, "This token's account may not read statistics: it needs the analyst, "
                             "grant operator or administrator role.")
            g.api_user = user
            try:
                return view(*args, **kwargs)
            except (BadParameter, stats.BadFilter) as bad:
                db.session.rollback()
                return error(400, str(bad))

        wrapped.permission = action
        return wrapped

    return wrap


# --- parameters ------------------------------------------------------------------------------

def single(name):
    values = request.args.getlist(name)
    if len(values) > 1:
        raise BadParameter(f"{name} is given {len(values)} times; give it once")
    return values[0] if values else None


def check_known(allowed):
    unknown = sorted(set(request.args) - set(allowed))
    if unknown:
        raise BadParameter(f"unknown parameter {unknown[0][:40]!r}; this endpoint takes {', '.join(allowed)}")


def one_of(name, value, allowed):
    if value not in allowed:
        raise BadParameter(f"{name} must be one of {', '.join(allowed)}, not {value[:40]!r}")
    return value


def parse_filters():
    """reports.stats.Filters from the query, and the same filters as the answer echoes them.

    The one reading of the filters (reports.filters) in its exact manner, its messages in English."""
    with force_locale("en"):
        try:
            found = reports.filters.read(request.args, exact=True)
        except reports.filters.Refused as refused:
            raise BadParameter(str(refused)) from None
    return found, reports.filters.echo(found)


def parse_group_by():
    value = single("group_by")
    if value is None:
        return ["year"]
    if not value.strip():
        return []  # one row of totals
    names = [name.strip() for name in value.split(",")]
    seen = set()
    for name in names:
        if name not in stats.DIMENSIONS:
            raise BadParameter(f"group_by: unknown dimension {name[:40]!r}; use any of {', '.join(stats.DIMENSIONS)}")
        if name in seen:
            raise BadParameter(f"group_by names {name} twice")
        seen.add(name)
    return names


def filtered(figures):
    """An endpoint that takes the filters alone: figures(filters), answered with the filters echoed."""
    check_known(openapi.FILTERS)
    filters, given = parse_filters()
    return answer(figures(filters), filters=given)


# --- the endpoints ---------------------------------------------------------------------------

@bp.route("/stats/applications")
@token_required("stats.view")
def applications():
    check_known(("group_by", *openapi.FILTERS))
    group_by = parse_group_by()
    filters, given = parse_filters()
    return answer(stats.applications(group_by, filters), group_by=group_by, filters=given)


@bp.route("/stats/kazakh-share")
@token_required("stats.view")
def kazakh_share():
    check_known(("by", *openapi.FILTERS))
    by = single("by")
    by = "year" if by is None else one_of("by", by, openapi.SHARE_BY)
    filters, given = parse_filters()
    return answer(stats.kazakh_share(by, filters), by=by, filters=given)


@bp.route("/stats/per-thousand-ngos")
@token_required("stats.view")
def per_thousand_ngos():
    return filtered(stats.per_thousand_ngos)


@bp.route("/stats/monitoring")
@token_required("stats.view")
def monitoring():
    return filtered(stats.monitoring)


@bp.route("/stats/reasons")
@token_required("stats.view")
def reasons():
    return filtered(stats.reasons)


@bp.route("/openapi.json")
@allow("public")
def openapi_document():
    return jsonify(openapi.document())
