"""The forms of oversight: site visits, the evaluation, the beneficiaries' survey, recommendations and answers.

Field names are unique across the agreement page, which holds several of these forms at once.
"""

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from grants.forms import Form
from grants.i18n import _l
from grants.monitoring.oversight import COMMENT_MAX, FINDINGS_MAX
from grants.monitoring.recommendations import RECOMMENDATION_MAX


def rating_choices():
    return [("", _l("— choose —")), ("5", _l("5 — exemplary")), ("4", _l("4 — good")),
            ("3", _l("3 — satisfactory")), ("2", _l("2 — weak")), ("1", _l("1 — serious problems"))]


def _int(value):
    """A choice's number; None for a blank or a tampered value, which the field's check then refuses."""
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


class VisitPlanForm(Form):
    visit_planned_on = DateField(_l("Date of the visit"), validators=[DataRequired(_l("Give the date of the visit."))])
    inspector_id = SelectField(_l("Inspector"), coerce=_int,
                               invalid_choice_message=_l("Choose the inspector among the grant operator's staff."),
                               validators=[DataRequired(_l("Choose the inspector among the grant operator's "
                                                           "staff."))])


class VisitDoneForm(Form):
    visited_on = DateField(_l("Visited on"), validators=[DataRequired(_l("Give the date of the visit."))])
    findings = TextAreaField(_l("Findings"), validators=[DataRequired(_l("Describe the findings of the visit.")),
                                                         Length(max=FINDINGS_MAX)])
    visit_rating = SelectField(_l("Rating"), coerce=_int,
                               validators=[InputRequired(_l("Give a rating from 1 to 5."))])
    follow_up = TextAreaField(_l("Follow-up actions for the NGO"), validators=[Optional(), Length(max=FINDINGS_MAX)])
    follow_up_due = DateField(_l("Follow-up due by"), validators=[Optional()])
    published = BooleanField(_l("Publish the findings to public oversight (observers)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.visit_rating.choices = rating_choices()


class VisitCancelForm(Form):
    cancel_reason = TextAreaField(_l("Reason for the cancellation"),
                                  validators=[DataRequired(_l("Give the reason for the cancellation.")),
                                              Length(max=COMMENT_MAX)])


class VisitPhotoForm(Form):
    photo = FileField(_l("Photo (JPG or PNG)"), validators=[FileRequired(_l("Choose a file."))])
    photo_caption = StringField(_l("Caption"), validators=[Optional(), Length(max=400)])


class EvaluationForm(Form):
    evaluation_rating = SelectField(_l("Rating of effectiveness"), coerce=_int,
                                    validators=[InputRequired(_l("Give a rating from 1 to 5."))])
    conclusion = TextAreaField(_l("Conclusion"), validators=[DataRequired(_l("Write the conclusion of the "
                                                                             "evaluation.")),
                                                             Length(max=FINDINGS_MAX)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.evaluation_rating.choices = rating_choices()


def _yes_no(value):
    return {"yes": True, "no": False}.get(value)


class FeedbackForm(Form):
    code = StringField(_l("The code on your card"), validators=[
        DataRequired(_l("Enter the code printed on your card: eight letters and digits, such as ACDE-3479.")),
        Length(max=20)], render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"})
    # A radio group left blank fails its choice check: that check's message is the one shown.
    satisfaction = RadioField(_l("How satisfied are you with the project?"), coerce=_int,
                              invalid_choice_message=_l("Choose how satisfied you are, from 1 to 5."))
    helped = RadioField(_l("Did the project help you?"), invalid_choice_message=_l("Answer yes or no."))
    would_recommend = RadioField(_l("Would you recommend it to others?"),
                                 invalid_choice_message=_l("Answer yes or no."))
    comment = TextAreaField(_l("Anything you want to tell us (optional)"),
                            validators=[Optional(), Length(max=COMMENT_MAX)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.satisfaction.choices = [(5, _l("5 — very satisfied")), (4, _l("4 — satisfied")),
                                     (3, _l("3 — neither satisfied nor dissatisfied")),
                                     (2, _l("2 — dissatisfied")), (1, _l("1 — very dissatisfied"))]
        for field in (self.helped, self.would_recommend):
            field.choices = [("yes", _l("Yes")), ("no", _l("No"))]

    def answers(self):
        return (self.satisfaction.data, _yes_no(self.helped.data), _yes_no(self.would_recommend.data),
                self.comment.data or "", self.code.data)


class RecommendationForm(Form):
    recommendation_text = TextAreaField(_l("Your recommendation"),
                                        validators=[DataRequired(_l("Write the recommendation.")),
                                                    Length(max=RECOMMENDATION_MAX)])


class AnswerForm(Form):
    answer = TextAreaField(_l("The operator's answer"),
                           validators=[DataRequired(_l("Write the answer: the observer and the public read it.")),
                                       Length(max=RECOMMENDATION_MAX)])


class SurveyCodesForm(Form):
    codes_count = IntegerField(_l("How many codes"), validators=[
        InputRequired(_l("Say how many codes to issue.")),
        NumberRange(1, 500, _l("Issue from 1 to %(max)d codes at a time."))])
    codes_event = StringField(_l("For the event (leave empty for single beneficiaries)"), validators=[
        Optional(), Length(max=200)])
