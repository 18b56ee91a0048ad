"""The NGO profile and invitation forms."""

import sqlalchemy as sa
from wtforms import EmailField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp

from grants.extensions import db
from grants.forms import Form, MultiCheckbox, choices
from grants.i18n import _l
from grants.organizations.models import LEGAL_FORMS
from grants.reference.models import Direction, Region


class ProfileForm(Form):
    name_kk = StringField(_l("Name in Kazakh"), validators=[DataRequired(), Length(max=400)])
    name_ru = StringField(_l("Name in Russian"), validators=[DataRequired(), Length(max=400)])
    legal_form = SelectField(_l("Legal form"))
    region_id = SelectField(_l("Region"), coerce=int)
    address = StringField(_l("Legal address"), validators=[DataRequired(), Length(max=400)])
    head_name = StringField(_l("Head (full name)"), validators=[DataRequired(), Length(max=255)])
    phone = StringField(_l("Phone"), validators=[
        DataRequired(), Length(max=32),
        Regexp(r"^\+?[0-9 ()-]{10,}$", message=_l("A phone number, e.g. +7 701 234 56 78."))])
    email = EmailField(_l("E-mail of the NGO"), validators=[DataRequired(), Email(), Length(max=255)])
    registry_year = IntegerField(_l("Year of the last filing to the national NGO database"),
                                 validators=[Optional(), NumberRange(2003, 2100)])
    directions = MultiCheckbox(_l("Directions of activity"), coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.legal_form.choices = choices(LEGAL_FORMS.items())
        regions = db.session.execute(sa.select(Region).where(Region.active).order_by(Region.kato)).scalars()
        self.region_id.choices = choices((r.id, r.name) for r in regions)
        directions = db.session.execute(sa.select(Direction).where(Direction.active).order_by(Direction.code))
        self.directions.choices = choices((d.id, f"{d.code}. {d.name}") for d in directions.scalars())


class RegisterForm(ProfileForm):
    bin = StringField(_l("BIN"), validators=[DataRequired(), Length(min=12, max=12, message=_l(
        "A BIN must have exactly 12 digits."))])


class InviteForm(Form):
    email = EmailField(_l("Colleague's e-mail"), validators=[DataRequired(), Email(), Length(max=255)])


class VerifyForm(Form):
    """The operator's note of the registration documents checked."""

    note = TextAreaField(_l("Documents checked and what they show"), validators=[DataRequired(), Length(max=2000)])
