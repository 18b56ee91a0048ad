"""The operator's decision letters: the list of outcomes by language, and one letter's page."""

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from grants.auth.models import Role
from grants.filters import LANGUAGE_TITLES
from grants.forms import Form
from grants.i18n import _, _l
from grants.letters import services
from grants.permissions import allow, register_role_rules
from grants.refusals import attempt

bp = Blueprint("letters", __name__, url_prefix="/manage", template_folder="templates")
register_role_rules({"letter.edit": (Role.operator, Role.admin)})


class LetterForm(Form):
    subject = StringField(_l("Subject"), validators=[DataRequired(_l("Write the subject of the letter.")),
                                                     Length(max=services.MAX_SUBJECT)])
    body = TextAreaField(_l("Text"), validators=[DataRequired(_l("Write the text of the letter.")),
                                                 Length(max=services.MAX_BODY)])


@bp.route("/letters")
@allow("letter.edit")
def index():
    groups = {}
    for kind in services.kinds():
        groups.setdefault(str(kind.group()), []).append(kind)
    return render_template("letters/index.html", groups=groups, letter_languages=services.LANGUAGES,
                           language_titles=LANGUAGE_TITLES, templates=services.all_templates())


@bp.route("/letters/<outcome>/<language>", methods=["GET", "POST"])
@allow("letter.edit")
def edit(outcome, language):
    kind = services.kind_of(outcome)
    if kind is None or language not in services.LANGUAGES:
        abort(404)
    letter = services.template_for(outcome, language)
    form = LetterForm(obj=letter)
    status = 200
    if form.is_submitted():
        status = 400
        if form.validate() and attempt(services.save, current_user, outcome, language, form.subject.data,
                                       form.body.data, success=_("The letter is saved.")):
            return redirect(url_for("letters.edit", outcome=outcome, language=language))
    preview = None
    if letter is not None:
        example = kind.sample(language)
        preview = (letter.subject.format_map(example), letter.body.format_map(example))
    return render_template("letters/edit.html", form=form, kind=kind, language=language,
                           language_title=LANGUAGE_TITLES[language], letter=letter, fields=kind.fields,
                           preview=preview), status
