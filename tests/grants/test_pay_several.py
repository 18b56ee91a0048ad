"""Paying several tranches at once: each its own payment order and date, a preview that pays nothing and gives each
refused row the service's own reason, then, confirmed, each paid on its own with its own audit event; only what was
previewed is paid, and nothing typed is lost."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from markupsafe import escape

from grants.agreements import services as agreements
from grants.agreements.models import Tranche
from grants.audit import AuditEvent
from grants.auth.models import Role
from grants.extensions import db
from grants.i18n import astana_today
from grants.work import leads
from tests.conftest import csrf_from, translated
from tests.factories import create_agreement, create_user, operator, signed_in
from tests.grants.test_big_lists import cost

URL = "/manage/tranches/pay"


def said(lang, msgid, **params):
    return str(escape(translated(lang, msgid, **params)))


def first(agreement):
    return agreement.tranches[0]  # on signing: payable as soon as the agreement is signed


def tranche(t):
    db.session.expire_all()
    return db.session.get(Tranche, t.id)


def pay_events():
    return db.session.execute(sa.select(AuditEvent).where(AuditEvent.verb == "tranche.pay").order_by(AuditEvent.id)
                              ).scalars().all()


def fields(*rows):
    """The form's fields for rows of (tranche, payment order number, date)."""
    data = {"tranche": [str(t.id) for t, _ref, _day in rows]}
    for t, ref, day in rows:
        data[f"reference-{t.id}"] = ref
        data[f"paid_on-{t.id}"] = day.isoformat() if hasattr(day, "isoformat") else day
    return data


def post(client, step, data):
    page = client.get(URL).get_data(as_text=True)
    return client.post(URL, data={"csrf_token": csrf_from(page), "step": step, **data})


def seal_of(html):
    return re.search(r'name="seal" value="([0-9a-f]+)"', html).group(1)


def test_the_page_lists_payable_tranches_only_each_with_its_own_payment_order(app):
    agreement = create_agreement()
    unsigned = create_agreement(sign=False)
    html = signed_in(app, operator(), "ru").get(URL).get_data(as_text=True)
    t1, t2, t3 = agreement.tranches
    assert f'name="tranche" value="{t1.id}"' in html and f'name="reference-{t1.id}"' in html
    assert f'name="paid_on-{t1.id}" value="{astana_today().isoformat()}"' in html
    for blocked in (t2, t3, *unsigned.tranches):  # reports not accepted; an agreement not in force
        assert f'value="{blocked.id}"' not in html


def test_the_preview_gives_each_row_its_verdict_and_pays_nothing(app):
    today = astana_today()
    ready, no_number, future, no_date, paid = (create_agreement() for _ in range(5))
    agreements.pay(operator(), first(paid), today, "ПП-1")
    db.session.commit()
    blocked = ready.tranches[1]
    events = len(pay_events())
    client = signed_in(app, operator(), "ru")
    response = post(client, "preview", fields(
        (first(ready), "ПП-101", today), (first(no_number), " ", today), (first(future), "ПП-103",
                                                                          today + timedelta(days=1)),
        (first(no_date), "ПП-104", ""), (first(paid), "ПП-105", today), (blocked, "ПП-106", today)))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count(translated("ru", "Will be paid")) == 1
    assert said("ru", "Give the payment order's number.") in html
    assert said("ru", "The date of payment cannot be in the future.") in html
    assert said("ru", "Give the date.") in html
    assert said("ru", "This tranche is already paid.") in html
    assert said("ru", "This tranche is not payable: %(why)s.",
                why=translated("ru", "report %(n)d is not accepted yet", n=1)) in html
    assert len(pay_events()) == events
    for t in (first(ready), first(no_number), first(future), first(no_date), blocked):
        assert tranche(t).paid_on is None
    assert tranche(first(paid)).payment_reference == "ПП-1"
    # only the payable one goes to the confirmation; the change form carries every number and date typed
    confirm, change = html.split('name="step" value="confirm"')[1].split('name="step" value="edit"')
    assert f'name="tranche" value="{first(ready).id}"' in confirm and "ПП-103" not in confirm
    for typed in ("ПП-101", "ПП-103", "ПП-104", "ПП-106", (today + timedelta(days=1)).isoformat()):
        assert f'value="{typed}"' in change


def test_confirmed_each_is_paid_with_its_own_order_and_its_own_event(app):
    today = astana_today()
    a, b = create_agreement(), create_agreement()
    client = signed_in(app, operator(), "ru")
    rows = fields((first(a), "ПП-201", today), (first(b), "ПП-202", today - timedelta(days=2)))
    seal = seal_of(post(client, "preview", rows).get_data(as_text=True))
    events = len(pay_events())
    response = post(client, "confirm", {**rows, "seal": seal})
    assert response.status_code == 302
    assert (tranche(first(a)).payment_reference, tranche(first(a)).paid_on) == ("ПП-201", today)
    assert (tranche(first(b)).payment_reference, tranche(first(b)).paid_on) == ("ПП-202", today - timedelta(days=2))
    assert tranche(first(a)).paid_by_id == operator().id
    new = pay_events()[events:]
    assert sorted((e.object_id, e.after["reference"]) for e in new) == sorted(
        [(str(a.id), "ПП-201"), (str(b.id), "ПП-202")])
    assert translated("ru", "Tranches paid: %(n)d of %(total)d.", n=2, total=2) in client.get(URL).get_data(
        as_text=True)


def test_a_confirmation_without_its_preview_or_changed_since_pays_nothing(app):
    today = astana_today()
    a = create_agreement()
    client = signed_in(app, operator(), "ru")
    rows = fields((first(a), "ПП-301", today))
    unseen = post(client, "confirm", rows)
    assert unseen.status_code == 400
    assert said("ru", "Check the payments in the preview before confirming them: nothing was paid.") in \
        unseen.get_data(as_text=True)
    seal = seal_of(post(client, "preview", rows).get_data(as_text=True))
    changed = post(client, "confirm", {**fields((first(a), "ПП-999", today)), "seal": seal})
    assert changed.status_code == 400
    other = signed_in(app, create_user("operator"), "ru")  # another operator's confirmation of this preview
    assert post(other, "confirm", {**rows, "seal": seal}).status_code == 400
    assert tranche(first(a)).paid_on is None and pay_events() == []


def test_a_row_refused_at_the_confirmation_keeps_what_was_typed_and_the_rest_is_paid(app):
    today = astana_today()
    a, b = create_agreement(), create_agreement()
    client = signed_in(app, operator(), "ru")
    rows = fields((first(a), "ПП-401", today), (first(b), "ПП-402", today))
    seal = seal_of(post(client, "preview", rows).get_data(as_text=True))
    agreements.pay(create_user("operator"), first(a), today, "ПП-400")  # a colleague paid it meanwhile
    db.session.commit()
    response = post(client, "confirm", {**rows, "seal": seal})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert said("ru", "This tranche is already paid.") in html
    assert f'name="reference-{first(a).id}" value="ПП-401"' in html
    assert tranche(first(a)).payment_reference == "ПП-400"
    assert tranche(first(b)).payment_reference == "ПП-402"
    assert [e.after["reference"] for e in pay_events()] == ["ПП-400", "ПП-402"]


def test_changing_after_the_preview_returns_to_the_form_with_everything_typed(app):
    today = astana_today()
    a, b = create_agreement(), create_agreement()
    client = signed_in(app, operator(), "en")
    data = {**fields((first(a), "ПП-501", today)), f"reference-{first(b).id}": "ПП-502"}  # b typed, not ticked
    html = post(client, "edit", data).get_data(as_text=True)
    assert f'value="{first(a).id}" id="pay-{first(a).id}" checked' in html
    assert f'value="{first(b).id}" id="pay-{first(b).id}" ' in html and \
        f'value="{first(b).id}" id="pay-{first(b).id}" checked' not in html
    assert 'value="ПП-501"' in html and 'value="ПП-502"' in html
    nothing = post(client, "preview", {f"reference-{first(b).id}": "ПП-502"})
    assert nothing.status_code == 400 and 'value="ПП-502"' in nothing.get_data(as_text=True)
    assert "Choose at least one tranche." in nothing.get_data(as_text=True)


def test_my_work_and_the_board_lead_to_it_and_mine_shows_what_i_lead(app):
    led, other = create_agreement(), create_agreement()
    leads.set_lead(operator(), led, operator())
    db.session.commit()
    client = signed_in(app, operator(), "en")
    work = client.get("/work").get_data(as_text=True)
    assert f'href="{URL}?mine=1"' in work
    assert f'href="{URL}"' in client.get("/manage/agreements").get_data(as_text=True)
    mine = client.get(f"{URL}?mine=1").get_data(as_text=True)
    assert f'value="{first(led).id}"' in mine and f'value="{first(other).id}"' not in mine


def test_the_page_costs_the_same_however_many_tranches_it_lists(app):
    create_agreement()
    client = signed_in(app, operator(), "en")
    before, _loaded = cost(client, URL)
    create_agreement(), create_agreement()
    after, _loaded = cost(client, URL)
    assert after == before


@pytest.mark.parametrize("role", [Role.applicant, Role.expert, Role.customer])
def test_nobody_outside_the_operator_s_staff_pays(app, role):
    a = create_agreement()
    client = signed_in(app, create_user(role.value), "en")
    assert client.get(URL).status_code == 403
    page = client.get("/auth/account").get_data(as_text=True)
    response = client.post(URL, data={"csrf_token": csrf_from(page), "step": "confirm", "seal": "0",
                                      **fields((first(a), "ПП-601", astana_today()))})
    assert response.status_code == 403
    assert tranche(first(a)).paid_on is None and pay_events() == []
