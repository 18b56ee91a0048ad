"""My work's deadlines: the eligibility check 10 working days after the intake ends, a report's review 10 working
days after its submission, how each stands on a given day in Astana, and the overdue first.

The expected days are worked out by hand against the 2026 calendar (tests/grants/test_workdays.py): 10 working
days after Wednesday 18 March 2026 is Monday 6 April (Nauryz, 21–25 March, is off); after Friday 22 May 2026 it
is Monday 8 June (Kurban Ait, 27 May, is off)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from flask import current_app
from flask_babel import force_locale

from grants.db import utcnow
from grants.extensions import db
from grants.work import due, leads, sources, views
from tests.factories import create_agreement, create_application, create_call, create_user, signed_in, submitted_report


def almaty(y, m, d, hour=12):
    """A moment given on Astana's clock (UTC+5)."""
    return datetime(y, m, d, hour, tzinfo=UTC) - timedelta(hours=5)


@pytest.fixture
def staff(app):
    lead = create_user("operator", locale="ru", full_name="Гульнара Ахметова")
    colleague = create_user("operator", locale="ru", full_name="Ерлан Жумабаев")
    db.session.commit()
    return lead, colleague


def led_application(lead, colleague, deadline):
    """A submitted application the lead leads, to a call whose intake ended at `deadline`."""
    call = create_call()
    application = create_application(submit=True, call=call)
    call.opens_at, call.deadline_at = deadline - timedelta(days=30), deadline
    application.submitted_at = deadline - timedelta(hours=2)
    db.session.flush()
    leads.set_lead(colleague, application, lead)
    db.session.commit()
    return application


def listed(user, key, now, locale="ru"):
    """(title, due, standing text, overdue) of what My work lists under one heading at `now`, in its order."""
    source = next(s for s in sources.sources() if s.key == key)
    with current_app.test_request_context(), force_locale(locale):
        return [(i.title, i.due, i.standing and i.standing.text, i.standing and i.standing.overdue)
                for i in due.arrange(source.items(user, now), now)]


def test_screening_is_due_ten_working_days_after_the_intake_ends(app, staff):
    lead, colleague = staff
    application = led_application(lead, colleague, almaty(2026, 3, 18, 18))
    title = sources.application_title(application)
    assert listed(lead, "screen", almaty(2026, 3, 19, 9)) == [
        (title, date(2026, 4, 6), "осталось 9 рабочих дней", False)]
    assert listed(lead, "screen", almaty(2026, 4, 3)) == [(title, date(2026, 4, 6), "остался 1 рабочий день", False)]
    assert listed(lead, "screen", almaty(2026, 4, 6, 17)) == [(title, date(2026, 4, 6), "срок — сегодня", False)]
    assert listed(lead, "screen", almaty(2026, 4, 8)) == [
        (title, date(2026, 4, 6), "просрочено на 2 рабочих дня", True)]
    assert listed(lead, "screen", almaty(2026, 4, 8), "kk")[0][2] == "мерзімі 2 жұмыс күніне өтті"
    # the day in Astana decides: 19:30 UTC on 6 April is already 7 April there
    assert listed(lead, "screen", datetime(2026, 4, 6, 19, 30, tzinfo=UTC))[0][2:] == (
        "просрочено на 1 рабочий день", True)


def test_the_term_of_the_check_comes_from_the_configuration(app, staff):
    lead, colleague = staff
    led_application(lead, colleague, almaty(2026, 3, 18, 18))
    app.config["SCREENING_WORKING_DAYS"] = 5  # Thu 19, Fri 20, Thu 26, Fri 27, Mon 30 March
    assert listed(lead, "screen", almaty(2026, 3, 19))[0][1] == date(2026, 3, 30)


def test_a_report_s_review_is_due_ten_working_days_after_its_submission(app, staff, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    lead, colleague = staff
    agreement = create_agreement()
    leads.set_lead(colleague, agreement, lead)
    report = submitted_report(agreement)
    report.submitted_at = almaty(2026, 5, 22, 9)
    db.session.commit()
    assert [row[1:] for row in listed(lead, "review", almaty(2026, 6, 5))] == [
        (date(2026, 6, 8), "остался 1 рабочий день", False)]
    assert [row[1:] for row in listed(lead, "review", almaty(2026, 6, 15))] == [
        (date(2026, 6, 8), "просрочено на 5 рабочих дней", True)]


def test_the_overdue_come_first_and_the_page_marks_them(app, staff, monkeypatch):
    lead, colleague = staff
    on_time = led_application(lead, colleague, almaty(2026, 4, 1, 18))  # due Wed 15 April
    late = led_application(lead, colleague, almaty(2026, 3, 18, 18))  # due Mon 6 April
    on_time.submitted_at = late.submitted_at - timedelta(days=1)  # the source lists it first, by submission
    db.session.commit()
    now = almaty(2026, 4, 9)
    assert [row[0] for row in listed(lead, "screen", now)] == [
        sources.application_title(late), sources.application_title(on_time)]
    monkeypatch.setattr(views, "utcnow", lambda: now)
    html = signed_in(app, lead, "ru").get("/work").get_data(as_text=True)
    rows = html[html.index('id="screen"'):]
    assert rows.index(late.receipt_number) < rows.index(on_time.receipt_number)
    assert rows.count('class="badge badge-overdue">Просрочено<') == 1
    assert "06.04.2026" in rows and "просрочено на 3 рабочих дня" in rows
    assert "15.04.2026" in rows and "осталось 4 рабочих дня" in rows


def test_the_call_s_list_shows_the_check_s_day_once_the_intake_has_ended(app, staff):
    lead, colleague = staff
    application = led_application(lead, colleague, utcnow() - timedelta(minutes=5))
    expected = due.screening_due(application.call.deadline_at)
    html = signed_in(app, lead, "ru").get(f"/manage/calls/{application.call.id}/applications").get_data(as_text=True)
    note = html[html.index('id="screening-due"'):]
    assert expected.strftime("%d.%m.%Y") in note[:400] and "в течение 10 рабочих дней" in note[:400]
    open_call = create_call()
    html = signed_in(app, lead, "ru").get(f"/manage/calls/{open_call.id}/applications").get_data(as_text=True)
    assert 'id="screening-due"' not in html  # intake is running: nothing to check yet


def test_a_moment_due_is_late_once_it_passes_and_a_weekend_after_the_day_is_late_already(app):
    deadline = almaty(2026, 4, 6, 18)  # a scoring deadline, a moment
    assert due.standing(deadline, almaty(2026, 4, 6, 17)) == due.Standing(False, 0)
    assert due.standing(deadline, almaty(2026, 4, 6, 19)) == due.Standing(True, 1)
    assert due.standing(date(2026, 4, 3), almaty(2026, 4, 4)) == due.Standing(True, 1)  # Friday's work, Saturday
    assert due.standing(date(2026, 4, 3), almaty(2026, 4, 7)) == due.Standing(True, 2)  # Mon 6, Tue 7
    assert due.standing(date(2026, 4, 6), almaty(2026, 4, 4)) == due.Standing(False, 1)  # Saturday: Monday left
