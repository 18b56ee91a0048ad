"""Open data: the 360Giving grants file (JSON, spreadsheet) and the OCDS package of the state social order."""

import json
from datetime import timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import jsonschema
import pytest
from openpyxl import load_workbook
from referencing import Registry, Resource

from grants.agreements import services as agreements
from grants.extensions import db
from grants.i18n import astana_today
from reports import opendata
from reports.history import import_rows
from tests.factories import (
    create_agreement,
    create_sso_winner,
    history_row,
    make_bin,
    operator,
)
from tests.worlds import awarded_by_commission

SCHEMAS = Path(opendata.__file__).parent / "schemas"
TODAY = astana_today()


def schema(name):
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


@pytest.fixture
def world(app):
    published = awarded_by_commission()
    agreement = agreements.draw_up(operator(), published, TODAY, TODAY + timedelta(days=200))
    outside = create_agreement()  # awarded without a published protocol
    import_rows([(2, history_row("H-1", outcome="awarded", amount_awarded="4000000.00")), (3, history_row("H-2"))],
                "history.csv")
    winner = create_sso_winner()
    supplier = winner.organization
    contract = agreements.register_contract(operator(), winner.topic, supplier.bin, "ГЗ-17", "P-2026-55",
                                            Decimal("3000000"), TODAY, TODAY + timedelta(days=200), "", "kk")
    db.session.commit()
    return {"published": published, "agreement": agreement, "outside": outside,
            "contract": contract, "supplier": supplier}


def test_the_360giving_file_holds_published_awards_and_history_and_validates(world):
    package = opendata.grants_360()
    jsonschema.Draft4Validator(schema("360-giving-package-schema.local.json")).validate(package)
    grants = {g["id"]: g for g in package["grants"]}
    published, agreement = world["published"], world["agreement"]
    assert set(grants) == {f"360G-baiqau-{published.receipt_number}", "360G-baiqau-H-H-1"}
    mine = grants[f"360G-baiqau-{published.receipt_number}"]
    assert mine["currency"] == "KZT" and Decimal(str(mine["amountAwarded"])) == agreement.amount
    assert mine["recipientOrganization"][0]["id"] == f"KZ-BIN-{published.organization.bin}"
    assert mine["plannedDates"] == [{"startDate": TODAY.isoformat(),
                                     "endDate": (TODAY + timedelta(days=200)).isoformat()}]
    assert mine["beneficiaryLocation"][0]["geoCodeType"] == "ISO3166-2"
    assert mine["beneficiaryLocation"][0]["geoCode"].startswith("KZ-")
    assert mine["classifications"][0]["vocabulary"] == "Baiqau directions"
    history = grants["360G-baiqau-H-H-1"]
    assert history["amountAwarded"] == 4000000 and history["awardDate"] == "2021-01-01"
    assert history["recipientOrganization"][0]["id"] == f"KZ-BIN-{make_bin(90001)}"
    assert [g["id"] for g in opendata.grants_360(year_from=2022)["grants"]] == [mine["id"]]


def test_the_open_data_answers_anyone(app, world):
    client = app.test_client()
    page = client.get("/open-data/?lang=en")
    assert page.status_code == 200 and "/open-data/grants.json" in page.get_data(as_text=True)
    answer = client.get("/open-data/grants.json")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    assert "grants-360giving" in answer.headers["Content-Disposition"]
    assert json.loads(answer.get_data(as_text=True)) == opendata.grants_360(language="en")
    sheet = client.get("/open-data/grants.xlsx")
    assert sheet.status_code == 200 and sheet.headers["Content-Disposition"].endswith(".xlsx")
    rows = list(load_workbook(BytesIO(sheet.data), read_only=True).active.iter_rows(values_only=True))
    assert rows[0][:16] == opendata.XLSX_COLUMNS[:16] and len(rows) == 3
    assert {r[0] for r in rows[1:]} == {f"360G-baiqau-{world['published'].receipt_number}", "360G-baiqau-H-H-1"}
    ocds = client.get("/open-data/sso.json")
    assert ocds.status_code == 200 and "sso-ocds" in ocds.headers["Content-Disposition"]
    for response in (answer, sheet, ocds):
        response.close()


def test_an_approved_protocol_not_yet_published_is_not_in_the_file(app):
    application = awarded_by_commission(publish=False)
    application.status = "awarded"  # even so: only a published protocol makes a result public
    db.session.commit()
    assert opendata.grants_360()["grants"] == []


@pytest.mark.parametrize("query", ["from=20x1", "to=1999", "from=2023&to=2021"])
def test_a_bad_year_is_refused_with_a_message(app, query):
    for name in ("grants.json", "grants.xlsx", "sso.json"):
        answer = app.test_client().get(f"/open-data/{name}?{query}&lang=en")
        assert answer.status_code == 400 and "must" in answer.get_data(as_text=True)


def test_a_text_cell_cannot_run_as_a_formula(app, world):
    world["published"].title = "=HYPERLINK(\"http://evil\")"
    db.session.commit()
    out = BytesIO()
    opendata.grants_360_xlsx(out)
    out.seek(0)
    titles = [r[1] for r in load_workbook(out).active.iter_rows(min_row=2, values_only=True)]
    assert "'=HYPERLINK(\"http://evil\")" in titles


def test_the_sso_package_validates_and_carries_the_contract(world):
    package = opendata.sso_ocds()
    release_schema = schema("ocds-release-schema.json")
    registry = Registry().with_resources([
        (release_schema["id"], Resource.from_contents(release_schema)),
        ("https://standard.open-contracting.org/schema/1__1__5/release-schema.json",
         Resource.from_contents(release_schema))])
    jsonschema.Draft4Validator(schema("ocds-release-package-schema.json"), registry=registry).validate(package)
    (release,) = package["releases"]
    contract, supplier = world["contract"], world["supplier"]
    assert release["ocid"] == f"ocds-baiqau-{contract.number}" and release["tag"] == ["contract"]
    party = next(p for p in release["parties"] if "supplier" in p["roles"])
    assert party["identifier"] == {"scheme": "KZ-BIN", "id": supplier.bin, "legalName": supplier.name_ru}
    assert release["contracts"][0]["value"] == {"amount": 3000000, "currency": "KZT"}
    assert release["awards"][0]["suppliers"][0]["id"] == f"KZ-BIN-{supplier.bin}"
