"""The operator's form builder: a call's application form edited block by block, corrected with a reason
after publication until the first submission, frozen after it."""

import copy

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from grants.appforms import services
from grants.appforms.models import FormCorrection
from grants.audit import AuditEvent
from grants.extensions import db
from grants.reference.models import CustomerBody
from tests.conftest import csrf_token, post_form, translated
from tests.factories import create_application, create_call, create_user, operator, signed_in

KK = {"kk": "Сұрақ", "ru": "Вопрос", "en": "Question"}


def text_block(**overrides):
    return {"kind": "short_text", "label": dict(KK), "required": True, **overrides}


def codes(call):
    db.session.refresh(call)
    return [b["code"] for b in call.application_form]


def counts():
    return (db.session.scalar(sa.select(sa.func.count()).select_from(FormCorrection)),
            db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)))


def test_every_verb_on_a_draft(app):
    call = create_call(published=False)
    start = codes(call)
    block = services.add_block(operator(), call, text_block())
    db.session.commit()
    assert block["code"] == "q1" and codes(call) == start + ["q1"]
    services.add_block(operator(), call, text_block(kind="choice", options=[
        {"label": {"kk": "Иә", "ru": "Да"}}, {"label": {"kk": "Жоқ", "ru": "Нет"}}, {"label": {}}]), position=0)
    db.session.commit()
    first = call.application_form[0]
    assert first["code"] == "q2" and [o["code"] for o in first["options"]] == ["o1", "o2"]
    # an existing option keeps its code; a new one gets the first free code from its place
    services.update_block(operator(), call, "q2", {**first, "options": [
        {"code": "o2", "label": {"kk": "Жоқ", "ru": "Нет"}}, {"label": {"kk": "Мүмкін", "ru": "Возможно"}}]})
    db.session.commit()
    assert [o["code"] for o in call.application_form[0]["options"]] == ["o2", "o3"]
    services.move_block(operator(), call, "q2", 1)
    db.session.commit()
    assert codes(call)[:2] == [start[0], "q2"]
    services.remove_block(operator(), call, "q2")
    services.remove_block(operator(), call, "q1")
    db.session.commit()
    assert codes(call) == start
    services.add_block(operator(), call, text_block())
    services.reset_to_template(operator(), call)
    db.session.commit()
    assert codes(call) == start
    verbs = set(db.session.scalars(sa.select(AuditEvent.verb).where(AuditEvent.verb.like("call.form_%"))))
    assert verbs == {"call.form_add_block", "call.form_update_block", "call.form_move_block",
                     "call.form_remove_block", "call.form_reset_to_template"}
    assert counts()[0] == 0  # a draft's edits are not corrections


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_whole_form_is_checked_and_a_refusal_changes_nothing(app, lang):
    call = create_call(published=False)
    client = signed_in(app, operator(), lang)  # signing in is audited: counted before the refusals, not among them
    before, tally = copy.deepcopy(call.application_form), counts()
    url = f"/manage/calls/{call.id}/form/new?kind=short_text"
    # the code of an existing block, and no Kazakh label
    response = post_form(client, url, {"code": "summary", "label_ru": "Вопрос", "label_en": "Q"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    with force_locale(lang):
        from grants.i18n import _
        n = len(before) + 1
        duplicate = _("Block %(n)d: the code “%(code)s” is already used by block %(first)d.", n=n, code="summary",
                      first=1)
        kazakh = _("%(where)s: give the label in Kazakh.", where=_("Block %(n)d", n=n))
    assert "already used" not in duplicate and "give the" not in kazakh  # in the page's language
    assert duplicate in page and kazakh in page
    assert 'value="Вопрос"' in page  # nothing typed is lost
    # a second budget block
    response = post_form(client, f"/manage/calls/{call.id}/form/new?kind=budget",
                         {"label_kk": "Смета", "label_ru": "Смета"})
    assert response.status_code == 400
    with force_locale(lang):
        from grants.appforms.blocks import KIND_TITLES
        twice = _("The form has “%(kind)s” twice; it may have it once.", kind=KIND_TITLES["budget"])
    assert twice in response.get_data(as_text=True)
    db.session.expire_all()
    assert call.application_form == before and counts() == tally


def test_a_published_form_is_corrected_with_a_reason_and_the_correction_is_public(app, client):
    call = create_call()
    before = copy.deepcopy(call.application_form)
    with pytest.raises(services.FormError, match="reason"):
        services.add_block(operator(), call, text_block())
    db.session.rollback()
    assert call.application_form == before and counts()[0] == 0
    services.add_block(operator(), call, text_block(), reason="Забыли спросить о партнерах")
    db.session.commit()
    correction = db.session.scalars(sa.select(FormCorrection)).one()
    assert correction.call_id == call.id and correction.by_id == operator().id and correction.summary
    page = client.get(f"/calls/{call.id}?lang=ru").get_data(as_text=True)
    assert "Забыли спросить о партнерах" in page
    # through the pages: each button of a published form leads to a page that asks for the reason
    staff = signed_in(app, operator(), "ru")
    url = f"/manage/calls/{call.id}/form"
    assert f'href="{url}/q1/up"' in staff.get(url).get_data(as_text=True)
    asks = staff.get(f"{url}/q1/up").get_data(as_text=True)
    assert 'name="reason"' in asks and f'action="{url}/q1/up"' in asks
    assert staff.get(f"{url}/nosuch/up").status_code == 404
    assert post_form(staff, f"{url}/q1/up", page=url).status_code == 302
    assert codes(call)[-1] == "q1"  # refused: no reason
    post_form(staff, f"{url}/q1/up", {"reason": "Порядок"}, page=url)
    assert codes(call)[-2] == "q1" and counts()[0] == 2


def test_the_code_of_a_published_block_cannot_change(app):
    call = create_call()
    summary = copy.deepcopy(call.application_form[0])
    with pytest.raises(services.FormError, match="code cannot change"):
        services.update_block(operator(), call, "summary", {**summary, "code": "resume"}, reason="Переименовать")
    db.session.rollback()
    assert codes(call)[0] == "summary"
    draft = create_call(published=False)
    services.update_block(operator(), draft, "summary", {**summary, "code": "resume"})
    assert draft.application_form[0]["code"] == "resume"


def test_after_the_first_submission_every_verb_is_refused(app):
    call = create_call()
    create_application(call=call, submit=True)
    before, tally = copy.deepcopy(call.application_form), counts()
    attempts = [lambda: services.add_block(operator(), call, text_block(), reason="r"),
                lambda: services.update_block(operator(), call, "summary", call.application_form[0], reason="r"),
                lambda: services.move_block(operator(), call, "summary", 1, reason="r"),
                lambda: services.remove_block(operator(), call, "summary", reason="r"),
                lambda: services.reset_to_template(operator(), call, reason="r")]
    for verb in attempts:
        with pytest.raises(services.FormError, match="frozen"):
            verb()
        db.session.rollback()
    assert call.application_form == before and counts() == tally
    # signing in is audited: counted before the page's refusal, not among it (on PostgreSQL the rollbacks above
    # would undo an event written earlier in the test's transaction)
    client = signed_in(app, operator(), "en")
    tally = counts()
    url = f"/manage/calls/{call.id}/form"
    assert "frozen" in client.get(url).get_data(as_text=True)
    post_form(client, f"{url}/summary/remove", {"reason": "r"}, page=f"/manage/calls/{call.id}")
    db.session.expire_all()
    assert call.application_form == before and counts() == tally


def test_an_applicant_an_expert_and_another_body_are_refused(app):
    call = create_call(published=False)
    before = copy.deepcopy(call.application_form)
    mine, other = create_user("customer"), create_user("customer")
    mine.customer_body_id = call.customer_id
    other.customer_body_id = db.session.scalar(sa.select(CustomerBody.id).where(CustomerBody.code == "ALA-IP"))
    db.session.commit()
    url = f"/manage/calls/{call.id}/form"
    for user, status in ((create_user("applicant"), 403), (create_user("expert"), 403), (other, 403),
                         (mine, 200)):
        client = signed_in(app, user, "en")
        assert client.get(url).status_code == status
        assert client.get(f"{url}/preview").status_code == status
        if status == 403:
            token = csrf_token(client, "/")  # the sign-out form of every page carries one
            response = client.post(f"{url}/summary/remove", data={"csrf_token": token, "reason": "r"})
            assert response.status_code == 403
    db.session.expire_all()
    assert call.application_form == before


def test_the_pages_draw_the_form_and_its_preview(app):
    call = create_call(published=False)
    client = signed_in(app, operator(), "ru")
    url = f"/manage/calls/{call.id}/form"
    page = client.get(url).get_data(as_text=True)
    assert "Краткое описание проекта" in page and f"{url}/new" in page
    assert f"/manage/calls/{call.id}/form" in client.get(f"/manage/calls/{call.id}").get_data(as_text=True)
    preview = client.get(f"{url}/preview").get_data(as_text=True)
    assert "<fieldset disabled" in preview and 'type="submit"' not in preview.split("<fieldset disabled")[1]
    edit = client.get(f"{url}/summary/edit").get_data(as_text=True)
    assert "Краткое описание проекта" in edit
    from grants.appforms.blocks import KINDS
    for kind in KINDS:
        assert client.get(f"{url}/new?kind={kind}").status_code == 200, kind
    assert client.get(f"{url}/new?kind=essay").status_code == 404
    form = client.get(f"{url}/new?kind=table").get_data(as_text=True)
    assert form.count('name="columns-') >= 3 * 4
    response = post_form(client, f"{url}/new?kind=table", {
        "label_kk": "Кесте", "label_ru": "Таблица", "limit_max_rows": "5",
        "columns-0-label_kk": "Аты", "columns-0-label_ru": "Имя", "columns-0-type": "text",
        "columns-1-label_kk": "Сома", "columns-1-label_ru": "Сумма", "columns-1-type": "money"})
    assert response.status_code == 302
    added = next(b for b in call.application_form if b["kind"] == "table") if not db.session.expire_all() else None
    assert added["code"] == "q1" and added["max_rows"] == 5
    assert [(c["code"], c["type"]) for c in added["columns"]] == [("c1", "text"), ("c2", "money")]


def test_a_choice_edited_on_its_page_keeps_the_codes_of_its_options_and_the_audit_log_names_it(app):
    call = create_call(published=False)
    services.add_block(operator(), call, text_block(kind="choice", code="size", options=[
        {"label": {"kk": "Шағын", "ru": "Малый"}}, {"label": {"kk": "Үлкен", "ru": "Большой"}}]))
    db.session.commit()
    client = signed_in(app, operator(), "ru")
    url = f"/manage/calls/{call.id}/form/size/edit"
    page = client.get(url).get_data(as_text=True)
    assert page.count('name="options-') >= 5 * 4  # two filled rows and three blank ones, four fields each
    # the first option is removed, the second kept, a new one typed on a blank line
    response = post_form(client, url, {
        "label_kk": "Көлемі", "label_ru": "Размер",
        "options-0-code": "o1", "options-1-code": "o2", "options-1-label_kk": "Үлкен", "options-1-label_ru": "Большой",
        "options-2-label_kk": "Орташа", "options-2-label_ru": "Средний"})
    assert response.status_code == 302
    db.session.expire_all()
    block = next(b for b in call.application_form if b["code"] == "size")
    assert [(o["code"], o["label"]["ru"]) for o in block["options"]] == [("o2", "Большой"), ("o3", "Средний")]
    assert block["label"]["ru"] == "Размер"
    admin = signed_in(app, create_user("admin"), "ru")
    log = admin.get("/admin/audit/?lang=ru")
    assert log.status_code == 200
    assert translated("ru", "Block of the application form changed") in log.get_data(as_text=True)
