"""The lead of an application or an agreement, and My work: what waits on a member of the operator's staff."""

import pytest
import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from grants.agreements import services as agreements
from grants.applications import eligibility
from grants.applications.models import CHECKLIST, Status
from grants.audit import AuditEvent
from grants.comments import services as comments
from grants.db import utcnow
from grants.extensions import db
from grants.mail import OutboxMessage
from grants.work import leads, sources
from tests.conftest import post_form, translated
from tests.factories import (
    assigned_expert,
    create_agreement,
    create_application,
    create_awarded_application,
    create_call,
    create_user,
    end_intake,
    operator,
    owner_of,
    signed_in,
    submitted_report,
)


@pytest.fixture
def staff(app):
    lead = create_user("operator", locale="ru", full_name="Гульнара Ахметова")
    colleague = create_user("operator", locale="ru", full_name="Ерлан Жумабаев")
    db.session.commit()
    return lead, colleague


def waiting(user, key):
    """The titles My work lists for the user under one heading."""
    source = next(s for s in sources.sources() if s.key == key)
    with current_app.test_request_context(), force_locale("ru"):
        return [item.title for item in source.items(user, utcnow())]


def test_naming_a_lead_is_audited_and_mailed_and_refused_for_others(app, staff):
    lead, colleague = staff
    application = create_application(submit=True, call=end_intake(create_call()))
    leads.set_lead(colleague, application, lead)
    db.session.commit()
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.verb == "application.lead")).scalar_one()
    assert (event.before, event.after) == ({"lead": None}, {"lead": lead.email})
    mail = db.session.execute(sa.select(OutboxMessage).where(OutboxMessage.to == lead.email)).scalar_one()
    assert application.receipt_number in mail.subject
    ngo_head = application.organization.memberships[0].user
    with pytest.raises(leads.LeadError):
        leads.set_lead(colleague, application, ngo_head)  # only the operator's staff lead
    with pytest.raises(leads.LeadError):
        leads.set_lead(colleague, create_application(), lead)  # a draft is the NGO's alone
    with pytest.raises(leads.LeadError):
        leads.set_lead(colleague, create_application(submit=True), lead)  # sealed until the deadline


def test_the_lead_is_named_from_the_page_and_follows_the_application_to_its_agreement(app, staff):
    lead, colleague = staff
    application = create_awarded_application()
    client = signed_in(app, colleague, "ru")
    page = f"/manage/applications/{application.id}/review"
    response = post_form(client, f"/work/lead/applications/{application.id}", {"lead": str(lead.id)}, page=page)
    assert response.status_code == 302
    assert translated("ru", "%(name)s leads it now.", name=lead.full_name) in client.get(
        response.headers["Location"]).get_data(as_text=True)
    db.session.refresh(application)
    assert application.lead == lead
    agreement = agreements.draw_up(operator(), application, *default_period())
    assert agreement.lead == lead


def default_period():
    from datetime import timedelta

    from grants.i18n import astana_today
    today = astana_today()
    return today, today + timedelta(days=200)


def test_my_work_lists_what_i_lead_once_it_waits_on_me(app, staff):
    lead, colleague = staff
    call = create_call()
    application = create_application(submit=True, call=call)
    end_intake(call)
    leads.set_lead(colleague, application, lead)
    db.session.commit()
    assert waiting(lead, "screen") == [sources.application_title(application)]
    assert waiting(colleague, "screen") == []  # what another leads is theirs
    application.status = Status.eligible  # screened: nothing of it waits any more
    assert waiting(lead, "screen") == []


def test_a_payable_tranche_and_a_submitted_report_wait_on_the_agreement_s_lead(app, staff, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    lead, colleague = staff
    agreement = create_agreement()
    leads.set_lead(colleague, agreement, lead)
    db.session.commit()
    # the tranche on signing is payable at once; the others wait on reports
    assert waiting(lead, "pay") == [f"{agreement.number} · {agreement.organization.name} · транш 1"]
    assert waiting(lead, "review") == []
    submitted_report(agreement)
    assert len(waiting(lead, "review")) == 1


def test_a_conversation_waits_until_the_lead_or_the_mentioned_answers(app, staff, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    lead, colleague = staff
    agreement = create_agreement()
    head = owner_of(agreement)
    leads.set_lead(colleague, agreement, lead)
    comments.add(head, agreement, "Когда будет выплачен первый транш?", "applicant")
    db.session.commit()
    assert len(waiting(lead, "answer")) == 1
    assert waiting(colleague, "answer") == []
    comments.add(lead, agreement, "На этой неделе.", "applicant")
    db.session.commit()
    assert waiting(lead, "answer") == []
    # a colleague names another: it waits on them until they write there
    comments.add(lead, agreement, "Проверь, пожалуйста, платежное поручение", "staff", [colleague.id])
    db.session.commit()
    assert len(waiting(colleague, "answer")) == 1
    comments.add(colleague, agreement, "Проверил.", "staff")
    db.session.commit()
    assert waiting(colleague, "answer") == []


def test_my_work_page_shows_the_work_and_what_nobody_leads(app, staff):
    lead, _colleague = staff
    call = create_call()
    create_application(submit=True, call=call)
    end_intake(call)
    db.session.commit()
    html = signed_in(app, lead, "kk").get("/work").get_data(as_text=True)
    assert translated("kk", "Nothing waits on you now.") in html
    assert call.code in html[html.index('id="unled"'):]


def test_an_eligible_application_waits_on_its_lead_until_it_has_its_experts(app, staff):
    lead, colleague = staff
    call = create_call()
    application = create_application(submit=True, call=call)
    end_intake(call)
    eligibility.review(colleague, application, "eligible", {code: True for code, _label in CHECKLIST})
    leads.set_lead(colleague, application, lead)
    db.session.commit()
    assert waiting(lead, "assign") == [sources.application_title(application)]
    for _n in range(call.experts_per_application):
        assigned_expert(application, accept=False)  # assigned, awaiting the declaration: the seat is held
    assert waiting(lead, "assign") == []
