"""The commission: composition, quorum, decisions against the ranking, the protocol, published results, appeals."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import docx
import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from grants.applications.models import Status
from grants.auth.models import User
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import _
from grants.mail import OutboxMessage
from scoring.commission import appeals, services
from scoring.commission.models import MeetingState
from scoring.experts.models import Expert
from scoring.sheets import services as sheets
from scoring.sheets.models import ScoringRules
from tests.conftest import login, post_form, translated
from tests.factories import create_user, operator, roll_call
from tests.worlds import commission_members, convene_with_quorum, fill_sheet, ranked_call, scored_call, sheet_of


@pytest.mark.parametrize("n, by_operator, ok", [(3, 1, True), (4, 1, False), (17, 5, False), (5, 3, False),
                                                (15, 5, True)])
def test_an_odd_commission_of_at_most_15_with_its_operator_share(app, n, by_operator, ok):
    call, _ = ranked_call([[8, 8, 8, 8]])
    if ok:
        services.convene(operator(), call, utcnow(), "", commission_members(n, by_operator))
    else:
        with pytest.raises(services.CommissionError):
            services.convene(operator(), call, utcnow(), "", commission_members(n, by_operator))


def test_without_quorum_no_decision_is_taken(app):
    call, (application,) = ranked_call([[8, 8, 8, 8]])
    meeting = services.convene(operator(), call, utcnow(), "", commission_members(5))
    db.session.flush()
    services.record_attendance(operator(), meeting, {m.id: "in_person" if i < 3 else "absent"
                                                     for i, m in enumerate(meeting.members)})
    with pytest.raises(services.CommissionError, match="No quorum: 3 of 5"):
        roll_call(meeting, application, "awarded")
    services.record_attendance(operator(), meeting, {meeting.members[3].id: "remote"})
    roll_call(meeting, application, "awarded")


def test_a_decision_that_departs_from_the_ranking_needs_a_reason(app):
    call, (first, second) = ranked_call([[9, 9, 9, 9], [7, 7, 7, 7]])
    meeting = convene_with_quorum(call)
    with pytest.raises(services.CommissionError, match="departs from the ranking"):
        roll_call(meeting, second, "awarded")
    roll_call(meeting, second, "awarded", "Единственный проект для сельских районов")
    roll_call(meeting, first, "reserve", "Дублирует проект прошлого года")
    services.approve(operator(), meeting)
    assert meeting.state == MeetingState.approved


def test_below_the_threshold_nobody_wins(app):
    call, (application,) = ranked_call([[3, 3, 3, 3]])
    db.session.add(ScoringRules(call_id=call.id, aggregation="mean", divergence_limit=Decimal("10"),
                                threshold=Decimal("20"), blind=False, low_mark_share=Decimal("0.3")))
    meeting = convene_with_quorum(call)
    with pytest.raises(services.CommissionError, match="below the threshold"):
        roll_call(meeting, application, "awarded", "Очень нужен")


def test_the_protocol_waits_for_every_ranked_application_and_keeps_to_the_grants(app):
    call, (first, second) = ranked_call([[9, 9, 9, 9], [8, 8, 8, 8]])
    meeting = convene_with_quorum(call)
    roll_call(meeting, first, "awarded")
    with pytest.raises(services.CommissionError, match="still need a decision"):
        services.approve(operator(), meeting)
    roll_call(meeting, second, "awarded", "Оба проекта сильные")
    with pytest.raises(services.CommissionError, match="2 winners for 1 grant"):
        services.approve(operator(), meeting)


def test_publication_gives_each_application_its_outcome_and_tells_the_ngo(app, client):
    call, (first, second) = ranked_call([[9, 9, 9, 9], [7, 7, 7, 7]])
    meeting = convene_with_quorum(call)
    roll_call(meeting, first, "awarded")
    roll_call(meeting, second, "reserve")
    with pytest.raises(services.CommissionError, match="approved"):
        services.publish(operator(), meeting)
    services.approve(operator(), meeting)
    services.publish(operator(), meeting)
    db.session.commit()
    assert (first.status, second.status) == (Status.awarded, Status.reserve)
    results_mail = db.session.query(OutboxMessage).filter(OutboxMessage.to == first.created_by.email,
                                                          OutboxMessage.body.contains(f"/applications/{first.id}/scores")).all()
    assert len(results_mail) == 1 and "36" in results_mail[0].body
    page = client.get(f"/calls/{call.id}/results?lang=ru").get_data(as_text=True)
    assert first.organization.name_ru in page and second.organization.name_ru in page
    assert "36" in page  # the winner's score, with its score by criterion beside it
    with pytest.raises(services.CommissionError):
        roll_call(meeting, first, "rejected", "поздно")


def test_the_applicant_sees_its_scores_without_expert_names_after_publication(app):
    call, (application,) = ranked_call([[8, 8, 8, 8]])
    meeting = convene_with_quorum(call)
    db.session.commit()
    client = app.test_client()
    login(client, application.created_by.email)
    assert client.get(f"/applications/{application.id}/scores").status_code == 404
    roll_call(meeting, application, "awarded")
    services.approve(operator(), meeting)
    services.publish(operator(), meeting)
    db.session.commit()
    page = client.get(f"/applications/{application.id}/scores?lang=en").get_data(as_text=True)
    assert "32" in page and "You may appeal" in page
    expert = next(iter(application_experts(application)))
    assert expert.name not in page and expert.user.email not in page


def application_experts(application):
    from scoring.assignments.services import call_assignments

    return [a.expert for a in call_assignments(application.call) if a.application_id == application.id]


def test_a_commission_member_sees_only_the_meetings_they_sit_on(app):
    call, _ = ranked_call([[8, 8, 8, 8]])
    meeting = convene_with_quorum(call)
    db.session.commit()
    member = meeting.members[0].user
    outsider = create_user("commission")
    for user, status in ((member, 200), (outsider, 403)):
        client = app.test_client()
        login(client, user.email)
        assert client.get(f"/manage/commission/{meeting.id}").status_code == status


def test_a_commission_member_finds_their_meetings_in_the_menu_and_no_one_elses(app):
    """The member's menu held only Home and Calls: the meeting opened only when its address was typed."""
    call, _ = ranked_call([[8, 8, 8, 8]])
    meeting = convene_with_quorum(call)
    db.session.commit()
    link = f'href="/manage/commission/{meeting.id}"'
    for user, listed in ((meeting.members[0].user, True), (create_user("commission"), False)):
        client = app.test_client()
        login(client, user.email)
        home = client.get("/?lang=en").get_data(as_text=True)
        assert 'href="/commission/">My meetings</a>' in home
        page = client.get("/commission/").get_data(as_text=True)
        assert (link in page) is listed
        if listed:
            assert client.get(f"/manage/commission/{meeting.id}").status_code == 200
        else:
            assert "You do not sit on any commission meeting yet." in page


def test_the_protocol_is_in_kazakh_and_in_russian_whatever_the_interface(app, client):
    call, (application,) = ranked_call([[8, 8, 8, 8]])
    meeting = convene_with_quorum(call)
    roll_call(meeting, application, "awarded")
    db.session.commit()
    login(client, operator().email)
    client.get("/?lang=en")
    kk = client.get(f"/manage/commission/{meeting.id}/protocol/kk").get_data(as_text=True)
    ru = client.get(f"/manage/commission/{meeting.id}/protocol/ru").get_data(as_text=True)
    assert '<html lang="kk">' in kk and application.organization.name_kk in kk
    assert '<html lang="ru">' in ru and application.organization.name_ru in ru
    assert client.get(f"/manage/commission/{meeting.id}/protocol/en").status_code == 404
    assert Decimal(meeting.decisions[0].score) == Decimal("32.00")
    assert meeting.held_at <= utcnow() + timedelta(seconds=1)


def published(marks=((8, 8, 8, 8),), appeal_days=5):
    call, apps = ranked_call([list(m) for m in marks])
    meeting = convene_with_quorum(call)
    meeting.appeal_days = appeal_days
    for application in apps:
        roll_call(meeting, application, "awarded")
    services.approve(operator(), meeting)
    services.publish(operator(), meeting)
    db.session.commit()
    return meeting, apps


def test_an_appeal_is_filed_within_the_period_and_answered(app):
    meeting, (application,) = published()
    owner = application.created_by
    with pytest.raises(services.CommissionError, match="grounds"):
        appeals.file_appeal(owner, application, " ")
    appeal = appeals.file_appeal(owner, application, "Эксперт не учел письма поддержки")
    with pytest.raises(services.CommissionError, match="already under consideration"):
        appeals.file_appeal(owner, application, "Ещё одна")
    panelist = create_user("commission")
    appeals.name_panelist(operator(), meeting.call, panelist)
    with pytest.raises(services.CommissionError, match="answer"):
        appeals.resolve_appeal(panelist, appeal, False, "")
    appeals.resolve_appeal(panelist, appeal, False, "Письма учтены в критерии реализуемости.")
    db.session.commit()
    assert appeal.state == "dismissed" and appeal.resolved_by_id == panelist.id
    assert db.session.query(OutboxMessage).filter(OutboxMessage.to == owner.email,
                                                  OutboxMessage.body.contains("Письма учтены")).count() == 1


def test_an_appeal_after_the_period_is_refused(app):
    meeting, (application,) = published(appeal_days=5)
    late = meeting.published_at + timedelta(days=5, seconds=1)
    with pytest.raises(services.CommissionError, match="appeal period ended"):
        appeals.file_appeal(application.created_by, application, "Поздно", now=late)
    appeals.file_appeal(application.created_by, application, "Вовремя",
                         now=meeting.published_at + timedelta(days=5))


def test_only_the_ngos_staff_appeal_and_only_a_published_result(app):
    call, (mine, other) = ranked_call([[8, 8, 8, 8], [7, 7, 7, 7]])
    with pytest.raises(services.CommissionError, match="no published result"):
        appeals.file_appeal(mine.created_by, mine, "Рано")
    meeting = convene_with_quorum(call)
    roll_call(meeting, mine, "awarded")
    roll_call(meeting, other, "reserve")
    services.approve(operator(), meeting)
    services.publish(operator(), meeting)
    with pytest.raises(services.CommissionError, match="own staff"):
        appeals.file_appeal(mine.created_by, other, "Чужая заявка")


def test_the_applicant_files_an_appeal_from_the_scores_page(app, client):
    meeting, (application,) = published()
    login(client, application.created_by.email)
    response = post_form(client, f"/applications/{application.id}/appeal", {"text": "Прошу пересмотреть"},
                         page=f"/applications/{application.id}/scores")
    assert response.status_code == 302
    page = client.get(f"/applications/{application.id}/scores").get_data(as_text=True)
    assert "Прошу пересмотреть" in page


def test_the_scores_page_says_only_the_true_one_of_appeal_until_and_appeal_ended(app, client):
    meeting, (application,) = published(appeal_days=5)
    login(client, application.created_by.email)
    scores = f"/applications/{application.id}/scores?lang=en"
    page = client.get(scores).get_data(as_text=True)
    assert "You may appeal" in page and "The appeal period has ended." not in page
    meeting.published_at = utcnow() - timedelta(days=6)  # the five days are over
    db.session.commit()
    page = client.get(scores).get_data(as_text=True)
    assert "The appeal period has ended." in page and "You may appeal" not in page
    assert f'action="/applications/{application.id}/appeal"' not in page


def docx_text(document):
    """Every paragraph and every table cell of a Word document, one per line."""
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_the_protocol_downloads_as_a_word_document_in_kazakh_and_in_russian(app, client):
    call, (first, second) = ranked_call([[8, 8, 8, 8], [7, 7, 7, 7]])
    meeting = convene_with_quorum(call)
    roll_call(meeting, first, "awarded")
    roll_call(meeting, second, "rejected", "Бюджет не обоснован", against=(meeting.present[1].user,))
    services.approve(operator(), meeting)
    db.session.commit()
    login(client, operator().email)
    for interface, language in (("en", "kk"), ("ru", "kk"), ("en", "ru")):
        client.get(f"/?lang={interface}")
        response = client.get(f"/manage/commission/{meeting.id}/protocol/{language}.docx")
        assert response.status_code == 200
        assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        assert response.headers["Content-Disposition"] == f"attachment; filename=protocol-{call.code}-{language}.docx"
        document = docx.Document(BytesIO(response.data))
        with force_locale(language):
            heading = _("Protocol of the competition commission")
            bin_label = _("BIN")
        assert heading != "Protocol of the competition commission"
        assert document.paragraphs[0].text == heading
        assert document.core_properties.language == language and heading in document.core_properties.title
        text = docx_text(document)
        for application in (first, second):
            organization = application.organization
            assert f"{getattr(organization, 'name_' + language)} ({bin_label} {organization.bin})" in text
        other = "ru" if language == "kk" else "kk"
        assert getattr(first.organization, "name_" + other) not in text
        members, decisions, roll, signatures = document.tables
        assert len(members.rows) == len(signatures.rows) == 3
        # the roll call names who voted how: the second member against the second application, nobody conflicted
        dissenter = meeting.present[1].user.full_name
        assert [c.text for c in roll.rows[2].cells] == [second.receipt_number, ", ".join(
            m.user.full_name for m in meeting.present if m.user.full_name != dissenter), dissenter, "—", "—"]
        assert [c.text for c in decisions.rows[1].cells][:2] == ["1", first.receipt_number]
        assert decisions.rows[1].cells[-1].text == "3 / 0 / 0"
        assert decisions.rows[2].cells[0].text == "2" and decisions.rows[2].cells[-1].text == "2 / 1 / 0"
        assert "Бюджет не обоснован" in decisions.rows[2].cells[-2].text
        assert len(decisions.rows[0].cells) == 6 + len(sheets.criteria(call))
    assert client.get(f"/manage/commission/{meeting.id}/protocol/en.docx").status_code == 404
    assert client.get(f"/manage/commission/{meeting.id}/protocol/kk").mimetype == "text/html"
    page = client.get(f"/manage/commission/{meeting.id}").get_data(as_text=True)
    assert f"/manage/commission/{meeting.id}/protocol/ru.docx" in page


def test_the_published_protocol_is_public_with_every_decision_and_the_votes_experts_unnamed(app, client):
    call, (first, second) = ranked_call([[9, 9, 9, 9], [5, 5, 5, 5]])
    meeting = convene_with_quorum(call)
    dissenter = meeting.present[2].user
    roll_call(meeting, first, "awarded")
    roll_call(meeting, second, "rejected", "Бюджет не обоснован", against=(dissenter,))
    services.approve(operator(), meeting)
    db.session.commit()
    protocol = f"/calls/{call.id}/protocols/{meeting.id}/ru"
    assert client.get(protocol).status_code == 404  # approved, not published: not public yet
    services.publish(operator(), meeting)
    db.session.commit()
    results = client.get(f"/calls/{call.id}/results?lang=ru").get_data(as_text=True)
    # the application not supported is listed too, with its reason and its votes (2 for, 1 against)
    assert second.organization.name_ru in results and "Бюджет не обоснован" in results
    assert translated("ru", "Not supported", context="commission decision") in results
    assert "2 / 1 / 0" in results and protocol in results
    for language in ("kk", "ru"):
        page = client.get(f"/calls/{call.id}/protocols/{meeting.id}/{language}")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert all(m.user.full_name in text for m in meeting.members)  # the members are named
        experts = db.session.execute(sa.select(User).join(Expert, Expert.user_id == User.id)).scalars().all()
        assert experts and not any(e.full_name in text for e in experts)  # the experts are not
        assert getattr(second.organization, "name_" + language) in text
    assert client.get(f"/calls/{call.id + 1}/protocols/{meeting.id}/ru").status_code == 404
    assert client.get(f"/calls/{call.id}/protocols/{meeting.id}/en").status_code == 404


def test_the_published_results_list_the_eligible_applications_the_commission_could_not_decide(client):
    """An eligible application still awaiting a sheet is not decided; the results say so rather than omit it."""
    call, (scored, waiting), (expert,) = scored_call(n_apps=2, per_item=1, n_experts=1)
    sheets.submit(expert.user, fill_sheet(call, sheet_of(call, scored, expert), expert, [9, 9, 9, 9]))
    meeting = convene_with_quorum(call)
    roll_call(meeting, scored, "awarded")
    with pytest.raises(services.CommissionError, match="fully scored"):
        services.propose(operator(), meeting, waiting, "rejected", "Оценка не завершена")
    services.approve(operator(), meeting)
    services.publish(operator(), meeting)
    db.session.commit()
    page = client.get(f"/calls/{call.id}/results?lang=ru").get_data(as_text=True)
    section = page[page.index(translated("ru", "Eligible applications without a decision")):]
    assert waiting.receipt_number in section and scored.receipt_number not in section
    # one expert was to score it and none has: "0 of 1"
    assert translated("ru", "%(done)s of %(needed)s submitted", done=0, needed=1) in section
    assert db.session.get(type(waiting), waiting.id).status == Status.eligible
