"""Every statistic of reports/stats.py against counts made here, in plain Python, from the rows the test created.

The world: platform applications in several calls (two budget years, a local call, three directions), in both
languages, from NGOs of three regions, in every state; agreements with reports; and imported history rows of
2020–2023. Each created application or history row is written down as a plain fact as it is made.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from grants.agreements import services as agreements
from grants.applications import eligibility
from grants.applications import outcome as app_outcome
from grants.applications import services as app_services
from grants.applications.models import CHECKLIST
from grants.calls import services as call_services
from grants.demo import application_content
from grants.extensions import db
from grants.i18n import ALMATY, astana_today
from grants.monitoring import services as monitoring
from grants.reference.models import CustomerBody, Direction, ReasonCode, Region
from reports import stats
from reports.history import import_rows
from reports.stats import BadFilter, Filters
from tests.factories import (
    create_agreement,
    create_call,
    create_organization,
    create_user,
    end_intake,
    in_time,
    operator,
    topic_data,
)

ALL_PASS = {code: True for code, _label in CHECKLIST}
ALMATY_KATO, ASTANA, KYZYLORDA, TURKISTAN = "750000000", "710000000", "430000000", "610000000"
CENT = Decimal("0.01")


@dataclass
class Fact:
    """One application as the statistics should see it."""

    year: int
    region: str
    language: str
    direction: int
    funding_source: str
    instrument: str
    customer: str
    call: str
    ngo: str  # BIN
    outcome: str
    amount_requested: Decimal
    amount_awarded: Decimal | None = None


def one(model, column, value):
    return db.session.execute(sa.select(model).where(column == value)).scalar_one()


class World:
    def __init__(self):
        self.facts = []
        self.ineligible_reasons = []  # (reason codes, fact) of each application found ineligible

    # --- the platform ---

    def call(self, year=2026, direction=11, funding_source="republican", customer="MCI"):
        body = one(CustomerBody, CustomerBody.code, customer)
        call = create_call(published=False, topics=0, budget_year=year, funding_source=funding_source,
                           customer_id=body.id)
        regions = db.session.execute(sa.select(Region).where(Region.kato.in_([ALMATY_KATO, KYZYLORDA]))).scalars()
        call_services.save_topic(operator(), call, None,
                                 topic_data(direction_id=one(Direction, Direction.code, direction).id), list(regions))
        call_services.publish(operator(), call)
        db.session.commit()
        call.facts = {"year": year, "direction": direction, "funding_source": funding_source,
                      "instrument": "state_grant", "customer": customer, "call": call.code}
        return call

    def apply(self, call, kato, language, total, org=None, outcome="submitted", reasons=()):
        """Submit an application and take it to `outcome`: submitted, ineligible, returned, rejected, reserve or
        awarded."""
        if org is None:
            org = create_organization(owner=create_user("applicant"), kato=kato)
        owner = org.memberships[0].user
        application = app_services.start(owner, call.topics[0], org, language, now=in_time(call))
        db.session.flush()
        data, activities, indicators, budget = application_content(language, Decimal(total))
        app_services.save(owner, application, data, activities=activities, indicators=indicators, budget=budget)
        app_services.submit(owner, application, now=in_time(call))
        if outcome != "submitted":
            end_intake(call)
        if outcome in ("ineligible", "returned"):
            eligibility.review(operator(), application, outcome, ALL_PASS, list(reasons), "Причины указаны.",
                               revision_days=5 if outcome == "returned" else None)
        elif outcome != "submitted":
            eligibility.review(operator(), application, "eligible", ALL_PASS)
            app_outcome.record_outcome(operator(), application, outcome)
        db.session.commit()
        seen = {"rejected": "rejected", "reserve": "rejected", "returned": "submitted"}.get(outcome, outcome)
        fact = Fact(region=org.region.kato, language=language, ngo=org.bin, outcome=seen,
                    amount_requested=Decimal(total), amount_awarded=Decimal(total) if seen == "awarded" else None,
                    **call.facts)
        self.facts.append(fact)
        if outcome == "ineligible":
            self.ineligible_reasons.append((set(reasons), fact))
        return application, org

    def agreement(self, **kwargs):
        agreement = create_agreement(**kwargs)
        call = agreement.topic.call
        self.facts.append(Fact(year=call.budget_year, region=agreement.organization.region.kato,
                               language=agreement.language, direction=agreement.topic.direction.code,
                               funding_source=call.funding_source, instrument=call.instrument,
                               customer=call.customer.code, call=call.code, ngo=agreement.organization.bin,
                               outcome="awarded", amount_requested=agreement.application.budget_total,
                               amount_awarded=agreement.amount))
        return agreement

    # --- the history ---

    def history(self, rows):
        lines = []
        for n, (year, call, instrument, source, customer, direction, kato, language, bin_, outcome, requested,
                awarded) in enumerate(rows):
            lines.append((n + 2, {"ref": f"W-{n}", "year": str(year), "call_code": call, "instrument": instrument,
                                  "funding_source": source, "customer": customer, "direction": str(direction),
                                  "region_kato": kato, "language": language, "ngo_bin": bin_,
                                  "ngo_name": f"ҮЕҰ {bin_}", "outcome": outcome, "amount_requested": requested,
                                  "amount_awarded": awarded}))
            self.facts.append(Fact(year, kato, language, direction, source, instrument, customer.upper(), call, bin_,
                                   outcome, Decimal(requested.replace(" ", "").replace(",", ".")),
                                   Decimal(awarded) if awarded else None))
        import_rows(lines, "world.csv")
        db.session.commit()


def bin_of(serial):
    from tests.factories import make_bin

    return make_bin(80000 + serial)


@pytest.fixture
def world():
    w = World()
    this_year, last_year = w.call(2026), w.call(2025, direction=9)
    local = w.call(2026, direction=10, funding_source="local", customer="ALA-IP")
    w.calls = {"this_year": this_year, "last_year": last_year, "local": local}
    _app, almaty_ngo = w.apply(this_year, ALMATY_KATO, "kk", "3000000", outcome="awarded")
    w.apply(this_year, KYZYLORDA, "ru", "2500000.50", outcome="rejected")
    w.apply(this_year, KYZYLORDA, "kk", "1800000", outcome="ineligible", reasons=["TOPIC", "AMOUNT"])
    w.apply(this_year, ASTANA, "ru", "2000000")  # submitted, not decided
    w.apply(this_year, ALMATY_KATO, "ru", "2200000", outcome="returned", reasons=["BUDGET"])
    w.apply(last_year, ALMATY_KATO, "kk", "4000000", org=almaty_ngo, outcome="awarded")  # the same NGO again
    w.apply(last_year, KYZYLORDA, "ru", "3500000", outcome="reserve")
    w.apply(last_year, ASTANA, "kk", "1500000", outcome="ineligible", reasons=["TOPIC"])
    w.apply(local, ALMATY_KATO, "kk", "1200000", outcome="ineligible", reasons=["DOCUMENTS"])
    w.apply(local, ALMATY_KATO, "ru", "1300000", outcome="awarded")
    # a draft is not an application yet
    draft_org = create_organization(owner=create_user("applicant"), kato=ASTANA)
    app_services.start(draft_org.memberships[0].user, this_year.topics[0], draft_org, "kk", now=in_time(this_year))
    db.session.commit()
    w.agreements = [w.agreement(), w.agreement(language="kk"), w.agreement(sign=False)]
    w.history([
        (2020, "2020-MCI-03", "state_grant", "republican", "MCI", 10, ALMATY_KATO, "ru", bin_of(1), "awarded",
         "10 000 000,00", "9500000.00"),
        (2020, "2020-MCI-03", "state_grant", "republican", "MCI", 11, ASTANA, "kk", bin_of(2), "rejected",
         "8000000", ""),
        (2020, "2020-MCI-03", "state_grant", "republican", "MCI", 10, TURKISTAN, "ru", bin_of(3), "ineligible",
         "5000000", ""),
        (2021, "2021-MCI-03", "state_grant", "republican", "MCI", 9, ASTANA, "ru", bin_of(2), "awarded",
         "12000000.50", "12000000.50"),
        (2021, "2021-MCI-06", "state_grant", "republican", "MCI", 9, ASTANA, "kk", bin_of(4), "awarded",
         "6000000", "5500000"),
        (2021, "2021-ALA-04", "state_grant", "local", "ALA-IP", 11, ALMATY_KATO, "kk", almaty_ngo.bin, "awarded",
         "3000000", "3000000"),
        (2022, "2022-CISC-09", "non_state_grant", "non_state", "CISC", 13, KYZYLORDA, "kk", bin_of(5), "awarded",
         "2000000", "1900000"),
        (2022, "2022-CISC-09", "non_state_grant", "non_state", "CISC", 13, KYZYLORDA, "ru", bin_of(6), "submitted",
         "2100000", ""),
        (2023, "2023-SSO-01", "sso", "republican", "MCI", 7, TURKISTAN, "ru", bin_of(3), "rejected", "900000", ""),
        (2023, "2023-MCI-02", "state_grant", "republican", "MCI", 10, ALMATY_KATO, "kk", bin_of(1), "awarded",
         "7000000", "7000000"),
    ])
    return w


# --- the expectations, in plain Python ---

def kept(fact, f):
    return ((f.year_from is None or fact.year >= f.year_from) and (f.year_to is None or fact.year <= f.year_to)
            and all(value is None or getattr(fact, name) == value for name, value in (
                ("instrument", f.instrument), ("customer", f.customer), ("funding_source", f.funding_source),
                ("region", f.region), ("direction", f.direction))))


def expected_applications(facts, group_by, f=None):
    f = f or Filters()
    found = {}
    for fact in facts:
        if not kept(fact, f):
            continue
        key = tuple(getattr(fact, g) for g in group_by)
        entry = found.setdefault(key, {"applications": 0, "ngos": set(), "awarded": 0,
                                       "amount_requested": Decimal(0), "amount_awarded": Decimal(0)})
        entry["applications"] += 1
        entry["ngos"].add(fact.ngo)
        entry["awarded"] += fact.outcome == "awarded"
        entry["amount_requested"] += fact.amount_requested
        entry["amount_awarded"] += fact.amount_awarded or 0
    return sorted(({**dict(zip(group_by, key, strict=True)), **entry, "ngos": len(entry["ngos"]),
                    "amount_requested": entry["amount_requested"].quantize(CENT),
                    "amount_awarded": entry["amount_awarded"].quantize(CENT)} for key, entry in found.items()),
                  key=lambda row: tuple(row[g] for g in group_by))


def ordered(rows, group_by):
    return sorted(rows, key=lambda row: tuple(row[g] for g in group_by))


def share(part, whole):
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001")) if whole else None


# --- applications -----------------------------------------------------------------------------------------------

GROUPINGS = [("year",), ("region",), ("language",), ("direction",), ("funding_source",), ("instrument",),
             ("customer",), ("call",), ("year", "language"), ("region", "year"), ("direction", "year"),
             ("funding_source", "customer", "year"), ("year", "region", "language", "direction", "instrument")]
FILTERS = [Filters(), Filters(year_from=2021, year_to=2025), Filters(year_to=2020), Filters(instrument="state_grant"),
           Filters(customer="MCI"), Filters(funding_source="local"), Filters(region=ASTANA), Filters(direction=10),
           Filters(year_from=2020, year_to=2026, funding_source="republican", region=ALMATY_KATO, direction=10,
                   instrument="state_grant", customer="MCI"), Filters(region="999999999")]


def test_applications_by_every_grouping_and_filter_match_the_rows_created(world):
    # one world for all of them: building it is the slow part
    for group_by in GROUPINGS:
        rows = stats.applications(list(group_by))
        assert ordered(rows, group_by) == expected_applications(world.facts, group_by), group_by
        if group_by[0] in ("year", "region", "direction"):  # numbers and digit codes come in order
            assert [row[group_by[0]] for row in rows] == sorted(row[group_by[0]] for row in rows)
    for filters in FILTERS:
        for group_by in GROUPINGS[:3] + [("year", "language"), ("customer", "funding_source", "call")]:
            assert ordered(stats.applications(list(group_by), filters), group_by) == \
                expected_applications(world.facts, group_by, filters), (filters, group_by)


def test_several_groupings_at_once_equal_each_grouping_alone(world):
    # on PostgreSQL one GROUPING SETS scan answers them all; elsewhere one GROUP BY each
    # each expectation is counted from the rows the world created, not asked of the code again
    for filters in (Filters(), FILTERS[1], FILTERS[8]):
        together = stats.Grouped(filters, [("source",), *GROUPINGS, ()])
        for group_by in GROUPINGS + [()]:
            assert ordered(together.applications(group_by), group_by) == \
                expected_applications(world.facts, group_by, filters), group_by
        assert by_key(together.kazakh_share("call"), "call") == expected_kazakh_share(world.facts, "call", filters)
        assert together.per_thousand_ngos() == expected_per_thousand(world.facts, active_regions(), filters)
        by_source = {row["source"]: row["applications"] for row in together.applications(["source"])}
        assert set(by_source) <= {"platform", "history"}
        assert sum(by_source.values()) == sum(kept(f, filters) for f in world.facts)


def test_the_totals_add_up_across_platform_and_history(world):
    (total,) = stats.applications([])
    facts = world.facts
    # ten applied on the platform, three awarded with an agreement (one still a draft), ten from the history;
    # the draft application is not counted
    assert total["applications"] == len(facts) == 10 + 3 + 10
    assert total["ngos"] == len({f.ngo for f in facts})
    assert total["awarded"] == sum(f.outcome == "awarded" for f in facts)
    assert total["amount_awarded"] == sum(f.amount_awarded or 0 for f in facts)


# --- the Kazakh share ---------------------------------------------------------------------------------------------

def expected_kazakh_share(facts, by, filters):
    """The Kazakh share by `by`, counted from the rows the world created."""
    expected = {}
    for fact in facts:
        if kept(fact, filters):
            entry = expected.setdefault(getattr(fact, by), {"applications_kk": 0, "applications_ru": 0,
                                                            "awarded_kk": 0, "awarded_ru": 0})
            entry[f"applications_{fact.language}"] += 1
            entry[f"awarded_{fact.language}"] += fact.outcome == "awarded"
    for entry in expected.values():
        entry["kk_share_applications"] = share(entry["applications_kk"],
                                               entry["applications_kk"] + entry["applications_ru"])
        entry["kk_share_awarded"] = share(entry["awarded_kk"], entry["awarded_kk"] + entry["awarded_ru"])
    return expected


def by_key(rows, by):
    return {row[by]: {k: v for k, v in row.items() if k != by} for row in rows}


def test_kazakh_share_by_year_and_by_call(world):
    for by in ("year", "call"):
        for filters in (Filters(), Filters(funding_source="republican"), Filters(year_from=2021)):
            expected = expected_kazakh_share(world.facts, by, filters)
            found = stats.kazakh_share(by, filters)
            assert by_key(found, by) == expected, (by, filters)
            if by == "year":
                assert [row[by] for row in found] == sorted(expected)


def test_kazakh_share_of_a_year_reads_as_the_operator_publishes_it(world):
    row = next(r for r in stats.kazakh_share("year") if r["year"] == 2021)
    # 2021: three history rows, two of them in Kazakh, all three awarded
    assert (row["applications_kk"], row["applications_ru"], row["kk_share_applications"]) == (2, 1, Decimal("0.6667"))
    assert next(r for r in stats.kazakh_share("year") if r["year"] == 2023)["kk_share_awarded"] == Decimal("1.0000")


# --- per 1,000 registered NGOs ------------------------------------------------------------------------------------

def expected_per_thousand(facts, regions, filters=None):
    """Every active region's row, counted from the rows the world created and the registered NGOs."""
    filters = filters or Filters()
    rows = []
    for region in regions:
        if filters.region is not None and region.kato != filters.region:
            continue  # a region filter keeps its own row only
        mine = [f for f in facts if f.region == region.kato and kept(f, filters)]
        applications, awarded = len(mine), sum(f.outcome == "awarded" for f in mine)
        n = region.ngos_registered
        rows.append({"region": region.kato, "ngos_registered": n, "applications": applications, "awarded": awarded,
                     "amount_awarded": sum((f.amount_awarded or 0 for f in mine), Decimal(0)),
                     "applications_per_1000": (Decimal(applications * 1000) / n).quantize(CENT) if n else None,
                     "awarded_per_1000": (Decimal(awarded * 1000) / n).quantize(CENT) if n else None})
    return rows


def active_regions():
    return db.session.execute(sa.select(Region).where(Region.active).order_by(Region.kato)).scalars().all()


def test_applications_per_thousand_registered_ngos_by_region(world):
    registered = {ALMATY_KATO: 4000, KYZYLORDA: 800, ASTANA: None, TURKISTAN: 3}
    for kato, n in registered.items():
        one(Region, Region.kato, kato).ngos_registered = n
    db.session.commit()
    rows = stats.per_thousand_ngos()
    assert rows == expected_per_thousand(world.facts, active_regions())  # every region, even without applications
    almaty = next(r for r in rows if r["region"] == ALMATY_KATO)
    assert almaty["applications_per_1000"] == (Decimal(almaty["applications"]) / 4).quantize(CENT)
    assert next(r for r in rows if r["region"] == ASTANA)["applications_per_1000"] is None
    only = stats.per_thousand_ngos(Filters(region=KYZYLORDA, year_from=2026))
    assert [(r["region"], r["applications"]) for r in only] == \
        [(KYZYLORDA, sum(f.region == KYZYLORDA and f.year >= 2026 for f in world.facts))]


# --- reasons --------------------------------------------------------------------------------------------------------

def test_reasons_count_each_coded_reason_of_the_ineligible_applications(world):
    for filters in (Filters(), Filters(year_to=2025), Filters(funding_source="local"), Filters(region=KYZYLORDA),
                    Filters(direction=13)):
        counts = {}
        for codes, fact in world.ineligible_reasons:
            if kept(fact, filters):
                for code in codes:
                    counts[code] = counts.get(code, 0) + 1
        assert stats.reasons(filters) == [{"code": c, "applications": counts[c]} for c in sorted(counts)], filters
    # BUDGET was a return for revision, not a refusal
    assert {r["code"]: r["applications"] for r in stats.reasons()} == {"AMOUNT": 1, "DOCUMENTS": 1, "TOPIC": 2}
    # "_" in a code is a character, not LIKE's wildcard
    for code in ("NO_SEAL", "NOTSEAL"):
        db.session.add(ReasonCode(code=code, name_kk=code, name_ru=code, name_en=code))
    db.session.commit()
    world.apply(world.calls["this_year"], KYZYLORDA, "ru", "1000000", outcome="ineligible", reasons=["NOTSEAL"])
    found = {r["code"]: r["applications"] for r in stats.reasons()}
    assert found["NOTSEAL"] == 1 and "NO_SEAL" not in found


# --- monitoring -----------------------------------------------------------------------------------------------------

def report_figures(report, owner, beneficiaries, jobs, cofunding, services, volunteers, actual):
    agreement = report.agreement
    half = beneficiaries // 2
    monitoring.save(owner, report, {
        "narrative": "Провели тренинги.", "beneficiaries": beneficiaries, "reach": beneficiaries * 2,
        "women": half, "men": beneficiaries - half, "under_18": 0, "from_18_to_34": beneficiaries,
        "from_35_to_62": 0, "over_62": 0, "jobs_created": jobs, "cofunding": Decimal(cofunding),
        "services_delivered": services, "volunteers": volunteers},
        indicators={i.id: (Decimal(actual), "") for i in agreement.indicators},
        spending={agreement.budget_lines[0].id: Decimal("1000.00")}, activities={})


def at_almaty(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), ALMATY).astimezone(UTC)


def test_monitoring_counts_agreements_reports_indicators_and_the_contribution(world):
    done, cut, _draft = world.agreements
    owner = done.organization.memberships[0].user
    interim, final = done.reports
    report_figures(interim, owner, 10, 1, "1000.00", 4, 2, "40")
    monitoring.submit(owner, interim, now=at_almaty(interim.due_on, 23, 30))  # the last half hour: on time
    monitoring.accept(operator(), interim)
    report_figures(final, owner, 25, 3, "2500.50", 9, 6, "120")
    monitoring.submit(owner, final)
    monitoring.accept(operator(), final)
    agreements.complete(operator(), done, astana_today())
    cut_owner = cut.organization.memberships[0].user
    report_figures(cut.reports[0], cut_owner, 7, 0, "0", 1, 1, "10")
    # after midnight in Astana on the day after it was due: late, though it is still the due day in UTC
    monitoring.submit(cut_owner, cut.reports[0], now=at_almaty(cut.reports[0].due_on + timedelta(days=1), 1))
    agreements.pay(operator(), cut.tranches[0], astana_today(), "PP-1")
    agreements.terminate(operator(), cut, "non_performance", "Отчет не принят.", Decimal("500000.00"), astana_today())
    agreements.record_repayment(operator(), cut, Decimal("200000.00"), astana_today(), "PP-2")
    db.session.commit()

    targets = [i.target for i in done.indicators]
    expected = {"year": 2026, "agreements": 2, "completed": 1, "terminated": 1, "amount": done.amount + cut.amount,
                "refund_due": Decimal("500000.00"), "refunded": Decimal("200000.00"), "reports": 3,
                "reports_on_time": 2, "indicators": len(targets),
                "indicators_achieved": sum(Decimal("120") >= t for t in targets),
                # the latest accepted figures of each agreement: the final report's; the terminated
                # agreement's report was never accepted
                "beneficiaries": 25, "jobs_created": 3, "cofunding": Decimal("2500.50"), "services_delivered": 9,
                "volunteers": 6}
    expected["reports_on_time_share"] = share(2, 3)
    expected["indicators_achieved_share"] = share(expected["indicators_achieved"], len(targets))
    assert stats.monitoring() == [expected]
    assert stats.monitoring(Filters(year_from=2026, region=ALMATY_KATO, direction=11, customer="MCI",
                                    funding_source="republican", instrument="state_grant")) == [expected]
    for other in (Filters(region=KYZYLORDA), Filters(direction=9), Filters(year_to=2025),
                  Filters(funding_source="local"), Filters(instrument="sso"), Filters(customer="ALA-IP")):
        assert stats.monitoring(other) == []


def test_monitoring_of_a_world_without_agreements_is_empty(app):
    assert stats.monitoring() == [] and stats.reasons() == [] and stats.applications(["year"]) == []


# --- bad parameters -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda: Filters(instrument="grant"), lambda: Filters(funding_source="state"), lambda: Filters(direction=17),
    lambda: Filters(direction=0), lambda: Filters(year_from=2024, year_to=2020),
    lambda: stats.applications(["colour"]), lambda: stats.applications(["year", "year"]),
    lambda: stats.kazakh_share("colour"),
], ids=["instrument", "funding_source", "direction17", "direction0", "years", "group_by", "twice", "share_by"])
def test_bad_parameters_raise_bad_filter_with_a_message(app, make):
    with pytest.raises(BadFilter) as caught:
        make()
    assert str(caught.value)
