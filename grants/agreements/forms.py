"""The operator's and the grantee's forms for an agreement: draw up, schedule, sign, pay, amend, terminate."""

from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import FieldList, FormField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from grants.agreements.models import Condition, DocumentKind, Ground
from grants.filters import LANGUAGE_TITLES
from grants.forms import DecimalField, Form, RowForm, choices
from grants.i18n import _l
from grants.monitoring.models import ReportKind

MAX_MONEY = 10**13
REPORT_ROWS = 6
TRANCHE_ROWS = 8


def _date(label, optional=False):
    return DateField(label, validators=[Optional()] if optional else [DataRequired(_l("Give the date."))])


def _money(label, optional=False, minimum=0.01):
    return DecimalField(label, places=2, validators=[
        Optional() if optional else InputRequired(_l("Give the amount in tenge.")),
        NumberRange(min=minimum, max=MAX_MONEY)])


class DrawUpForm(Form):
    starts_on = _date(_l("Starts on"))
    ends_on = _date(_l("Ends on"))


class ContractForm(Form):
    topic_id = SelectField(_l("Topic of the state social order"), coerce=int,
                           validators=[DataRequired(_l("Choose the topic."))])
    supplier_bin = StringField(_l("Supplier's BIN"), filters=[lambda v: "".join(v.split()) if v else v],
                               validators=[DataRequired(_l("Give the supplier's BIN.")), Length(max=12)])
    contract_number = StringField(_l("Contract number"), validators=[DataRequired(_l("Give the contract's number.")),
                                                                     Length(max=64)])
    procurement_ref = StringField(_l("Procurement reference"), validators=[Optional(), Length(max=64)])
    price = _money(_l("Contract price, tenge"))
    starts_on = _date(_l("Starts on"))
    ends_on = _date(_l("Ends on"))
    title = StringField(_l("Title"), validators=[Optional(), Length(max=400)])
    language = SelectField(_l("Language of the reports"), choices=choices(LANGUAGE_TITLES.items()))


class ReportLine(RowForm):
    kind = SelectField(_l("Kind of report"), validators=[Optional()])
    period_from = _date(_l("Period from"), optional=True)
    period_to = _date(_l("Period to"), optional=True)
    due_on = _date(_l("Due on"), optional=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices([("", "—"), *((k.value, k.title) for k in ReportKind)])


class TrancheLine(RowForm):
    amount = _money(_l("Amount, tenge"), optional=True)
    planned_on = _date(_l("Planned on"), optional=True)
    condition = SelectField(_l("Condition"), validators=[Optional()])
    report_number = IntegerField(_l("Report No."), validators=[Optional(), NumberRange(1, REPORT_ROWS)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.condition.choices = choices([("", "—"), *((c.value, c.title) for c in Condition)])


class ScheduleForm(Form):
    reports = FieldList(FormField(ReportLine), min_entries=REPORT_ROWS, max_entries=REPORT_ROWS)
    tranches = FieldList(FormField(TrancheLine), min_entries=TRANCHE_ROWS, max_entries=TRANCHE_ROWS)


class DocumentForm(Form):
    document_kind = SelectField(_l("Kind of document"))
    document_file = FileField(_l("File (PDF, DOCX, XLSX, JPG or PNG)"),
                              validators=[FileRequired(_l("Choose a file."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.document_kind.choices = choices((k.value, k.title) for k in DocumentKind)


class SignForm(Form):
    signed_on = _date(_l("Signed on"))


class PayForm(Form):
    paid_on = _date(_l("Paid on"))
    payment_reference = StringField(_l("Payment order No."),
                                    validators=[DataRequired(_l("Give the payment order's number.")), Length(max=64)])


class SuspendForm(Form):
    suspension_reason = TextAreaField(_l("Reason for the suspension"),
                                      validators=[DataRequired(_l("Give the reason for the suspension.")),
                                                  Length(max=5000)])


class CompleteForm(Form):
    completed_on = _date(_l("Completed on"))


class TerminateForm(Form):
    ground = SelectField(_l("Ground"), validators=[DataRequired()])
    termination_reason = TextAreaField(_l("Reason for the termination"),
                                       validators=[DataRequired(_l("Give the reason for the termination.")),
                                                   Length(max=5000)])
    refund_due = _money(_l("Refund due, tenge (zero if none)"), minimum=0)
    terminated_on = _date(_l("Terminated on"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ground.choices = choices((g.value, g.title) for g in Ground)


class RepaymentForm(Form):
    repayment_amount = _money(_l("Amount returned, tenge"))
    received_on = _date(_l("Received on"))
    repayment_reference = StringField(_l("Payment order No."), validators=[
        DataRequired(_l("Give the payment order's number.")), Length(max=64)])


class DecideForm(Form):
    decision = SelectField(_l("Decision"), validators=[DataRequired()])
    decision_note = TextAreaField(_l("Note for the NGO (required for a rejection)"),
                                  validators=[Optional(), Length(max=5000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision.choices = choices((("approve", _l("Approve")), ("reject", _l("Reject"))))


class PlanLine(RowForm):
    line_id = HiddenField()
    planned = DecimalField(_l("New plan, tenge"), places=2,
                           validators=[InputRequired(_l("Give the plan in tenge.")), NumberRange(min=0, max=MAX_MONEY)])


class AmendmentForm(Form):
    lines = FieldList(FormField(PlanLine), min_entries=0, max_entries=500)
    amendment_reason = TextAreaField(_l("Why the budget should change"),
                                     validators=[DataRequired(_l("Explain why the budget should change.")),
                                                 Length(max=5000)])
