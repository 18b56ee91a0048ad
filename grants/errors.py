"""Error pages in the user's language: every refusal says what happened and what to do."""

import logging

import sqlalchemy as sa
from flask import current_app, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from grants.i18n import _
from grants.security import same_origin

log = logging.getLogger(__name__)

# Addresses whose callers are programs: their errors are JSON, {"error": "…"}, like the API's own refusals.
JSON_PREFIXES = ("/api/",)

# Fields never echoed back into a page.
_SECRET_FIELDS = ("password", "current", "new", "confirm", "csrf_token")


def _messages(upload_mb):
    return {
        400: (_("The request could not be understood"), _("Please check what you entered and try again.")),
        401: (_("Please sign in"), _("This page needs you to sign in.")),
        403: (_("Access denied"), _("You do not have access to this page.")),
        404: (_("Page not found"), _("The page does not exist or has been moved.")),
        405: (_("Not allowed"), _("This page cannot be used this way.")),
        413: (_("The upload is too large"),
              _("The files sent together must not exceed %(mb)d MB. Nothing was saved: go back and send "
                "smaller files or fewer at a time.", mb=upload_mb)),
        429: (_("Too many attempts"), _("Please wait a little and try again.")),
        503: (_("The service is briefly unavailable"),
              _("Please try again in a minute. If you were sending a form, open it again afterwards to check "
                "that it was saved.")),
        500: (_("Something went wrong on our side"),
              _("The error has been recorded. Please try again in a few minutes.")),
    }


def render_error(code, description=None):
    upload_mb = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    title, default = _messages(upload_mb).get(code, (_("Error"), ""))
    return render_template("errors/error.html", code=code, title=title, message=description or default), code


def register(app):
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        # The token expired or the session ended while the form was open. Offer the same data back
        # with a fresh token, so nothing typed is lost (passwords excepted) -- but only to a form sent
        # from one of our own pages: re-posting a forged cross-site form with a valid token would
        # make the refusal page the forger's second chance.
        if not same_origin():
            return render_template("errors/csrf.html", resend=False), 400
        fields = [] if request.files else [
            (k, v) for k, v in request.form.items(multi=True) if k not in _SECRET_FIELDS
        ]
        return render_template("errors/csrf.html", resend=True, fields=fields,
                               action=request.full_path.rstrip("?")), 400

    @app.errorhandler(HTTPException)
    def http_error(error):
        allow = [(k, v) for k, v in error.get_headers() if k == "Allow"]
        if request.path.startswith(JSON_PREFIXES):  # an unknown address or method under the API
            response = jsonify(error=error.description or error.name)
            return response, error.code or 500, allow
        description = error.description if _is_ours(error) else None
        body, code = render_error(error.code or 500, description)
        # A 405 must say which methods the address takes (RFC 9110); werkzeug's own page would.
        return body, code, allow

    @app.errorhandler(sa.exc.OperationalError)
    def database_unavailable(error):
        # The database is restarting or out of reach. The page must not need it: who is signed in
        # comes from the database, so this one page is drawn as for a visitor (the session stays).
        log.error("database unavailable on %s %s: %s", request.method, request.path, error)
        try:
            from grants.extensions import db

            db.session.remove()
        except sa.exc.SQLAlchemyError:
            pass
        g._login_user = current_app.login_manager.anonymous_user()
        if request.path.startswith(JSON_PREFIXES):
            return jsonify(error="The service is briefly unavailable; try again in a minute."), 503
        return render_error(503)

    @app.errorhandler(InternalServerError)
    def server_error(error):
        log.error("unhandled error on %s %s", request.method, request.path, exc_info=error.original_exception)
        return render_error(500)


def _is_ours(error):
    """Werkzeug's default descriptions are English; ours were set with abort(code, description=...)."""
    return error.description and error.description != type(error).description
