"""In a real browser, in Russian: the lead writes to the NGO on its application, the NGO answers, and the answer
waits in the lead's My work until the lead replies."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from grants.applications import eligibility
from grants.applications.models import CHECKLIST
from grants.comments.models import Comment
from grants.extensions import db
from grants.work import leads
from tests.conftest import translated
from tests.e2e.conftest import shot
from tests.e2e.steps import follow, press, sign_in, sign_out
from tests.factories import create_application, create_call, create_user, end_intake

pytestmark = pytest.mark.e2e
QUESTION = "Уточните, пожалуйста, кто предоставляет помещение для занятий."
ANSWER = "Помещение бесплатно предоставляет городской колледж."


def ru(msgid, **params):
    return translated("ru", msgid, **params)


def test_the_lead_and_the_ngo_talk_on_the_application(live_app, page, tmp_path):
    live_app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    with live_app.app_context():
        call = create_call()
        head = create_user("applicant", email="head@ertis.kz", locale="ru")
        application = create_application(owner=head, call=call, submit=True)
        end_intake(call)
        lead = create_user("operator", email="lead@operator.kz", locale="ru", full_name="Гульнара Ахметова")
        eligibility.review(lead, application, "eligible", {code: True for code, _label in CHECKLIST})
        leads.set_lead(lead, application, lead)
        db.session.commit()
        app_id, receipt, title = application.id, application.receipt_number, application.title
        db.session.remove()
    base = live_app.config["LIVE_URL"]

    sign_in(page, base, "lead@operator.kz", "ru")
    page.goto(f"{base}/manage/applications/{app_id}/review")
    thread = page.locator("#comments")
    thread.get_by_label(ru("Comment"), exact=True).fill(QUESTION)
    thread.get_by_label(ru("Who reads it")).select_option(label=ru("Staff and the NGO"))
    press(page, "ru", "Add the comment")
    expect(page.locator("[role=status].flash-success")).to_contain_text(ru("The comment is added."))
    expect(thread).to_contain_text(QUESTION)
    sign_out(page, "ru")

    sign_in(page, base, "head@ertis.kz", "ru")
    follow(page, "ru", "My applications")
    page.get_by_role("link", name=title).click()
    thread = page.locator("#comments")
    expect(thread).to_contain_text(QUESTION)
    thread.get_by_label(ru("Comment"), exact=True).fill(ANSWER)
    press(page, "ru", "Add the comment")
    expect(thread).to_contain_text(ANSWER)
    shot(page, "comments-1-ngo-answers-ru")
    sign_out(page, "ru")

    sign_in(page, base, "lead@operator.kz", "ru")
    follow(page, "ru", "My work")
    waiting = page.locator("#answer")
    expect(waiting).to_contain_text(ANSWER)
    shot(page, "comments-2-my-work-ru")
    waiting.get_by_role("link", name=receipt, exact=False).click()
    page.locator("#comments").get_by_label(ru("Comment"), exact=True).fill("Спасибо, принято.")
    press(page, "ru", "Add the comment")
    follow(page, "ru", "My work")
    expect(page.locator("#answer")).to_have_count(0)
    expect(page.locator("#assign")).to_contain_text(receipt)  # what still waits: the eligible application's experts
    with live_app.app_context():
        assert db.session.execute(sa.select(sa.func.count(Comment.id))).scalar_one() == 3
        db.session.remove()
