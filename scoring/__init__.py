"""Experts, conflicts of interest, assignment, score sheets, ranking and the commission."""


def register(app):
    """Wire scoring's pages, menu entries and slots into the app; called by grants/app.py only."""
    from flask import Blueprint

    import scoring.audit_labels  # noqa: F401  (names its audit events)
    from grants import menu, slots
    from grants.comments import services as comments
    from grants.i18n import _l
    from grants.work import batch as work_batch
    from grants.work import sources as work_sources
    from scoring import demo, filters, phases, price, reminders, work
    from scoring.assignments import expert_views, operator_views
    from scoring.commission import appeal_views  # noqa: F401  (its routes are the commission blueprint's)
    from scoring.commission import letters as commission_letters
    from scoring.commission import views as commission
    from scoring.commission.appeals import published_decision
    from scoring.experts import views as experts
    from scoring.sheets import services as sheet_services
    from scoring.sheets import views as sheets

    for module in (experts, operator_views, expert_views, sheets, commission):
        app.register_blueprint(module.bp)
    filters.register(app)
    reminders.register(app)
    app.jinja_env.globals.update(results_published=commission.results_published,
                                 published_decision=published_decision,
                                 scoring_scope=phases.scope, decision_open=phases.decision_open,
                                 decided_elsewhere=phases.decided_elsewhere, price_formula=price.formula,
                                 scoring_rules=sheet_services.rules)
    app.extensions.setdefault("baiqau.demo", []).append(demo.extend)
    commission_letters.register(app)  # the results' and the appeals' outcomes on the operator's letters page
    comments.add_experts(app, expert_views.is_expert, expert_views.page)
    work_sources.add_to(app, "assign", _l("To assign experts"), work.to_assign, after="screen")
    work_batch.add_action(app, "remind", _l("Remind the experts whose work on it waits"), reminders.remind_experts,
                          describe=reminders.reminded, finish=reminders.send_reminders)
    # scoring/templates: its mail and what it adds to the core's pages (no routes of its own)
    app.register_blueprint(Blueprint("scoring", __name__, template_folder="templates"))
    menu.add_entry(app, "main", menu.Entry("expert.index", _l("My assignments"), ("assignment.own",)),
                   after="agreements.index")
    menu.add_entry(app, "main", menu.Entry("commission.mine", _l("My meetings"), ("commission.own",)),
                   after="expert.index")
    menu.add_entry(app, "manage", menu.Entry("experts.index", _l("Expert register"), ("expert.register",)),
                   after="customer_reports.queue")
    slots.add(app, "call.operator.actions", "scoring/slots/call_actions.html")
    slots.add(app, "call.public.terms", "scoring/slots/call_price.html")
    slots.add(app, "call.public.results", "scoring/slots/call_results.html")
    slots.add(app, "application.applicant.links", "scoring/slots/application_scores.html")
