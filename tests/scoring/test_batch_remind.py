"""The batch action scoring adds to a call's applications list: remind the experts whose work on each application
chosen waits — one audit event per application, one mail per expert covering every application that waits on them,
nothing kept by the preview, and nobody asked once the commission has decided."""

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from markupsafe import escape

from grants import audit_display
from grants.audit import AuditEvent
from grants.auth.models import Role
from grants.extensions import db
from grants.mail import OutboxMessage
from scoring.assignments import services as assignments
from scoring.sheets import services as sheets
from tests.conftest import csrf_from, csrf_token, translated
from tests.factories import create_user, operator, signed_in
from tests.scoring.test_phases import APPROVED, decided_call
from tests.worlds import enrol, fill_sheet, scored_call, sheet_of

VERB = "application.remind_experts"


def waiting_world():
    """Three eligible applications, each with two experts who declared no conflict:
    A — neither has submitted a sheet (the first has a draft); B — the first submitted, the second not, and a third
    expert assigned by hand has not declared yet; C — both submitted: nothing waits on anyone."""
    call, (a, b, c), (e1, e2) = scored_call(n_apps=3, per_item=2, n_experts=2)
    fill_sheet(call, sheet_of(call, a, e1), e1, [7, 7, 7, 7])  # a draft is not done
    for application, expert in ((b, e1), (c, e1), (c, e2)):
        sheets.submit(expert.user, fill_sheet(call, sheet_of(call, application, expert), expert, [8, 8, 8, 8]))
    e3 = enrol()
    assignments.assign_by_hand(operator(), b, e3, "Третье мнение")
    db.session.commit()
    return call, (a, b, c), (e1, e2, e3)


def said(lang, msgid):
    return str(escape(translated(lang, msgid)))


def post_batch(client, call, data):
    page = client.get(f"/manage/calls/{call.id}/applications").get_data(as_text=True)
    return client.post(f"/manage/calls/{call.id}/batch", data={"csrf_token": csrf_from(page), **data})


def remind_events():
    return db.session.execute(sa.select(AuditEvent).where(AuditEvent.verb == VERB).order_by(AuditEvent.id)
                              ).scalars().all()


def mail_to(expert):
    return db.session.execute(sa.select(OutboxMessage).where(OutboxMessage.to == expert.user.email)).scalars().all()


def all_mail():
    return db.session.execute(sa.select(sa.func.count(OutboxMessage.id))).scalar_one()


def assignment_url(call, application, expert):
    found = next(x for x in assignments.call_assignments(call)
                 if x.application_id == application.id and x.expert_id == expert.id)
    return f"/expert/assignments/{found.id}"


def test_the_list_offers_the_reminder(app):
    call, _apps, _experts = waiting_world()
    page = signed_in(app, operator(), "ru").get(f"/manage/calls/{call.id}/applications").get_data(as_text=True)
    assert 'value="remind"' in page
    assert translated("ru", "Remind the experts whose work on it waits") in page


def test_the_preview_names_who_would_be_reminded_refuses_what_waits_on_nobody_and_keeps_nothing(app):
    call, (a, b, c), (e1, e2, e3) = waiting_world()
    mail_before = all_mail()
    client = signed_in(app, operator(), "ru")
    response = post_batch(client, call, {"action": "remind", "application": [a.id, b.id, c.id]})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"{translated('ru', 'Will be done')}: {e1.name}, {e2.name}" in html  # A
    assert f"{translated('ru', 'Will be done')}: {e2.name}, {e3.name}" in html  # B
    nobody = said("ru", "No expert's work waits on it.")
    assert f"{translated('ru', 'Will not be done:')} {nobody}" in html
    assert remind_events() == []
    assert all_mail() == mail_before


def test_confirmed_one_event_per_application_and_one_mail_per_expert_covering_all_its_applications(app):
    call, (a, b, c), (e1, e2, e3) = waiting_world()
    client = signed_in(app, operator(), "ru")
    response = post_batch(client, call, {"action": "remind", "application": [a.id, b.id, c.id], "confirm": "1"})
    assert response.status_code == 302
    events = remind_events()
    assert [(e.object_type, e.object_id) for e in events] == [("Application", str(a.id)), ("Application", str(b.id))]
    assert [e.after["experts"] for e in events] == [[e1.name, e2.name], [e2.name, e3.name]]
    assert [e.actor_id for e in events] == [operator().id] * 2
    (first,) = mail_to(e1)
    (second,) = mail_to(e2)
    (third,) = mail_to(e3)
    assert first.body.count("/expert/assignments/") == 1 and assignment_url(call, a, e1) in first.body
    assert second.body.count("/expert/assignments/") == 2
    assert assignment_url(call, a, e2) in second.body and assignment_url(call, b, e2) in second.body
    assert third.body.count("/expert/assignments/") == 1 and assignment_url(call, b, e3) in third.body
    flashes = client.get(f"/manage/calls/{call.id}/applications").get_data(as_text=True)
    assert said("ru", "No expert's work waits on it.") in flashes  # C, said after the run
    history = client.get(f"/manage/applications/{a.id}/review").get_data(as_text=True)
    assert translated("ru", "Experts reminded of their work on the application") in history
    with force_locale("ru"):
        (entry,) = audit_display.entries(events[:1])
        assert entry.changes == [(translated("ru", "Experts"), None, f"{e1.name}, {e2.name}")]


def test_an_application_nobody_waits_on_is_refused_even_confirmed(app):
    call, (_a, _b, c), _experts = waiting_world()
    mail_before = all_mail()
    client = signed_in(app, operator(), "en")
    post_batch(client, call, {"action": "remind", "application": [c.id], "confirm": "1"})
    assert remind_events() == [] and all_mail() == mail_before


def test_nobody_is_asked_once_the_commission_has_decided(app):
    call, meeting, first, second, *_rest = decided_call()  # the second has a draft sheet and an undeclared expert
    mail_before = all_mail()
    client = signed_in(app, operator(), "en")
    html = post_batch(client, call, {"action": "remind", "application": [first.id, second.id]}).get_data(
        as_text=True)
    assert html.count("The commission approved its protocol on") == 2
    assert "Will be done" not in html.replace("Will not be done", "")
    post_batch(client, call, {"action": "remind", "application": [first.id, second.id], "confirm": "1"})
    assert remind_events() == [] and all_mail() == mail_before
    assert APPROVED.split("%")[0].strip() in html


@pytest.mark.parametrize("role", [Role.applicant, Role.expert, Role.customer])
def test_outside_the_operator_s_staff_nobody_reminds(app, role):
    call, (a, b, _c), _experts = waiting_world()
    mail_before = all_mail()
    client = signed_in(app, create_user(role.value), "en")
    response = client.post(f"/manage/calls/{call.id}/batch", data={
        "csrf_token": csrf_token(client, "/auth/account"), "action": "remind", "application": [a.id, b.id],
        "confirm": "1"})
    assert response.status_code == 403
    assert remind_events() == [] and all_mail() == mail_before
