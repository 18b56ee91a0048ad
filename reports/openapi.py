"""The OpenAPI 3.1 document of /api/v1, written by hand: the contract the API keeps and a fuzzer checks.

The bounds below are the API's own: reports/api.py parses its parameters with them, so the
document and the checks cannot drift apart.
"""

import copy

from reports.models import FUNDING_SOURCES, INSTRUMENTS
from reports.stats import DIMENSIONS

YEAR_MIN, YEAR_MAX = 2000, 2100
DIRECTION_MIN, DIRECTION_MAX = 1, 16
CUSTOMER_PATTERN = r"^[A-Za-z0-9-]{1,32}$"  # as the reference form allows a customer body's code
KATO_PATTERN = r"^[0-9]{9}$"
SHARE_BY = ("year", "call")
LANGUAGES = ("kk", "ru")

FILTERS = ("from", "to", "instrument", "customer", "funding_source", "region", "direction")

_MONEY = {"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$", "examples": ["12500000.00"],
          "description": "Tenge, as a decimal string with two places (exact: no binary floating point)."}
_SHARE = {"type": ["string", "null"], "pattern": r"^[0-9]+\.[0-9]{4}$", "examples": ["0.2600"],
          "description": "A share from 0 to 1 with four places; null when there is nothing to divide by."}
_RATE = {"type": ["string", "null"], "pattern": r"^[0-9]+\.[0-9]{2}$", "examples": ["4.25"],
         "description": "Per 1,000 registered NGOs, two places; null when the region's count is not known."}
_COUNT = {"type": "integer", "minimum": 0}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _param(name):
    return {"$ref": f"#/components/parameters/{name}"}


def _object(properties, required=()):
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    return schema


def _query(name, schema, description):
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


_YEAR = {"type": "integer", "minimum": YEAR_MIN, "maximum": YEAR_MAX}

PARAMETERS = {
    "from": _query("from", _YEAR, "The first budget year counted (inclusive)."),
    "to": _query("to", _YEAR, "The last budget year counted (inclusive); not before `from`."),
    "instrument": _query("instrument", {"type": "string", "enum": list(INSTRUMENTS)}, "The support instrument."),
    "customer": _query("customer", {"type": "string", "pattern": CUSTOMER_PATTERN},
                       "A customer body's code, e.g. `MCI`. A code no body has gives no rows."),
    "funding_source": _query("funding_source", {"type": "string", "enum": list(FUNDING_SOURCES)},
                             "Where the money comes from."),
    "region": _query("region", {"type": "string", "pattern": KATO_PATTERN},
                     "The KATO code of the NGO's region, e.g. `750000000` (Almaty). An unknown code gives no rows."),
    "direction": _query("direction", {"type": "integer", "minimum": DIRECTION_MIN, "maximum": DIRECTION_MAX},
                        "The priority direction of state support, 1–16."),
    "group_by": {"name": "group_by", "in": "query", "required": False, "style": "form", "explode": False,
                 "schema": {"type": "array", "uniqueItems": True, "maxItems": len(DIMENSIONS),
                            "items": {"type": "string", "enum": list(DIMENSIONS)}},
                 "description": "Dimensions to group by, comma-separated, e.g. `year,language`. Without the "
                                "parameter: `year`. Empty (`group_by=`): one row of totals."},
    "by": _query("by", {"type": "string", "enum": list(SHARE_BY)}, "One row per budget year (default) or per call."),
}

_FILTERS_ECHO = _object({
    "from": _YEAR, "to": _YEAR,
    "instrument": {"type": "string", "enum": list(INSTRUMENTS)},
    "customer": {"type": "string"},
    "funding_source": {"type": "string", "enum": list(FUNDING_SOURCES)},
    "region": {"type": "string"},
    "direction": {"type": "integer", "minimum": DIRECTION_MIN, "maximum": DIRECTION_MAX},
})
_FILTERS_ECHO["description"] = "The filters applied, as understood; absent ones are not filtered on."

_DIMENSION_VALUES = {
    "year": {"type": "integer"},
    "region": {"type": "string", "description": "KATO code"},
    "language": {"type": "string", "enum": list(LANGUAGES)},
    "direction": {"type": "integer"},
    "funding_source": {"type": "string", "enum": list(FUNDING_SOURCES)},
    "instrument": {"type": "string", "enum": list(INSTRUMENTS)},
    "customer": {"type": "string", "description": "The customer body's code"},
    "call": {"type": "string", "description": "The call's code"},
}

_MEASURES = {"applications": _COUNT, "ngos": _COUNT, "awarded": _COUNT,
             "amount_requested": _MONEY, "amount_awarded": _MONEY}

_MONITORING_COUNTS = ("agreements", "completed", "terminated", "reports", "reports_on_time", "indicators",
                      "indicators_achieved", "beneficiaries", "jobs_created", "services_delivered", "volunteers")
_MONITORING_MONEY = ("amount", "refund_due", "refunded", "cofunding")
_MONITORING_SHARES = ("reports_on_time_share", "indicators_achieved_share")

SCHEMAS = {
    "Error": _object({"error": {"type": "string", "description": "What was wrong, naming the parameter."}},
                     ["error"]),
    "Filters": _FILTERS_ECHO,
    "ApplicationsRow": _object({**_DIMENSION_VALUES, **_MEASURES}, _MEASURES),
    "Applications": _object({
        "rows": {"type": "array", "items": _ref("ApplicationsRow")},
        "group_by": {"type": "array", "items": {"type": "string", "enum": list(DIMENSIONS)}},
        "filters": _ref("Filters"),
    }, ["rows", "group_by", "filters"]),
    "KazakhShareRow": _object({
        "year": {"type": "integer"}, "call": {"type": "string"},
        "applications_kk": _COUNT, "applications_ru": _COUNT, "awarded_kk": _COUNT, "awarded_ru": _COUNT,
        "kk_share_applications": _SHARE, "kk_share_awarded": _SHARE,
    }, ["applications_kk", "applications_ru", "awarded_kk", "awarded_ru", "kk_share_applications",
        "kk_share_awarded"]),
    "KazakhShare": _object({
        "rows": {"type": "array", "items": _ref("KazakhShareRow")},
        "by": {"type": "string", "enum": list(SHARE_BY)},
        "filters": _ref("Filters"),
    }, ["rows", "by", "filters"]),
    "PerThousandRow": _object({
        "region": {"type": "string", "description": "KATO code"},
        "ngos_registered": {"type": ["integer", "null"], "minimum": 0},
        "applications": _COUNT, "awarded": _COUNT, "amount_awarded": _MONEY,
        "applications_per_1000": _RATE, "awarded_per_1000": _RATE,
    }, ["region", "ngos_registered", "applications", "awarded", "amount_awarded", "applications_per_1000",
        "awarded_per_1000"]),
    "MonitoringRow": _object({
        "year": {"type": "integer"},
        **{name: _COUNT for name in _MONITORING_COUNTS},
        **{name: _MONEY for name in _MONITORING_MONEY},
        **{name: _SHARE for name in _MONITORING_SHARES},
    }, ["year", *_MONITORING_COUNTS, *_MONITORING_MONEY, *_MONITORING_SHARES]),
    "ReasonRow": _object({"code": {"type": "string"}, "applications": _COUNT}, ["code", "applications"]),
}
for _name, _row in (("PerThousand", "PerThousandRow"), ("Monitoring", "MonitoringRow"), ("Reasons", "ReasonRow")):
    SCHEMAS[_name] = _object({"rows": {"type": "array", "items": _ref(_row)}, "filters": _ref("Filters")},
                             ["rows", "filters"])


def _json(schema, description):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


RESPONSES = {
    "BadRequest": _json(_ref("Error"), "A parameter is not understood; the message names it."),
    "Unauthorized": {
        **_json(_ref("Error"), "No token, or one that is unknown, revoked, or whose account is deactivated."),
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "`Bearer realm=\"Baiqau\"`"}},
    },
    "Forbidden": _json(_ref("Error"), "The token's account may no longer read statistics."),
}


def _operation(operation_id, summary, description, parameters, schema):
    return {"get": {
        "operationId": operation_id, "summary": summary, "description": description, "tags": ["statistics"],
        "parameters": [_param(p) for p in parameters],
        "responses": {"200": _json(_ref(schema), summary),
                      "400": {"$ref": "#/components/responses/BadRequest"},
                      "401": {"$ref": "#/components/responses/Unauthorized"},
                      "403": {"$ref": "#/components/responses/Forbidden"}},
    }}


PATHS = {
    "/api/v1/stats/applications": _operation(
        "statsApplications", "Applications, NGOs, winners and money, grouped as asked",
        "One row per combination of the `group_by` dimensions, ordered by them. Counts applications submitted "
        "(drafts excluded) on the platform and in the imported history; `ngos` counts distinct NGOs.",
        ("group_by", *FILTERS), "Applications"),
    "/api/v1/stats/kazakh-share": _operation(
        "statsKazakhShare", "The Kazakh share of applications and of winners",
        "Applications and winners in Kazakh and Russian per budget year or per call, with the Kazakh share of each.",
        ("by", *FILTERS), "KazakhShare"),
    "/api/v1/stats/per-thousand-ngos": _operation(
        "statsPerThousandNgos", "Applications and winners per 1,000 registered NGOs, by region",
        "Every active region, compared by the NGOs registered there (reference data kept by an administrator).",
        FILTERS, "PerThousand"),
    "/api/v1/stats/monitoring": _operation(
        "statsMonitoring", "Monitoring figures by budget year",
        "Agreements by state, money and refunds, reports on time, indicators achieved, and the contribution "
        "reported (beneficiaries, jobs, co-funding, services, volunteers).",
        FILTERS, "Monitoring"),
    "/api/v1/stats/reasons": _operation(
        "statsReasons", "Why applications were found ineligible",
        "Each coded reason and how many applications it stopped; reasons that stopped none are left out.",
        FILTERS, "Reasons"),
    "/api/v1/openapi.json": {"get": {
        "operationId": "openapi", "summary": "This document", "tags": ["meta"], "security": [],
        "responses": {"200": _json({"type": "object", "required": ["openapi", "paths"]}, "The OpenAPI document")},
    }},
}

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {
        "title": "Baiqau statistics API",
        "version": "1.0.0",
        "description": (
            "The figures the grant operator publishes, for analysts: the same statistics as the Excel workbooks. "
            "Every call needs a personal token (`Authorization: Bearer bq_…`), created on the analyst's "
            "*API tokens* page or with `flask create-token EMAIL`. Money is in tenge as decimal strings with "
            "two places; shares are decimal strings from 0 to 1 with four places; regions are KATO codes. "
            "Responses are never cached (`Cache-Control: no-store`)."),
    },
    "security": [{"bearerAuth": []}],
    "paths": PATHS,
    "components": {
        "securitySchemes": {"bearerAuth": {
            "type": "http", "scheme": "bearer", "bearerFormat": "opaque, starts with bq_",
            "description": "A personal API token of an analyst, grant operator or administrator."}},
        "parameters": PARAMETERS,
        "schemas": SCHEMAS,
        "responses": RESPONSES,
    },
}


def document():
    """The document as a plain dict (a fresh copy: callers may not change the module's)."""
    return copy.deepcopy(DOCUMENT)
