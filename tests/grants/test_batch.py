"""Batch actions on a call's applications: a preview that changes nothing and says why not for each, then, once
confirmed, the one service for each application, each with its own audit event."""

import sqlalchemy as sa

from grants.applications import eligibility
from grants.applications.models import CHECKLIST, Application, Status
from grants.audit import AuditEvent
from grants.extensions import db
from tests.conftest import csrf_from, translated
from tests.factories import create_application, create_call, create_user, end_intake, operator, signed_in


def intake_ended(n=3):
    call = create_call()
    applications = [create_application(call=call, submit=True) for _ in range(n)]
    end_intake(call)
    db.session.commit()
    return call, applications


def post_batch(client, call, data):
    page = client.get(f"/manage/calls/{call.id}/applications").get_data(as_text=True)
    return client.post(f"/manage/calls/{call.id}/batch", data={"csrf_token": csrf_from(page), **data})


def statuses(applications):
    db.session.expire_all()
    return [db.session.get(Application, a.id).status for a in applications]


def events(verb):
    return db.session.execute(sa.select(AuditEvent.object_id).where(AuditEvent.verb == verb)
                              .order_by(AuditEvent.id)).scalars().all()


def test_the_preview_says_what_will_happen_to_each_and_changes_nothing(app):
    call, (first, second, third) = intake_ended()
    eligibility.review(operator(), third, "ineligible", {c: c != "registry" for c, _l in CHECKLIST}, ["REGISTRY"],
                       "НПО нет в национальной базе данных")
    db.session.commit()
    client = signed_in(app, operator(), "ru")
    response = post_batch(client, call, {"action": "eligible", "application": [first.id, second.id, third.id]})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count(translated("ru", "Will be done")) == 2
    assert translated("ru", "Only a submitted application awaiting the check can be decided.") in html
    assert statuses([first, second, third]) == [Status.submitted, Status.submitted, Status.ineligible]
    assert events("application.eligible") == []


def test_confirmed_each_is_decided_once_with_its_own_event_after_the_checklist_is_confirmed(app):
    call, applications = intake_ended()
    client = signed_in(app, operator(), "ru")
    ids = [a.id for a in applications]
    post_batch(client, call, {"action": "eligible", "application": ids, "confirm": "1"})  # the checklist not ticked
    assert statuses(applications) == [Status.submitted] * 3
    response = post_batch(client, call, {"action": "eligible", "application": ids, "confirm": "1", "checked": "y"})
    assert response.status_code == 302
    assert statuses(applications) == [Status.eligible] * 3
    assert sorted(events("application.eligible")) == sorted(str(i) for i in ids)


def test_a_lead_named_for_many_and_only_the_call_s_own_applications(app):
    call, applications = intake_ended(2)
    _other_call, (stranger,) = intake_ended(1)
    lead = create_user("operator", full_name="Гульнара Ахметова")
    db.session.commit()
    client = signed_in(app, operator(), "ru")
    post_batch(client, call, {"action": "lead", "lead": str(lead.id), "confirm": "1",
                              "application": [a.id for a in applications] + [stranger.id]})
    db.session.expire_all()
    assert [db.session.get(Application, a.id).lead_id for a in applications] == [lead.id, lead.id]
    assert db.session.get(Application, stranger.id).lead_id is None  # another call's, ignored
    assert len(events("application.lead")) == 2


def test_a_sealed_call_offers_no_batch_and_refuses_one(app):
    call = create_call()
    sealed = create_application(call=call, submit=True)
    db.session.commit()
    client = signed_in(app, operator(), "ru")
    page = client.get(f"/manage/calls/{call.id}/applications").get_data(as_text=True)
    assert 'name="application"' not in page
    html = client.post(f"/manage/calls/{call.id}/batch", data={
        "csrf_token": csrf_from(page), "action": "lead", "lead": "0", "application": [sealed.id]}).get_data(
        as_text=True)
    assert translated("ru", "Will not be done:") in html
    assert translated("ru", "Will be done") not in html.replace(translated("ru", "Will not be done:"), "")
