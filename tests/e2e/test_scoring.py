"""In a real browser: an expert declares no conflict and scores in Kazakh; the operator ranks; the
commission decides; the public page shows the result."""

from datetime import datetime

import pytest
from playwright.sync_api import expect

from grants.extensions import db
from scoring.assignments import services as assignments
from scoring.sheets import services as sheets
from tests.conftest import translated
from tests.e2e.conftest import shot
from tests.e2e.steps import commission_decides, sign_in, sign_out
from tests.factories import create_call, create_user, operator
from tests.worlds import eligible, enrol

pytestmark = pytest.mark.e2e


def kk(msgid, **params):
    return translated("kk", msgid, **params)


def ru(msgid, **params):
    return translated("ru", msgid, **params)


def test_from_the_experts_sheet_to_the_published_result(live_app, page, app):
    with live_app.app_context():
        call = create_call(experts_per_application=1)
        (application,) = eligible(call, language="kk")
        expert = enrol(languages=("kk",))
        staff = operator()
        member = create_user("commission", full_name="Бауыржан Комиссиев")
        sheets.use_default_criteria(staff, call)
        assignments.assign(staff, call)
        db.session.commit()
        ids = dict(call=call.id, expert=expert.user.email, operator=staff.email, member=member.id,
                   member_email=member.email,
                   ngo=application.organization.name_kk, receipt=application.receipt_number)
        db.session.remove()
    base = live_app.config["LIVE_URL"]

    sign_in(page, base, ids["expert"], "kk")
    page.get_by_role("link", name=kk("My assignments")).click()
    page.get_by_role("link", name="Еріктілер клубы").click()
    page.get_by_role("button", name=kk("Declare")).click()
    expect(page.locator("[role=status].flash-success")).to_contain_text(kk("Your declaration is recorded."))
    inputs = page.locator("table.sheet input[name^='points-']")
    for i, points in enumerate(("8", "7", "9", "6")):
        inputs.nth(i).fill(points)
    page.locator("#comment").fill("Жоба өзекті және жақсы жоспарланған.")
    shot(page, "scoring-1-sheet-kk")
    page.get_by_role("button", name=kk("Submit the scores")).click()
    expect(page.locator("[role=status].flash-success")).to_contain_text(kk("The sheet is submitted and locked."))
    sign_out(page, "kk")

    sign_in(page, base, ids["operator"], "ru")
    page.goto(f"{base}/manage/calls/{ids['call']}/ranking")
    expect(page.locator("table").first).to_contain_text(ids["receipt"])
    shot(page, "scoring-2-ranking-ru")
    # the member takes part remotely: declares and votes on their own computer, in Russian
    commission_decides(page, base, ids["call"], "ru", ids["member"], "Бауыржан Комиссиев", datetime(2026, 12, 20, 11),
                       member_email=ids["member_email"], remote=True)
    shot(page, "scoring-3-meeting-ru")
    sign_out(page, "ru")

    page.goto(f"{base}/calls/{ids['call']}?lang=kk")
    page.get_by_role("link", name=kk("Results of the competition")).click()
    row = page.locator("main tbody tr").filter(has_text=ids["ngo"])
    expect(row).to_have_count(1)
    # the score cell itself (the fourth), not any 30 on the page: 8 + 7 + 9 + 6; then each criterion's mark
    expect(row.locator("td").nth(3)).to_have_text("30")
    expect(row.locator("td").nth(4)).to_have_text("8")
    shot(page, "scoring-4-results-kk")
    expect(row.locator("td").last).to_contain_text("1 / 0 / 0")  # the remote member's vote, counted
    # the public protocol, in Russian, names the member under "For" on the roll call
    page.get_by_role("link", name="на русском").first.click()
    roll = page.locator("table").filter(has_text=translated("ru", "Conflict of interest: did not vote"))
    expect(roll.locator("tr").filter(has_text=ids["receipt"]).locator("td").nth(1)).to_have_text("Бауыржан Комиссиев")
    shot(page, "scoring-5-public-protocol-ru")
