"""Paying several tranches at once: each with its own payment order and date, previewed first, then each paid by
services.pay in a transaction of its own.

The preview runs services.pay for each tranche and rolls it back, so each row says what the payment will do or the
service's own reason why not. The confirmation carries a seal of what was previewed (the tranches, their numbers and
dates, the operator): only what the operator saw is paid, and a confirmation that was never previewed pays nothing.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date

from flask import current_app

from grants.agreements import queries, services
from grants.agreements.models import Tranche
from grants.extensions import db
from grants.refusals import Refusal

MAX = 200  # tranches at once


@dataclass
class Row:
    """One tranche of the form: what the operator typed for it, whether it is chosen, and the verdict."""

    tranche: object
    reference: str = ""
    paid_on: str = ""  # as typed (an ISO date from the date input), so that a refused row shows it again
    chosen: bool = False
    done: bool = False
    why: str = ""

    @property
    def day(self):
        try:
            return date.fromisoformat(self.paid_on.strip())
        except ValueError:
            return None


def rows(tranches, form, today):
    """A row per tranche with what the operator typed for it in `form` (the posted form; {} when it first opens,
    each then dated today), chosen if its box is ticked."""
    ticked = set(form.getlist("tranche")) if form else set()
    return [Row(t, (form.get(f"reference-{t.id}") or "")[:64] if form else "",
                (form.get(f"paid_on-{t.id}", today.isoformat()) or "")[:10] if form else today.isoformat(),
                str(t.id) in ticked) for t in tranches]


def shown(listed, form):
    """The tranches of the form: those chosen that the list no longer shows (paid meanwhile, blocked) first, so that
    their reason is seen, then the payable ones listed."""
    ids = {t.id for t in listed}
    extra = [t for t in queries.tranches_by_id(form.getlist("tranche"), limit=MAX) if t.id not in ids] if form else []
    return extra + list(listed)


def merge(rows, refused):
    """The form's rows with the refused ones (as typed, with their reasons) in place of their blank ones; those the
    list no longer shows come first."""
    by_id = {row.tranche.id: row for row in refused}
    listed = {row.tranche.id for row in rows}
    return [row for row in refused if row.tranche.id not in listed] + [by_id.get(row.tranche.id, row) for row in rows]


def _each(actor, rows, keep):
    """services.pay for each row in a transaction of its own, committed when `keep`, else rolled back."""
    for row in rows:
        tranche = db.session.get(Tranche, row.tranche.id)
        try:
            services.pay(actor, tranche, row.day, row.reference)
        except Refusal as refusal:
            db.session.rollback()
            row.done, row.why = False, str(refusal)
            continue
        if keep:
            db.session.commit()
        else:
            db.session.rollback()
        row.done, row.why = True, ""
    return rows


def preview(actor, rows):
    """Each row's verdict, nothing kept."""
    return _each(actor, rows, keep=False)


def pay(actor, rows):
    """Each row paid, each committed on its own; a refused one says why."""
    return _each(actor, rows, keep=True)


def seal(actor, rows):
    """A digest of the rows the operator previewed as payable: what the confirmation may pay, and nothing else."""
    text = "\n".join([str(actor.id)] + [f"{r.tranche.id}|{r.reference.strip()}|{r.paid_on.strip()}"
                                        for r in sorted(rows, key=lambda r: r.tranche.id)])
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def sealed(actor, rows, digest):
    """Were exactly these rows previewed as payable by this actor?"""
    return bool(rows) and hmac.compare_digest(seal(actor, rows), digest or "")
