"""Search across calls, applications, NGOs and agreements: words in Kazakh and Russian in the forms people type,
numbers exactly, nothing sealed or drafted, every filter in the address, and only for the grant operator's staff."""

import html
import re

import pytest
import sqlalchemy as sa

from grants.applications import eligibility, seal
from grants.applications import services as app_services
from grants.applications.models import CHECKLIST
from grants.auth.models import Role
from grants.demo import application_content
from grants.extensions import db
from grants.organizations import services as org_services
from grants.search.models import SearchEntry
from tests.conftest import login, translated
from tests.factories import create_call, create_organization, create_user, end_intake, in_time, operator

ALL_PASS = {code: True for code, _label in CHECKLIST}
KK_TEXT = "Ауылдағы балаларға арналған шахмат үйірмесі: жаттықтырушылар мен ата-аналар бірге жұмыс істейді."
RU_TEXT = "Шахматный кружок при сельской школе: тренеры и родители работают вместе с учителями."


def written(call, language, summary, title=None, submit=True):
    """An NGO's application to `call` whose summary is `summary`, submitted unless submit=False."""
    owner = create_user("applicant")
    org = create_organization(owner=owner)
    application = app_services.start(owner, call.topics[0], org, language, now=in_time(call))
    db.session.flush()
    data, activities, indicators, budget = application_content(language)
    data.update(summary=summary, title=title or data["title"])
    app_services.save(owner, application, data, activities=activities, indicators=indicators, budget=budget)
    if submit:
        app_services.submit(owner, application, now=in_time(call))
    db.session.commit()
    return application


def found(client, **args):
    """The page for these filters: (status, the receipt numbers, BINs and codes it links, its text)."""
    response = client.get("/search/", query_string=args)
    page = response.get_data(as_text=True)
    return response.status_code, page


def hits(page):
    """The list of results alone: the query itself is repeated in the box and the language links."""
    match = re.search(r'<ol class="search-hits".*?</ol>', page, re.S)
    return match.group(0) if match else ""


def receipts(page):
    return set(re.findall(r"T\d+-SG-\d+", hits(page)))


@pytest.fixture
def staff(app):
    person = create_user("operator", locale="ru")
    client = app.test_client()
    login(client, person.email)
    return client


@pytest.fixture
def intake_over(app):
    """A call whose intake has ended, with a Kazakh and a Russian application about chess."""
    call = create_call()
    kk = written(call, "kk", KK_TEXT, title="Шахмат үйірмесі")
    ru = written(call, "ru", RU_TEXT, title="Шахматный кружок")
    end_intake(call)
    db.session.commit()
    return call, kk, ru


def test_a_kazakh_word_finds_the_kazakh_application_and_a_russian_word_the_russian_one(staff, intake_over):
    _call, kk, ru = intake_over
    for typed in ("балалар", "балаларға", "Балаларымызға"):  # the text says «балаларға»
        status, page = found(staff, q=typed)
        assert status == 200
        assert receipts(page) == {kk.receipt_number}, typed
    for typed in ("школа", "школами", "школ"):  # the text says «школе»
        status, page = found(staff, q=typed)
        assert receipts(page) == {ru.receipt_number}, typed
    _status, page = found(staff, q="родители тренеры")  # every word, each in its own form
    assert receipts(page) == {ru.receipt_number}
    _status, page = found(staff, q="шахмат", language="kk")
    assert receipts(page) == {kk.receipt_number}


def test_the_matched_words_are_marked_and_what_the_ngo_wrote_is_escaped(staff, app):
    call = create_call()
    application = written(call, "ru", "Кружок <script>alert(1)</script> для детей: 5 < 6 & 7 > 3")
    end_intake(call)
    db.session.commit()
    _status, page = found(staff, q="кружок")
    assert application.receipt_number in page
    assert "<script>alert(1)" not in page and "5 &lt; 6 &amp; 7 &gt; 3" in hits(page)
    assert "<mark>Кружок</mark> &lt;script&gt;" in hits(page)  # in the case the NGO wrote it


def test_a_bin_a_receipt_and_an_agreement_number_find_exactly_their_records(staff, intake_over):
    _call, kk, ru = intake_over
    org = kk.organization
    _status, page = found(staff, q=org.bin)
    assert receipts(page) == {kk.receipt_number}
    assert f"/organizations/{org.id}" in page and f"/organizations/{ru.organization_id}\"" not in page
    _status, page = found(staff, q=org.bin, kind="organization")
    assert receipts(page) == set() and f"/organizations/{org.id}" in page
    _status, page = found(staff, q=ru.receipt_number)
    assert receipts(page) == {ru.receipt_number}
    _status, page = found(staff, q=ru.receipt_number.lower())
    assert receipts(page) == {ru.receipt_number}


def test_an_agreement_is_found_by_its_number(staff, app):
    from tests.factories import create_agreement

    agreement = create_agreement()
    _status, page = found(staff, q=agreement.number)
    assert f"/manage/agreements/{agreement.id}\"" in page


def test_a_sealed_application_is_found_by_nothing_of_its_own_until_its_deadline(staff, app):
    call = create_call()
    application = written(call, "kk", KK_TEXT, title="Шахмат үйірмесі")
    opened = written(call, "ru", RU_TEXT, title="Шахматный кружок")
    for q in ("балалар", "шахмат", application.receipt_number, application.organization.bin):
        _status, page = found(staff, q=q)
        assert application.receipt_number not in hits(page), q
        assert html.escape(application.title) not in hits(page) and f"/applications/{application.id}\"" not in page
    seal.open_early(operator(), opened, "Жалоба НПО: файл не открывается")
    db.session.commit()
    _status, page = found(staff, q="шахмат")
    assert receipts(page) == {opened.receipt_number}  # opened before the deadline: the staff read it at once
    end_intake(call)
    db.session.commit()
    _status, page = found(staff, q="шахмат")
    assert receipts(page) == {application.receipt_number, opened.receipt_number}


def test_a_draft_is_never_found(staff, app):
    call = create_call()
    draft = written(call, "ru", "Уникальный черновик про шахматы", submit=False)
    end_intake(call)
    db.session.commit()
    _status, page = found(staff, q="черновик")
    assert html.escape(draft.title) not in hits(page) and f"/applications/{draft.id}\"" not in page
    assert db.session.execute(sa.select(SearchEntry).where(SearchEntry.kind == "application",
                                                           SearchEntry.object_id == draft.id)).first() is None


@pytest.mark.parametrize("role", [Role.applicant, Role.expert, Role.commission, Role.customer, Role.analyst,
                                  Role.observer])
def test_search_is_the_grant_operators_own(app, role):
    client = app.test_client()
    login(client, create_user(role.value).email)
    assert client.get("/search/?q=школа").status_code == 403


@pytest.mark.parametrize("role", [Role.operator, Role.admin])
def test_the_operators_staff_search_and_see_the_menu_entry(app, role):
    client = app.test_client()
    login(client, create_user(role.value, locale="ru").email)
    page = client.get("/").get_data(as_text=True)
    assert 'href="/search/"' in page
    status, page = found(client)
    assert status == 200
    assert translated("ru", "Type a word or a number and press Search. Words are found in any form: %(ru)s finds "
                            "%(ru_form)s, %(kk)s finds %(kk_form)s. A BIN, a receipt number, an agreement's or a "
                            "call's number finds exactly that record. The filters narrow the search, and work "
                            "without words too.", ru="«школа»", ru_form="«школами»", kk="«балалар»",
                      kk_form="«балаларға»") in html.unescape(page)


def test_signed_out_is_sent_to_sign_in(client):
    response = client.get("/search/?q=школа")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("args, message", [
    ({"q": "ш" * 201}, "The search is too long: at most %(max)d characters."),
    ({"q": "школа", "kind": "tender"}, "There is no such kind of record to search: choose a call, an application, "
                                       "an NGO or an agreement."),
    ({"q": "школа", "call": "abc"}, "There is no such call: choose one from the list."),
    ({"q": "школа", "call": "999999"}, "There is no such call: choose one from the list."),
    ({"q": "школа", "region": "-1"}, "There is no such region: choose one from the list."),
    ({"q": "школа", "language": "de"}, "An application is written in Kazakh or in Russian: choose one of them."),
    ({"q": "школа", "status": "application:won"}, "There is no such status for what is searched: choose one from "
                                                  "the list."),
    ({"q": "школа", "kind": "call", "status": "application:eligible"},
     "There is no such status for what is searched: choose one from the list."),
    ({"q": "школа", "page": "two"}, "The page number must be a whole number, 1 or more."),
])
def test_bad_input_is_answered_in_the_users_language(staff, args, message):
    status, page = found(staff, **args)
    assert status == 400
    assert translated("ru", message, max=200) in html.unescape(page)


def test_the_filters_are_carried_by_the_address(staff, intake_over):
    call, kk, _ru = intake_over
    status, page = found(staff, q="шахмат", call=call.id, language="kk", status="application:submitted")
    assert status == 200 and receipts(page) == {kk.receipt_number}
    link = re.search(r'<a href="([^"]+)" id="share">', page).group(1)
    assert "q=%D1%88%D0%B0%D1%85%D0%BC%D0%B0%D1%82" in link and f"call={call.id}" in link and "language=kk" in link
    assert receipts(staff.get(html.unescape(link)).get_data(as_text=True)) == {kk.receipt_number}
    _status, page = found(staff, kind="application", call=call.id)  # filters alone list what they hold
    assert receipts(page) == {kk.receipt_number, _ru.receipt_number}


def test_the_index_follows_an_application_revised_and_an_ngo_renamed(staff, intake_over):
    _call, kk, ru = intake_over
    eligibility.review(operator(), ru, "returned", ALL_PASS, ["BUDGET"], "Уточните смету", revision_days=5)
    data, activities, indicators, budget = application_content("ru")
    data["summary"] = "Исправленное описание: турниры по шашкам в библиотеке"
    app_services.save(ru.created_by, ru, data, activities=activities, indicators=indicators, budget=budget)
    db.session.commit()
    assert receipts(found(staff, q="библиотеками")[1]) == {ru.receipt_number}
    assert receipts(found(staff, q="родители")[1]) == set()  # the old summary is no longer what it says
    org = kk.organization
    owner = kk.created_by
    profile = {k: getattr(org, k) for k in org_services.PROFILE_FIELDS}
    org_services.update(owner, org, {**profile, "name_kk": "«Ақсақал» қоғамдық қоры", "name_ru": "Фонд «Аксакал»"},
                        [d.id for d in org.directions])
    db.session.commit()
    page = found(staff, q="Аксакал", kind="organization")[1]
    assert f"/organizations/{org.id}\"" in page
    assert receipts(found(staff, q="Ақсақал")[1]) == {kk.receipt_number}  # its applications carry its name


def test_the_reindex_command_rebuilds_the_index(app, staff, intake_over):
    _call, kk, ru = intake_over
    db.session.execute(sa.delete(SearchEntry))
    db.session.commit()
    assert receipts(found(staff, q="шахмат")[1]) == set()
    result = app.test_cli_runner().invoke(args=["search-reindex"])
    assert result.exit_code == 0, result.output
    assert "application 2" in result.output
    assert receipts(found(staff, q="шахмат")[1]) == {kk.receipt_number, ru.receipt_number}
