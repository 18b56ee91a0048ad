"""The analysts' JSON API: personal tokens, the statistics as JSON, bad parameters, the OpenAPI document."""

import hashlib
import re
from datetime import timedelta
from decimal import Decimal

import jsonschema
import pytest
import sqlalchemy as sa
from openapi_spec_validator import validate as validate_spec

from grants.applications import eligibility
from grants.audit import AuditEvent
from grants.auth import services as auth_services
from grants.db import utcnow
from grants.extensions import db
from grants.reference.models import CustomerBody, Direction, Region
from reports import openapi, stats, tokens
from reports.models import FUNDING_SOURCES, INSTRUMENTS, ApiToken, HistoricalApplication
from tests.conftest import post_form
from tests.factories import (
    create_agreement,
    create_application,
    create_awarded_application,
    create_call,
    create_organization,
    create_user,
    end_intake,
    operator,
    signed_in,
)

STATS = ("/api/v1/stats/applications", "/api/v1/stats/kazakh-share", "/api/v1/stats/per-thousand-ngos",
         "/api/v1/stats/monitoring", "/api/v1/stats/reasons")


# --- helpers ---------------------------------------------------------------------------------

def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def analyst_token(*roles, name="test"):
    user = create_user(*(roles or ["analyst"]))
    _row, plaintext = tokens.issue(user, name)
    db.session.commit()
    return user, plaintext


def as_json(rows):
    """What the API promises for rows of reports.stats: every Decimal as its exact string."""
    return [{k: format(v, "f") if isinstance(v, Decimal) else v for k, v in row.items()} for row in rows]


def documented_schema(doc, path, status):
    """The schema the document gives for one answer of one path, with the components to resolve it."""
    response = doc["paths"][path]["get"]["responses"][str(status)]
    if "$ref" in response:
        response = doc["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return {**response["content"]["application/json"]["schema"], "components": doc["components"]}


def conforms(client, path, response):
    doc = client.get("/api/v1/openapi.json").get_json()
    jsonschema.Draft202012Validator(documented_schema(doc, path, response.status_code)).validate(response.get_json())


def historical(org, ref, year, language, outcome, requested, awarded=None, kato="750000000", customer="MCI",
               direction=11, instrument="state_grant", funding_source="republican", call_code=None):
    one = {"region_id": sa.select(Region.id).where(Region.kato == kato),
           "customer_id": sa.select(CustomerBody.id).where(CustomerBody.code == customer),
           "direction_id": sa.select(Direction.id).where(Direction.code == direction)}
    ids = {k: db.session.execute(q).scalar_one() for k, q in one.items()}
    db.session.add(HistoricalApplication(
        ref=ref, year=year, call_code=call_code or f"{year}-{customer}", instrument=instrument,
        funding_source=funding_source, language=language, organization_id=org.id, outcome=outcome,
        amount_requested=Decimal(requested), amount_awarded=Decimal(awarded) if awarded else None,
        source_file="test.csv", **ids))


@pytest.fixture
def world(app):
    """Platform applications in kk and ru (submitted, awarded, ineligible, a draft left out) and four
    years of imported history across regions, customers, directions, instruments and funding sources."""
    create_application(language="kk", submit=True)
    create_awarded_application(language="ru")
    owner = create_user("applicant")
    stopped = create_application(owner=owner, org=create_organization(owner=owner, kato="430000000"),
                                 call=create_call(budget_year=2025), language="ru", submit=True)
    end_intake(stopped.call)
    eligibility.review(operator(), stopped, "ineligible", {}, reason_codes=["TOPIC"], comment="Не по теме")
    create_application(language="kk")  # a draft: not an application yet
    create_agreement(language="kk")
    a, b = create_organization(), create_organization(kato="430000000")
    historical(a, "H1", 2020, "kk", "awarded", "13000000.00", "12500000.00")
    historical(b, "H2", 2020, "ru", "rejected", "9000000.50", kato="430000000")
    historical(a, "H3", 2020, "ru", "awarded", "5000000.00", "4999999.99", direction=3)
    historical(b, "H4", 2021, "kk", "ineligible", "1000000.00", kato="430000000", customer="KZO-IP",
               funding_source="local")
    historical(a, "H5", 2022, "ru", "submitted", "2000000.00", instrument="sso", customer="ALA-IP",
               funding_source="local")
    historical(b, "H6", 2023, "kk", "awarded", "3000000.00", "3000000.00", instrument="non_state_grant",
               funding_source="non_state", kato="430000000")
    db.session.commit()


# --- tokens ----------------------------------------------------------------------------------

def test_a_token_is_kept_only_as_its_hash_and_works_until_revoked(app):
    user = create_user("analyst")
    token, plaintext = tokens.issue(user, "Notebook")
    db.session.commit()
    assert plaintext.startswith("bq_") and len(plaintext) > 40
    assert token.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    stored = db.session.execute(sa.select(ApiToken.token_hash, ApiToken.name)).all()
    assert all(plaintext not in value for row in stored for value in row)
    assert tokens.verify(plaintext) == user
    tokens.revoke(user, token)
    db.session.commit()
    assert tokens.verify(plaintext) is None
    with pytest.raises(tokens.TokenRefused):
        tokens.revoke(user, token)
    verbs = db.session.execute(sa.select(AuditEvent.verb).where(AuditEvent.object_type == "ApiToken")).scalars()
    assert list(verbs) == ["api_token.issue", "api_token.revoke"]


def test_two_tokens_are_never_the_same(app):
    user = create_user("analyst")
    assert tokens.issue(user)[1] != tokens.issue(user)[1]


@pytest.mark.parametrize("plaintext", ["", "bq_", "bq_nope", "nope", "bq_" + "x" * 500])
def test_unknown_and_malformed_tokens_are_refused(app, plaintext):
    analyst_token()
    assert tokens.verify(plaintext) is None


def test_last_use_is_written_at_most_once_a_minute(app):
    user, plaintext = analyst_token()
    row = db.session.execute(sa.select(ApiToken)).scalar_one()
    assert row.last_used_at is None
    tokens.verify(plaintext)
    first = row.last_used_at
    assert first is not None
    tokens.verify(plaintext)
    assert row.last_used_at == first
    row.last_used_at = utcnow() - timedelta(minutes=2)
    tokens.verify(plaintext)
    assert row.last_used_at > first - timedelta(seconds=1) and utcnow() - row.last_used_at < timedelta(seconds=5)


@pytest.mark.parametrize("role", ["applicant", "expert", "commission", "customer", "observer"])
def test_only_those_who_read_statistics_may_hold_a_token(app, role):
    with pytest.raises(tokens.TokenRefused, match="analysts, grant operators and administrators"):
        tokens.issue(create_user(role), "x")


@pytest.mark.parametrize("role", ["analyst", "operator", "admin"])
def test_analysts_operators_and_admins_use_the_api(app, client, role):
    _user, plaintext = analyst_token(role)
    assert client.get(STATS[0], headers=bearer(plaintext)).status_code == 200


def test_a_deactivated_account_cannot_get_or_use_a_token(app, client):
    user, plaintext = analyst_token()
    auth_services.set_active(create_user("admin"), user, False)
    db.session.commit()
    response = client.get(STATS[0], headers=bearer(plaintext))
    assert response.status_code == 401 and "invalid_token" in response.headers["WWW-Authenticate"]
    with pytest.raises(tokens.TokenRefused, match="deactivated"):
        tokens.issue(user, "again")


def test_no_token_is_401_with_a_bearer_challenge_even_with_a_session(app):
    client = signed_in(app, create_user("analyst"))  # a browser session is not a token
    for headers in ({}, {"Authorization": "Basic YTpi"}, {"Authorization": "Bearer "}):
        response = client.get(STATS[0], headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "Authorization: Bearer" in response.get_json()["error"]
        assert response.headers["Cache-Control"] == "no-store"


def test_revoked_and_unknown_tokens_are_401(app, client):
    _user, plaintext = analyst_token()
    assert client.get(STATS[0], headers=bearer(plaintext + "x")).status_code == 401
    tokens.revoke(_user, db.session.execute(sa.select(ApiToken)).scalar_one())
    db.session.commit()
    response = client.get(STATS[0], headers=bearer(plaintext))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="Baiqau", error="invalid_token"'
    assert "revoked" in response.get_json()["error"]
    conforms(client, STATS[0], response)


def test_a_token_whose_account_lost_the_role_is_403(app, client):
    user, plaintext = analyst_token()
    auth_services.set_roles(create_user("admin"), user, ["observer"])
    db.session.commit()
    for path in STATS:
        response = client.get(path, headers=bearer(plaintext))
        assert response.status_code == 403, path
        assert "analyst" in response.get_json()["error"]
        conforms(client, path, response)


def test_the_api_marks_the_token_used(app, client):
    _user, plaintext = analyst_token()
    client.get(STATS[0], headers=bearer(plaintext))
    db.session.expire_all()
    assert db.session.execute(sa.select(ApiToken.last_used_at)).scalar_one() is not None


# --- the statistics --------------------------------------------------------------------------

GROUPINGS = ["year", "year,language", "language,year", "region,direction", "funding_source,customer,instrument",
             "call", "region,year,language", "year,region,language,direction,funding_source,instrument,customer,call"]


def test_applications_are_exactly_the_statistics(app, client, world):
    _user, plaintext = analyst_token()
    for group_by in GROUPINGS:
        response = client.get(STATS[0], query_string={"group_by": group_by}, headers=bearer(plaintext))
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        expected = stats.applications(group_by.split(","))
        assert expected and body["rows"] == as_json(expected), group_by
        assert body["group_by"] == group_by.split(",") and body["filters"] == {}
        assert response.headers["Cache-Control"] == "no-store"
        conforms(client, STATS[0], response)


def test_applications_by_year_and_language_counted_by_hand(app, client, world):
    _user, plaintext = analyst_token()
    body = client.get(STATS[0] + "?group_by=year,language&from=2020&to=2023", headers=bearer(plaintext)).get_json()
    rows = {(r["year"], r["language"]): r for r in body["rows"]}
    assert set(rows) == {(2020, "kk"), (2020, "ru"), (2021, "kk"), (2022, "ru"), (2023, "kk")}
    assert rows[2020, "kk"] == {"year": 2020, "language": "kk", "applications": 1, "ngos": 1, "awarded": 1,
                                "amount_requested": "13000000.00", "amount_awarded": "12500000.00"}
    assert rows[2020, "ru"] == {"year": 2020, "language": "ru", "applications": 2, "ngos": 2, "awarded": 1,
                                "amount_requested": "14000000.50", "amount_awarded": "4999999.99"}
    assert body["filters"] == {"from": 2020, "to": 2023}


def test_without_group_by_rows_are_by_year_and_empty_group_by_gives_the_totals(app, client, world):
    _user, plaintext = analyst_token()
    by_year = client.get(STATS[0], headers=bearer(plaintext)).get_json()
    assert by_year["group_by"] == ["year"] and [r["year"] for r in by_year["rows"]] == [2020, 2021, 2022, 2023,
                                                                                       2025, 2026]
    totals = client.get(STATS[0] + "?group_by=", headers=bearer(plaintext)).get_json()
    assert totals["group_by"] == [] and len(totals["rows"]) == 1
    assert totals["rows"][0]["applications"] == sum(r["applications"] for r in by_year["rows"])


FILTERED = [
    ("from=2021&to=2022", stats.Filters(year_from=2021, year_to=2022)),
    ("region=430000000", stats.Filters(region="430000000")),
    ("customer=ALA-IP", stats.Filters(customer="ALA-IP")),
    ("direction=3", stats.Filters(direction=3)),
    ("instrument=sso&funding_source=local", stats.Filters(instrument="sso", funding_source="local")),
    ("funding_source=non_state&from=2023&to=2023", stats.Filters(funding_source="non_state", year_from=2023,
                                                                 year_to=2023)),
]


def test_filters_are_those_of_the_statistics(app, client, world):
    _user, plaintext = analyst_token()
    for query, filters in FILTERED:
        body = client.get(f"{STATS[0]}?group_by=year,region&{query}", headers=bearer(plaintext)).get_json()
        expected = stats.applications(["year", "region"], filters)
        assert expected and body["rows"] == as_json(expected), query


def test_an_unknown_customer_or_region_gives_no_rows_not_an_error(app, client, world):
    _user, plaintext = analyst_token()
    for query in ("customer=NOBODY", "region=999999999"):
        response = client.get(f"{STATS[0]}?{query}", headers=bearer(plaintext))
        assert response.status_code == 200 and response.get_json()["rows"] == []


@pytest.mark.parametrize("by", ["year", "call"])
def test_kazakh_share_as_strings(app, client, world, by):
    _user, plaintext = analyst_token()
    response = client.get(f"{STATS[1]}?by={by}", headers=bearer(plaintext))
    body = response.get_json()
    assert body["by"] == by and body["rows"] == as_json(stats.kazakh_share(by))
    if by == "year":
        first = body["rows"][0]
        assert (first["year"], first["applications_kk"], first["applications_ru"]) == (2020, 1, 2)
        assert first["kk_share_applications"] == "0.3333" and first["kk_share_awarded"] == "0.5000"
        assert next(r for r in body["rows"] if r["year"] == 2022)["kk_share_awarded"] is None
    conforms(client, STATS[1], response)


@pytest.mark.parametrize("path, statistic", [
    ("/api/v1/stats/per-thousand-ngos", stats.per_thousand_ngos),
    ("/api/v1/stats/monitoring", stats.monitoring),
    ("/api/v1/stats/reasons", stats.reasons),
])
def test_the_other_statistics_are_exactly_theirs(app, client, world, path, statistic):
    _user, plaintext = analyst_token()
    response = client.get(path, headers=bearer(plaintext))
    assert response.status_code == 200
    expected = statistic(stats.Filters())
    assert expected and response.get_json() == {"rows": as_json(expected), "filters": {}}
    conforms(client, path, response)
    filtered = client.get(path + "?from=2025&region=430000000", headers=bearer(plaintext)).get_json()
    assert filtered["rows"] == as_json(statistic(stats.Filters(year_from=2025, region="430000000")))


def test_reasons_and_monitoring_count_the_world(app, client, world):
    _user, plaintext = analyst_token()
    reasons = client.get(STATS[4], headers=bearer(plaintext)).get_json()["rows"]
    assert reasons == [{"code": "TOPIC", "applications": 1}]
    monitoring = client.get(STATS[3], headers=bearer(plaintext)).get_json()["rows"]
    assert sum(r["agreements"] for r in monitoring) == 1
    assert all(re.fullmatch(r"[0-9]+\.[0-9]{2}", r["amount"]) for r in monitoring)


# --- bad parameters --------------------------------------------------------------------------

BAD = [
    ("group_by=nope", "group_by"), ("group_by=year,year", "group_by"), ("group_by=year,", "group_by"),
    ("from=abc", "from"), ("from=2020.5", "from"), ("from=1999", "from"), ("to=99999999999999999999", "to"),
    ("from=%D9%A2%D9%A0%D9%A2%D9%A0", "from"), ("from=", "from"), ("from=2023&to=2020", "from"),
    ("from=2020&from=2021", "from"), ("instrument=grant", "instrument"), ("funding_source=state", "funding_source"),
    ("direction=0", "direction"), ("direction=17", "direction"), ("direction=x", "direction"),
    ("direction=-1", "direction"), ("region=75", "region"), ("region=abcdefghi", "region"),
    ("customer=M%20CI", "customer"), ("customer=%00", "customer"), ("customer=", "customer"),
    ("year_from=2020", "year_from"), ("lang=en", "lang"),
]


@pytest.mark.parametrize("query, named", BAD)
def test_a_bad_parameter_is_a_400_naming_it(app, client, query, named):
    _user, plaintext = analyst_token()
    response = client.get(f"{STATS[0]}?{query}", headers=bearer(plaintext))
    assert response.status_code == 400, (query, response.status_code)
    assert named in response.get_json()["error"]
    conforms(client, STATS[0], response)


@pytest.mark.parametrize("path", STATS[1:])
@pytest.mark.parametrize("query, named", [("from=abc", "from"), ("direction=17", "direction"),
                                          ("instrument=grant", "instrument"), ("group_by=year", "group_by")])
def test_every_endpoint_checks_its_parameters(app, client, path, query, named):
    _user, plaintext = analyst_token()
    response = client.get(f"{path}?{query}", headers=bearer(plaintext))
    assert response.status_code == 400 and named in response.get_json()["error"]
    conforms(client, path, response)


def test_by_takes_year_or_call(app, client):
    _user, plaintext = analyst_token()
    response = client.get(f"{STATS[1]}?by=month", headers=bearer(plaintext))
    assert response.status_code == 400 and "by must be one of year, call" in response.get_json()["error"]


def test_the_api_needs_no_csrf_token_and_answers_only_get(app, client):
    _user, plaintext = analyst_token()
    for method in ("POST", "PUT", "DELETE", "TRACE"):
        response = client.open(STATS[0], method=method, headers=bearer(plaintext))
        assert response.status_code == 405 and "GET" in response.headers["Allow"], method


# --- the OpenAPI document --------------------------------------------------------------------

def test_the_document_is_public_valid_and_lists_every_api_route(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    doc = response.get_json()
    validate_spec(doc)
    routes = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")}
    assert set(doc["paths"]) == routes
    for path, item in doc["paths"].items():
        secured = item["get"].get("security", doc["security"])
        assert (secured == []) == (path == "/api/v1/openapi.json"), path
        if secured:
            assert {"200", "400", "401", "403"} <= set(item["get"]["responses"]), path


def test_the_document_names_the_choices_the_api_takes(app):
    params = openapi.document()["components"]["parameters"]
    assert params["group_by"]["schema"]["items"]["enum"] == list(stats.DIMENSIONS)
    assert params["instrument"]["schema"]["enum"] == list(INSTRUMENTS)
    assert params["funding_source"]["schema"]["enum"] == list(FUNDING_SOURCES)
    assert params["by"]["schema"]["enum"] == ["year", "call"]
    row = openapi.document()["components"]["schemas"]["ApplicationsRow"]["properties"]
    assert set(stats.DIMENSIONS) | set(stats.MEASURES) == set(row)


def test_every_documented_parameter_is_taken(app, client, world):
    """Each operation's parameters, each given a valid value, give a 200: the document names no parameter
    the endpoint would refuse as unknown."""
    _user, plaintext = analyst_token()
    doc = openapi.document()
    values = {"group_by": "year,language", "by": "call", "from": "2020", "to": "2026", "instrument": "state_grant",
              "customer": "MCI", "funding_source": "republican", "region": "750000000", "direction": "11"}
    for path, item in doc["paths"].items():
        names = [p["$ref"].rsplit("/", 1)[1] for p in item["get"].get("parameters", [])]
        response = client.get(path, query_string={n: values[n] for n in names}, headers=bearer(plaintext))
        assert response.status_code == 200, (path, response.get_json())
        conforms(client, path, response)


# --- the command and the page ----------------------------------------------------------------

def test_create_token_prints_a_token_that_works(app, client):
    user = create_user("analyst", email="aigul@example.kz")
    result = app.test_cli_runner().invoke(args=["create-token", "Aigul@example.kz", "--name", "Power Query"])
    assert result.exit_code == 0, result.output
    plaintext = result.stdout.strip()
    assert plaintext.startswith("bq_") and "\n" not in plaintext
    assert "shown only this once" in result.stderr
    assert client.get(STATS[0], headers=bearer(plaintext)).status_code == 200
    row = db.session.execute(sa.select(ApiToken)).scalar_one()
    assert (row.user_id, row.name) == (user.id, "Power Query")


def test_create_token_refuses_an_unknown_email_and_an_applicant(app):
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["create-token", "nobody@example.kz"])
    assert unknown.exit_code == 1 and "No account has the e-mail" in unknown.output
    applicant = create_user("applicant")
    refused = runner.invoke(args=["create-token", applicant.email])
    assert refused.exit_code == 1 and "analysts, grant operators and administrators" in refused.output
    assert db.session.execute(sa.select(sa.func.count()).select_from(ApiToken)).scalar_one() == 0


TOKEN_VALUE = re.compile(r'value="(bq_[^"]+)"')


def test_the_page_shows_a_new_token_once_and_revokes_it(app):
    analyst = create_user("analyst")
    client = signed_in(app, analyst)
    assert "You have no tokens yet." in client.get("/analyst/tokens").get_data(as_text=True)
    page = post_form(client, "/analyst/tokens", {"name": "Regional notebook"})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "It will not be shown again." in html
    plaintext = TOKEN_VALUE.search(html).group(1)
    api = app.test_client()
    assert api.get(STATS[0], headers=bearer(plaintext)).status_code == 200
    again = client.get("/analyst/tokens").get_data(as_text=True)
    assert "Regional notebook" in again and not TOKEN_VALUE.search(again) and plaintext not in again
    token = db.session.execute(sa.select(ApiToken)).scalar_one()
    revoked = post_form(client, f"/analyst/tokens/{token.id}/revoke", page="/analyst/tokens")
    assert revoked.status_code == 302
    assert "is revoked" in client.get("/analyst/tokens").get_data(as_text=True)
    assert api.get(STATS[0], headers=bearer(plaintext)).status_code == 401


def test_the_page_refuses_others_tokens_and_other_roles(app):
    _owner, _plaintext = analyst_token()
    token = db.session.execute(sa.select(ApiToken)).scalar_one()
    other = signed_in(app, create_user("analyst"))
    assert post_form(other, f"/analyst/tokens/{token.id}/revoke", page="/analyst/tokens").status_code == 403
    assert "You have no tokens yet." in other.get("/analyst/tokens").get_data(as_text=True)
    applicant = signed_in(app, create_user("applicant"))
    assert applicant.get("/analyst/tokens").status_code == 403
    assert app.test_client().get("/analyst/tokens").status_code == 302


def test_a_long_token_name_is_refused_with_a_message(app):
    client = signed_in(app, create_user("analyst"))
    page = post_form(client, "/analyst/tokens", {"name": "x" * 121}).get_data(as_text=True)
    assert "Please correct the marked fields." in page and not TOKEN_VALUE.search(page)
    assert db.session.execute(sa.select(sa.func.count()).select_from(ApiToken)).scalar_one() == 0


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_page_opens_in_every_language(app, lang):
    _user, _plaintext = analyst_token()
    client = signed_in(app, _user, lang=lang)
    page = client.get("/analyst/tokens")
    assert page.status_code == 200 and f'<html lang="{lang}">' in page.get_data(as_text=True)


def test_an_unknown_address_or_method_under_the_api_answers_json(app, client):
    _user, token = analyst_token()
    missing = client.get("/api/v1/stats/nothing-here", headers=bearer(token))
    assert missing.status_code == 404 and missing.is_json and missing.get_json()["error"]
    wrong = client.post("/api/v1/stats/applications", headers=bearer(token))
    assert wrong.status_code == 405 and wrong.is_json and "GET" in wrong.headers["Allow"]
    # pages for people keep their HTML error pages
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"
