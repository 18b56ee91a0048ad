"""Schemathesis fuzzes the statistics API through WSGI, from the app's own /api/v1/openapi.json.

Every operation of the document gets the requests Schemathesis derives from it: first its coverage
phase (each parameter at and just past its bounds, of every wrong type, repeated, missing; unknown
parameters, methods the API does not serve, no token), then random ones, valid (positive mode) and
breaking the document (negative mode) — sent with a real bearer token to a database holding four
years of statistics. Each answer is checked: never a 500, its status code documented, its
Content-Type, headers and body as the document states, valid input accepted, invalid input refused,
the token enforced, an unserved method a 405 with Allow.

The test records how many requests it sent in test-artifacts/security/api-fuzz.json and prints
it (run with -s to see): docs/reliability.md quotes "N generated bad inputs, zero 500s".
"""

import json
import time
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.generation.drivers import CoverageGenerator
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.generation.overrides import Override
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from grants.applications import eligibility
from grants.extensions import db
from reports import demo as history_demo
from reports import tokens
from tests.conftest import ARTIFACTS as TEST_ARTIFACTS
from tests.factories import create_agreement, create_application, create_call, create_user, end_intake, operator

ARTIFACTS = TEST_ARTIFACTS / "security"
EXAMPLES = 40  # drawn per operation and generation mode, after the coverage phase: in all well under a minute
STATS = ("/api/v1/stats/applications", "/api/v1/stats/kazakh-share", "/api/v1/stats/per-thousand-ngos",
         "/api/v1/stats/monitoring", "/api/v1/stats/reasons")


def from_after_to(case):
    """The one rule the document states in words only: `from` must not be after `to` (a 400 naming it).

    OpenAPI cannot express a constraint between two query parameters, so a positive case may draw
    from=2090&to=2010; the API refuses it by design, and positive_data_acceptance is not asked of it.
    """
    query = case.query or {}
    try:
        return int(query["from"]) > int(query["to"])
    except (KeyError, TypeError, ValueError):
        return False


def valid_data_accepted(ctx, response, case):
    if from_after_to(case):
        assert response.status_code == 400 and response.json()["error"].startswith("from: ")
        return None
    return positive_data_acceptance(ctx, response, case)


def empty_list_on_the_wire(case):
    """`group_by=[""]` (negative: "" is no dimension) is sent as `group_by=`, exactly the documented empty list
    (`group_by=`: one row of totals). The API cannot tell the two apart, and must not: that part is valid."""
    return (case.query or {}).get("group_by") in ([""], "")


def invalid_data_refused(ctx, response, case):
    if empty_list_on_the_wire(case):
        return None  # valid if nothing else was broken; the other checks still hold it to the document
    return negative_data_rejection(ctx, response, case)


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, ignored_auth, unsupported_method]


@pytest.fixture
def statistics(app):
    """The demo's 2020–2023 history (about 2,000 applications, 417 grants) and platform data for
    every endpoint: submitted and awarded applications, a signed agreement, an ineligible one with its reason."""
    history_demo.extend({}, {}, None)
    create_application(language="kk", submit=True)
    create_agreement(language="ru")
    stopped = create_application(call=create_call(budget_year=2025), submit=True)
    end_intake(stopped.call)
    eligibility.review(operator(), stopped, "ineligible", {}, reason_codes=["TOPIC"], comment="Не по теме")
    db.session.commit()


def coverage_cases(schema, operation):
    """Schemathesis' coverage phase for one operation: each parameter at and just past its bounds, of every wrong
    type, repeated, missing, unknown parameters, no token: deterministic, the cases the CLI runs first."""
    return CoverageGenerator(operation=operation, generation_modes=list(GenerationMode),
                             generation_config=schema.config.generation_for(operation=operation, phase="coverage"),
                             auth_storage=None, override=Override(), feedback=FeedbackSources())


def test_generated_requests_never_break_the_api_or_its_contract(app, statistics):
    user = create_user("analyst")
    _row, plaintext = tokens.issue(user, "fuzz")
    db.session.commit()
    auth = {"Authorization": f"Bearer {plaintext}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = {op.path: op for op in (result.ok() for result in schema.get_all_operations())}
    # Schemathesis leaves out the operation that serves the document itself; tests/reports/test_api.py checks it.
    assert sorted(operations) == sorted(STATS)

    generated, statuses, reached = Counter(), Counter(), Counter()
    inner = app.wsgi_app

    def counting(environ, start_response):  # every request that reaches the app, the checks' own probes too
        reached["requests"] += 1
        return inner(environ, start_response)

    app.wsgi_app = counting

    def exercise(case, phase):
        mode = case.meta.generation.mode
        response = case.call(headers=auth)
        generated[phase, mode.value] += 1
        statuses[response.status_code] += 1
        last = valid_data_accepted if mode is GenerationMode.POSITIVE else invalid_data_refused
        case.validate_response(response, checks=[*CHECKS, last], headers=auth)

    started = time.monotonic()
    for _path, operation in sorted(operations.items()):
        for case in coverage_cases(schema, operation):
            exercise(case, "coverage")
        for mode in GenerationMode:
            @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                      phases=[Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def fuzz(case):
                exercise(case, "fuzzing")

            fuzz()
    elapsed = time.monotonic() - started
    app.wsgi_app = inner

    total = sum(generated.values())
    bad = sum(n for (_phase, mode), n in generated.items() if mode == "negative")
    record = {"generated_requests": total, "bad_inputs": bad, "requests_reaching_the_app": reached["requests"],
              "by_phase_and_mode": {f"{phase} {mode}": n for (phase, mode), n in sorted(generated.items())},
              "statuses": {str(k): v for k, v in sorted(statuses.items())}, "server_errors": statuses[500],
              "seconds": round(elapsed, 1), "schemathesis": schemathesis.__version__}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "api-fuzz.json").write_text(json.dumps(record, indent=2) + "\n")
    print(f"\nAPI fuzz: {total} generated requests, {bad} of them bad inputs ({reached['requests']} requests with "
          f"the checks' probes), statuses {dict(sorted(statuses.items()))}, zero 500s, {elapsed:.1f} s")
    assert statuses[500] == 0
    assert bad > 0 and statuses[400] > 0 and statuses[401] > 0 and statuses[200] > 0
