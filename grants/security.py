"""Response headers that a government service sends on every page, and requests cleaned of NUL characters."""

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.utils import cached_property

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
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
