"""Any form an operator could build, answered any valid way: it renders, saves what was typed, is submitted,
prints and exports. Definitions and answers are generated (hypothesis); the expected stored value of each
answer is written out here from the kind's rules, not read from the code under test."""

import html
import io
from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from grants.appforms import blocks
from grants.appforms.export import answers_workbook
from grants.applications import readiness
from grants.applications import services as app_services
from grants.applications.models import Application
from grants.extensions import db
from tests.conftest import login, post_form
from tests.factories import PDF, custom_call, started

# Letters an NGO in Kazakhstan types, and the characters that have broken spreadsheets and pages before.
ALPHABET = "абвгдеәғқңөұүһіАБВҒҚӘ abc XYZ 0123 =+-@<>&\"'«»—№"
text = st.text(alphabet=ALPHABET, min_size=1, max_size=30).map(str.strip).filter(bool)


def labels(word):
    return {"kk": f"{word} қаз", "ru": f"{word} рус", "en": word}


@st.composite
def block_and_answer(draw, code):
    """A block of a random kind with random limits, and a valid answer to it: (block, form data, stored)."""
    kind = draw(st.sampled_from(blocks.VALUE_KINDS))
    block = {"code": code, "kind": kind, "label": labels(f"Q {code}"), "required": draw(st.booleans())}
    if kind in blocks.TEXT_KINDS:
        block["max_length"] = draw(st.integers(30, 400))
        value = draw(text)
        return block, {code: value}, value
    if kind == "number":
        low = draw(st.integers(0, 1000))
        high = draw(st.integers(low, low + 10**6))
        block.update(min=low, max=high)
        value = draw(st.integers(low, high))
        return block, {code: str(value)}, value
    if kind == "money":
        block["max"] = draw(st.integers(1, 10**9))
        cents = draw(st.integers(0, block["max"] * 100))
        value = Decimal(cents) / 100
        return block, {code: f"{value:.2f}"}, f"{value:.2f}"
    if kind == "date":
        value = draw(st.dates(date(1900, 1, 1), date(2100, 12, 31)))
        return block, {code: value.isoformat()}, value.isoformat()
    if kind in ("choice", "multi_choice"):
        n = draw(st.integers(2, 5))
        block["options"] = [{"code": f"o{i}", "label": labels(f"opt {i}")} for i in range(1, n + 1)]
        codes = [o["code"] for o in block["options"]]
        if kind == "choice":
            value = draw(st.sampled_from(codes))
            return block, {code: value}, value
        chosen = draw(st.lists(st.sampled_from(codes), min_size=1, unique=True))
        chosen = [c for c in codes if c in chosen]  # the form reads them in the options' order
        return block, {code: chosen}, chosen
    if kind == "yes_no":
        value = draw(st.booleans())
        return block, {code: "yes" if value else "no"}, value
    # a table: typed columns, and lines within its limit
    types = draw(st.lists(st.sampled_from(blocks.COLUMN_TYPES), min_size=1, max_size=3))
    block["columns"] = [{"code": f"c{i}", "label": labels(f"col {i}"), "type": t} for i, t in enumerate(types, 1)]
    block["max_rows"] = draw(st.integers(1, 4))
    rows, stored = {}, []
    for n in range(draw(st.integers(1, block["max_rows"]))):
        kept = {}
        for column in block["columns"]:
            name = f"{code}-{n}-{column['code']}"
            if column["type"] == "text":
                value = draw(text)
                rows[name], kept[column["code"]] = value, value
            elif column["type"] == "number":
                value = draw(st.integers(0, 10**6))
                rows[name], kept[column["code"]] = str(value), value
            elif column["type"] == "money":
                value = Decimal(draw(st.integers(0, 10**9))) / 100
                rows[name], kept[column["code"]] = f"{value:.2f}", f"{value:.2f}"
            else:
                value = draw(st.dates(date(1900, 1, 1), date(2100, 12, 31)))
                rows[name], kept[column["code"]] = value.isoformat(), value.isoformat()
        stored.append(kept)
    return block, rows, stored


@st.composite
def forms(draw):
    count = draw(st.integers(1, 5))
    generated = [draw(block_and_answer(f"q{i}")) for i in range(1, count + 1)]
    definition = [b for b, _data, _stored in generated]
    if draw(st.booleans()):
        definition.append({"code": "files", "kind": "document", "label": labels("Files"), "required": True,
                           "min": 1, "max": 2, "types": ["pdf"]})
    data = {k: v for _b, d, _s in generated for k, v in d.items()}
    return definition, data, {b["code"]: s for b, _d, s in generated}


@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(forms())
def test_any_form_renders_saves_submits_prints_and_exports(app, generated):
    definition, data, expected = generated
    assert blocks.check_definition(definition) == []
    call = custom_call(definition)
    owner, application = started(call)
    client = app.test_client()  # each example signs in afresh
    login(client, owner.email)
    page = f"/applications/{application.id}/edit"
    assert client.get(page).status_code == 200
    response = post_form(client, page, {"revision": str(application.revision), "then": "edit",
                                        "title": "Жоба", "language": "ru", **data})
    assert response.status_code == 302, html.unescape(response.get_data(as_text=True))[-3000:]
    db.session.expire_all()
    application = db.session.get(Application, application.id)
    assert {code: application.sections.get(code) for code in expected} == expected
    if blocks.has(definition, "document"):
        app_services.add_document(owner, application, "files", io.BytesIO(PDF), "files.pdf")
    assert readiness.problems(application) == []
    app_services.submit(owner, application)
    db.session.commit()
    assert application.versions[-1].content["sections"] == application.sections
    printed = html.unescape(client.get(f"/applications/{application.id}/versions/1").get_data(as_text=True))
    for block in definition:
        assert block["label"]["ru"] in printed or block["label"]["kk"] in printed or block["label"]["en"] in printed
    for code, value in expected.items():
        if isinstance(value, str) and blocks.Block(next(b for b in definition if b["code"] == code)).is_text:
            assert value in printed
    sheet = load_workbook(io.BytesIO(answers_workbook(call))).active
    assert sheet.max_row == 2
