"""Each person chooses how they are told of each kind of notice; the daily job sends the calendar's reminders and
the digests, against the outbox with the clock moved, in-process and on RQ with Redis."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from grants.comments import services as comments
from grants.extensions import db
from grants.i18n import ALMATY
from grants.jobs import get_queue
from grants.mail import OutboxMessage
from grants.monitoring import recommendations
from grants.notifications import services
from grants.work import leads
from tests.conftest import post_form, translated
from tests.factories import create_agreement, create_user, operator, owner_of, signed_in


def outbox_since(last):
    return db.session.execute(sa.select(OutboxMessage).where(OutboxMessage.id > last)
                              .order_by(OutboxMessage.id)).scalars().all()


def last_id():
    return db.session.execute(sa.select(sa.func.coalesce(sa.func.max(OutboxMessage.id), 0))).scalar_one()


def run_daily(app, at):
    """`flask notifications daily --at …` as cron runs it: the job runs in-process without Redis; with Redis it
    waits on the queue until a worker takes it."""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["notifications", "daily", "--at", at.isoformat()])
    assert result.exit_code == 0, result.output
    if app.config["REDIS_URL"]:
        assert "queued as job" in result.output
        worker = runner.invoke(args=["worker", "mail", "--burst"])
        assert worker.exit_code == 0, worker.output
    db.session.expire_all()


def astana(day, hour=9):
    """A moment of a day in Astana, as the daily run at 09:00 there."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=ALMATY).astimezone(UTC)


@pytest.fixture
def grant(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    agreement = create_agreement()
    get_queue("mail").empty() if app.config["REDIS_URL"] else None
    return agreement


def test_a_person_chooses_now_digest_or_off_per_kind(app, grant):
    head, staff = owner_of(grant), operator()
    first = last_id()
    services.choose(head, {"comments": "off"})
    comments.add(staff, grant, "Без уведомления", "applicant")
    db.session.commit()
    assert outbox_since(first) == []
    services.choose(head, {"comments": "digest"})
    comments.add(staff, grant, "Первое за день", "applicant")
    comments.add(staff, grant, "Второе за день", "applicant")
    db.session.commit()
    assert outbox_since(first) == []  # kept for the digest
    sent = services.send_digests()
    db.session.commit()
    [digest] = outbox_since(first)
    assert digest.to == head.email
    assert "Первое за день" in digest.body and "Второе за день" in digest.body
    assert services.send_digests() == 0  # a notice goes in one digest only
    with pytest.raises(services.PreferenceError):
        services.choose(head, {"leads": "off"})  # a kind the NGO is not offered
    assert sent == 1


def test_what_the_rules_require_comes_whatever_the_choice(app, grant):
    from grants.monitoring import services as reports
    from tests.factories import fill_report

    head, staff = owner_of(grant), operator()
    services.choose(head, {"comments": "off", "report_reminders": "off"})
    report = grant.reports[0]
    fill_report(report, head)
    reports.submit(head, report)
    first = last_id()
    reports.return_for_revision(staff, report, "Приложите акты", report.due_on + timedelta(days=10))
    db.session.commit()
    assert [m.to for m in outbox_since(first)] == [head.email]


def test_the_preferences_page_keeps_the_choice_in_the_person_s_language(app, grant):
    head = owner_of(grant)
    client = signed_in(app, head, "kk")
    page = client.get("/account/notifications").get_data(as_text=True)
    assert translated("kk", "Comments written to me or mentioning me") in page
    assert translated("kk", "Being named the lead of an application or agreement") not in page  # the staff's kind
    response = post_form(client, "/account/notifications", {"comments": "digest", "report_reminders": "off"})
    assert response.status_code == 302
    assert services.choices(head) == {"comments": "digest", "report_reminders": "off"}
    response = post_form(client, "/account/notifications", {"comments": "sometimes", "report_reminders": "off"},
                         page="/account/notifications")
    assert response.status_code == 400
    assert translated("kk", "Not a valid choice.") in response.get_data(as_text=True)


def test_a_report_due_is_reminded_7_days_and_1_day_before_once_each(app, grant):
    head = owner_of(grant)
    report = grant.reports[0]
    due = report.due_on
    first = last_id()
    run_daily(app, astana(due - timedelta(days=8)))
    assert outbox_since(first) == []
    run_daily(app, astana(due - timedelta(days=7)))
    week = outbox_since(first)
    assert [m.to for m in week] == [head.email]
    assert report.agreement.number in week[0].subject
    run_daily(app, astana(due - timedelta(days=6)))  # the next day: nothing new
    assert len(outbox_since(first)) == 1
    run_daily(app, astana(due - timedelta(days=1)))
    assert [m.to for m in outbox_since(first)] == [head.email, head.email]
    run_daily(app, astana(due - timedelta(days=1), hour=15))  # run twice on a day: still once
    assert len(outbox_since(first)) == 2


def test_a_recommendation_unanswered_for_10_days_reaches_the_lead(app, grant):
    observer, lead = create_user("observer"), create_user("operator", full_name="Гульнара Ахметова")
    leads.set_lead(operator(), grant, lead)
    recommendation = recommendations.recommend(observer, grant, "Опубликуйте отчет на сайте НПО")
    db.session.commit()
    written = recommendation.created_at
    first = last_id()
    run_daily(app, written + timedelta(days=9))
    assert outbox_since(first) == []
    run_daily(app, written + timedelta(days=10, minutes=1))
    assert [m.to for m in outbox_since(first)] == [lead.email]
    assert "Опубликуйте отчет на сайте НПО" in outbox_since(first)[0].body
    run_daily(app, written + timedelta(days=11))
    assert len(outbox_since(first)) == 1


def test_the_daily_run_sends_the_digest_of_what_was_kept(app, grant):
    head = owner_of(grant)
    services.choose(head, {"report_reminders": "digest"})
    db.session.commit()
    due = grant.reports[0].due_on
    first = last_id()
    run_daily(app, astana(due - timedelta(days=7)))
    [digest] = outbox_since(first)
    assert digest.to == head.email
    assert grant.number in digest.body  # the reminder, inside the day's digest
