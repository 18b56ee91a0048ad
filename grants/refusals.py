"""The one way a service says no, and the one way a page turns that into a message."""

from flask import flash

from grants.extensions import db


class Refusal(Exception):
    """A service refuses: the state or the input does not allow it. The message is for the user."""

    status = 400


def attempt(service, *args, success=None, **kwargs):
    """Run one service for a form: commit and say `success`, or roll back and say why not.

    Returns the service's result, or None when it was refused.
    """
    try:
        result = service(*args, **kwargs)
    except Refusal as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
        return None
    db.session.commit()
    if success:
        flash(success, "success")
    return result if result is not None else True
