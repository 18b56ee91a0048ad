"""Decision letters on the commission's results and on appeals: scoring adds their outcomes to the operator's
letters page, each with only its own fields; each NGO reads its letter in its language, filled with the amount, the
place, the score and the commission's or the panel's reasons. Without the operator's letter, the platform's own."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from grants.audit import AuditEvent
from grants.extensions import db
from grants.letters import services as letters
from grants.letters.models import LetterTemplate
from grants.mail import OutboxMessage
from scoring.assignments import services as assignments
from scoring.commission import appeals, services
from scoring.sheets import services as sheets
from tests.conftest import post_form, translated
from tests.factories import create_call, create_user, operator, roll_call, signed_in
from tests.worlds import convene_with_quorum, enrol, fill_sheet, nominate, ranked_call, sheet_of

PUBLISHED = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # 15:00 in Astana; the appeal period is the meeting's 5 days
NBSP = "\u00a0"

AWARDED_RU = ("Заявка {receipt}: грант присужден",
              "Уважаемые коллеги из {ngo}!\n\nКонкурсная комиссия конкурса {call} присудила грант по заявке "
              "{receipt} «{title}»: {place} место, {score} баллов. Сумма гранта: {amount}.\n\nОценки: {link}")
NOT_AWARDED_KK = ("{receipt} өтінімі қолдау таппады",
                  "{ngo}!\n\n{receipt} өтінімі: {place}-орын, {score} балл. Комиссияның себебі: {reasons}\n\n"
                  "Шағымды {appeal_deadline} дейін беруге болады: {link}")
DISMISSED_RU = ("Жалоба по заявке {receipt} отклонена", "{ngo}, ответ комиссии по жалобам:\n{reasons}\n\n{link}")
UPHELD_KK = ("{receipt} өтінімі бойынша шағым қанағаттандырылды", "{ngo}!\n\n{reasons}")


def mails_to(user):
    return db.session.execute(sa.select(OutboxMessage).where(OutboxMessage.to == user.email)
                              .order_by(OutboxMessage.id)).scalars().all()


def published(second_outcome="reserve", reason="", grants=1):
    """A (36 points) awarded, B (28) decided as given; the results published on 1 December 2026."""
    call, (a, b) = ranked_call([[9, 9, 9, 9], [7, 7, 7, 7]])
    call.topics[0].grants_count = grants
    meeting = convene_with_quorum(call)
    roll_call(meeting, a, "awarded")
    roll_call(meeting, b, second_outcome, reason)
    services.approve(operator(), meeting)
    before = {a.id: len(mails_to(a.created_by)), b.id: len(mails_to(b.created_by))}
    services.publish(operator(), meeting, now=PUBLISHED)
    db.session.commit()
    return call, a, b, before


def test_the_winner_reads_the_awarded_letter_in_russian_with_the_amount_place_and_score(app):
    letters.save(operator(), "awarded", "ru", *AWARDED_RU)
    db.session.commit()
    call, a, b, before = published()
    (letter,) = mails_to(a.created_by)[before[a.id]:]
    assert letter.subject == f"Заявка {a.receipt_number}: грант присужден"
    # the factory's budget is 10 days at 300 000 ₸: 3 000 000 ₸, written here as a Russian reader reads it
    assert letter.body == (
        f"Уважаемые коллеги из {a.organization.name_ru}!\n\nКонкурсная комиссия конкурса {call.code} «{call.title_ru}» "
        f"присудила грант по заявке {a.receipt_number} «Клуб волонтеров»: 1 место, 36 баллов. Сумма гранта: "
        f"3{NBSP}000{NBSP}000,00{NBSP}₸.\n\nОценки: {app.config['PUBLIC_URL']}/applications/{a.id}/scores\n")
    # the reserve list has no letter written: B's NGO reads the platform's own
    (own,) = mails_to(b.created_by)[before[b.id]:]
    assert "грант присужден" not in own.subject and f"/applications/{b.id}/scores" in own.body


def test_an_award_s_winner_reads_its_share_settled_before_it_is_told(app):
    letters.save(operator(), "awarded", "kk", "{receipt}", "{ngo}: {amount}")
    db.session.commit()
    call = create_call(instrument="award", criteria_set="award", experts_per_application=1)
    call.topics[0].amount_cap, call.topics[0].grants_count = Decimal("9000000.05"), 2
    nominations = [nominate(call) for _ in range(2)]  # in Kazakh, their heads' language
    expert = enrol()
    sheets.use_default_criteria(operator(), call)
    assignments.assign(operator(), call)
    for a in assignments.call_assignments(call):
        assignments.declare(a.expert.user, a)
    for points, nomination in zip((9, 8), nominations, strict=True):
        sheets.submit(expert.user, fill_sheet(call, sheet_of(call, nomination, expert), expert, [points]))
    meeting = convene_with_quorum(call)
    for nomination in nominations:
        roll_call(meeting, nomination, "awarded")
    services.approve(operator(), meeting)
    services.publish(operator(), meeting)
    db.session.commit()
    for nomination in nominations:  # 9 000 000,05 ₸ by two: 4 500 000,02 ₸ each, the tiyn left over not paid
        assert mails_to(nomination.created_by)[-1].body == \
            f"{nomination.organization.name_kk}: 4{NBSP}500{NBSP}000,02{NBSP}₸\n"


def test_not_supported_against_the_ranking_reads_the_commission_s_reason_in_kazakh(app):
    letters.save(operator(), "not_awarded", "kk", *NOT_AWARDED_KK)
    db.session.commit()
    call, (a, b) = ranked_call([[9, 9, 9, 9], [7, 7, 7, 7]])
    b.created_by.locale = "kk"  # the application is in Russian; its head reads Kazakh
    db.session.commit()
    call.topics[0].grants_count = 2  # within the grants: not supporting B departs from the ranking
    meeting = convene_with_quorum(call)
    roll_call(meeting, a, "awarded")
    roll_call(meeting, b, "rejected", "Жоба өткен жылғы жобаны қайталайды.")
    services.approve(operator(), meeting)
    services.publish(operator(), meeting, now=PUBLISHED)
    db.session.commit()
    letter = mails_to(b.created_by)[-1]
    assert letter.subject == f"{b.receipt_number} өтінімі қолдау таппады"
    assert letter.body == (
        f"{b.organization.name_kk}!\n\n{b.receipt_number} өтінімі: 2-орын, 28 балл. Комиссияның себебі: Жоба өткен "
        f"жылғы жобаны қайталайды.\n\nШағымды 06.12.2026 15:00 дейін беруге болады: "
        f"{app.config['PUBLIC_URL']}/applications/{b.id}/scores\n")


def test_without_the_operator_s_letter_in_the_reader_s_language_the_platform_s_results_mail_goes(app):
    letters.save(operator(), "awarded", "ru", *AWARDED_RU)
    db.session.commit()
    call, (a,) = ranked_call([[9, 9, 9, 9]])
    a.created_by.locale = "kk"
    db.session.commit()
    meeting = convene_with_quorum(call)
    roll_call(meeting, a, "awarded")
    services.approve(operator(), meeting)
    services.publish(operator(), meeting)
    db.session.commit()
    letter = mails_to(a.created_by)[-1]
    assert "грант присужден" not in letter.subject and a.receipt_number in letter.subject
    assert f"/applications/{a.id}/scores" in letter.body and "36" in letter.body


def appealed(filer_locale=None):
    """B (28, below the threshold of 30) not supported and published; B's appeal filed, a panelist named."""
    call, (a, b) = ranked_call([[9, 9, 9, 9], [7, 7, 7, 7]])
    call.topics[0].grants_count = 2
    rules = sheets.rules(call)
    rules.threshold = Decimal("30")
    db.session.add(rules)
    b.created_by.locale = filer_locale
    meeting = convene_with_quorum(call)
    roll_call(meeting, a, "awarded")
    roll_call(meeting, b, "rejected")
    services.approve(operator(), meeting)
    services.publish(operator(), meeting)
    appeal = appeals.file_appeal(b.created_by, b, "Эксперт не учел письма поддержки акимата")
    panelist = create_user("commission")
    appeals.name_panelist(operator(), call, panelist)
    db.session.commit()
    return b, appeal, panelist


def test_a_dismissed_appeal_s_letter_carries_the_panel_s_reasons_in_the_application_s_language(app):
    letters.save(operator(), "appeal_dismissed", "ru", *DISMISSED_RU)
    db.session.commit()
    b, appeal, panelist = appealed()
    appeals.resolve_appeal(panelist, appeal, False, "Письма учтены в критерии реализуемости.")
    db.session.commit()
    letter = mails_to(b.created_by)[-1]
    assert letter.subject == f"Жалоба по заявке {b.receipt_number} отклонена"
    assert letter.body == (f"{b.organization.name_ru}, ответ комиссии по жалобам:\nПисьма учтены в критерии "
                           f"реализуемости.\n\n{app.config['PUBLIC_URL']}/applications/{b.id}/scores\n")


def test_an_upheld_appeal_s_letter_in_kazakh_carries_the_panel_s_reasons(app):
    letters.save(operator(), "appeal_upheld", "kk", *UPHELD_KK)
    db.session.commit()
    b, appeal, panelist = appealed("kk")
    enrol(languages=("ru",))  # the expert who scores B again
    (sheet,) = appeals.contested_sheets(b)
    appeals.resolve_appeal(panelist, appeal, True, "Қолдау хаттары бағалауда қаралмаған.",
                           set_aside=sheet.assignment)
    db.session.commit()
    letter = mails_to(b.created_by)[-1]
    assert letter.subject == f"{b.receipt_number} өтінімі бойынша шағым қанағаттандырылды"
    assert letter.body == f"{b.organization.name_kk}!\n\nҚолдау хаттары бағалауда қаралмаған.\n"


def test_without_the_letter_on_the_answer_in_the_reader_s_language_the_platform_s_answer_goes(app):
    letters.save(operator(), "appeal_dismissed", "kk", "{receipt}", "{ngo}: {reasons}")
    db.session.commit()
    b, appeal, panelist = appealed("ru")
    appeals.resolve_appeal(panelist, appeal, False, "Оценка верна.")
    db.session.commit()
    own = mails_to(b.created_by)[-1]
    assert own.subject != b.receipt_number and b.receipt_number in own.subject
    assert "Оценка верна." in own.body and f"/applications/{b.id}/scores" in own.body


@pytest.mark.parametrize("outcome, text, field", [
    ("not_awarded", "Сумма: {amount}", "{amount}"),
    ("reserve", "Сумма: {amount}", "{amount}"),
    ("awarded", "Подайте снова до {deadline}", "{deadline}"),
    ("appeal_upheld", "Место: {place}", "{place}"),
    ("appeal_dismissed", "Балл: {score}, сумма: {amount}", "{amount}, {score}"),
    ("returned", "Место: {place}", "{place}"),
])
def test_a_field_another_outcome_has_is_refused_on_this_one(app, outcome, text, field):
    with pytest.raises(letters.LetterError, match=field):
        letters.save(operator(), outcome, "ru", "Заявка {receipt}", text)
    assert db.session.execute(sa.select(sa.func.count()).select_from(LetterTemplate)).scalar_one() == 0


def test_every_field_of_an_outcome_is_accepted_and_the_save_is_audited(app):
    body = "{ngo} {receipt} {title} {call} {link} {place} {score} {reasons} {appeal_deadline} {amount}"
    letters.save(operator(), "awarded", "kk", "{receipt}", body)
    letters.save(operator(), "awarded", "kk", "{receipt} — грант", body)
    db.session.commit()
    events = db.session.execute(sa.select(AuditEvent).where(AuditEvent.verb == "letter.save")
                                .order_by(AuditEvent.id)).scalars().all()
    assert [(e.object_id, e.before and e.before["subject"], e.after["subject"]) for e in events] == [
        ("awarded:kk", None, "{receipt}"), ("awarded:kk", "{receipt}", "{receipt} — грант")]


def test_the_letters_page_lists_every_outcome_each_with_its_own_fields(app):
    client = signed_in(app, operator(), "ru")
    index = client.get("/manage/letters").get_data(as_text=True)
    for outcome in ("eligible", "ineligible", "returned", "awarded", "reserve", "not_awarded", "appeal_upheld",
                    "appeal_dismissed"):
        for language in ("kk", "ru"):
            assert f'href="/manage/letters/{outcome}/{language}"' in index
    assert translated("ru", "The commission's results") in index and translated("ru", "Appeals") in index
    awarded = client.get("/manage/letters/awarded/ru").get_data(as_text=True)
    assert "<code>{amount}</code>" in awarded and "<code>{place}</code>" in awarded
    assert "<code>{deadline}</code>" not in awarded
    not_awarded = client.get("/manage/letters/not_awarded/ru").get_data(as_text=True)
    assert "<code>{reasons}</code>" in not_awarded and "<code>{amount}</code>" not in not_awarded
    upheld = client.get("/manage/letters/appeal_upheld/ru").get_data(as_text=True)
    assert "<code>{reasons}</code>" in upheld and "<code>{place}</code>" not in upheld
    assert client.get("/manage/letters/nonsense/ru").status_code == 404


def test_the_page_refuses_a_field_of_another_outcome_in_the_user_s_language_and_previews_an_example(app):
    client = signed_in(app, operator(), "kk")
    page = "/manage/letters/not_awarded/kk"
    response = post_form(client, page, {"subject": "{receipt}", "body": "{ngo}, сома: {amount}"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    title = translated("kk", "Not supported", context="commission decision")
    assert translated("kk", "A letter on “%(outcome)s” has no field %(names)s: its fields are listed beside the "
                      "letter.", outcome=title, names="{amount}") in html
    assert "{ngo}, сома: {amount}</textarea>" in html  # what was typed stays
    response = post_form(client, page, {"subject": "{receipt}", "body": "{ngo}: {place}-орын, {score} балл"})
    assert response.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "«Мысал» қоғамдық бірлестігі: 2-орын, 31,5 балл" in html  # the example, not a real NGO


@pytest.mark.parametrize("role, allowed", [("operator", True), ("admin", True), ("applicant", False),
                                           ("expert", False), ("commission", False), ("customer", False),
                                           ("analyst", False), ("observer", False)])
def test_only_the_operator_and_the_admin_edit_the_results_and_appeals_letters(app, role, allowed):
    client = signed_in(app, create_user(role), "ru")
    for page in ("/manage/letters/awarded/ru", "/manage/letters/appeal_dismissed/kk"):
        assert client.get(page).status_code == (200 if allowed else 403)
        response = post_form(client, page, {"subject": "Заявка {receipt}", "body": "{ngo}"},
                             page=page if allowed else "/")
        assert response.status_code == (302 if allowed else 403)
    saved = db.session.execute(sa.select(sa.func.count()).select_from(LetterTemplate)).scalar_one()
    assert saved == (2 if allowed else 0)
