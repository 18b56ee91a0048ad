"""Forms for the reference catalogues."""

import sqlalchemy as sa
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from grants.extensions import db
from grants.forms import DecimalField, Form, choices
from grants.i18n import _l
from grants.reference.models import BudgetLevel, Region


class NamesForm(Form):
    name_kk = StringField(_l("Name in Kazakh"), validators=[DataRequired(), Length(max=400)])
    name_ru = StringField(_l("Name in Russian"), validators=[DataRequired(), Length(max=400)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=400)])
    active = BooleanField(_l("In use"), default=True)


class DirectionForm(NamesForm):
    pass


class RegionForm(NamesForm):
    ngos_registered = IntegerField(_l("NGOs registered in the national NGO database"),
                                   validators=[Optional(), NumberRange(0, 1_000_000)])


class MrpForm(Form):
    year = IntegerField(_l("Budget year"), validators=[DataRequired(), NumberRange(2000, 2100)])
    amount = DecimalField(
        _l("MCI, tenge"), places=2, validators=[DataRequired(), NumberRange(min=1, max=1_000_000)]
    )


class CustomerForm(NamesForm):
    code = StringField(
        _l("Short code"),
        validators=[DataRequired(), Length(max=32),
                    Regexp(r"^[A-Za-z0-9-]+$", message=_l("Latin letters, digits and hyphens only."))],
    )
    level = SelectField(_l("Budget level"), choices=[])
    region_id = SelectField(_l("Region"), coerce=lambda v: int(v) if v else None, validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.level.choices = choices((lvl.value, lvl.title) for lvl in BudgetLevel)
        regions = db.session.execute(sa.select(Region).order_by(Region.kato)).scalars()
        self.region_id.choices = choices([("", _l("— none (republican body) —"))] + [(r.id, r.name) for r in regions])


class ReasonForm(NamesForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=32),
                    Regexp(r"^[A-Z0-9_]+$", message=_l("Capital Latin letters, digits and underscores only."))],
    )
