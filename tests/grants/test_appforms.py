"""A call's form is data: every kind of block asks, reads back, refuses bad input in the user's language,
and is enforced at submission; each instrument's template is a whole form in three languages."""

import html
import io
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from flask_babel import force_locale, ngettext

from grants.appforms import blocks
from grants.appforms.templates import TEMPLATES, for_instrument
from grants.applications import readiness
from grants.applications import services as app_services
from grants.applications.models import Application
from grants.db import utcnow
from grants.extensions import db
from tests.conftest import login, post_form, translated
from tests.factories import PDF, PNG, create_call, create_organization, create_user, custom_call, end_intake, started


def texts(word):
    return {"kk": f"{word} (қаз.)", "ru": f"{word} (рус.)", "en": word}


# One block of every kind the applicant answers, with limits a test can cross.
EVERY_KIND = [
    {"code": "story", "kind": "long_text", "label": texts("Story"), "required": True, "max_length": 20},
    {"code": "motto", "kind": "short_text", "label": texts("Motto"), "required": False, "max_length": 10},
    {"code": "volunteers", "kind": "number", "label": texts("Volunteers"), "required": True, "min": 1, "max": 500},
    {"code": "cofunding", "kind": "money", "label": texts("Co-funding"), "required": False, "max": 1000000},
    {"code": "founded", "kind": "date", "label": texts("Founded"), "required": False},
    {"code": "scale", "kind": "choice", "label": texts("Scale"), "required": True,
     "options": [{"code": "o1", "label": texts("Village")}, {"code": "o2", "label": texts("Region")}]},
    {"code": "groups", "kind": "multi_choice", "label": texts("Groups"), "required": False,
     "options": [{"code": "o1", "label": texts("Youth")}, {"code": "o2", "label": texts("Elderly")},
                 {"code": "o3", "label": texts("Disabled")}]},
    {"code": "before", "kind": "yes_no", "label": texts("Funded before"), "required": True},
    {"code": "events", "kind": "table", "label": texts("Events"), "required": False, "max_rows": 2,
     "columns": [{"code": "c1", "label": texts("Event"), "type": "text"},
                 {"code": "c2", "label": texts("People"), "type": "number"},
                 {"code": "c3", "label": texts("Cost"), "type": "money"},
                 {"code": "c4", "label": texts("Day"), "type": "date"}]},
    {"code": "proof", "kind": "document", "label": texts("Proof"), "required": True, "min": 1, "max": 2,
     "types": ["pdf"]},
]

VALID = {"title": "Проект", "language": "ru", "story": "Короткая история.", "motto": "Вместе",
         "volunteers": "12", "cofunding": "1500.50", "founded": "2015-03-08",
         "scale": "o2", "groups": ["o1", "o3"], "before": "no",
         "events-0-c1": "Субботник", "events-0-c2": "40", "events-0-c3": "25000", "events-0-c4": "2026-05-01"}


def edit(client, application, data, lang="ru"):
    client.get(f"/?lang={lang}")
    page = f"/applications/{application.id}/edit"
    db.session.expire_all()
    revision = str(db.session.get(Application, application.id).revision)
    response = post_form(client, page, {"revision": revision, "then": "edit", **data})
    db.session.expire_all()  # the request saved in its own session
    return response


# --- the templates -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("instrument", sorted(TEMPLATES))
def test_every_instrument_has_a_whole_form_in_kazakh_russian_and_english(app, instrument):
    form = for_instrument(instrument)
    assert blocks.check_definition(form) == []
    for block in form:
        labels = block["label"]
        assert all(labels[lang].strip() for lang in ("kk", "ru", "en")), block["code"]
        assert labels["kk"] != labels["en"] and labels["ru"] != labels["en"], f"{block['code']} is not translated"


def test_an_award_nomination_asks_for_no_budget_or_plan_and_a_grant_for_both(app):
    kinds = {instrument: {b["kind"] for b in for_instrument(instrument)} for instrument in TEMPLATES}
    assert not kinds["award"] & {"budget", "plan"}
    assert {"budget", "plan", "indicators", "partners"} <= kinds["state_grant"]


def test_a_new_call_takes_its_instruments_form_and_a_changed_instrument_takes_the_new_one(app):
    from grants.calls import services as call_services
    from tests.factories import call_data, operator

    call = create_call(published=False, instrument="award")
    assert [b["code"] for b in call.application_form] == [b["code"] for b in for_instrument("award")]
    data = call_data(instrument="state_grant", code=call.code)
    call_services.update_call(operator(), call, data)
    assert blocks.has(call.application_form, "budget")


# --- every kind, answered and read back ---------------------------------------------------------------------

def test_every_kind_of_block_is_kept_as_typed_and_shown_back(app, client):
    call = custom_call(EVERY_KIND)
    owner, application = started(call)
    login(client, owner.email)
    response = edit(client, application, VALID)
    assert response.status_code == 302, response.get_data(as_text=True)
    saved = db.session.get(Application, application.id).sections
    # what each answer is, written out by hand
    assert saved["story"] == "Короткая история." and saved["motto"] == "Вместе"
    assert saved["volunteers"] == 12 and saved["cofunding"] == "1500.50" and saved["founded"] == "2015-03-08"
    assert saved["scale"] == "o2" and saved["groups"] == ["o1", "o3"] and saved["before"] is False
    assert saved["events"] == [{"c1": "Субботник", "c2": 40, "c3": "25000.00", "c4": "2026-05-01"}]
    page = client.get(f"/applications/{application.id}/edit").get_data(as_text=True)
    assert 'value="1500.50"' in page and 'value="2015-03-08"' in page and "Субботник" in page
    assert 'value="o2" selected' in page or 'selected value="o2"' in page
    overview = html.unescape(client.get(f"/applications/{application.id}").get_data(as_text=True))
    assert "Region (рус.)" in overview and "Youth (рус.); Disabled (рус.)" in overview
    assert "08.03.2015" in overview and "Нет" in overview


@pytest.mark.parametrize("lang", ["kk", "ru"])
@pytest.mark.parametrize("field, value, message", [
    ("story", "x" * 21, ("Field cannot be longer than %(max)d character.",
                         "Field cannot be longer than %(max)d characters.", 20)),
    ("motto", "x" * 11, ("Field cannot be longer than %(max)d character.",
                         "Field cannot be longer than %(max)d characters.", 10)),
    ("volunteers", "много", "Not a valid integer value."),
    ("volunteers", "501", ("Number must be between %(min)s and %(max)s.", {"min": 1, "max": 500})),
    ("cofunding", "abc", "Not a valid decimal value."),
    ("cofunding", "1000000.01", ("Number must be between %(min)s and %(max)s.", {"min": 0, "max": 1000000})),
    ("founded", "08.03.2015", "Not a valid date value."),
    ("founded", "0001-01-01", ("Give a date between the years %(first)d and %(last)d.", {"first": 1900, "last": 2100})),
    ("scale", "o9", "Not a valid choice."),
    ("before", "maybe", "Not a valid choice."),
    ("events-0-c2", "сорок", "Not a valid integer value."),
    ("events-0-c4", "вчера", "Not a valid date value."),
])
def test_bad_input_in_every_kind_is_refused_in_the_users_language_and_nothing_is_lost(app, client, lang, field,
                                                                                       value, message):
    call = custom_call(EVERY_KIND)
    owner, application = started(call)
    login(client, owner.email)
    assert edit(client, application, VALID).status_code == 302
    before = dict(db.session.get(Application, application.id).sections)
    response = edit(client, application, {**VALID, "title": "Другое название", field: value}, lang=lang)
    assert response.status_code == 400
    if isinstance(message, tuple) and len(message) == 3:
        with force_locale(lang):
            expected = ngettext(message[0], message[1], message[2], max=message[2])
        assert expected != message[1] % {"max": message[2]}
    elif isinstance(message, tuple):
        expected = translated(lang, message[0], **message[1])
    else:
        expected = translated(lang, message)
    page = html.unescape(response.get_data(as_text=True))
    assert expected in page
    assert "Другое название" in page  # what was typed is shown back, not lost
    db.session.expire_all()
    assert db.session.get(Application, application.id).sections == before  # and nothing half-saved


def test_a_multiple_choice_outside_its_options_is_refused(app, client):
    call = custom_call(EVERY_KIND)
    owner, application = started(call)
    login(client, owner.email)
    response = edit(client, application, {**VALID, "groups": ["o1", "o7"]}, lang="kk")
    assert response.status_code == 400
    with force_locale("kk"):
        expected = ngettext("'%(value)s' is not a valid choice for this field.",
                            "'%(value)s' are not valid choices for this field.", 1, value="o7")
    assert expected in html.unescape(response.get_data(as_text=True))


# --- enforced at submission ---------------------------------------------------------------------------------

def test_required_blocks_and_documents_stop_submission_until_given(app, client):
    call = custom_call(EVERY_KIND)
    owner, application = started(call)
    login(client, owner.email)
    assert edit(client, application, {**VALID, "story": "", "before": ""}).status_code == 302
    application = db.session.get(Application, application.id)
    with force_locale("ru"):
        found = readiness.problems(application)
        expected = [translated("ru", "Fill in the section “%(section)s”.", section="Story (рус.)"),
                    translated("ru", "Fill in the section “%(section)s”.", section="Funded before (рус.)"),
                    ngettext("Attach %(num)d file under “%(slot)s”.", "Attach %(num)d files under “%(slot)s”.", 1,
                             slot="Proof (рус.)")]
    assert found == expected
    with pytest.raises(app_services.ApplicationError):
        app_services.submit(owner, application)
    db.session.rollback()
    assert edit(client, application, VALID).status_code == 302
    application = db.session.get(Application, application.id)
    app_services.add_document(owner, application, "proof", io.BytesIO(PDF), "proof.pdf")
    db.session.commit()
    assert readiness.problems(application) == []
    app_services.submit(owner, application)
    db.session.commit()
    version = application.versions[-1].content
    assert version["form"] == EVERY_KIND and version["sections"]["volunteers"] == 12


def test_a_document_slot_refuses_a_file_of_another_type_and_one_too_many(app):
    call = custom_call(EVERY_KIND)
    owner, application = started(call)
    with force_locale("kk"):
        with pytest.raises(app_services.ApplicationError) as refused:
            app_services.add_document(owner, application, "proof", io.BytesIO(PNG), "photo.png")
        assert str(refused.value) == translated(
            "kk", "Under “%(slot)s” only these kinds of file are accepted: %(types)s.", slot="Proof (қаз.)",
            types="PDF")
        db.session.rollback()
        for n in range(2):
            app_services.add_document(owner, application, "proof", io.BytesIO(PDF), f"proof{n}.pdf")
        db.session.commit()
        with pytest.raises(app_services.ApplicationError):
            app_services.add_document(owner, application, "proof", io.BytesIO(PDF), "third.pdf")
        with pytest.raises(app_services.ApplicationError):
            app_services.add_document(owner, application, "charter", io.BytesIO(PDF), "charter.pdf")  # no such slot
    db.session.rollback()
    assert len(db.session.get(Application, application.id).documents) == 2
    stored = [p for p in Path(app.config["UPLOAD_FOLDER"]).rglob("*") if p.is_file()]
    assert len(stored) == 2  # the refused PNG was not left behind


def test_an_award_nomination_is_submitted_without_budget_plan_or_indicators(app, client):
    call = create_call(instrument="award", criteria_set="award",
                       deadline_at=utcnow() + timedelta(days=5))
    owner, application = started(call, language="kk")
    login(client, owner.email)
    page = client.get(f"/applications/{application.id}/edit?lang=kk").get_data(as_text=True)
    assert 'name="budget-0-item"' not in page and 'name="activities-0-activity"' not in page
    assert 'name="achievements"' in page
    response = edit(client, application, {"title": "Номинация", "language": "kk",
                                          "achievements": "Біз 2025 жылы 300 балаға көмектестік.",
                                          "reached": "300", "references": "Ақтөбе облысының әкімдігі",
                                          "development": "Қызметкерлерді оқыту."}, lang="kk")
    assert response.status_code == 302
    application = db.session.get(Application, application.id)
    for slot in ("evidence", "charter"):
        app_services.add_document(owner, application, slot, io.BytesIO(PDF), f"{slot}.pdf")
    db.session.commit()
    assert readiness.problems(application) == []
    app_services.submit(owner, application)
    db.session.commit()
    assert application.budget_lines == [] and application.activities == []
    assert application.versions[-1].content["sections"]["reached"] == 300
    version_page = client.get(f"/applications/{application.id}/versions/1?lang=kk").get_data(as_text=True)
    assert "Біз 2025 жылы 300 балаға көмектестік." in version_page
    # The files are listed once, under their slots, each with the start of its hash: no second list below.
    assert version_page.count(f"<h3>{translated('kk', 'Documents')}</h3>") == 1
    for document in application.documents:
        assert version_page.count(document.filename) == 1
        assert f"{document.filename} <span class=\"muted\">SHA-256 {document.sha256[:16]}…</span>" in version_page
    # A file under no slot of the version's form is still listed, once, below.
    version = application.versions[-1]
    version.content = {**version.content, "form": [b for b in version.content["form"] if b["code"] != "charter"]}
    db.session.commit()
    version_page = client.get(f"/applications/{application.id}/versions/1?lang=kk").get_data(as_text=True)
    assert version_page.count(f"<h3>{translated('kk', 'Documents')}</h3>") == 2
    assert version_page.count("charter.pdf") == 1 and version_page.count("evidence.pdf") == 1


# --- a definition is checked whole --------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_a_broken_definition_gets_every_problem_at_once_in_the_users_language(app, lang):
    broken = [
        {"code": "story", "kind": "long_text", "label": {"ru": "История"}},
        {"code": "story", "kind": "long_text", "label": texts("Again")},
        {"code": "title", "kind": "short_text", "label": texts("Title")},
        {"code": "pick", "kind": "choice", "label": texts("Pick"), "options": [{"code": "o1", "label": texts("A")}]},
        {"code": "costs", "kind": "budget", "label": texts("Budget")},
        {"code": "costs2", "kind": "budget", "label": texts("Budget")},
        {"code": "n", "kind": "number", "label": texts("N")},
        {"code": "many", "kind": "number", "label": texts("Many"), "min": 10, "max": 5},
        {"code": "what", "kind": "sculpture", "label": texts("What")},
    ]
    with force_locale(lang):
        found = blocks.check_definition(broken)
        block = lambda n: translated(lang, "Block %(n)d", n=n)  # noqa: E731
        expected = [
            translated(lang, "%(where)s: give the label in Kazakh.", where=block(1)),
            translated(lang, "Block %(n)d: the code “%(code)s” is already used by block %(first)d.", n=2,
                       code="story", first=1),
            translated(lang, "%(where)s: the code “%(code)s” is taken by the form itself; choose another.",
                       where=block(3), code="title"),
            translated(lang, "%(where)s: give from 2 to %(n)d options.", where=block(4), n=30),
            translated(lang, "%(where)s: the code is 2 to 16 small Latin letters, digits or underscores, beginning "
                             "with a letter.", where=block(7)),
            translated(lang, "%(where)s: the smallest number is above the largest.", where=block(8)),
            translated(lang, "%(where)s: unknown kind of block.", where=block(9)),
            translated(lang, "The form has “%(kind)s” twice; it may have it once.", kind=translated(lang, "Budget")),
        ]
    assert sorted(found) == sorted(expected)


def test_money_kept_as_text_reads_back_as_the_same_amount(app):
    block = blocks.Block({"code": "m", "kind": "money", "label": texts("M")})
    assert blocks.form_value(block, blocks.stored(block, Decimal("12.5"))) == Decimal("12.50")


# --- the answers, a column per question ------------------------------------------------------------------

def test_the_operator_downloads_every_submitted_answer_a_column_per_question(app, client):
    from openpyxl import load_workbook

    from tests.factories import operator, signed_in

    call = custom_call(EVERY_KIND)
    owner, application = started(call)
    login(client, owner.email)
    assert edit(client, application, {**VALID, "motto": "=1+2"}).status_code == 302
    application = db.session.get(Application, application.id)
    app_services.add_document(owner, application, "proof", io.BytesIO(PDF), "proof.pdf")
    app_services.submit(owner, application)
    started(call)  # a draft of another NGO: not in the file
    end_intake(call)  # the file reads every application: after the deadline
    db.session.commit()
    staff = signed_in(app, operator(), "ru")
    response = staff.get(f"/manage/calls/{call.id}/applications/answers.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert len(rows) == 2  # the header and the one submitted application
    answers = dict(zip(rows[0], rows[1], strict=True))
    assert answers["Story (рус.)"] == "Короткая история." and answers["Motto (рус.)"] == "'=1+2"
    assert answers["Volunteers (рус.)"] == 12 and answers["Co-funding (рус.)"] == 1500.5
    assert answers["Founded (рус.)"] == "08.03.2015" and answers["Scale (рус.)"] == "Region (рус.)"
    assert answers["Groups (рус.)"] == "Youth (рус.); Disabled (рус.)" and answers["Funded before (рус.)"] == "Нет"
    assert answers["Events (рус.)"] == ("Event (рус.): Субботник; People (рус.): 40; Cost (рус.): "
                                        + format_money_ru("25000") + "; Day (рус.): 01.05.2026")
    assert answers["Proof (рус.)"] == "proof.pdf"
    assert answers[translated("ru", "Receipt number")] == application.receipt_number


def format_money_ru(amount):
    from grants.i18n import format_money

    with force_locale("ru"):
        return format_money(Decimal(amount))


def test_the_answers_are_the_operators_alone(app, client):
    call = custom_call(EVERY_KIND)
    owner, _application = started(call)
    login(client, owner.email)
    assert client.get(f"/manage/calls/{call.id}/applications/answers.xlsx").status_code == 403


# --- prefilled from the profile, copied from an earlier application --------------------------------------

def test_a_text_block_can_start_filled_in_from_the_ngos_profile(app):
    definition = [{"code": "leader", "kind": "short_text", "label": texts("Leader"), "prefill": "head_name"},
                  {"code": "where", "kind": "long_text", "label": texts("Where"), "prefill": "region"},
                  {"code": "story", "kind": "long_text", "label": texts("Story")}]
    assert blocks.check_definition(definition) == []
    call = custom_call(definition)
    owner = create_user("applicant")
    org = create_organization(owner=owner, kato="430000000", head_name="Айгүл Сапарова")
    application = app_services.start(owner, call.topics[0], org, "kk")
    db.session.commit()
    assert application.sections == {"leader": "Айгүл Сапарова", "where": org.region.name_kk}
    bad = [{"code": "count", "kind": "number", "label": texts("N"), "prefill": "head_name"}]
    with force_locale("ru"):
        assert blocks.check_definition(bad) == [translated(
            "ru", "%(where)s: only a text is filled in from the profile, with one of its fields.",
            where=translated("ru", "Block %(n)d", n=1))]


def test_answers_are_copied_from_an_earlier_application_of_the_same_ngo_only_where_empty(app, client):
    from tests.factories import create_application

    earlier = create_application(submit=True)
    owner, org = earlier.created_by, earlier.organization
    later_call = create_call()
    draft = app_services.start(owner, later_call.topics[0], org, "ru")
    draft.sections = {"summary": "Своё резюме, уже написанное."}
    db.session.commit()
    login(client, owner.email)
    response = post_form(client, f"/applications/{draft.id}/copy", {"source": str(earlier.id)},
                         page=f"/applications/{draft.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/applications/{draft.id}/edit")
    db.session.expire_all()
    draft = db.session.get(Application, draft.id)
    assert draft.sections["summary"] == "Своё резюме, уже написанное."  # what was written stays
    for code in ("problem", "goal", "target_groups", "beneficiaries", "risks", "sustainability"):
        assert draft.sections[code] == earlier.sections[code]
    assert [(b.item, b.quantity, b.unit_cost) for b in draft.budget_lines] == \
        [(b.item, b.quantity, b.unit_cost) for b in earlier.budget_lines]
    assert [a.activity for a in draft.activities] == [a.activity for a in earlier.activities]
    assert draft.title == earlier.title
    # another NGO's application is not offered, and is refused if named
    stranger = create_application()
    before = dict(draft.sections)
    response = post_form(client, f"/applications/{draft.id}/copy", {"source": str(stranger.id)},
                         page=f"/applications/{draft.id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Application, draft.id).sections == before
    page = client.get(f"/applications/{draft.id}").get_data(as_text=True)
    assert f'value="{earlier.id}"' in page and f'value="{stranger.id}"' not in page


def test_copied_indicators_and_budget_lines_keep_their_year(app):
    """A strategic partnership plans its targets and budget per year: a copied row keeps the year it was
    planned for."""
    from grants.demo import application_content

    owner = create_user("applicant")
    org = create_organization(owner=owner)
    source_call, later_call = (create_call(instrument="strategic_partnership") for _ in range(2))
    assert blocks.years(later_call.application_form, "indicators") == 3
    assert blocks.years(later_call.application_form, "budget") == 3
    source = app_services.start(owner, source_call.topics[0], org, "ru")
    db.session.flush()
    data, activities, _indicators, _budget = application_content("ru")
    # The years out of step with the rows' order, so a year guessed from the position would not match.
    indicators = [{"name": name, "unit": "чел.", "baseline": Decimal("0"), "target": Decimal(target), "year": year}
                  for year, name, target in ((3, "Обучено волонтеров", "400"), (1, "Обучено волонтеров", "100"),
                                             (2, "Проведено встреч", "12"))]
    lines = ((2, "Тренинги", "12", "300000.00"), (1, "Аренда зала", "12", "50000.00"),
             (3, "Исследование", "1", "2500000.00"), (1, "Тренинги", "10", "300000.00"))
    budget = [{"item": item, "unit": "усл.", "quantity": Decimal(quantity), "unit_cost": Decimal(cost),
               "institutional": False, "year": year} for year, item, quantity, cost in lines]
    app_services.save(owner, source, {**data, "duration_months": 10}, activities=activities, indicators=indicators,
                      budget=budget)
    draft = app_services.start(owner, later_call.topics[0], org, "ru")
    db.session.commit()
    assert [i.year for i in source.indicators] == [3, 1, 2] and [b.year for b in source.budget_lines] == [2, 1, 3, 1]

    app_services.copy_answers(owner, draft, source)
    db.session.commit()
    db.session.expire_all()
    draft = db.session.get(Application, draft.id)
    assert [(i.name, i.target, i.year) for i in draft.indicators] == \
        [(row["name"], row["target"], row["year"]) for row in indicators]
    assert [(b.item, b.quantity, b.unit_cost, b.year) for b in draft.budget_lines] == \
        [(row["item"], row["quantity"], row["unit_cost"], row["year"]) for row in budget]
    # A form with a single budget and a single set of targets keeps no year, as saving that form does.
    single = app_services.start(owner, create_call().topics[0], org, "ru")
    assert blocks.years(single.call.application_form, "budget") == 1
    app_services.copy_answers(owner, single, source)
    assert [(b.item, b.year) for b in single.budget_lines] == [(row["item"], None) for row in budget]
    assert [(i.name, i.year) for i in single.indicators] == [(row["name"], None) for row in indicators]
