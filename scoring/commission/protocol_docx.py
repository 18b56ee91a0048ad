"""The commission's protocol as a Word document: the content of protocol.html, for the secretary to sign and file.

Called inside force_locale(language); every label is the template's own msgid, so its translations apply.
"""

from io import BytesIO

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.shared import Mm, Pt

from grants.filters import enum_title
from grants.i18n import _, format_datetime, pgettext
from grants.i18n import format_number as number
from scoring.commission.models import Attendance, NamedBy, Outcome, VotingRule

named_by_title = enum_title(NamedBy)
attendance_title = enum_title(Attendance)
outcome_title = enum_title(Outcome)
voting_rule_title = enum_title(VotingRule)


def _table(doc, header, rows, numeric=()):
    """A grid table, its header row repeated on every page; numeric columns right-aligned, as class="num"."""
    if not rows and not header:
        return  # Word refuses a table without rows; the HTML's empty table shows nothing either
    table = doc.add_table(rows=0, cols=len(header or rows[0]))
    table.style = "Table Grid"
    for i, values in enumerate(([header] if header else []) + rows):
        row = table.add_row()
        if header and i == 0:
            row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
        for j, value in enumerate(values):
            paragraph = row.cells[j].paragraphs[0]
            for k, line in enumerate(str(value).split("\n")):
                if k:
                    paragraph.add_run().add_break()
                paragraph.add_run(line).bold = bool(header) and i == 0
            if j in numeric:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def build(meeting, language, criteria, means) -> bytes:
    call = meeting.call
    doc = Document()
    title = _("Protocol of the competition commission")
    doc.core_properties.title = f"{title} — {call.code}"
    doc.core_properties.language = language
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin, section.right_margin = Mm(25), Mm(15)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    doc.styles["Normal"].font.size = Pt(11)

    doc.add_heading(title, level=1)
    doc.add_paragraph(f"{call.code} — {getattr(call, 'title_' + language)}")
    held = _("Held on %(when)s (Astana time)", when=format_datetime(meeting.held_at))
    doc.add_paragraph(held + (f", {meeting.place}" if meeting.place else "") + ".")

    doc.add_heading(_("Members"), level=2)
    _table(doc, None, [[m.user.full_name + (f" — {_('chair')}" if m.is_chair else ""),
                        named_by_title(m.named_by), attendance_title(m.attendance)] for m in meeting.members])
    doc.add_paragraph(_("%(present)s of %(total)s present; %(quorum)s needed", present=len(meeting.present),
                        total=len(meeting.members), quorum=meeting.quorum) + ".")

    doc.add_heading(_("Decisions"), level=2)
    codes = [c.code for c in criteria]
    header = ["№", _("Application"), _("NGO"), _("Score"), *codes, _("Decision"), _("Votes for / against / abstained")]
    rows = []
    for d in sorted(meeting.decisions, key=lambda d: (d.rank is None, d.rank or 0)):
        organization = d.application.organization
        rows.append([
            d.rank if d.rank is not None else "", d.application.receipt_number,
            f"{getattr(organization, 'name_' + language)} ({_('BIN')} {organization.bin})", number(d.score),
            *(number(means.get(d.application_id, {}).get(c.id)) for c in criteria),
            outcome_title(d.outcome) + (f"\n{d.reason}" if d.reason else ""),
            f"{d.votes_for} / {d.votes_against} / {d.votes_abstained}",
        ])
    _table(doc, header, rows, numeric={0, 3, *range(4, 4 + len(codes))})
    if criteria:
        legend = doc.add_paragraph("; ".join(f"{c.code} — {getattr(c, 'name_' + language)}" for c in criteria))
        legend.runs[0].font.size = Pt(9)

    doc.add_heading(_("Roll call"), level=2)
    doc.add_paragraph(_("Voting rule") + f": {voting_rule_title(meeting.voting_rule)}.")
    header = [_("Application"), pgettext("vote", "For"), pgettext("vote", "Against"), pgettext("vote", "Abstained"),
              _("Conflict of interest: did not vote")]
    rows = []
    for d in sorted(meeting.decisions, key=lambda d: (d.rank is None, d.rank or 0)):
        names = meeting.roll_call(d.application_id)
        rows.append([d.application.receipt_number, *(", ".join(m.user.full_name for m in names[kind]) or "—"
                                                     for kind in ("for", "against", "abstain", "conflicted"))])
    _table(doc, header, rows)

    doc.add_heading(_("Signatures"), level=2)
    _table(doc, None, [[m.user.full_name, "____________________"] for m in meeting.present])
    if meeting.approved_at:
        doc.add_paragraph(_("Approved on %(when)s.", when=format_datetime(meeting.approved_at)))
    if meeting.audit_head_hash:
        doc.add_paragraph(_("Published on %(when)s. The audit trail then held %(position)s events; the last one's "
                            "hash:", when=format_datetime(meeting.published_at), position=meeting.audit_head_position)
                          + f" {meeting.audit_head_hash}")

    out = BytesIO()
    doc.save(out)
    return out.getvalue()
