"""Statistics, Excel workbooks built by RQ jobs, dashboards, the JSON API and open data."""


def register(app):
    """Wire reports into the app; called by grants/app.py only."""
    import reports.audit_labels  # noqa: F401  (names its audit events)
    import reports.models  # noqa: F401  (the imported history, workbooks, API tokens)
    from reports import api, cli, dashboard, opendata_views, views

    for module in (views, dashboard, api, opendata_views):
        app.register_blueprint(module.bp)
    from reports import token_views  # the analyst's API tokens, /analyst/tokens

    app.register_blueprint(token_views.bp)
    cli.register(app)
    from reports import demo  # the demo world's history, 2020–2023, through the importer

    app.extensions.setdefault("baiqau.demo", []).append(demo.extend)
