"""A call's answers as one workbook: a row per submitted application, a column per question of its form.

Each row is the application's latest submitted version (what the experts read), not a draft being
revised. A table answer is written as its lines, one per line of the cell; a document slot as the
names of its files; the budget as its total. Every text cell goes through grants.xlsx.text.
"""

from io import BytesIO

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy.orm import selectinload

from grants.appforms import blocks
from grants.applications.models import Application, Status
from grants.calls.models import Topic
from grants.extensions import db
from grants.filters import LANGUAGE_TITLES
from grants.i18n import _, utc_to_local
from grants.xlsx import text

MONEY = "#,##0.00"
MOMENT = "dd.mm.yyyy hh:mm"


def _cell(block, value, documents):
    if block.kind == "document":
        return text("; ".join(d["filename"] for d in documents if d.get("kind") == block.code))
    if block.empty(value):
        return None
    if block.kind == "number":
        return value
    if block.kind == "money":
        return float(value)
    if block.kind == "table":
        lines = []
        for row in value:
            lines.append("; ".join(f"{c.label}: {c.display(row.get(c.code))}" for c in block.columns
                                   if row.get(c.code) not in (None, "")))
        return text("\n".join(lines))
    if block.is_text:
        return text(value)
    return text(block.display(value))


def answers_workbook(call):
    """The XLSX bytes of every submitted application of the call, in receipt order."""
    definition = call.application_form
    questions = [b for b in blocks.blocks(definition) if b.is_value or b.kind == "document"]
    # The totals computed on the server, a column each where the form has the block: the budget, the offer.
    totals = [(key, header) for kind, key, header in (("budget", "budget_total", _("Budget total, tenge")),
                                                      ("offer", "offer_total", _("Offer total, tenge")))
              if blocks.has(definition, kind)]
    applications = db.session.execute(
        sa.select(Application).join(Topic, Topic.id == Application.topic_id)
        .where(Topic.call_id == call.id, Application.status != Status.draft)
        .options(selectinload(Application.versions)).order_by(Application.receipt_number)).scalars().all()
    book = Workbook()
    sheet = book.active
    sheet.title = _("Answers")[:31]
    fixed = [_("Receipt number"), _("Topic"), _("NGO BIN"), _("NGO"), _("Language of the application"),
             _("Status"), _("Submitted (Astana time)"), _("Version"), _("Project title")]
    headers = fixed + [b.label for b in questions] + [header for _key, header in totals]
    sheet.append([text(h) for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for application in applications:
        version = application.versions[-1] if application.versions else None
        content = version.content if version else {}
        answers, documents = content.get("sections") or {}, content.get("documents") or []
        org = content.get("organization") or {}
        row = [text(application.receipt_number), application.topic.number, text(org.get("bin")),
               text(org.get("name_kk") if application.language == "kk" else org.get("name_ru")),
               text(LANGUAGE_TITLES.get(application.language, application.language)),
               text(Status(application.status).title),
               utc_to_local(version.submitted_at) if version else None, version.number if version else None,
               text(content.get("title"))]
        row += [_cell(b, answers.get(b.code), documents) for b in questions]
        row += [float(content[key]) if content.get(key) is not None else None for key, _header in totals]
        sheet.append(row)
        sheet.cell(row=sheet.max_row, column=7).number_format = MOMENT
        for column, block in enumerate(questions, start=len(fixed) + 1):
            cell = sheet.cell(row=sheet.max_row, column=column)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if block.kind == "money":
                cell.number_format = MONEY
        for column in range(len(headers) - len(totals) + 1, len(headers) + 1):
            sheet.cell(row=sheet.max_row, column=column).number_format = MONEY
    sheet.freeze_panes = "B2"
    for column in range(1, len(headers) + 1):
        sheet.column_dimensions[sheet.cell(row=1, column=column).column_letter].width = 16 if column <= 8 else 36
    out = BytesIO()
    book.save(out)
    return out.getvalue()
