"""Hypothesis drives the validators and real forms with what people (and scripts) actually send.

The validators: a BIN or IIN is accepted exactly when its check digit computes; money is a finite
number of tenge with at most two places, negative and over-precise sums refused; a date typed in
Astana time is the same wall-clock time when it comes back; a budget's total is the sum of its lines
to the tiyn, on the page, in the database, in the submitted version and in the statistics.
The forms: registration, the NGO profile, the application draft and a new call get arbitrary text —
any Unicode, Kazakh letters, control characters, very long, HTML — and never answer 500; a refusal
shows the form again with what was typed, escaped.
"""

import string
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from werkzeug.datastructures import MultiDict

from grants.applications import services as app_services
from grants.applications.forms import BudgetRow
from grants.applications.models import Application, Status, Version
from grants.calls.forms import ExtensionForm
from grants.calls.models import Call, Topic
from grants.demo import application_content
from grants.extensions import db
from grants.i18n import local_to_utc, utc_to_local
from grants.identifiers import bin_problem, check_digit, number_problem
from grants.monitoring.forms import ReportForm
from grants.organizations.models import Organization
from grants.reference.models import CustomerBody
from reports import stats
from tests.conftest import csrf_token
from tests.factories import (
    create_application,
    create_call,
    create_organization,
    create_user,
    end_intake,
    operator,
    signed_in,
)

# Each example is a request or two on the test's own app; fixtures are made once per test on purpose.
PROPS = settings(max_examples=60, deadline=None, database=None, derandomize=True,
                 suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
FORMS = settings(PROPS, max_examples=25)
ENGLISH = {"Accept-Language": "en"}  # messages are matched in English; the catalogues translate them

KAZAKH = "ӘәҒғҚқҢңӨөҰұҮүҺһІіЁёЖжШшЩщЪъЫыЬьЭэЮюЯя"
NASTY = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "a\x00b", "\x00", "\u202efdp.exe",
         "Robert'); DROP TABLE organizations;--", "{{ 7*7 }}", "%(name)s", "\r\n\r\n", "\t \u00a0 \u2028",
         "=HYPERLINK(\"http://evil\")", "Жастар келешегі «Өркен» & Co", "\U0001f600" * 50]
texts = st.one_of(
    st.text(max_size=200),  # any code point Hypothesis draws: control characters, NUL, RTL marks, emoji
    st.text(alphabet=KAZAKH + string.ascii_letters + string.digits + " <>&\"'/=-", max_size=120),
    st.sampled_from(NASTY),
    st.builds(lambda chunk, n: chunk * n, st.text(min_size=1, max_size=4), st.integers(150, 6000)),  # very long
)


# --- BIN and IIN -----------------------------------------------------------------------------

@PROPS
@given(st.text(alphabet=string.digits, min_size=12, max_size=12))
@example("061211600012")  # the published example: its first weighting gives 10
def test_twelve_digits_are_accepted_exactly_when_the_check_digit_computes(app, number):
    with app.test_request_context():
        expected = check_digit(number[:11])
        assert (number_problem(number) is None) == (expected is not None and expected == int(number[11]))
        assert (number_problem(number, "iin") is None) == (number_problem(number) is None)


@PROPS
@given(st.one_of(st.text(), st.text(alphabet=string.digits + " -\u0660\u0661\uff10\uff11", max_size=14)))
@example("０６１２１１６０００１２")  # full-width digits are digits to Python, not to a BIN
@example("٠٦١٢١١٦٠٠٠١٢")
def test_any_text_gets_a_verdict_never_an_exception(app, value):
    with app.test_request_context():
        for kind in ("bin", "iin", "either"):
            problem = number_problem(value, kind)
            assert problem is None or isinstance(problem, str) and problem
        if not (len(value) == 12 and value.isascii() and value.isdigit()):
            assert number_problem(value) is not None
        verdict = bin_problem(value)
        if verdict is None:  # an NGO's BIN: 12 ASCII digits, a month, a resident legal entity, the check digit
            assert value.isascii() and value.isdigit() and 1 <= int(value[2:4]) <= 12 and value[4] == "4"


# --- money -----------------------------------------------------------------------------------

def money_fields():
    """Every kind of money field the forms use, with the largest sum it takes."""
    return [
        (lambda data: BudgetRow(MultiDict({"quantity": "1", **data}), meta={"csrf": False}), "unit_cost",
         Decimal(10**12)),
        (lambda data: ReportForm(MultiDict(data), meta={"csrf": False}), "cofunding", Decimal(10**12)),
    ]


def typed(amount, style):
    """A sum as a person types it: 1500000.5, 1500000,50 or 1 500 000,50 (the report form reads all three)."""
    plain = format(amount, "f")
    if style == "comma":
        return plain.replace(".", ",")
    if style == "spaces":
        whole, _dot, cents = plain.partition(".")
        grouped = f"{int(whole):,}".replace(",", "\u00a0" if int(whole) % 2 else " ")
        return grouped + ("," + cents if cents else "")
    return plain


@PROPS
@given(texts)
@example("sNaN")  # a signalling NaN made WTForms' NumberRange raise: a 500
@example("NaN")
@example("-Infinity")
@example("1e999999999")
@example("0x10")
@example("1_000")
def test_any_text_in_a_money_field_is_a_number_or_a_message(app, text):
    with app.test_request_context(method="POST", headers=ENGLISH):
        for make, name, _top in money_fields():
            form = make({name: text})
            valid = form.validate()
            field = form[name]
            if valid:
                assert field.data is None or field.data.is_finite() and field.data >= 0
            else:
                assert field.errors and all(isinstance(str(e), str) for e in field.errors)


@PROPS
@given(st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False, allow_infinity=False),
       st.sampled_from(["plain", "comma", "spaces"]))
def test_valid_tenge_round_trips_as_a_decimal_with_two_places(app, amount, style):
    with app.test_request_context(method="POST", headers=ENGLISH):
        budget = BudgetRow(MultiDict({"quantity": "1", "unit_cost": typed(amount, "plain")}), meta={"csrf": False})
        assert budget.validate() and budget.unit_cost.data == amount
        report = ReportForm(MultiDict({"cofunding": typed(amount, style)}), meta={"csrf": False})
        assert report.validate(), report.errors
        assert report.cofunding.data == amount and report.cofunding.data.as_tuple().exponent >= -2


@PROPS
@given(st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("-0.01"), places=2),
       st.decimals(min_value=0, max_value=10**9, places=5))
def test_negative_and_over_precise_sums_are_refused(app, negative, precise):
    assume(precise != precise.quantize(Decimal("0.01")))  # a third decimal that matters
    with app.test_request_context(method="POST", headers=ENGLISH):
        for make, name, _top in money_fields():
            form = make({name: format(negative, "f")})
            assert not form.validate() and form[name].errors
            form = make({name: format(precise, "f")})
            assert not form.validate() and any("decimal point" in str(e) for e in form[name].errors), (
                format(precise, "f"), form[name].errors)


class Criterion:
    """What read_sheet needs of a criterion: its id, its name and its maximum."""

    def __init__(self, id_, name, max_points=10):
        self.id, self.name, self.max_points = id_, name, max_points


@PROPS
@given(texts)
@example("NaN")  # Decimal reads it; comparing it with the criterion's maximum raised: a 500 for the expert
@example("sNaN")
@example("-inf")
@example("7,5")
def test_any_text_typed_as_points_is_a_number_or_a_message(app, text):
    from scoring.sheets.forms import read_sheet

    with app.test_request_context():
        values, problems = read_sheet(MultiDict({"points-1": text, "comment-1": text}), [Criterion(1, "Relevance")])
    points, _na, comment = values[1]
    assert comment == text
    if points is None:
        assert problems or not text.strip()
    else:
        # an ordinary number; a problem exactly when it is outside 0..10
        assert points.is_finite()
        assert bool(problems) == (not Decimal(0) <= points <= 10)


# --- dates -----------------------------------------------------------------------------------

@PROPS
@given(st.datetimes(min_value=datetime(2005, 1, 1), max_value=datetime(2100, 12, 31)))
def test_a_time_typed_in_astana_comes_back_as_typed(moment):
    wall = moment.replace(second=0, microsecond=0)
    stored = local_to_utc(wall)
    assert stored.utcoffset() == timedelta(0)
    assert utc_to_local(stored) == wall


@PROPS
@given(st.one_of(texts, st.datetimes().map(lambda d: d.isoformat()[:16]),
                 st.dates().map(lambda d: d.isoformat())))
@example("0001-01-01T00:00")  # before the first UTC moment Python has, once Astana's offset is taken off
@example("9999-12-31T23:59")
@example("2026-02-30T10:00")
def test_any_text_in_a_date_field_is_a_date_or_a_message(app, text):
    with app.test_request_context(method="POST", headers=ENGLISH):
        form = ExtensionForm(MultiDict({"new_deadline": text, "reason": "x"}), meta={"csrf": False})
        if form.validate():
            assert local_to_utc(form.new_deadline.data).tzinfo is not None
        else:
            assert form.new_deadline.errors


# --- the budget ------------------------------------------------------------------------------

lines = st.lists(st.tuples(st.decimals(min_value=Decimal("0.01"), max_value=10**4, places=2),
                           st.decimals(min_value=0, max_value=10**7, places=2), st.booleans()),
                 min_size=1, max_size=12)


def cents(value):
    """Tiyn as an int: exact, no Decimal context, no float."""
    return int(value * 100)


def line_total_cents(quantity, unit_cost):
    """quantity × unit cost in tiyn, rounded half up, in integers only."""
    numerator = cents(quantity) * cents(unit_cost)  # in 1/10000 of a tiyn
    return (numerator + 50) // 100


@pytest.fixture
def applicant(app):
    """One NGO applying again and again to one call: an example is a new application, not a new account."""
    owner = create_user("applicant")
    return owner, create_organization(owner=owner), create_call(budget_year=2026)


@settings(PROPS, max_examples=25)
@given(lines)
@example([(Decimal("0.5"), Decimal("0.01"), False), (Decimal("0.5"), Decimal("0.01"), False)])  # half a tiyn each
@example([(Decimal("1.5"), Decimal("0.03"), True), (Decimal("3"), Decimal("0.1"), False)])  # 0.1 is no float
def test_a_budget_total_is_the_sum_of_its_lines_to_the_tiyn_everywhere(app, applicant, rows):
    owner, org, budget_call = applicant
    application = app_services.start(owner, budget_call.topics[0], org, "ru")
    budget = [{"item": f"Line {i}", "unit": "шт.", "quantity": q, "unit_cost": c, "institutional": inst}
              for i, (q, c, inst) in enumerate(rows)]
    data, activities, indicators, _budget = application_content(application.language)
    app_services.save(owner, application, data, activities=activities, indicators=indicators, budget=budget)
    db.session.commit()
    expected = sum(line_total_cents(q, c) for q, c, _inst in rows)
    institutional = sum(line_total_cents(q, c) for q, c, inst in rows if inst)

    db.session.expire_all()
    stored = db.session.get(Application, application.id)
    assert cents(stored.budget_total) == expected and stored.budget_total.as_tuple().exponent == -2
    assert cents(stored.institutional_total) == institutional
    assert [(line.quantity, line.unit_cost) for line in stored.budget_lines] == [(q, c) for q, c, _i in rows]

    # The statistics count the same money as the applicant's page: submitted, it is an application.
    stored.topic.amount_cap = Decimal(10**13)
    for line in stored.budget_lines:
        line.institutional = False
    db.session.commit()
    app_services.submit(owner, stored)
    db.session.commit()
    version = db.session.execute(sa.select(Version).where(Version.application_id == stored.id)).scalar_one()
    assert cents(Decimal(version.content["budget_total"])) == expected
    assert [cents(Decimal(line["total"])) for line in version.content["budget"]] == \
        [line_total_cents(q, c) for q, c, _inst in rows]
    # Every example adds one submitted application to the call: the call's row is the sum of theirs.
    submitted = db.session.execute(sa.select(Application).join(Topic).where(
        Topic.call_id == budget_call.id, Application.status != Status.draft)).scalars().all()
    def requested():
        rows = stats.applications(["call"], stats.Filters(year_from=2026, year_to=2026))
        return {r["call"]: r for r in rows}[budget_call.code]["amount_requested"]

    assert requested() == 0  # sealed until the deadline: what each asks is nobody's to read
    deadline = budget_call.deadline_at
    end_intake(budget_call)  # as once the intake has ended; the next example submits to the call again
    assert requested() == sum(a.budget_total for a in submitted)
    budget_call.deadline_at = deadline
    db.session.commit()


# --- the forms, over HTTP --------------------------------------------------------------------

def as_kept(value):
    """What the app keeps of a typed value: all of it but NUL characters, which no keyboard types and
    PostgreSQL cannot store (grants/security.py drops them from every form field and query parameter)."""
    return value.replace("\x00", "")


def shows(page, value):
    """The page shows `value` as typed, escaped: a refusal loses nothing and runs nothing."""
    return str(escape(as_kept(value))) in page


@FORMS
@given(texts, texts)
def test_registration_never_fails_and_a_refusal_keeps_the_name_and_email(app, name, email):
    client = app.test_client()
    token = csrf_token(client, "/auth/register")
    response = client.post("/auth/register", data={"csrf_token": token, "full_name": name, "email": email,
                                                   "password": "correct-horse-42", "confirm": "other-horse-42"})
    assert response.status_code == 400  # the passwords differ: always a refusal
    page = response.get_data(as_text=True)
    assert shows(page, name) and shows(page, email)
    assert "<script>alert(1)" not in page and "<img src=x" not in page


@pytest.fixture
def ngo(app):
    owner = create_user("applicant")
    org = create_organization(owner=owner)
    return org, signed_in(app, owner, "kk")


def profile(org, **changes):
    data = {"name_kk": org.name_kk, "name_ru": org.name_ru, "legal_form": "public_association",
            "region_id": str(org.region_id), "address": org.address, "head_name": org.head_name,
            "phone": org.phone, "email": org.email, "registry_year": "2026"}
    return {**data, **changes}


@FORMS
@given(texts, texts, st.booleans())
def test_the_ngo_profile_never_fails_and_a_refusal_keeps_what_was_typed(app, ngo, name, address, refuse):
    org, client = ngo
    url = f"/organizations/{org.id}/edit"
    phone = "12" if refuse else "+7 701 234 56 78"
    response = client.post(url, data={"csrf_token": csrf_token(client, url),
                                      **profile(org, name_kk=name, address=address, phone=phone)})
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        page = response.get_data(as_text=True)
        assert shows(page, name) and shows(page, address) and shows(page, phone)
    else:
        db.session.expire_all()
        assert db.session.get(Organization, org.id).name_kk.strip() == as_kept(name).strip()


@pytest.fixture
def draft(app):
    application = create_application()
    return application, signed_in(app, application.created_by, "ru")


def draft_form(application, **fields):
    data = {"revision": str(application.revision), "title": application.title, "language": application.language,
            "duration_months": str(application.duration_months or 10),
            "activities-0-activity": "Тренинг", "activities-0-start_month": "1", "activities-0-end_month": "2",
            "activities-0-output": "", "indicators-0-name": "Участники", "indicators-0-unit": "чел.",
            "indicators-0-baseline": "0", "indicators-0-target": "100",
            "budget-0-item": "Аренда", "budget-0-unit": "мес.", "budget-0-quantity": "10",
            "budget-0-unit_cost": "100000"}
    return {**data, **fields}


@FORMS
@given(texts, texts, texts, st.sampled_from(["100000", "-5", "12.345", "sNaN", "мың", ""]))
def test_the_application_draft_never_fails_and_a_refusal_keeps_what_was_typed(app, draft, title, summary, item,
                                                                              cost):
    application, client = draft
    db.session.refresh(application)
    url = f"/applications/{application.id}/edit"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), **draft_form(
        application, title=title, summary=summary, **{"budget-0-item": item, "budget-0-unit_cost": cost})})
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        page = response.get_data(as_text=True)
        assert shows(page, title) and shows(page, summary) and shows(page, item) and shows(page, cost)
    else:
        db.session.expire_all()
        saved = db.session.get(Application, application.id)
        assert saved.title == as_kept(title).strip() and saved.budget_lines[0].unit_cost == Decimal(cost)


@pytest.fixture
def operator_client(app):
    return signed_in(app, operator(), "en")


@FORMS
@given(texts, texts, st.one_of(texts, st.datetimes().map(lambda d: d.isoformat()[:16])), st.booleans())
@example("<script>alert(1)</script>", "", "0001-01-01T00:00", False)
def test_a_new_call_never_fails_and_a_refusal_keeps_what_was_typed(app, operator_client, title, description,
                                                                   opens, refuse):
    client = operator_client
    code = "BAD CODE!" if refuse else f"FZ-{db.session.scalar(sa.select(sa.func.count(Call.id))) + 1}"
    customer = db.session.execute(sa.select(CustomerBody.id).where(CustomerBody.code == "MCI")).scalar_one()
    data = {"code": code, "instrument": "state_grant", "customer_id": str(customer), "funding_source": "republican",
            "budget_year": "2026", "title_kk": title, "title_ru": title, "title_en": title,
            "description_kk": description, "description_ru": description, "description_en": description,
            "opens_at": opens, "deadline_at": "2026-12-31T18:00", "accepts_kk": "y", "accepts_ru": "y",
            "experts_per_application": "3", "criteria_set": "grant"}
    response = client.post("/manage/calls/new", data={"csrf_token": csrf_token(client, "/manage/calls/new"), **data})
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        page = response.get_data(as_text=True)
        assert shows(page, title) and shows(page, description) and shows(page, code)


@FORMS
@given(texts)
@example("a\x00b")  # PostgreSQL refused the NUL in the LIKE pattern: a 500
def test_a_search_never_fails_on_what_is_typed_into_it(app, operator_client, needle):
    response = operator_client.get("/organizations/", query_string={"q": needle})
    assert response.status_code == 200
    assert shows(response.get_data(as_text=True), as_kept(needle).strip())


def test_the_draft_page_itself_survives_a_nasty_stored_title(app, draft):
    """What the properties stored, the pages show: the edit page opens again after every kind of text."""
    application, client = draft
    for value in map(as_kept, NASTY):
        application.title = value
        db.session.commit()
        response = client.get(f"/applications/{application.id}/edit")
        assert response.status_code == 200 and shows(response.get_data(as_text=True), value)
