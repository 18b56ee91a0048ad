"""The forms of proposals on a state social order's plan: the public's proposal and the customer body's answer."""

from wtforms import EmailField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from grants.calls import proposals
from grants.forms import Form, choices
from grants.i18n import _, _l


class ProposalForm(Form):
    """Every check is the service's (grants.calls.proposals.problems), run with the fields', so the sender sees
    every problem at once and the page and the service never disagree."""

    author_name = StringField(_l("Your name"))
    author_email = EmailField(_l("Your e-mail (not published)"))
    organization_bin = StringField(_l("BIN of the NGO you write for (optional)"))
    topic_id = SelectField(_l("On which topic"), validate_choice=False)  # the service names a foreign topic
    text = TextAreaField(_l("Your proposal"))

    def __init__(self, *args, call, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.call, self.user = call, user
        self.topic_id.choices = choices([("", _("The plan as a whole"))] + [
            (str(t.id), _("Topic %(n)s", n=t.number) + f". {t.title}") for t in call.topics])

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for name, message in proposals.problems(self.call, self.fields(), self.user).items():
            if not getattr(self, name).errors:
                getattr(self, name).errors.append(message)
            valid = False
        return valid

    def fields(self):
        return {name: getattr(self, name).data for name in proposals.FIELDS}


class AnswerForm(Form):
    proposal = HiddenField(validators=[DataRequired()])
    answer = TextAreaField(_l("The answer (published with the proposal)"), validators=[
        DataRequired(_l("Write the answer: the author and the public read it.")), Length(max=proposals.TEXT_MAX)])
