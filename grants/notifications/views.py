"""Each person's inbox on the platform, and their choice of how they are told of each kind of notice."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import IntegerField, RadioField
from wtforms.validators import InputRequired

from grants.extensions import db
from grants.forms import Form, choices
from grants.i18n import _, _l
from grants.notifications import inbox, services
from grants.permissions import allow
from grants.refusals import attempt

bp = Blueprint("notifications", __name__, template_folder="templates")
MODE_TITLES = (("now", _l("By mail at once")), ("digest", _l("In a daily digest")), ("off", _l("Not at all")))


def preferences_form(user, formdata=None):
    """A form with one choice per kind offered to the person, set as they chose."""
    offered = services.offered(user)

    class PreferencesForm(Form):
        pass

    for kind in offered:
        setattr(PreferencesForm, kind.key, RadioField(kind.label, choices=choices(MODE_TITLES)))
    current = services.choices(user)
    form = PreferencesForm(formdata=formdata, data=current) if formdata is None else PreferencesForm(data=current)
    return form, offered


@bp.route("/account/notifications", methods=["GET", "POST"])
@allow("signed_in")
def preferences():
    form, offered = preferences_form(current_user)
    if form.is_submitted():
        form, offered = preferences_form(current_user, formdata=True)
        if form.validate() and attempt(services.choose, current_user,
                                       {k.key: form[k.key].data for k in offered},
                                       success=_("Your choices are saved.")):
            return redirect(url_for("notifications.preferences"))
    return render_template("notifications/preferences.html", form=form, offered=offered), \
        400 if form.errors else 200


@bp.app_context_processor
def unread_notices():
    """The header's count of unread notices, counted only when a page shows it."""
    def count():
        return inbox.unread(current_user) if current_user.is_authenticated else 0
    return {"unread_notices": count}


class ReadForm(Form):
    upto = IntegerField(validators=[InputRequired()])


@bp.route("/notifications/")
@allow("signed_in")
def index():
    before = request.args.get("before", "")
    if before and not before.isdigit():
        abort(404)
    notices, more = inbox.page(current_user, int(before) if before else None)
    return render_template("notifications/inbox.html", notices=notices, more=more, form=ReadForm(),
                           unread=inbox.unread(current_user), linked=inbox.linked)


@bp.route("/notifications/read", methods=["POST"])
@allow("signed_in")
def read():
    form = ReadForm()
    if form.validate():
        marked = inbox.mark_read(current_user, form.upto.data)
        db.session.commit()
        flash(_("Marked as read: %(n)d.", n=marked), "success")
    return redirect(url_for("notifications.index"))
