"""Response headers that a government service sends on every page, requests cleaned of NUL characters, safe
redirects and the same-origin test."""

import re
from urllib.parse import urlsplit

from flask import Request, current_app, request, url_for
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.utils import cached_property

NCALAYER = "wss://127.0.0.1:13579"  # NCALayer on the person's own computer: the ЭЦП sign-in page talks to it
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    f"connect-src 'self' {NCALAYER}; "
    "font-src 'self'; object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)


def _without_nul(values):
    """The same fields with every NUL character dropped; the same object when there was none."""
    if not any("\x00" in key or "\x00" in value for key, value in values.items(multi=True)):
        return values
    return ImmutableMultiDict([(key.replace("\x00", ""), value.replace("\x00", ""))
                               for key, value in values.items(multi=True)])


class CleanRequest(Request):
    """Form fields and query parameters without NUL characters.

    No keyboard types one, but a script or a pasted binary can send one, and PostgreSQL refuses
    text holding it: the save or the search failed with a 500. Nothing a person wrote is lost.
    """

    @cached_property
    def args(self):
        return _without_nul(super().args)

    def _load_form_data(self):
        super()._load_form_data()
        self.__dict__["form"] = _without_nul(self.__dict__["form"])


# Control characters (a browser drops a tab or a newline and reads what is left) and backslashes (read as slashes).
_UNSAFE_IN_TARGET = re.compile(r"[\x00-\x1f\x7f\\]")


def safe_next(target, default=None):
    """Where to go after a form: a page of this site that answers GET, or `default` (the home page).

    The address is judged as the browser will read it: no scheme or host, one leading slash, no
    character a browser drops or turns into a slash, and a path one of our routes answers. What comes
    back is rebuilt from that path and the query alone, so no other form of it can reach the header.
    """
    fallback = default or url_for("home.index")
    if not target or _UNSAFE_IN_TARGET.search(target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return fallback
    try:
        current_app.create_url_adapter(request).match(parts.path, method="GET")
    except HTTPException:  # not ours, not a page (POST only), or one that would redirect elsewhere
        return fallback
    return parts.path + (f"?{parts.query}" if parts.query else "")


def same_origin():
    """True when the request says it came from one of this site's pages (Origin, else Referer)."""
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source:
        return False
    parts = urlsplit(source)
    return f"{parts.scheme}://{parts.netloc}" == request.host_url.rstrip("/")


def register(app):
    production = app.config["ENV_NAME"] == "production"
    app.request_class = CleanRequest
    proxies = app.config.get("PROXIES", 0)
    if proxies:
        # Behind a reverse proxy every request comes from the proxy's address: sign-in throttling
        # would lock everyone out together, and audit would record the proxy. Trust exactly the
        # proxies configured, no more (a client could forge the header otherwise).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    @app.after_request
    def headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if production:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
