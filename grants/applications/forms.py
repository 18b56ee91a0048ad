"""The application form: sections, calendar plan, indicators, budget lines, documents."""

import json

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import FieldList, FormField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from grants.appforms import blocks
from grants.appforms.fields import field_for
from grants.filters import LANGUAGE_TITLES
from grants.forms import DecimalField, Form, RowForm, choices
from grants.i18n import _l


class StartForm(Form):
    topic_id = SelectField(_l("Topic"), coerce=int)
    organization_id = SelectField(_l("On behalf of the NGO"), coerce=int)
    language = SelectField(_l("Language of the application"))


class ActivityRow(RowForm):
    activity = StringField(_l("Activity"), validators=[Optional(), Length(max=2000)])
    start_month = IntegerField(_l("From month"), validators=[Optional(), NumberRange(1, 60)])
    end_month = IntegerField(_l("To month"), validators=[Optional(), NumberRange(1, 60)])
    output = StringField(_l("Result"), validators=[Optional(), Length(max=2000)])


class IndicatorRow(RowForm):
    name = StringField(_l("Indicator"), validators=[Optional(), Length(max=400)])
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=64)])
    baseline = DecimalField(_l("Baseline"), places=2, validators=[Optional(), NumberRange(min=0)])
    target = DecimalField(_l("Target"), places=2, validators=[Optional(), NumberRange(min=0)])
    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(1, 5)])  # only where the form plans by year


# The most lines each table holds; the edit page adds a blank line only below these.
MAX_ROWS = {"activities": 200, "indicators": 100, "budget": 300, "partners": 30, "offer": 50}


def _no_spaces(value):
    """A BIN/IIN typed in groups ("123456 789012") is still 12 digits."""
    return "".join(value.split()) if isinstance(value, str) else value


class PartnerRow(RowForm):
    number = StringField(_l("BIN or IIN"), filters=[_no_spaces], validators=[Optional(), Length(max=12)])
    name = StringField(_l("Organization or person"), validators=[Optional(), Length(max=400)])
    role = StringField(_l("Role in the project"), validators=[Optional(), Length(max=400)])


class BudgetRow(RowForm):
    item = StringField(_l("Cost item"), validators=[Optional(), Length(max=400)])
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=64)])
    quantity = DecimalField(_l("Quantity"), places=2, validators=[Optional(), NumberRange(min=0.01, max=10**9)])
    unit_cost = DecimalField(_l("Unit cost, tenge"), places=2, validators=[Optional(), NumberRange(min=0, max=10**12)])
    institutional = BooleanField(_l("Institutional development"))
    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(1, 5)])  # only where the form plans by year


class OfferRow(RowForm):
    """The offer's answer to one service of the technical specification (the service is named by the page)."""

    spec_item_id = HiddenField()
    approach = TextAreaField(_l("How the service will be delivered"), validators=[Optional(), Length(max=5000)])
    volume = DecimalField(_l("Volume you commit to"), places=2, validators=[Optional(), NumberRange(min=0.01,
                                                                                                    max=10**9)])
    unit_price = DecimalField(_l("Your price per unit, tenge"), places=2,
                              validators=[Optional(), NumberRange(min=0.01, max=10**12)])


_FORM_CLASSES = {}


def application_form_class(definition):
    """The WTForms class asking a call's form: the fixed fields, then one field per value block and the
    tables of the structured blocks the form has. Built once per definition (labels are read when drawn)."""
    key = json.dumps(definition, sort_keys=True, default=str)
    if key in _FORM_CLASSES:
        return _FORM_CLASSES[key]

    class ApplicationForm(Form):
        revision = HiddenField()
        title = StringField(_l("Project title"), validators=[Optional(), Length(max=400)])
        language = SelectField(_l("Language of the application"),
                               choices=choices(LANGUAGE_TITLES.items()))
        language_confirmed = BooleanField(_l("I confirm the application is written in the language declared"))

    if blocks.has(definition, "plan"):
        ApplicationForm.duration_months = IntegerField(_l("Duration, months"),
                                                       validators=[Optional(), NumberRange(1, 60)])
        ApplicationForm.activities = FieldList(FormField(ActivityRow), _l("Calendar plan"), min_entries=1,
                                               max_entries=MAX_ROWS["activities"])
    if blocks.has(definition, "indicators"):
        ApplicationForm.indicators = FieldList(FormField(IndicatorRow), _l("Indicators"), min_entries=1,
                                               max_entries=MAX_ROWS["indicators"])
    if blocks.has(definition, "budget"):
        ApplicationForm.budget = FieldList(FormField(BudgetRow), _l("Budget"), min_entries=1,
                                           max_entries=MAX_ROWS["budget"])
    if blocks.has(definition, "partners"):
        ApplicationForm.partners = FieldList(FormField(PartnerRow), _l("Project partners"), min_entries=1,
                                             max_entries=MAX_ROWS["partners"])
    if blocks.has(definition, "offer"):
        ApplicationForm.offer = FieldList(FormField(OfferRow), _l("Offer on the technical specification"),
                                          min_entries=0, max_entries=MAX_ROWS["offer"])
    for block in blocks.value_blocks(definition):
        setattr(ApplicationForm, block.code, field_for(block))
    if len(_FORM_CLASSES) > 512:  # forms change only while calls are prepared: a bound, not an eviction policy
        _FORM_CLASSES.clear()
    _FORM_CLASSES[key] = ApplicationForm
    return ApplicationForm


class DocumentForm(Form):
    kind = SelectField(_l("Kind of document"))
    file = FileField(_l("File (PDF, DOCX, XLSX, JPG or PNG)"), validators=[FileRequired(_l("Choose a file."))])

    def __init__(self, *args, definition=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices((slot.code, slot.label) for slot in blocks.slots(definition))


class OpenEarlyForm(Form):
    reason = TextAreaField(_l("Why the application is opened before the deadline"),
                           validators=[DataRequired(), Length(max=2000)],
                           description=_l("Published on the call's page after the deadline, with the receipt number "
                                          "and the time of opening."))


class ReviewForm(Form):
    outcome = SelectField(_l("Decision"), validators=[DataRequired()])
    reasons = SelectField(_l("Reason"), validators=[Optional()])
    comment = TextAreaField(_l("Reasons, in words the applicant will read"), validators=[Length(max=5000)])
    revision_days = IntegerField(_l("Days for the revision"), default=5,
                                 validators=[Optional(), NumberRange(1, 30)])
