"""The analyst's API tokens: create one (shown once), see when each was last used, revoke."""

from flask import Blueprint, abort, make_response, redirect, render_template, url_for
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import Length

import reports.rules  # noqa: F401  (registers the rules)
from grants.auth.forms import ConfirmForm
from grants.extensions import db
from grants.forms import Form
from grants.i18n import _, _l
from grants.permissions import allow
from grants.refusals import attempt
from reports import tokens
from reports.models import ApiToken

bp = Blueprint("tokens", __name__, url_prefix="/analyst/tokens", template_folder="templates")


class TokenForm(Form):
    name = StringField(_l("Name of the token"), validators=[Length(max=tokens.NAME_LENGTH)])


@bp.route("", methods=["GET", "POST"])
@allow("stats.view")
def index():
    form = TokenForm()
    created = None
    if form.validate_on_submit():
        result = attempt(tokens.issue, current_user, form.name.data)
        if result:
            created = result[1]
            form = TokenForm(formdata=None)
    response = make_response(render_template(
        "reports/tokens.html", form=form, created=created, tokens=tokens.tokens_of(current_user),
        example=url_for("api.applications", group_by="year,language", _external=True),
        document=url_for("api.openapi_document", _external=True)))
    response.headers["Cache-Control"] = "no-store"  # the page may show a token
    return response


@bp.route("/<int:api_token_id>/revoke", methods=["POST"])
@allow("stats.view")
def revoke(api_token_id):
    token = db.get_or_404(ApiToken, api_token_id)
    if token.user_id != current_user.id:
        abort(403, description=_("This token belongs to another account."))
    if ConfirmForm().validate_on_submit():
        attempt(tokens.revoke, current_user, token,
                success=_("The token “%(name)s” is revoked: programs using it are refused from now on.",
                          name=token.name or _("untitled")))
    return redirect(url_for("tokens.index"))
