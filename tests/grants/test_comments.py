"""Comments on applications, agreements and reports: each meant for an audience chosen per comment, read by that
audience alone, kept as written, told by mail to those it names, and in the object's history beside its events."""

import io

import pytest
import sqlalchemy as sa

from grants.applications import eligibility
from grants.applications.models import CHECKLIST
from grants.audit import AuditEvent
from grants.comments import services as comments
from grants.comments.models import Comment
from grants.extensions import db
from grants.mail import OutboxMessage
from scoring.assignments import services as assignments
from tests.conftest import post_form, translated
from tests.factories import (
    PDF,
    assigned_expert,
    create_agreement,
    create_application,
    create_call,
    create_user,
    end_intake,
    operator,
    owner_of,
    signed_in,
)

# One sentence per audience, so that a page shows which comments reached it.
FOR_STAFF = "Смета завышена по статье аренды"
FOR_EXPERTS = "Обратите внимание на индикаторы охвата"
FOR_NGO = "Приложите, пожалуйста, устав в PDF"


@pytest.fixture
def screened(app, tmp_path):
    """A submitted application past its deadline, its NGO's head, the operator, an expert who has declared no
    conflict and one who has not declared yet; a customer of the call's body."""
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    call = create_call()
    head = create_user("applicant", locale="ru")
    application = create_application(owner=head, call=call, submit=True)
    end_intake(call)
    staff = operator()
    eligibility.review(staff, application, "eligible", {code: True for code, _label in CHECKLIST})
    db.session.commit()
    expert, assignment = assigned_expert(application)
    undeclared, _a = assigned_expert(application, accept=False)
    customer = create_user("customer", locale="ru")
    customer.customer_body_id = call.customer_id
    db.session.commit()
    return application, head, staff, expert, assignment, undeclared, customer


def write_all(application, staff):
    for body, audience in ((FOR_STAFF, "staff"), (FOR_EXPERTS, "experts"), (FOR_NGO, "applicant")):
        comments.add(staff, application, body, audience)
    db.session.commit()


def seen(client, url):
    html = client.get(url).get_data(as_text=True)
    return {body for body in (FOR_STAFF, FOR_EXPERTS, FOR_NGO) if body in html}


def test_each_audience_reads_only_the_comments_meant_for_it(app, screened):
    application, head, staff, expert, assignment, undeclared, customer = screened
    write_all(application, staff)
    assert seen(signed_in(app, staff, "ru"), f"/manage/applications/{application.id}/review") == {
        FOR_STAFF, FOR_EXPERTS, FOR_NGO}
    assert seen(signed_in(app, head, "ru"), f"/applications/{application.id}") == {FOR_NGO}
    assert seen(signed_in(app, expert, "ru"), f"/expert/assignments/{assignment.id}") == {FOR_EXPERTS}
    # an expert who has not declared on the application yet sees none of it, nor does the call's customer
    undeclared_assignment = next(a for a in assignments.call_assignments(application.call)
                                 if a.expert.user_id == undeclared.id)
    assert seen(signed_in(app, undeclared, "ru"), f"/expert/assignments/{undeclared_assignment.id}") == set()
    assert seen(signed_in(app, customer, "ru"), f"/manage/applications/{application.id}/review") == set()


def test_the_ngo_writes_to_the_staff_and_cannot_reach_another_audience(app, screened):
    application, head, staff, *_rest = screened
    client = signed_in(app, head, "ru")
    page = f"/applications/{application.id}"
    response = post_form(client, f"/comments/applications/{application.id}",
                         {"body": "Устав приложили повторно", "visibility": "applicant"}, page=page)
    assert response.status_code == 302
    assert "Устав приложили повторно" in client.get(page).get_data(as_text=True)
    # a forged audience is refused in Russian, and the words typed are in the form again
    response = post_form(client, f"/comments/applications/{application.id}",
                         {"body": "Только для сотрудников?", "visibility": "staff"}, page=page)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert translated("ru", "Choose who reads the comment.") in html
    assert "Только для сотрудников?</textarea>" in html
    stored = db.session.execute(sa.select(Comment.body, Comment.visibility)).all()
    assert stored == [("Устав приложили повторно", "applicant")]
    # ... and the draft is gone once the comment is added
    post_form(client, f"/comments/applications/{application.id}",
              {"body": "Только для сотрудников?", "visibility": "applicant"}, page=page)
    assert "Только для сотрудников?</textarea>" not in client.get(page).get_data(as_text=True)


def test_an_empty_or_overlong_comment_is_refused_with_the_reason(app, screened):
    application, _head, staff, *_rest = screened
    client = signed_in(app, staff, "kk")
    page = f"/manage/applications/{application.id}/review"
    response = post_form(client, f"/comments/applications/{application.id}", {"body": "  ", "visibility": "staff"},
                         page=page)
    assert translated("kk", "Write the comment.") in client.get(response.headers["Location"]).get_data(as_text=True)
    with pytest.raises(comments.CommentError):
        comments.add(staff, application, "я" * 5001, "staff")
    assert db.session.execute(sa.select(sa.func.count(Comment.id))).scalar_one() == 0


def test_a_draft_takes_no_comment_and_a_sealed_application_is_the_ngo_s_alone(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    head = create_user("applicant", locale="ru")
    draft = create_application(owner=head)
    with pytest.raises(comments.CommentError):
        comments.add(head, draft, "Черновик", "applicant")
    call = create_call()
    sealed = create_application(owner=head, call=call, submit=True)
    staff = operator()
    comments.add(head, sealed, "Не загружается устав", "applicant")  # the NGO may write before the deadline
    db.session.commit()
    client = signed_in(app, staff, "ru")
    assert post_form(client, f"/comments/applications/{sealed.id}", {"body": "Ответ", "visibility": "applicant"},
                     page="/").status_code == 403
    assert comments.thread(staff, sealed) == []
    end_intake(call)
    db.session.commit()
    assert [c.body for c in comments.thread(staff, sealed)] == ["Не загружается устав"]


def test_mentions_and_the_ngo_are_told_by_mail_and_only_what_they_may_read(app, screened):
    application, head, staff, *_rest = screened
    colleague = create_user("operator", locale="kk", full_name="Айбек Сейітов")
    db.session.commit()
    before = db.session.execute(sa.select(sa.func.max(OutboxMessage.id))).scalar_one()
    comments.add(staff, application, FOR_STAFF, "staff", [colleague.id])
    comments.add(staff, application, FOR_NGO, "applicant")
    db.session.commit()
    mail = db.session.execute(sa.select(OutboxMessage.to, OutboxMessage.body).where(OutboxMessage.id > before)
                              .order_by(OutboxMessage.id)).all()
    assert [to for to, _body in mail] == [colleague.email, head.email]
    assert FOR_STAFF in mail[0][1] and FOR_NGO in mail[1][1]
    assert f"/manage/applications/{application.id}/review#comments" in mail[0][1]
    assert f"/applications/{application.id}#comments" in mail[1][1]
    # the NGO mentions nobody, and nobody outside the operator's staff is mentioned
    with pytest.raises(comments.CommentError):
        comments.add(head, application, "Коллеги", "applicant", [staff.id])
    with pytest.raises(comments.CommentError):
        comments.add(staff, application, "Коллеги", "staff", [head.id])


def test_a_comment_s_file_is_read_by_its_audience_alone(app, screened):
    application, head, staff, expert, *_rest = screened
    comment = comments.add(staff, application, FOR_EXPERTS, "experts", upload=(io.BytesIO(PDF), "замечания.pdf"))
    db.session.commit()
    url = f"/comments/{comment.id}/file"
    with signed_in(app, expert, "ru").get(url) as response:
        assert response.status_code == 200 and response.get_data() == PDF
    with signed_in(app, head, "ru").get(url) as response:
        assert response.status_code == 403


def test_comments_are_in_the_history_beside_the_events(app, screened):
    application, head, staff, *_rest = screened
    comments.add(head, application, "Вопрос по смете", "applicant")
    db.session.commit()
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.verb == "comment.add")).scalar_one()
    assert (event.object_type, event.object_id, event.after["body"]) == ("Application", str(application.id),
                                                                        "Вопрос по смете")
    html = signed_in(app, staff, "ru").get(f"/manage/applications/{application.id}/review").get_data(as_text=True)
    history = html[html.index('id="timeline"'):]
    assert translated("ru", "Comment written") in history
    assert translated("ru", "Application submitted") in history  # beside the application's own events


def test_a_report_s_comments_reach_its_ngo_and_join_the_agreement_s_history(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    agreement = create_agreement()
    report, head, staff = agreement.reports[0], owner_of(agreement), operator()
    comments.add(staff, report, "Добавьте фото с мероприятия", "applicant")
    comments.add(staff, agreement, "Договор проверен юристом", "staff")
    db.session.commit()
    ngo = signed_in(app, head, "ru")
    assert "Добавьте фото с мероприятия" in ngo.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "Договор проверен юристом" not in ngo.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    html = signed_in(app, staff, "ru").get(f"/manage/agreements/{agreement.id}").get_data(as_text=True)
    assert "Договор проверен юристом" in html
    assert html[html.index('id="timeline"'):].count(translated("ru", "Comment written")) == 2
