"""Statistics, Excel workbooks built by RQ jobs, dashboards, the JSON API and open data."""


def register(app):
    """Wire reports' pages, menu group and slots into the app; called by grants/app.py only."""
    import reports.audit_labels  # noqa: F401  (names its audit events)
    import reports.models  # noqa: F401  (the imported history, workbooks, API tokens)
    from grants import menu, slots
    from grants.i18n import _l
    from reports import api, cli, dashboard, opendata_views, views

    for module in (views, dashboard, api, opendata_views):
        app.register_blueprint(module.bp)
    from reports import token_views  # the analyst's API tokens, /analyst/tokens

    app.register_blueprint(token_views.bp)
    cli.register(app)
    from reports import demo  # the demo world's history, 2020–2023, through the importer

    app.extensions.setdefault("baiqau.demo", []).append(demo.extend)
    menu.add_group(app, menu.Group("figures", None, (menu.Entry("analyst.index", _l("Statistics"), ("stats.view",)),)),
                   after="manage")
    slots.add(app, "footer", "reports/slots/footer.html")
