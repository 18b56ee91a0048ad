"""Open data: published results as a 360Giving grants file (JSON and spreadsheet), and the state social order as
an OCDS release package.

A grant is in the 360Giving file once its result is public: an application awarded by a commission whose results
are published (the same rule as /calls/<id>/results), or an imported history row with the outcome "awarded".
Drafts, protocols not yet published and reserve lists are not. Rows stream from the database (yield_per) in
chunks, so tens of thousands of grants cost constant memory.

Identifiers: a grant is "360G-baiqau-" + its receipt number (or "H-" + the history ref); an NGO is "KZ-BIN-" + its
BIN; a customer body has no BIN in the reference data, so it is "XI-BAIQAU-" + its code (a placeholder until the
bodies' BINs are recorded). The OCDS prefix "ocds-baiqau" is a placeholder until the operator registers one with
the Open Contracting Partnership.
"""

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
from openpyxl import Workbook

from grants.agreements.models import Agreement, AgreementStatus, Kind, Tranche
from grants.applications.models import Application, BudgetLine, Status
from grants.calls.models import Call, Topic
from grants.db import utcnow
from grants.extensions import db
from grants.organizations.models import Organization
from grants.reference.models import CustomerBody, Direction, Region
from grants.xlsx import text
from reports.models import HistoricalApplication
from scoring.commission.models import Decision, Meeting, MeetingState, Outcome
from scoring.commission.queries import stands

PREFIX = "360G-baiqau-"
OCID_PREFIX = "ocds-baiqau-"  # a placeholder: the operator registers a real prefix with the OCP
CURRENCY = "KZT"
VOCABULARY = "Baiqau directions"
CHUNK = 500
LANGUAGES = ("kk", "ru", "en")
CONTRACT_STATUS = {AgreementStatus.draft: "pending", AgreementStatus.active: "active",
                   AgreementStatus.suspended: "active", AgreementStatus.completed: "terminated",
                   AgreementStatus.terminated: "terminated"}
XLSX_COLUMNS = ("Identifier", "Title", "Description", "Currency", "Amount Awarded", "Award Date",
                "Recipient Org:Identifier", "Recipient Org:Name", "Funding Org:Identifier", "Funding Org:Name",
                "Beneficiary Location:Name", "Beneficiary Location:Geographic Code",
                "Beneficiary Location:Geographic Code Type", "Classifications:Code", "Classifications:Title",
                "Classifications:Vocabulary", "Planned Dates:Start Date", "Planned Dates:End Date")


def ngo_id(bin_):
    return f"KZ-BIN-{bin_}"


def customer_id(code):
    return f"XI-BAIQAU-{code}"


def _lang(language):
    return language if language in LANGUAGES else "ru"


def _named(model, language):
    """A reference row's name column in the language (Kazakh or Russian where English is empty)."""
    return sa.func.coalesce(sa.func.nullif(getattr(model, f"name_{language}"), ""), model.name_ru)


def _ngo_name(language):
    return Organization.name_kk if language == "kk" else Organization.name_ru


def _years(query, column, year_from, year_to):
    if year_from is not None:
        query = query.where(column >= year_from)
    if year_to is not None:
        query = query.where(column <= year_to)
    return query


def _money(value):
    """Tenge as a JSON number: whole tenge as an integer, else two decimals."""
    value = Decimal(value).quantize(Decimal("0.01"))
    return int(value) if value == value.to_integral_value() else float(value)


def _platform_query(language, year_from, year_to):
    line_total = sa.func.round(BudgetLine.quantity * BudgetLine.unit_cost, 2)
    requested = (sa.select(sa.func.coalesce(sa.func.sum(line_total), 0))
                 .where(BudgetLine.application_id == Application.id).correlate(Application).scalar_subquery())
    topic_title = sa.func.coalesce(sa.func.nullif(getattr(Topic, f"title_{language}"), ""), Topic.title_ru)
    query = (sa.select(Application.id, Application.receipt_number, Application.title, topic_title.label("topic"),
                       Organization.bin, _ngo_name(language).label("ngo"), CustomerBody.code.label("customer"),
                       _named(CustomerBody, language).label("customer_name"), Direction.code.label("direction"),
                       _named(Direction, language).label("direction_name"), _named(Region, language).label("region"),
                       Region.iso, Meeting.published_at, Agreement.id.label("agreement_id"), Agreement.starts_on,
                       Agreement.ends_on, sa.func.coalesce(Agreement.amount, requested).label("amount"))
             .select_from(Decision)
             .join(Meeting, Meeting.id == Decision.meeting_id)
             .join(Application, Application.id == Decision.application_id)
             .join(Topic, Topic.id == Application.topic_id).join(Call, Call.id == Topic.call_id)
             .join(CustomerBody, CustomerBody.id == Call.customer_id)
             .join(Direction, Direction.id == Topic.direction_id)
             .join(Organization, Organization.id == Application.organization_id)
             .join(Region, Region.id == Organization.region_id)
             .outerjoin(Agreement, Agreement.application_id == Application.id)
             .where(Meeting.state == MeetingState.published, Decision.outcome == Outcome.awarded,
                    Application.status == Status.awarded, stands())
             .order_by(Application.id))
    return _years(query, Call.budget_year, year_from, year_to)


def _history_query(language, year_from, year_to):
    h = HistoricalApplication
    query = (sa.select(h.ref, h.year, h.call_code, Organization.bin, _ngo_name(language).label("ngo"),
                       CustomerBody.code.label("customer"), _named(CustomerBody, language).label("customer_name"),
                       Direction.code.label("direction"), _named(Direction, language).label("direction_name"),
                       _named(Region, language).label("region"), Region.iso,
                       sa.func.coalesce(h.amount_awarded, h.amount_requested).label("amount"))
             .select_from(h)
             .join(Organization, Organization.id == h.organization_id)
             .join(CustomerBody, CustomerBody.id == h.customer_id)
             .join(Direction, Direction.id == h.direction_id)
             .join(Region, Region.id == h.region_id)
             .where(h.outcome == "awarded")
             .order_by(h.id))
    return _years(query, h.year, year_from, year_to)


def _chunks(query):
    """The query's rows in lists of CHUNK, streamed from the database."""
    chunk = []
    for row in db.session.execute(query.execution_options(yield_per=CHUNK)):
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _paid_tranches(agreement_ids):
    """{agreement id: [(amount, paid on)]} of the paid tranches, for one chunk of agreements."""
    found = {}
    if not agreement_ids:
        return found
    rows = db.session.execute(sa.select(Tranche.agreement_id, Tranche.amount, Tranche.paid_on).where(
        Tranche.agreement_id.in_(agreement_ids), Tranche.paid_on.is_not(None)).order_by(Tranche.position))
    for agreement_id, amount, paid_on in rows:
        found.setdefault(agreement_id, []).append((amount, paid_on))
    return found


def _grant(identifier, title, description, amount, award_date, row):
    return {
        "id": PREFIX + identifier,
        "title": title,
        "description": description,
        "currency": CURRENCY,
        "amountAwarded": _money(amount),
        "awardDate": award_date.isoformat(),
        "recipientOrganization": [{"id": ngo_id(row.bin), "name": row.ngo}],
        "fundingOrganization": [{"id": customer_id(row.customer), "name": row.customer_name}],
        "beneficiaryLocation": [{"name": row.region, "geoCode": row.iso, "geoCodeType": "ISO3166-2"}],
        "classifications": [{"vocabulary": VOCABULARY, "code": str(row.direction), "title": row.direction_name}],
    }


def iter_grants(year_from=None, year_to=None, language="ru"):
    """The grants of the 360Giving file one by one: the platform's published awards, then the imported history."""
    language = _lang(language)
    for chunk in _chunks(_platform_query(language, year_from, year_to)):
        paid = _paid_tranches([row.agreement_id for row in chunk if row.agreement_id is not None])
        for row in chunk:
            grant = _grant(row.receipt_number or f"A-{row.id}", row.title or row.topic, row.topic, row.amount,
                           row.published_at.date(), row)
            if row.agreement_id is not None:
                grant["plannedDates"] = [{"startDate": row.starts_on.isoformat(),
                                          "endDate": row.ends_on.isoformat()}]
                grant["disbursements"] = [{"amount": _money(amount), "date": paid_on.isoformat()}
                                          for amount, paid_on in paid.get(row.agreement_id, [])]
            yield grant
    for chunk in _chunks(_history_query(language, year_from, year_to)):
        for row in chunk:
            title = f"{row.call_code}: {row.direction_name}"
            yield _grant(f"H-{row.ref}", title, row.direction_name, row.amount, date(row.year, 1, 1), row)


def grants_360(year_from=None, year_to=None, language="ru"):
    """The 360Giving package, whole: {"grants": [...]}. The web page streams iter_grants instead."""
    return {"grants": list(iter_grants(year_from, year_to, language))}


def grants_360_json(year_from=None, year_to=None, language="ru"):
    """The package as JSON text in pieces, a grant at a time: what /open-data/grants.json streams."""
    yield '{"grants": ['
    for n, grant in enumerate(iter_grants(year_from, year_to, language)):
        yield ("," if n else "") + "\n" + json.dumps(grant, ensure_ascii=False)
    yield "\n]}\n"


def _flat(grant):
    location = grant["beneficiaryLocation"][0]
    classification = grant["classifications"][0]
    planned = (grant.get("plannedDates") or [{}])[0]
    return (grant["id"], grant["title"], grant["description"], grant["currency"], grant["amountAwarded"],
            grant["awardDate"], grant["recipientOrganization"][0]["id"], grant["recipientOrganization"][0]["name"],
            grant["fundingOrganization"][0]["id"], grant["fundingOrganization"][0]["name"], location["name"],
            location["geoCode"], location["geoCodeType"], classification["code"], classification["title"],
            classification["vocabulary"], planned.get("startDate"), planned.get("endDate"))


def grants_360_xlsx(out, year_from=None, year_to=None, language="ru"):
    """The spreadsheet form, with the column titles of 360Giving's flat template, written row by row."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("grants")
    sheet.append(list(XLSX_COLUMNS))
    for grant in iter_grants(year_from, year_to, language):
        sheet.append([value if isinstance(value, int | float) or value is None else text(value)
                      for value in _flat(grant)])
    book.save(out)


def _iso(moment):
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def _release(row, tranches, published, language):
    supplier = {"id": ngo_id(row.bin), "name": row.ngo}
    buyer = {"id": customer_id(row.customer), "name": row.customer_name}
    value = {"amount": _money(row.amount), "currency": CURRENCY}
    award_id = f"{row.number}-award"
    contract = {"id": row.number, "awardID": award_id, "title": row.title, "value": value,
                "period": {"startDate": f"{row.starts_on.isoformat()}T00:00:00Z",
                           "endDate": f"{row.ends_on.isoformat()}T00:00:00Z"},
                "status": CONTRACT_STATUS.get(row.status, "pending"),
                "implementation": {"transactions": [
                    {"id": f"{row.number}-{position + 1}", "date": f"{paid_on.isoformat()}T00:00:00Z",
                     "value": {"amount": _money(amount), "currency": CURRENCY}, "payer": buyer, "payee": supplier}
                    for position, amount, paid_on in tranches]}}
    if row.signed_on:
        contract["dateSigned"] = f"{row.signed_on.isoformat()}T00:00:00Z"
    return {
        "ocid": OCID_PREFIX + row.number,
        "id": f"{row.number}-{published}",
        "date": _iso(row.created_at) or published,
        "tag": ["contract"],
        "initiationType": "tender",
        "language": language,
        "parties": [
            {**buyer, "roles": ["buyer"]},
            {**supplier, "identifier": {"scheme": "KZ-BIN", "id": row.bin, "legalName": row.ngo},
             "roles": ["supplier"]},
        ],
        "buyer": buyer,
        "awards": [{"id": award_id, "suppliers": [supplier], "value": value}],
        "contracts": [contract],
    }


def iter_sso_releases(year_from=None, year_to=None, language="ru", published=None):
    language = _lang(language)
    published = published or _iso(utcnow())
    query = (sa.select(Agreement.id, Agreement.number, Agreement.title, Agreement.amount, Agreement.starts_on,
                       Agreement.ends_on, Agreement.status, Agreement.signed_on, Agreement.contract_number,
                       Agreement.language, Agreement.created_at, Organization.bin, _ngo_name(language).label("ngo"),
                       CustomerBody.code.label("customer"), _named(CustomerBody, language).label("customer_name"))
             .select_from(Agreement)
             .join(Organization, Organization.id == Agreement.organization_id)
             .join(Topic, Topic.id == Agreement.topic_id).join(Call, Call.id == Topic.call_id)
             .join(CustomerBody, CustomerBody.id == Call.customer_id)
             .where(Agreement.kind == Kind.sso_contract)
             .order_by(Agreement.id))
    query = _years(query, Call.budget_year, year_from, year_to)
    for chunk in _chunks(query):
        paid = {}
        rows = db.session.execute(sa.select(Tranche.agreement_id, Tranche.position, Tranche.amount, Tranche.paid_on)
                                  .where(Tranche.agreement_id.in_([r.id for r in chunk]), Tranche.paid_on.is_not(None))
                                  .order_by(Tranche.position))
        for agreement_id, position, amount, paid_on in rows:
            paid.setdefault(agreement_id, []).append((position, amount, paid_on))
        for row in chunk:
            yield _release(row, paid.get(row.id, []), published, language)


def sso_ocds(year_from=None, year_to=None, language="ru", uri="https://baiqau.kz/open-data/sso.json"):
    """The OCDS release package of the state social order contracts: one release per contract."""
    published = _iso(utcnow())
    return {"uri": uri, "version": "1.1", "publishedDate": published, "publisher": {"name": "Baiqau"},
            "releases": list(iter_sso_releases(year_from, year_to, language, published))}


def today_stamp():
    return datetime.now(UTC).strftime("%Y%m%d")
