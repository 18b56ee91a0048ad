"""Each person's inbox on the platform: every message the platform mails to an account stands there too, so a
person who lost a letter, or whose mail filter ate it, finds it after signing in.

What is kept is the message as mailed, in its reader's language. Notices a person chose to get in the daily digest
stand in the inbox at once, and the digest itself is not kept again; nor are a confirmation link or a password
reset, which are secrets of one use."""

import re
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from markupsafe import Markup, escape

from grants.auth.models import User
from grants.db import utcnow
from grants.extensions import db
from grants.notifications.models import Notice

PRIVATE = frozenset({"password_reset", "email_verification", "digest"})  # mail templates never kept
PAGE = 30
KEEP = timedelta(days=365)


def keep(to, subject, body):
    """Keep a message mailed to `to` in the inbox of the account with that address, if there is one."""
    user = db.session.execute(sa.select(User).where(User.email == (to or "").strip().lower())).scalar_one_or_none()
    if user is not None and user.active:
        post(user, subject, body)


def post(user, subject, body):
    notice = Notice(user_id=user.id, subject=subject[:400], body=body)
    db.session.add(notice)
    return notice


def unread(user):
    return db.session.execute(sa.select(sa.func.count(Notice.id))
                              .where(Notice.user_id == user.id, Notice.read_at.is_(None))).scalar_one()


def page(user, before=None, size=PAGE):
    """(notices newest first, the id to page on from, or None on the last page)."""
    query = sa.select(Notice).where(Notice.user_id == user.id)
    if before is not None:
        query = query.where(Notice.id < before)
    notices = db.session.execute(query.order_by(Notice.id.desc()).limit(size + 1)).scalars().all()
    return notices[:size], (notices[size - 1].id if len(notices) > size else None)


def mark_read(user, upto, now=None):
    """Mark read every notice of the person up to the id `upto` (what their page showed); returns how many."""
    result = db.session.execute(sa.update(Notice).where(Notice.user_id == user.id, Notice.id <= upto,
                                                        Notice.read_at.is_(None)).values(read_at=now or utcnow()))
    return result.rowcount


def forget_old(now=None):
    """Notices older than a year go (the mail itself stays in the outbox for the administrator)."""
    db.session.execute(sa.delete(Notice).where(Notice.created_at < (now or utcnow()) - KEEP))


LOCAL = Markup('<a href="{}">{}</a>')
EXTERNAL = Markup('<a href="{}" rel="noopener nofollow">{}</a>')
URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")


def linked(text):
    """The body as HTML: escaped, with each address a link; addresses on the platform become local ones."""
    public = current_app.config["PUBLIC_URL"].rstrip("/")
    out, last = [], 0
    for match in URL.finditer(text):
        url = match.group(0)
        href = url[len(public):] or "/" if url.startswith(public + "/") or url == public else url
        out.append(escape(text[last:match.start()]))
        link = LOCAL if href.startswith("/") else EXTERNAL
        out.append(link.format(href, url))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)
