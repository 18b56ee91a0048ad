"""Experts, conflicts of interest, assignment, score sheets, ranking and the commission."""


def register(app):
    """Wire scoring's pages into the app; called by grants/app.py only."""
    import scoring.audit_labels  # noqa: F401  (names its audit events)
    from scoring import demo, filters, phases, price, reminders
    from scoring.assignments import expert_views, operator_views
    from scoring.commission import views as commission
    from scoring.experts import views as experts
    from scoring.sheets import services as sheet_services
    from scoring.sheets import views as sheets

    for module in (experts, operator_views, expert_views, sheets, commission):
        app.register_blueprint(module.bp)
    filters.register(app)
    reminders.register(app)
    app.jinja_env.globals.update(results_published=commission.results_published,
                                 scores_published=commission.scores_published,
                                 scoring_scope=phases.scope, decision_open=phases.decision_open,
                                 decided_elsewhere=phases.decided_elsewhere, price_formula=price.formula,
                                 scoring_rules=sheet_services.rules)
    app.extensions.setdefault("baiqau.demo", []).append(demo.extend)
