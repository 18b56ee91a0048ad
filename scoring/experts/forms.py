"""The expert register's forms."""

import sqlalchemy as sa
from wtforms import BooleanField, DateField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from grants.extensions import db
from grants.forms import Form, MultiCheckbox, choices
from grants.i18n import _l
from grants.reference.models import Direction, Region
from scoring.experts.models import Tie


class ExpertForm(Form):
    iin = StringField(_l("IIN"), validators=[Optional(), Length(min=12, max=12)])
    reads_kk = BooleanField(_l("Reads Kazakh"), default=True)
    reads_ru = BooleanField(_l("Reads Russian"), default=True)
    region_id = SelectField(_l("Region"), coerce=lambda v: int(v) if v else None, validators=[Optional()])
    directions = MultiCheckbox(_l("Directions of expertise"), coerce=int)
    active = BooleanField(_l("Active on the register"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        regions = db.session.execute(sa.select(Region).order_by(Region.kato)).scalars()
        self.region_id.choices = choices([("", "—")] + [(r.id, r.name) for r in regions])
        directions = db.session.execute(sa.select(Direction).where(Direction.active).order_by(Direction.code))
        self.directions.choices = choices((d.id, f"{d.code}. {d.name}") for d in directions.scalars())


class EnrolForm(ExpertForm):
    email = EmailField(_l("E-mail of the expert's account"), validators=[DataRequired(), Email(), Length(max=255)])


class AffiliationForm(Form):
    bin = StringField(_l("BIN of the organization"), validators=[DataRequired(), Length(min=12, max=12)])
    organisation_name = StringField(_l("Organization"), validators=[Optional(), Length(max=400)])
    tie = SelectField(_l("Tie"))
    until = DateField(_l("Ended on (for a past tie)"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tie.choices = choices((t.value, t.title) for t in Tie)


class RelativeForm(Form):
    iin = StringField(_l("IIN of the relative"), validators=[DataRequired(), Length(min=12, max=12)])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=255)])
    relation = StringField(_l("Relation (spouse, parent, child, sibling…)"), validators=[Optional(), Length(max=64)])
