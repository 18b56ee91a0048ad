"""A beneficiaries' survey answers once per printed code: codes issued by the grantee or the operator, each
refused a second time, unknown to other projects, and nothing that ties an answer to its code."""

import re
import threading

import pytest
import sqlalchemy as sa

from grants.agreements.models import Agreement
from grants.app import create_app
from grants.audit import AuditEvent
from grants.extensions import db
from grants.monitoring import survey, survey_codes
from grants.monitoring.models import Feedback, SurveyCode
from grants.monitoring.oversight import OversightError
from tests.conftest import build_schema, fresh_database, post_form, settings_for, translated
from tests.factories import create_agreement, create_organization, create_user, operator, owner_of, signed_in

ANSWER = {"satisfaction": "4", "helped": "yes", "would_recommend": "yes"}


def answers():
    return db.session.execute(sa.select(sa.func.count(Feedback.id))).scalar_one()


def test_the_grantee_issues_codes_for_single_beneficiaries_and_for_an_event(app):
    agreement = create_agreement()
    head = owner_of(agreement)
    singles = survey_codes.issue(head, agreement, 3)
    event = survey_codes.issue(operator(), agreement, 2, "  Тренинг   в Аральске ")
    db.session.commit()
    assert len(set(singles + event)) == 5
    assert all(re.fullmatch(r"[ACDEFGHJKMNPQRTUVWXY34679]{8}", c) for c in singles + event)
    assert survey_codes.sheets(agreement) == [("", 3, 0), ("Тренинг в Аральске", 2, 0)]
    events = db.session.execute(sa.select(AuditEvent).where(AuditEvent.verb == "survey_codes.issue")
                                .order_by(AuditEvent.id)).scalars().all()
    assert [e.after for e in events] == [{"count": 3, "event": ""}, {"count": 2, "event": "Тренинг в Аральске"}]


@pytest.mark.parametrize("count", [0, 501, None])
def test_codes_are_issued_from_1_to_500_at_a_time(app, count):
    agreement = create_agreement()
    with pytest.raises(OversightError):
        survey_codes.issue(owner_of(agreement), agreement, count)


def test_codes_are_not_issued_by_another_ngo_nor_for_a_closed_survey(app):
    agreement = create_agreement()
    stranger = create_user("applicant")
    create_organization(owner=stranger)
    with pytest.raises(OversightError):
        survey_codes.issue(stranger, agreement, 1)
    with pytest.raises(OversightError):
        survey_codes.issue(create_user("observer"), agreement, 1)
    with pytest.raises(OversightError):
        survey_codes.issue(owner_of(agreement), agreement, 1, "С" * 201)
    draft = create_agreement(sign=False)
    with pytest.raises(OversightError):
        survey_codes.issue(owner_of(draft), draft, 1)
    assert db.session.execute(sa.select(sa.func.count(SurveyCode.id))).scalar_one() == 0


def test_a_code_answers_once_and_only_its_own_project(app, client):
    agreement, other = create_agreement(), create_agreement()
    [code] = survey_codes.issue(owner_of(agreement), agreement, 1)
    [foreign] = survey_codes.issue(owner_of(other), other, 1)
    db.session.commit()
    url = f"/feedback/{agreement.feedback_token}"
    typed = f" {code[:4].lower()} - {code[4:]} "  # as a person types it from the card
    assert post_form(client, url + "?lang=ru", {"code": typed, **ANSWER}).status_code == 302
    again = post_form(client, url + "?lang=ru", {"code": code, **ANSWER, "comment": "Еще раз"})
    assert again.status_code == 400
    html = again.get_data(as_text=True)
    assert translated("ru", "This code has answered the survey already: each code answers once.") in html
    assert "Еще раз" in html  # what was typed is kept
    refused = post_form(client, url + "?lang=kk", {"code": foreign, **ANSWER})
    assert refused.status_code == 400
    assert translated("kk", "This code is not one of this project's survey codes. Check it on your card.") in \
        refused.get_data(as_text=True)
    empty = post_form(client, url + "?lang=kk", ANSWER)
    assert empty.status_code == 400
    assert translated("kk", "Enter the code printed on your card: eight letters and digits, such as ACDE-3479.") \
        in empty.get_data(as_text=True)
    assert answers() == 1
    assert survey.feedback_summary(agreement).count == 1
    assert not any("code" in c.name for c in Feedback.__table__.columns)  # nothing ties the answer to its code


def test_a_refused_answer_leaves_its_code_unused(app, client):
    agreement = create_agreement()
    [code] = survey_codes.issue(owner_of(agreement), agreement, 1)
    db.session.commit()
    url = f"/feedback/{agreement.feedback_token}"
    assert post_form(client, url, {"code": code, "helped": "yes", "would_recommend": "no"}).status_code == 400
    assert post_form(client, url, {"code": code, **ANSWER}).status_code == 302
    assert answers() == 1


def test_the_card_s_qr_code_fills_the_code_in(client, app):
    agreement = create_agreement()
    [code] = survey_codes.issue(owner_of(agreement), agreement, 1)
    db.session.commit()
    html = client.get(f"/feedback/{agreement.feedback_token}?code={code}").get_data(as_text=True)
    assert re.search(rf'name="code"[^>]*value="{code}"', html)


def test_the_sheet_prints_the_unused_codes_for_the_grantee_and_the_operator_only(app):
    agreement = create_agreement()
    head = owner_of(agreement)
    issued = post_form(signed_in(app, head, "kk"), f"/agreements/{agreement.id}/survey-codes",
                       {"codes_count": "3", "codes_event": "Акция"}, page=f"/agreements/{agreement.id}")
    assert issued.status_code == 302 and "survey-codes/sheet?event=" in issued.location
    codes = db.session.execute(sa.select(SurveyCode.code).order_by(SurveyCode.id)).scalars().all()
    survey.add_feedback(agreement, "kk", 5, True, True, code=codes[0])
    db.session.commit()
    sheet = f"/agreements/{agreement.id}/survey-codes/sheet?event=Акция"
    html = signed_in(app, head, "ru").get(sheet).get_data(as_text=True)
    shown = [survey_codes.shown(c) for c in codes]
    assert shown[0] not in html and shown[1] in html and shown[2] in html
    assert html.count('src="data:image/svg+xml') == 2  # a QR code on each card
    assert translated("kk", "The project's survey: scan the QR code, or open the link and enter the code.") in html
    assert translated("ru", "The project's survey: scan the QR code, or open the link and enter the code.") in html
    assert signed_in(app, operator()).get(sheet).status_code == 200
    assert signed_in(app, create_user("observer")).get(sheet).status_code == 403
    stranger = create_user("applicant")
    create_organization(owner=stranger)
    assert signed_in(app, stranger).get(sheet).status_code == 403


def test_a_wrong_count_comes_back_on_the_agreement_page_in_the_user_s_language(app):
    agreement = create_agreement()
    page = f"/agreements/{agreement.id}"
    refused = post_form(signed_in(app, owner_of(agreement), "kk"), f"{page}/survey-codes",
                        {"codes_count": "900", "codes_event": "Қорытынды кездесу"}, page=page)
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert translated("kk", "Issue from 1 to %(max)d codes at a time.", max=500) in html
    assert "Қорытынды кездесу" in html
    assert db.session.execute(sa.select(sa.func.count(SurveyCode.id))).scalar_one() == 0


def test_two_answers_sent_at_once_with_one_code_are_one_answer(tmp_path):
    """Real commits on connections of their own: two answers with one code released together."""
    with fresh_database(tmp_path) as url:
        app = create_app(settings_for(url, UPLOAD_FOLDER=str(tmp_path / "uploads")))
        build_schema(app)
        with app.app_context():
            agreement = create_agreement()
            [code] = survey_codes.issue(owner_of(agreement), agreement, 1)
            db.session.commit()
            agreement_id = agreement.id
            db.session.remove()
        barrier, outcomes = threading.Barrier(2), []

        def answer():
            with app.app_context():
                mine = db.session.get(Agreement, agreement_id)
                barrier.wait()
                try:
                    survey.add_feedback(mine, "ru", 5, True, True, code=code)
                    db.session.commit()
                    outcomes.append("accepted")
                except OversightError:
                    db.session.rollback()
                    outcomes.append("refused")
                except sa.exc.OperationalError:  # SQLite: the other writer holds the file past its timeout
                    db.session.rollback()
                    outcomes.append("busy")
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=answer) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with app.app_context():
            assert outcomes.count("accepted") == 1, outcomes
            assert answers() == 1
            db.session.remove()
            db.engine.dispose()
