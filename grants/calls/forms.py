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
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from grants.calls.models import FundingSource, GrantType, Instrument
from grants.calls.services import CALL_FIELDS, call_problems
from grants.extensions import db
from grants.forms import DateTimeLocalField, DecimalField, Form, MultiCheckbox, choices
from grants.i18n import _l
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
            ("sso", _l("State social order: the grant criteria and the price")),
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        directions = db.session.execute(sa.select(Direction).where(Direction.active).order_by(Direction.code))
        self.direction_id.choices = choices((d.id, f"{d.code}. {d.name}") for d in directions.scalars())
        regions = db.session.execute(sa.select(Region).where(Region.active).order_by(Region.kato)).scalars()
        self.regions.choices = choices((r.id, r.name) for r in regions)
        self.grant_type.choices = choices((g.value, g.title) for g in GrantType)


class ExtensionForm(Form):
    new_deadline = DateTimeLocalField(_l("New deadline (Astana time)"), format=WHEN, validators=[DataRequired()])
    reason = TextAreaField(_l("Reason (published)"), validators=[DataRequired(), Length(max=2000)])


class CallDocumentForm(Form):
    title = StringField(_l("Title of the document"), validators=[DataRequired(), Length(max=400)])
    file = FileField(_l("File (PDF, DOCX, XLSX, JPG or PNG)"), validators=[FileRequired(_l("Choose a file."))])
