"""Score sheets: drafts, locking, reopening, low marks, not applicable; ranking, ties, threshold, divergence."""

from decimal import Decimal

import pytest
import sqlalchemy as sa

from grants.audit import AuditEvent
from grants.extensions import db
from scoring import ranking
from scoring.assignments import services as assignments
from scoring.assignments.models import State
from scoring.sheets import services
from scoring.sheets.models import ScoringRules, SheetState
from tests.conftest import login, post_form
from tests.factories import create_call, operator
from tests.worlds import eligible, enrol, fill_sheet, scored_call, sheet_of


def test_a_sheet_saves_as_a_draft_then_locks_on_submission(app):
    call, (application,), (expert,) = scored_call()
    sheet = fill_sheet(call, sheet_of(call, application, expert), expert, [8, 7, 9, 6])
    db.session.commit()
    assert sheet.state == SheetState.draft and sheet.total is None
    services.submit(expert.user, sheet)
    assert sheet.total == Decimal("30.00") and sheet.state == SheetState.submitted
    with pytest.raises(services.ScoringError, match="locked"):
        fill_sheet(call, sheet, expert, [10, 10, 10, 10])


def test_the_operator_reopens_a_sheet_with_a_reason_that_is_audited(app):
    call, (application,), (expert,) = scored_call()
    sheet = fill_sheet(call, sheet_of(call, application, expert), expert, [8, 7, 9, 6])
    services.submit(expert.user, sheet)
    with pytest.raises(services.ScoringError, match="reason"):
        services.reopen(operator(), sheet, "")
    services.reopen(operator(), sheet, "Эксперт перепутал критерии")
    db.session.commit()
    assert sheet.state == SheetState.draft and sheet.total is None
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.verb == "sheet.reopen")).scalar_one()
    assert event.after["reason"] == "Эксперт перепутал критерии" and event.before["total"] == "30.00"
    fill_sheet(call, sheet, expert, [9, 7, 9, 6])
    services.submit(expert.user, sheet)
    assert sheet.total == Decimal("31.00")


def test_a_very_low_mark_needs_a_comment(app):
    call, (application,), (expert,) = scored_call()
    sheet = fill_sheet(call, sheet_of(call, application, expert), expert, [2, 7, 9, 6])
    with pytest.raises(services.ScoringError, match="very low mark"):
        services.submit(expert.user, sheet)
    fill_sheet(call, sheet, expert, [2, 7, 9, 6], comments={"REL": "Проблема не подтверждена данными"})
    services.submit(expert.user, sheet)


def test_not_applicable_is_missing_never_zero(app):
    call, (application,), (expert,) = scored_call()
    sheet = fill_sheet(call, sheet_of(call, application, expert), expert, [8, 0, 8, 8], na=("INN",))
    services.submit(expert.user, sheet)
    assert sheet.total == Decimal("32.00")  # 24 of a possible 30, scaled to the 40 of all four criteria


def test_points_above_the_maximum_are_refused(app):
    call, (application,), (expert,) = scored_call()
    with pytest.raises(services.ScoringError, match="from 0 to 10"):
        fill_sheet(call, sheet_of(call, application, expert), expert, [11, 7, 9, 6])


def test_an_expert_scores_only_after_declaring_no_conflict(app):
    c = create_call(experts_per_application=1)
    eligible(c)
    enrol()
    services.use_default_criteria(operator(), c)
    assignments.assign(operator(), c)
    (assignment,) = assignments.call_assignments(c)
    with pytest.raises(services.ScoringError, match="conflict"):
        services.sheet_for(assignment.expert.user, assignment)
    assignments.declare(assignment.expert.user, assignment, "paid")
    assert assignment.state == State.declined
    with pytest.raises(services.ScoringError):
        services.sheet_for(assignment.expert.user, assignment)


def test_ranking_by_mean_with_median_and_the_tie_rule(app):
    call, apps, pool = scored_call(n_apps=3, per_item=2, n_experts=2)
    marks = {apps[0].id: ([8, 8, 8, 8], [6, 6, 6, 6]),  # 28 mean, median 28
             apps[1].id: ([7, 7, 7, 7], [7, 7, 7, 7]),  # 28 mean, median 28: tie broken by receipt number
             apps[2].id: ([10, 10, 10, 10], [9, 9, 9, 9])}
    for application in apps:
        for expert, points in zip(pool, marks[application.id], strict=True):
            sheet = fill_sheet(call, sheet_of(call, application, expert), expert, points)
            services.submit(expert.user, sheet)
    db.session.commit()
    (rows,) = ranking.ranking(call).values()
    assert [r.application.id for r in rows] == [apps[2].id, apps[0].id, apps[1].id]
    assert [r.rank for r in rows] == [1, 2, 3]
    assert rows[0].score == Decimal("38.00") and rows[1].median == Decimal("28.00")


def test_threshold_and_divergence_are_flagged(app):
    call, (application,), pool = scored_call(per_item=2, n_experts=2)
    db.session.add(ScoringRules(call_id=call.id, aggregation="sum", divergence_limit=Decimal("10"),
                                threshold=Decimal("60"), blind=False, low_mark_share=Decimal("0.3")))
    for expert, points in zip(pool, ([9, 9, 9, 9], [4, 4, 4, 4]), strict=True):
        sheet = fill_sheet(call, sheet_of(call, application, expert), expert, points)
        services.submit(expert.user, sheet)
    (rows,) = ranking.ranking(call).values()
    assert rows[0].score == Decimal("52.00")  # the sum: 36 + 16
    assert rows[0].divergent and rows[0].below_threshold


def test_an_application_still_awaiting_a_sheet_is_not_ranked(app):
    call, (application,), pool = scored_call(per_item=2, n_experts=2)
    sheet = fill_sheet(call, sheet_of(call, application, pool[0]), pool[0], [8, 8, 8, 8])
    services.submit(pool[0].user, sheet)
    (rows,) = ranking.ranking(call).values()
    assert rows[0].rank is None and rows[0].pending == 1


def test_a_harsh_expert_stands_out_in_the_tendencies(app):
    call, apps, pool = scored_call(n_apps=4, per_item=3, n_experts=3)
    for application in apps:
        for expert, base in zip(pool, (8, 8, 3), strict=True):
            sheet = fill_sheet(call, sheet_of(call, application, expert), expert, [base] * 4,
                         comments={"REL": "низко", "INN": "низко", "FEA": "низко", "COS": "низко"})
            services.submit(expert.user, sheet)
    tendencies = {t.expert_id: t for t in ranking.tendencies(call)}
    assert tendencies[pool[2].id].deviation == -20.0
    assert tendencies[pool[0].id].deviation == 10.0


def test_rules_cannot_change_once_scoring_started(app):
    call, (application,), (expert,) = scored_call()
    sheet = fill_sheet(call, sheet_of(call, application, expert), expert, [8, 8, 8, 8])
    services.submit(expert.user, sheet)
    with pytest.raises(services.ScoringError, match="started"):
        services.set_rules(operator(), call, {"aggregation": "sum", "divergence_limit": Decimal("5"),
                                              "threshold": Decimal("1"), "blind": True, "deadline": None})


def test_blind_mode_hides_the_applicant_from_the_expert(app, client):
    call, (application,), (expert,) = scored_call()
    services.set_rules(operator(), call, {"aggregation": "mean", "divergence_limit": Decimal("30"),
                                          "threshold": Decimal("50"), "blind": True, "deadline": None})
    db.session.commit()
    (assignment,) = assignments.call_assignments(call)
    login(client, expert.user.email)
    page = client.get(f"/expert/assignments/{assignment.id}").get_data(as_text=True)
    assert application.organization.bin not in page
    assert application.organization.name_ru not in page and application.organization.name_kk not in page


def test_blind_mode_hides_answers_filled_in_from_the_ngos_profile(app, client):
    call, (application,), (expert,) = scored_call()
    services.set_rules(operator(), call, {"aggregation": "mean", "divergence_limit": Decimal("30"),
                                          "threshold": Decimal("50"), "blind": True, "deadline": None})
    head = "Гүлжан Профильқызы"
    application.organization.head_name = head
    call.application_form = call.application_form + [
        {"code": "leader", "kind": "short_text", "label": {"kk": "Басшы", "ru": "Руководитель", "en": "Head"},
         "prefill": "head_name"}]
    application.sections = {**application.sections, "leader": head}
    db.session.commit()
    (assignment,) = assignments.call_assignments(call)
    login(client, expert.user.email)
    page = client.get(f"/expert/assignments/{assignment.id}").get_data(as_text=True)
    assert "Руководитель" in page or "Басшы" in page  # the question is there
    assert head not in page  # its answer, the applicant's head, is not


def test_an_expert_never_sees_another_experts_scores(app):
    call, (application,), pool = scored_call(per_item=2, n_experts=2)
    first = fill_sheet(call, sheet_of(call, application, pool[0]), pool[0], [7, 7, 7, 7],
                 comments={"REL": "Оценка-маркер первого эксперта"})
    services.submit(pool[0].user, first)
    db.session.commit()
    second = next(a for a in assignments.call_assignments(call) if a.expert_id == pool[1].id)
    client = app.test_client()
    login(client, pool[1].user.email)
    page = client.get(f"/expert/assignments/{second.id}").get_data(as_text=True)
    assert "Оценка-маркер первого эксперта" not in page


def test_the_sheet_form_keeps_what_was_typed_when_refused(app, client):
    call, (application,), (expert,) = scored_call()
    (assignment,) = assignments.call_assignments(call)
    login(client, expert.user.email)
    client.get("/?lang=en")
    crit = services.criteria(call)
    data = {f"points-{c.id}": "2" for c in crit} | {"comment": "Общий комментарий, который нельзя потерять",
                                                   "action": "submit"}
    response = post_form(client, f"/expert/assignments/{assignment.id}/sheet", data,
                         page=f"/expert/assignments/{assignment.id}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "very low mark" in page and "Общий комментарий, который нельзя потерять" in page


def criterion_form(**overrides):
    data = {"code": "sus", "name_kk": "Тұрақтылық", "name_ru": "Устойчивость", "name_en": "Sustainability",
            "guidance_kk": "", "guidance_ru": "Что останется после гранта?", "guidance_en": "",
            "max_points": "5", "weight": "0.5"}
    data.update(overrides)
    return data


def test_the_operator_adds_and_edits_criteria_until_scoring_starts(app, client):
    call, (application,), (expert,) = scored_call()
    login(client, operator().email)
    client.get("/?lang=en")
    response = post_form(client, f"/manage/calls/{call.id}/criteria/new", criterion_form(),
                         page=f"/manage/calls/{call.id}/criteria/new")
    assert response.status_code == 302
    added = next(c for c in services.criteria(call) if c.code == "SUS")
    assert (added.max_points, added.weight) == (5, Decimal("0.5"))
    clash = post_form(client, f"/manage/calls/{call.id}/criteria/new", criterion_form(code="REL"),
                      page=f"/manage/calls/{call.id}/criteria/new")
    assert clash.status_code == 400 and "code REL" in clash.get_data(as_text=True)
    sheet = fill_sheet(call, sheet_of(call, application, expert), expert, [8, 8, 8, 8, 4])
    sheets_total = services.submit(expert.user, sheet).total
    assert sheets_total == Decimal("34.00")  # 32 on the four criteria of weight 1, plus 4 x 0.5
    db.session.commit()
    with pytest.raises(services.ScoringError, match="criteria can no longer change"):
        services.save_criterion(operator(), call, added, {**criterion_form(), "max_points": 10,
                                                          "weight": Decimal("1")})
    refused = post_form(client, f"/manage/calls/{call.id}/criteria/{added.id}/delete",
                        page=f"/manage/calls/{call.id}/scoring")
    assert "can no longer change" in client.get(refused.location).get_data(as_text=True)


def test_the_ranking_states_a_threshold_only_when_the_call_has_one(app, client):
    """"Below 0 an application cannot win" said nothing: a call without a threshold does not mention one."""
    call, (application,), (expert,) = scored_call()
    rules = ScoringRules(call_id=call.id, aggregation="mean", divergence_limit=Decimal("30"),
                         threshold=Decimal("0"), blind=False, low_mark_share=Decimal("0.3"))
    db.session.add(rules)
    db.session.commit()
    login(client, operator().email)
    page = client.get(f"/manage/calls/{call.id}/ranking?lang=en").get_data(as_text=True)
    assert "cannot win" not in page and "Below 0" not in page
    rules.threshold = Decimal("60")
    db.session.commit()
    page = client.get(f"/manage/calls/{call.id}/ranking?lang=en").get_data(as_text=True)
    assert "An application scoring below 60 points cannot win." in page


def test_a_submitted_sheet_is_masculine_in_russian_on_the_experts_list(app, client):
    """Оценочный лист подан (not «Подана», the application's form)."""
    call, (application,), (expert,) = scored_call()
    services.submit(expert.user, fill_sheet(call, sheet_of(call, application, expert), expert, [8, 7, 9, 6]))
    db.session.commit()
    login(client, expert.user.email)
    page = client.get("/expert/?lang=ru").get_data(as_text=True)
    assert "<td>Подан</td>" in page and "Подана" not in page


def test_the_calibrated_ranking_of_a_worked_example(app):
    """Two experts score the same three applications: A harshly and spread out (16, 24, 32), B leniently and
    close together (40, 39, 32). Worked out by hand:
      A: mean 24, σ = √(128/3) = 6.532, so z = −1.225, 0, +1.225
      B: mean 37, σ = √((3² + 2² + 5²)/3) = 3.559, so z = +0.843, +0.562, −1.405
      calibrated = the mean z per application: −0.191, +0.281, −0.090
    The official order is by the mean total (28, 31.5, 32): third, second, first; the calibrated order, shown
    beside it and never deciding, is second, third, first."""
    call, apps, pool = scored_call(n_apps=3, per_item=2, n_experts=2)
    harsh, lenient = pool
    marks = {harsh.id: ([4, 4, 4, 4], [6, 6, 6, 6], [8, 8, 8, 8]),
             lenient.id: ([10, 10, 10, 10], [10, 10, 10, 9], [8, 8, 8, 8])}
    for expert in pool:
        for application, points in zip(apps, marks[expert.id], strict=True):
            services.submit(expert.user, fill_sheet(call, sheet_of(call, application, expert), expert, points))
    db.session.commit()
    (rows,) = ranking.ranking(call).values()
    by_app = {row.application.id: row for row in rows}
    assert [by_app[a.id].calibrated for a in apps] == [-0.191, 0.281, -0.09]
    assert [by_app[a.id].score for a in apps] == [Decimal("28.00"), Decimal("31.50"), Decimal("32.00")]
    assert [row.application.id for row in rows] == [apps[2].id, apps[1].id, apps[0].id]  # official
    assert [by_app[a.id].calibrated_rank for a in apps] == [3, 1, 2]
