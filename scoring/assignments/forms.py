"""Forms for assigning experts and for the expert's declaration."""

from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from grants.forms import Form, choices
from grants.i18n import _l
from scoring.assignments.models import Conflict


class DeclarationForm(Form):
    conflict = SelectField(_l("Conflict of interest"))
    note = TextAreaField(_l("Explanation (optional)"), validators=[Optional(), Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflict.choices = choices([("", _l("I have no conflict of interest with this NGO"))] +
                                        [(c.value, c.title) for c in Conflict])


class ByHandForm(Form):
    expert_id = SelectField(_l("Expert"), coerce=int)
    reason = TextAreaField(_l("Reason (kept on the record)"), validators=[DataRequired(), Length(max=2000)])


class RecusalForm(Form):
    reason = TextAreaField(_l("Reason for the recusal"), validators=[DataRequired(), Length(max=2000)])
