"""A strategic partnership: three years, a budget and indicators for each, one agreement with a tranche a year,
each payable only once the previous year's report is accepted."""

from datetime import timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale

from grants.agreements import services as agreements
from grants.agreements.schedule import schedule, yearly_schedule
from grants.applications import eligibility, readiness
from grants.applications import outcome as app_outcome
from grants.applications import services as app_services
from grants.applications.models import CHECKLIST, Application
from grants.extensions import db
from grants.i18n import astana_today
from grants.monitoring import services as reports
from tests.conftest import login, post_form, translated
from tests.factories import (
    application_content,
    create_call,
    create_organization,
    create_user,
    end_intake,
    fill_report,
    in_time,
    operator,
)

# (year, item, quantity, unit cost): each year's total worked out by hand below
LINES = [(1, "Тренинги", "10", "300000.00"), (1, "Аренда зала", "12", "50000.00"),
         (2, "Тренинги", "12", "300000.00"), (3, "Исследование", "1", "2500000.00")]
YEAR_TOTALS = {1: Decimal("3600000.00"), 2: Decimal("3600000.00"), 3: Decimal("2500000.00")}


def partnership_call():
    return create_call(instrument="strategic_partnership")


def written(call, owner=None):
    owner = owner or create_user("applicant")
    org = create_organization(owner=owner)
    application = app_services.start(owner, call.topics[0], org, "ru", now=in_time(call))
    db.session.flush()
    data, activities, _indicators, _budget = application_content("ru")
    indicators = [{"name": "Обучено волонтеров", "unit": "чел.", "baseline": Decimal("0"), "target": Decimal(t),
                   "year": y} for y, t in ((1, "100"), (2, "250"), (3, "400"))]
    budget = [{"item": item, "unit": "усл.", "quantity": Decimal(q), "unit_cost": Decimal(c), "institutional": False,
               "year": y} for y, item, q, c in LINES]
    app_services.save(owner, application, {**data, "duration_months": 10}, activities=activities,
                      indicators=indicators, budget=budget)
    db.session.commit()
    return application


def test_the_partnership_form_asks_for_a_budget_and_targets_for_each_of_three_years(app):
    call = partnership_call()
    application = written(call)
    assert readiness.problems(application) == []
    assert application.budget_by_year == sorted(YEAR_TOTALS.items())
    application.budget_lines = [line for line in application.budget_lines if line.year != 2]
    application.indicators = [i for i in application.indicators if i.year != 3]
    with force_locale("kk"):
        found = readiness.problems(application)
        assert translated("kk", "Year %(n)d has no budget line yet.", n=2) in found
        assert translated("kk", "Year %(n)d has no indicator yet.", n=3) in found


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_a_budget_line_without_its_year_is_refused_in_the_users_language(app, client, lang):
    call = partnership_call()
    application = written(call)
    login(client, application.created_by.email)
    client.get(f"/?lang={lang}")
    response = post_form(client, f"/applications/{application.id}/edit", {
        "revision": str(application.revision), "title": "Проект", "language": "ru",
        "budget-0-item": "Тренинги", "budget-0-quantity": "1", "budget-0-unit_cost": "100", "budget-0-year": "",
        "budget-1-item": "Аренда", "budget-1-quantity": "1", "budget-1-unit_cost": "100", "budget-1-year": "4"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert page.count(translated(lang, "Give the year, from 1 to %(n)d.", n=3)) >= 2
    db.session.expire_all()
    assert sorted(b.year for b in db.session.get(Application, application.id).budget_lines) == [1, 1, 2, 3]


def awarded(call):
    application = written(call)
    app_services.submit(application.created_by, application, now=in_time(call))
    end_intake(call)
    eligibility.review(operator(), application, "eligible", {code: True for code, _label in CHECKLIST})
    app_outcome.record_outcome(operator(), application, "awarded")
    db.session.commit()
    return application


def test_one_agreement_pays_a_tranche_a_year_each_after_the_previous_years_report_is_accepted(app):
    application = awarded(partnership_call())
    starts = astana_today() - timedelta(days=800)  # two years and more ago: the first two years are over
    agreement = agreements.draw_up(operator(), application, starts, starts.replace(year=starts.year + 3)
                                   - timedelta(days=1))
    assert agreement.amount == sum(YEAR_TOTALS.values())
    assert sorted({line.year for line in agreement.budget_lines}) == [1, 2, 3]
    planned, tranches = yearly_schedule(agreement)
    assert [(r.kind, r.period_from, r.period_to) for r in planned] == [
        ("interim", starts, starts.replace(year=starts.year + 1) - timedelta(days=1)),
        ("interim", starts.replace(year=starts.year + 1), starts.replace(year=starts.year + 2) - timedelta(days=1)),
        ("final", starts.replace(year=starts.year + 2), starts.replace(year=starts.year + 3) - timedelta(days=1))]
    assert [(t.amount, t.condition, t.report_number) for t in tranches] == [
        (YEAR_TOTALS[1], "on_signing", None), (YEAR_TOTALS[2], "report_accepted", 1),
        (YEAR_TOTALS[3], "report_accepted", 2)]
    schedule(operator(), agreement, planned, tranches)
    import io

    from tests.factories import PDF

    agreements.add_document(operator(), agreement, "signed_copy", io.BytesIO(PDF), "signed.pdf")
    agreements.sign(operator(), agreement, starts)
    db.session.commit()
    first, second, third = agreement.tranches
    states = lambda: [agreements.tranche_state(t)[0] for t in agreement.tranches]  # noqa: E731
    assert states() == ["payable", "blocked", "blocked"]
    with pytest.raises(agreements.AgreementError):
        agreements.pay(operator(), second, astana_today(), "ПП-2")  # year 1's report is not accepted
    agreements.pay(operator(), first, starts, "ПП-1")
    owner = application.created_by
    year1, year2, _final = agreement.reports
    fill_report(year1, owner)
    reports.submit(owner, year1)
    assert states() == ["paid", "blocked", "blocked"]  # submitted is not accepted
    reports.accept(operator(), year1)
    assert states() == ["paid", "payable", "blocked"]
    agreements.pay(operator(), second, astana_today(), "ПП-2")
    with pytest.raises(agreements.AgreementError):
        agreements.pay(operator(), third, astana_today(), "ПП-3")
    fill_report(year2, owner)
    reports.submit(owner, year2)
    reports.accept(operator(), year2)
    assert states() == ["paid", "paid", "payable"]
    db.session.commit()


def test_the_schedule_page_starts_from_a_report_and_a_tranche_a_year(app):
    from tests.factories import signed_in

    application = awarded(partnership_call())
    starts = astana_today()
    agreement = agreements.draw_up(operator(), application, starts, starts.replace(year=starts.year + 3)
                                   - timedelta(days=1))
    db.session.commit()
    page = signed_in(app, operator(), "ru").get(f"/manage/agreements/{agreement.id}/schedule").get_data(as_text=True)
    assert 'value="3600000.00"' in page and 'value="2500000.00"' in page
    assert page.count('value="report_accepted" selected') + page.count('selected value="report_accepted"') == 2
