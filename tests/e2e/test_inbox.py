"""In a real browser, in Kazakh: the header counts an NGO's unread notifications; the inbox shows what was mailed,
its address opens the page on the platform, and marking it read takes the count away."""

import pytest
from flask_babel import force_locale, ngettext
from playwright.sync_api import expect

from grants.extensions import db
from tests.conftest import translated
from tests.e2e.conftest import shot
from tests.e2e.steps import sign_in
from tests.factories import create_application, create_call, create_user

pytestmark = pytest.mark.e2e


def kk(msgid, **params):
    return translated("kk", msgid, **params)


def test_an_ngo_reads_its_notification_and_marks_it_read(live_app, page):
    with live_app.app_context():
        head = create_user("applicant", email="head@aral.kz", locale="kk")
        application = create_application(owner=head, call=create_call(), submit=True)
        db.session.commit()
        receipt, app_id = application.receipt_number, application.id
        db.session.remove()
    base = live_app.config["LIVE_URL"]

    sign_in(page, base, "head@aral.kz", "kk")
    bell = page.locator("a.notices-link")
    expect(bell).to_contain_text(f"{kk('Notifications')} 1")
    bell.click()
    notice = page.locator("li.notice.unread")
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text(receipt)
    shot(page, "inbox-1-unread-kk")
    notice.locator(".body a").click()
    page.wait_for_url(f"{base}/applications/{app_id}/receipt")
    page.go_back()
    with live_app.test_request_context(), force_locale("kk"):
        mark = ngettext("Mark %(count)s unread notification as read",
                        "Mark all %(count)s unread notifications as read", 1, count=1)
    page.get_by_role("button", name=mark).click()
    expect(page.locator("[role=status].flash-success")).to_contain_text(kk("Marked as read: %(n)d.", n=1))
    expect(page.locator("li.notice.unread")).to_have_count(0)
    expect(page.locator("a.notices-link .count")).to_have_count(0)
