"""The monitoring board as a workbook: a row per agreement, its money and next report due, and the totals.

Every text cell goes through grants.xlsx.text.
"""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from grants.agreements.models import AgreementStatus, Kind
from grants.i18n import _
from grants.xlsx import text


def board_workbook(agreements, totals, rows, sums):
    """The XLSX bytes of the board's agreements, in their order: `totals` and `rows` are queries.totals and
    queries.board_rows by agreement id, `sums` is queries.board_totals over the same filter."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Agreements")[:31]
    headers = [_("Number"), _("NGO"), _("BIN"), _("Region"), _("Call"), _("Topic"), _("Direction"), _("Kind"),
               _("Status"), _("Amount, tenge"), _("Paid, tenge"), _("Spent, tenge"), _("Refunded, tenge"),
               _("Next report due"), _("Overdue")]
    sheet.append([text(h) for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    money_columns = range(10, 14)
    for a in agreements:
        t, row = totals[a.id], rows[a.id]
        sheet.append([text(a.number), text(a.organization.name), text(a.organization.bin),
                      text(a.organization.region.name), text(a.topic.call.code), a.topic.number,
                      a.topic.direction.code, text(Kind(a.kind).title), text(AgreementStatus(a.status).title),
                      t.amount, t.paid, t.spent, t.refunded, row.next_due, text(_("yes")) if row.overdue else ""])
    last = sheet.max_row
    sheet.append([text(_("Total")), *[""] * 8, sums.amount, sums.paid, sums.spent, sums.refunded, None, ""])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for r in range(2, sheet.max_row + 1):
        for c in money_columns:
            sheet.cell(row=r, column=c).number_format = "#,##0.00"
        sheet.cell(row=r, column=14).number_format = "DD.MM.YYYY"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:O{last}"
    for letter, width in zip("ABCDEFGHIJKLMNO", (18, 40, 14, 24, 14, 8, 10, 22, 14, 18, 18, 18, 18, 14, 10),
                             strict=True):
        sheet.column_dimensions[letter].width = width
    out = BytesIO()
    book.save(out)
    return out.getvalue()
