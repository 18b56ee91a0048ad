"""Decision letters: the operator writes one per outcome and language, filled with each application's decision and
the reasons chosen at the check; a letter naming a field the platform does not know is refused."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from grants.applications import eligibility
from grants.applications.models import CHECKLIST
from grants.extensions import db
from grants.letters import services as letters
from grants.letters.models import LetterTemplate
from grants.mail import OutboxMessage
from grants.reference.models import ReasonCode
from tests.conftest import post_form, translated
from tests.factories import create_application, create_user, end_intake, operator, signed_in

ALL_PASS = {code: True for code, _label in CHECKLIST}
RETURNED_RU = ("Заявка {receipt} возвращена на доработку",
               "Уважаемые коллеги из {ngo}!\n\nПо заявке {receipt} «{title}» на конкурс {call}:\n{reasons}\n\n"
               "{comment}\n\nПодайте ее снова до {deadline}: {link}")


def last_mail_to(email):
    return db.session.execute(sa.select(OutboxMessage).where(OutboxMessage.to == email)
                              .order_by(OutboxMessage.id.desc()).limit(1)).scalar_one()


def returned(application):
    end_intake(application.call)
    review = eligibility.review(operator(), application, "returned", ALL_PASS, ["BUDGET"], "Уточните смету",
                                revision_days=5)
    db.session.commit()
    return review


def test_the_operator_s_letter_is_filled_in_for_the_decision(app):
    letters.save(operator(), "returned", "ru", *RETURNED_RU)
    head = create_user("applicant", locale="ru")
    application = create_application(owner=head, submit=True)
    review = returned(application)
    letter = last_mail_to(head.email)
    assert letter.subject == f"Заявка {application.receipt_number} возвращена на доработку"
    budget = db.session.execute(sa.select(ReasonCode.name_ru).where(ReasonCode.code == "BUDGET")).scalar_one()
    assert f"— {budget}" in letter.body
    assert application.organization.name_ru in letter.body and "Уточните смету" in letter.body
    due = (review.revision_deadline + timedelta(hours=5)).strftime("%d.%m.%Y %H:%M")  # Astana time, written here
    assert f"до {due}:" in letter.body
    assert f"/applications/{application.id}" in letter.body


def test_without_a_letter_in_the_reader_s_language_the_platform_s_own_is_sent(app):
    letters.save(operator(), "returned", "ru", *RETURNED_RU)
    head = create_user("applicant", locale="kk")
    application = create_application(owner=head, submit=True)
    returned(application)
    letter = last_mail_to(head.email)
    assert "возвращена на доработку" not in letter.subject
    assert application.receipt_number in letter.subject


def test_a_letter_naming_an_unknown_field_or_an_open_brace_is_refused(app):
    with pytest.raises(letters.LetterError, match="{amount}"):
        letters.save(operator(), "eligible", "kk", "Өтінім {receipt}", "Сома: {amount}")
    with pytest.raises(letters.LetterError):
        letters.save(operator(), "eligible", "kk", "Өтінім {receipt", "Мәтін")
    assert db.session.execute(sa.select(sa.func.count()).select_from(LetterTemplate)).scalar_one() == 0


def test_the_letter_page_saves_shows_an_example_and_refuses_in_the_user_s_language(app):
    client = signed_in(app, operator(), "kk")
    page = "/manage/letters/eligible/kk"
    response = post_form(client, page, {"subject": "Өтінім {receipt}", "body": "{ngo}, өтініміңіз {nonsense}"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert translated("kk", "The letter names fields the platform does not know: %(names)s.",
                      names="{nonsense}") in html
    assert "{ngo}, өтініміңіз {nonsense}</textarea>" in html  # what was typed stays
    response = post_form(client, page, {"subject": "Өтінім {receipt}", "body": "{ngo}, өтініміңіз сәйкес."})
    assert response.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "«Мысал» қоғамдық бірлестігі, өтініміңіз сәйкес." in html  # the example's NGO, not a real one
    assert "Өтінім 2026-MCI-01-00001" in html
