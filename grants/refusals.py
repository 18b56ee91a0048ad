"""The one way a service says no, and the one way a page turns that into a message."""

from flask import flash
from markupsafe import Markup

from grants.extensions import db


class Refusal(Exception):
    """A service refuses: the state or the input does not allow it. The message is for the user."""

    status = 400

    def __init__(self, message="", *args):
        # A message may be Markup holding a link (where to mend it): str() is its plain text, for logs, the
        # command line and the API; a page shows `markup`.
        self.markup = message if isinstance(message, Markup) else None
        super().__init__(message.striptags() if self.markup is not None else message, *args)


def attempt(service, *args, success=None, field=None, **kwargs):
    """Run one service for a form: commit and say `success`, or roll back and say why not — in a flash, or
    on the form's `field` when one is given.

    Returns the service's result, or None when it was refused.
    """
    try:
        result = service(*args, **kwargs)
    except Refusal as refusal:
        db.session.rollback()
        if field is not None:
            field.errors.append(str(refusal))
        else:
            flash(getattr(refusal, "markup", None) or str(refusal), "error")  # Markup keeps its link
        return None
    db.session.commit()
    if success:
        flash(success, "success")
    return result if result is not None else True
