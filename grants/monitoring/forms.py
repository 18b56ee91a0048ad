"""The report's forms: the NGO's report and its evidence, the operator's acceptance or return."""

from decimal import Decimal

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import TextInput

from grants.forms import DecimalField, Form
from grants.i18n import _l, pgettext
from grants.monitoring.models import FIGURES

COUNT = [Optional(), NumberRange(0, 10**8)]
AMOUNT = [Optional(), NumberRange(0, 10**12)]


class Amount(DecimalField):
    """A sum typed as people type it here: "1 500 000,50" as well as "1500000.50".

    A text box, not a number box: browsers refuse the spaces and commas of a number box.
    """

    widget = TextInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        if valuelist:
            valuelist = ["".join((v or "").split()).replace("\u00a0", "").replace(",", ".") for v in valuelist]
        super().process_formdata(valuelist)


class ReportForm(Form):
    """The report's own fields; the rows of indicators, budget lines and activities are added per agreement."""

    revision = HiddenField()
    narrative = TextAreaField(_l("What the project did in the period"), validators=[Optional(), Length(max=20000)])
    beneficiaries = IntegerField(_l("Unique beneficiaries"), validators=COUNT)
    reach = IntegerField(_l("Total reach"), validators=COUNT)
    women = IntegerField(_l("Women"), validators=COUNT)
    men = IntegerField(_l("Men"), validators=COUNT)
    under_18 = IntegerField(_l("Under 18"), validators=COUNT)
    from_18_to_34 = IntegerField(_l("18 to 34"), validators=COUNT)
    from_35_to_62 = IntegerField(_l("35 to 62"), validators=COUNT)
    over_62 = IntegerField(_l("Over 62"), validators=COUNT)
    jobs_created = IntegerField(_l("Jobs created"), validators=COUNT)
    cofunding = Amount(_l("Co-funding raised, tenge"), places=2, validators=AMOUNT)
    services_delivered = IntegerField(_l("Services delivered"), validators=COUNT)
    volunteers = IntegerField(_l("Volunteers involved"), validators=COUNT)

    def validate_reach(self, field):
        if field.data is not None and self.beneficiaries.data is not None and field.data < self.beneficiaries.data:
            raise ValidationError(_l("Total reach counts every beneficiary at least once: it cannot be less than "
                                     "the unique beneficiaries."))


def report_form(report, **kwargs):
    """The form for one report: a row of fields per indicator, budget line and activity, keyed by their ids."""
    agreement = report.agreement

    class Form(ReportForm):
        pass

    for indicator in agreement.indicators:
        setattr(Form, f"actual_{indicator.id}", Amount(_l("Actual"), places=2, validators=AMOUNT))
        setattr(Form, f"comment_{indicator.id}", StringField(_l("Comment"), validators=[Optional(),
                                                                                        Length(max=2000)]))
    for line in agreement.budget_lines:
        setattr(Form, f"spent_{line.id}", Amount(_l("Spent in this period, tenge"), places=2, validators=AMOUNT))
    for activity in agreement.activities:
        setattr(Form, f"done_{activity.id}", BooleanField(pgettext("activity", "Done")))
        setattr(Form, f"note_{activity.id}", StringField(_l("Note"), validators=[Optional(), Length(max=2000)]))
    return Form(**kwargs)


def form_data(report):
    """The stored report as the form's data."""
    data = {"revision": report.revision, "narrative": report.narrative, "cofunding": report.cofunding,
            **{key: getattr(report, key) for key in FIGURES}}
    for row in report.indicators:
        data[f"actual_{row.indicator_id}"] = row.actual
        data[f"comment_{row.indicator_id}"] = row.comment
    for row in report.spending:
        data[f"spent_{row.budget_line_id}"] = row.spent
    for row in report.activities:
        data[f"done_{row.activity_id}"] = row.done
        data[f"note_{row.activity_id}"] = row.note
    return data


def collected(form, report):
    """(data, indicators, spending, activities) from a validated form, as services.save takes them."""
    agreement = report.agreement
    data = {key: form[key].data for key in FIGURES}
    data.update(narrative=form.narrative.data or "", cofunding=form.cofunding.data or Decimal("0"))
    indicators = {i.id: (form[f"actual_{i.id}"].data, form[f"comment_{i.id}"].data or "")
                  for i in agreement.indicators}
    spending = {line.id: form[f"spent_{line.id}"].data for line in agreement.budget_lines}
    activities = {a.id: (form[f"done_{a.id}"].data, form[f"note_{a.id}"].data or "") for a in agreement.activities}
    return data, indicators, spending, activities


class EvidenceForm(Form):
    file = FileField(_l("Photo or document (JPG, PNG, PDF, DOCX or XLSX)"),
                     validators=[FileRequired(_l("Choose a file."))])
    activity_id = SelectField(_l("The activity it shows"), validators=[Optional()])
    caption = StringField(_l("Caption"), validators=[Optional(), Length(max=400)])


class AcceptForm(Form):
    comment = TextAreaField(_l("Comment for the NGO (optional)"), validators=[Optional(), Length(max=5000)])


class ReturnForm(Form):
    comment = TextAreaField(_l("What must be corrected"),
                            validators=[DataRequired(_l("Say what must be corrected: the NGO reads it.")),
                                        Length(max=5000)])
    due_on = DateField(_l("New due date"), validators=[DataRequired(_l("Give the new due date."))])
