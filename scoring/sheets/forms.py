"""Forms for the call's scoring rules and for reopening a sheet; the sheet itself is drawn per criterion."""

from decimal import Decimal, InvalidOperation

from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from grants.forms import DateTimeLocalField, DecimalField, Form, choices
from grants.i18n import _, _l
from scoring.sheets.models import Aggregation


class RulesForm(Form):
    aggregation = SelectField(_l("The application's score"))
    divergence_limit = DecimalField(_l("Divergence limit, points"), places=2,
                                    validators=[InputRequired(), NumberRange(0, 1000)])
    threshold = DecimalField(_l("Threshold: below it an application cannot win"), places=2,
                             validators=[InputRequired(), NumberRange(0, 1000)])
    blind = BooleanField(_l("Blind: experts do not see who the applicant is"))
    # Asked on a state social order's call only.
    price_points = IntegerField(_l("Price points: what the lowest offer earns"), default=0,
                                validators=[Optional(), NumberRange(0, 100)])
    deadline = DateTimeLocalField(_l("Experts submit their scores by (Astana time)"), format="%Y-%m-%dT%H:%M",
                                  validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.aggregation.choices = choices((a.value, a.title) for a in Aggregation)


class ReopenForm(Form):
    reason = TextAreaField(_l("Reason for reopening"), validators=[DataRequired(), Length(max=2000)])


def read_sheet(form, criteria):
    """The expert's typed values per criterion, and every problem found, by criterion id; nothing typed is dropped."""
    values, problems = {}, {}
    for criterion in criteria:
        raw = (form.get(f"points-{criterion.id}") or "").strip().replace(",", ".")
        not_applicable = form.get(f"na-{criterion.id}") == "y"
        points = None
        if raw and not not_applicable:
            try:
                points = Decimal(raw)
            except InvalidOperation:
                points = None
            if points is None or not points.is_finite():  # Decimal reads "NaN" and "Infinity" too: not points
                points = None
                problems[criterion.id] = _("%(criterion)s: points must be a number.", criterion=criterion.name)
            elif not 0 <= points <= criterion.max_points:
                problems[criterion.id] = _("%(criterion)s: from 0 to %(max)d points.", criterion=criterion.name,
                                           max=criterion.max_points)
        values[criterion.id] = (points, not_applicable, form.get(f"comment-{criterion.id}", ""))
    return values, problems


class CriterionForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=16)])
    name_kk = StringField(_l("Name in Kazakh"), validators=[DataRequired(), Length(max=400)])
    name_ru = StringField(_l("Name in Russian"), validators=[DataRequired(), Length(max=400)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=400)])
    guidance_kk = TextAreaField(_l("Guidance for experts, in Kazakh"), validators=[Length(max=4000)])
    guidance_ru = TextAreaField(_l("Guidance for experts, in Russian"), validators=[Length(max=4000)])
    guidance_en = TextAreaField(_l("Guidance for experts, in English"), validators=[Length(max=4000)])
    max_points = IntegerField(_l("Maximum points"), validators=[InputRequired(), NumberRange(1, 100)])
    weight = DecimalField(_l("Weight"), places=3, validators=[InputRequired(), NumberRange(min=0.001, max=100)])
