"""create_app(): the one place that wires grants, scoring and reports together."""

from pathlib import Path

from flask import Flask, abort, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user

import config
import reports
import scoring
from grants import cli, errors, filters, menu, metrics, requestlog, security, signatures, slots
from grants.auth import services as auth_services
from grants.auth.models import User
from grants.db import include_object, render_item
from grants.extensions import babel, csrf, db, login_manager, migrate
from grants.forms import form_problems
from grants.i18n import LANGUAGE_NAMES, _, _l, format_date, format_datetime, format_money, select_locale
from grants.permissions import can

HERE = Path(__file__).resolve().parent


# The packages above the core, each wiring in its pages, menu entries and slots (`register(app)`).
PACKAGES = (scoring, reports)


def create_app(overrides=None, packages=PACKAGES):
    settings = config.from_environment()
    settings.update(overrides or {})
    app = Flask("grants", root_path=str(HERE), instance_path=str(config.INSTANCE))
    app.config.from_mapping(settings)
    config.INSTANCE.mkdir(exist_ok=True)
    requestlog.register(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(config.ROOT / "migrations"), render_as_batch=True,
                     render_item=render_item, compare_type=True, include_object=include_object)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(HERE / "translations"))
    init_login(app)

    menu.install(app)
    slots.register(app)
    register_blueprints(app, packages)
    errors.register(app)
    security.register(app)
    filters.register(app)
    cli.register(app)
    metrics.register(app)
    signatures.init_app(app)  # the ЭЦП trust anchors, read at the start
    app.before_request(switch_language)
    app.jinja_env.globals.update(
        can=lambda action, obj=None: can(current_user, action, obj),
        languages=LANGUAGE_NAMES,
        lang_url=lang_url,
        main_menu=menu.menu_for,
        form_problems=form_problems,
    )
    app.context_processor(lambda: {"current_locale": str(get_locale())})
    app.jinja_env.filters.update(money=format_money, datetime=format_datetime, date=format_date)
    return app


def register_blueprints(app, packages=PACKAGES):
    import grants.audit_labels  # noqa: F401  (names the core's audit events)
    import grants.monitoring.models  # noqa: F401  (agreements' relationships name its classes)
    from grants.agreements import operator_views as manage_agreements
    from grants.agreements import payment_views as payments
    from grants.agreements import views as agreements
    from grants.appforms import views as appforms
    from grants.applications import operator_views as review
    from grants.applications import views as applications
    from grants.auth import admin_views as users_admin
    from grants.auth import views as auth
    from grants.calls import operator_views as manage_calls
    from grants.calls import proposal_views as proposals
    from grants.calls import public_views as calls
    from grants.comments import views as comments
    from grants.home import views as home
    from grants.letters import views as letters
    from grants.monitoring import customer_views as customer_reports
    from grants.monitoring import oversight_views as oversight
    from grants.monitoring import survey_views as survey_codes
    from grants.monitoring import views as report_pages
    from grants.notifications import jobs as notification_jobs
    from grants.notifications import views as notifications
    from grants.organizations import views as organizations
    from grants.reference import views as reference
    from grants.search import index as search_index
    from grants.search import views as search
    from grants.signatures import views as signature_pages
    from grants.work import views as work

    for module in (home, auth, users_admin, reference, organizations, calls, manage_calls, appforms, applications,
                   review, agreements, manage_agreements, report_pages, customer_reports, oversight, survey_codes,
                   proposals, signature_pages, comments, work, notifications, search, letters, payments):
        app.register_blueprint(module.bp)
    comments.register(app)
    work.register(app)
    notification_jobs.register(app)
    search_index.register(app)  # the search index follows every flush
    for package in packages:
        package.register(app)


def init_login(app):
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id):
        ident, _sep, token = user_id.partition(":")
        if not ident.isdigit() or not token:
            return None
        user = db.session.get(User, int(ident))
        if user is None or not user.active or user.session_token != token:
            return None  # signed out elsewhere, password changed, or deactivated
        return user


def lang_url(code):
    """This page again, with its query, in another language."""
    if request.endpoint is None or request.method != "GET":
        return url_for("home.index", lang=code)
    params = {**{k: v for k, v in request.args.items() if k != "lang"}, **(request.view_args or {})}
    params["lang"] = code  # a route with its own "lang" argument has none: this page, other language
    return url_for(request.endpoint, **params)


def switch_language():
    """`?lang=kk|ru|en` on any page switches the interface and remembers the choice."""
    lang = request.args.get("lang")
    if lang is None:
        return
    if lang not in LANGUAGE_NAMES:
        abort(400, description=_("The language “%(lang)s” is not available. Choose Kazakh, Russian or English.",
                                 lang=lang[:20]))
    session["lang"] = lang
    if current_user.is_authenticated and current_user.locale != lang:
        auth_services.set_locale(current_user, lang)
        db.session.commit()
