"""Forms for calls, topics and deadline extensions; times are typed in Astana time."""

import sqlalchemy as sa
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import FieldList, FormField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from grants.calls.models import FundingSource, GrantType, Instrument
from grants.calls.services import CALL_FIELDS, call_problems
from grants.extensions import db
from grants.forms import DateTimeLocalField, DecimalField, Form, MultiCheckbox, RowForm, choices, typed, written_rows
from grants.i18n import _, _l
from grants.reference.models import CustomerBody, Direction, Region

WHEN = "%Y-%m-%dT%H:%M"


def _upper(value):
    return value.strip().upper() if isinstance(value, str) else value


class CallForm(Form):
    """A call's settings; the service's own checks (code taken, dates, languages, customer against funding
    source, МРП) run in the same pass as the fields', so the operator sees every problem at once."""

    code = StringField(_l("Call code"), filters=[_upper], validators=[
        DataRequired(), Length(max=32),
        Regexp(r"^[A-Za-z0-9-]+$", message=_l("Latin letters, digits and hyphens only."))])
    instrument = SelectField(_l("Instrument"))
    customer_id = SelectField(_l("Customer body"), coerce=int)
    funding_source = SelectField(_l("Funding source"))
    budget_year = IntegerField(_l("Budget year"), validators=[InputRequired(), NumberRange(2020, 2100)])
    title_kk = StringField(_l("Title in Kazakh"), validators=[DataRequired(), Length(max=400)])
    title_ru = StringField(_l("Title in Russian"), validators=[DataRequired(), Length(max=400)])
    title_en = StringField(_l("Title in English"), validators=[DataRequired(), Length(max=400)])
    description_kk = TextAreaField(_l("Description in Kazakh"), validators=[Length(max=20000)])
    description_ru = TextAreaField(_l("Description in Russian"), validators=[Length(max=20000)])
    description_en = TextAreaField(_l("Description in English"), validators=[Length(max=20000)])
    opens_at = DateTimeLocalField(_l("Intake opens (Astana time)"), format=WHEN, validators=[DataRequired()])
    deadline_at = DateTimeLocalField(_l("Deadline (Astana time)"), format=WHEN, validators=[DataRequired()])
    accepts_kk = BooleanField(_l("Accepts applications in Kazakh"), default=True)
    accepts_ru = BooleanField(_l("Accepts applications in Russian"), default=True)
    experts_per_application = IntegerField(_l("Experts per application"), default=3,
                                           validators=[InputRequired(), NumberRange(1, 15)])
    criteria_set = SelectField(_l("Scoring criteria"))

    def __init__(self, *args, customers=None, call=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.call = call
        self.instrument.choices = choices((i.value, i.title) for i in Instrument)
        self.funding_source.choices = choices((f.value, f.title) for f in FundingSource)
        query = sa.select(CustomerBody).where(CustomerBody.active).order_by(CustomerBody.code)
        if customers is not None:
            query = query.where(CustomerBody.id.in_(customers))
        bodies = db.session.execute(query).scalars().all()
        self.customer_id.choices = choices((c.id, c.name) for c in bodies)
        if bodies and not self.is_submitted() and self.funding_source.data is None:
            # A new call: the funding source the first customer body can order from, a valid pair.
            self.funding_source.data = FundingSource(str(bodies[0].level)).value
        self.criteria_set.choices = choices([
            ("", _l("The instrument's own criteria")),
            ("grant", _l("Grants: relevance, innovation, feasibility, cost justification")),
            ("sso", _l("State social order: relevance, innovation, feasibility; price points from the offers")),
            ("award", _l("Award: the NGO's past contribution")),
        ])


    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        readable = {k: (None if getattr(self, k).errors else getattr(self, k).data) for k in CALL_FIELDS}
        for name, message in call_problems(readable, self.call).items():
            if not getattr(self, name).errors:
                getattr(self, name).errors.append(message)
            valid = False
        return valid


SPEC_KEYS = ("service_kk", "service_ru", "unit_kk", "unit_ru", "volume", "max_price")
MAX_SPEC_ITEMS = 50


class SpecItemRow(RowForm):
    """One service of a state social order's technical specification."""

    service_kk = StringField(_l("Service, in Kazakh"), validators=[Optional(), Length(max=400)])
    service_ru = StringField(_l("Service, in Russian"), validators=[Optional(), Length(max=400)])
    unit_kk = StringField(_l("Unit, in Kazakh"), validators=[Optional(), Length(max=64)])
    unit_ru = StringField(_l("Unit, in Russian"), validators=[Optional(), Length(max=64)])
    volume = DecimalField(_l("Volume"), places=2, validators=[Optional(), NumberRange(min=0.01, max=10**9)])
    max_price = DecimalField(_l("Maximum price per unit, tenge"), places=2,
                             validators=[Optional(), NumberRange(min=0.01, max=10**12)])


class TopicForm(Form):
    direction_id = SelectField(_l("Direction"), coerce=int)
    title_kk = StringField(_l("Title in Kazakh"), validators=[DataRequired(), Length(max=400)])
    title_ru = StringField(_l("Title in Russian"), validators=[DataRequired(), Length(max=400)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=400)])
    goal_kk = TextAreaField(_l("Goal, in Kazakh"), validators=[DataRequired(), Length(max=5000)])
    goal_ru = TextAreaField(_l("Goal, in Russian"), validators=[DataRequired(), Length(max=5000)])
    tasks_kk = TextAreaField(_l("Tasks, in Kazakh"), validators=[Length(max=10000)])
    tasks_ru = TextAreaField(_l("Tasks, in Russian"), validators=[Length(max=10000)])
    results_kk = TextAreaField(_l("Expected results, in Kazakh"), validators=[Length(max=10000)])
    results_ru = TextAreaField(_l("Expected results, in Russian"), validators=[Length(max=10000)])
    indicators_kk = TextAreaField(_l("Indicators, in Kazakh"), validators=[Length(max=10000)])
    indicators_ru = TextAreaField(_l("Indicators, in Russian"), validators=[Length(max=10000)])
    regions = MultiCheckbox(_l("Regions covered"), coerce=int,
                            validators=[DataRequired(_l("Choose at least one region the topic covers."))])
    grant_type = SelectField(_l("Grant type"))
    duration_months = IntegerField(_l("Duration, months"), validators=[InputRequired(), NumberRange(1, 60)])
    amount_cap = DecimalField(_l("Amount cap per grant, tenge"), places=2,
                              validators=[InputRequired(), NumberRange(min=1, max=10**13)])
    grants_count = IntegerField(_l("Number of grants"), default=1, validators=[InputRequired(), NumberRange(1, 500)])
    # A state social order's technical specification (only asked on an SSO call's topic).
    problem_kk = TextAreaField(_l("Social problem, in Kazakh"), validators=[Length(max=10000)])
    problem_ru = TextAreaField(_l("Social problem, in Russian"), validators=[Length(max=10000)])
    target_group_kk = TextAreaField(_l("Target group, in Kazakh"), validators=[Length(max=10000)])
    target_group_ru = TextAreaField(_l("Target group, in Russian"), validators=[Length(max=10000)])
    place_kk = TextAreaField(_l("Place of the services, in Kazakh"), validators=[Length(max=5000)])
    place_ru = TextAreaField(_l("Place of the services, in Russian"), validators=[Length(max=5000)])
    standard_kk = TextAreaField(_l("Standard of the state social order, in Kazakh"), validators=[Length(max=5000)])
    standard_ru = TextAreaField(_l("Standard of the state social order, in Russian"), validators=[Length(max=5000)])
    spec = FieldList(FormField(SpecItemRow), _l("Services of the specification"), min_entries=1,
                     max_entries=MAX_SPEC_ITEMS)

    def __init__(self, *args, sso=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.sso = sso
        if sso:  # an order, not a grant: its money and its contracts; it has no grant type to choose
            self.amount_cap.label.text = _l("Amount of the order, tenge")
            self.grants_count.label.text = _l("Number of contracts")
            self.duration_months.label.text = _l("Period of the services, months")
            if self.grant_type.data in (None, "", "None"):
                self.grant_type.data = GrantType.short.value
        directions = db.session.execute(sa.select(Direction).where(Direction.active).order_by(Direction.code))
        self.direction_id.choices = choices((d.id, f"{d.code}. {d.name}") for d in directions.scalars())
        regions = db.session.execute(sa.select(Region).where(Region.active).order_by(Region.kato)).scalars()
        self.regions.choices = choices((r.id, r.name) for r in regions)
        self.grant_type.choices = choices((g.value, g.title) for g in GrantType)

    def spec_items(self):
        """The specification's lines as written; a half-written line gets a message on its first empty field."""
        items = []
        for row, data in written_rows(self.spec, SPEC_KEYS):
            missing = next((row[k] for k in SPEC_KEYS if not typed(row[k])), None)
            if missing is not None and not missing.errors:
                missing.errors = [*missing.errors, _("Give the service and its unit in both languages, the volume "
                                                     "and the maximum price.")]
            items.append({k: data[k].strip() if isinstance(data[k], str) else data[k] for k in SPEC_KEYS})
        return items

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if not self.sso:
            return valid
        if not self.spec_items():
            first = self.spec[0].form.service_kk
            if not first.errors:
                first.errors = [*first.errors, _("List at least one service the supplier is to deliver.")]
        return valid and not any(f.errors for row in self.spec for f in row.form)


class ExtensionForm(Form):
    new_deadline = DateTimeLocalField(_l("New deadline (Astana time)"), format=WHEN, validators=[DataRequired()])
    reason = TextAreaField(_l("Reason (published)"), validators=[DataRequired(), Length(max=2000)])


class CallDocumentForm(Form):
    title = StringField(_l("Title of the document"), validators=[DataRequired(), Length(max=400)])
    file = FileField(_l("File (PDF, DOCX, XLSX, JPG or PNG)"), validators=[FileRequired(_l("Choose a file."))])
