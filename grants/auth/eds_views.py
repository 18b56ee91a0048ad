"""Signing in with ЭЦП through NCALayer: the one-time challenge signed on the person's computer, verified here
(grants/auth/eds.py), and the first sign-in's choice of account. One piece: these pages are on the `auth`
blueprint, beside the password's (grants/auth/views.py)."""

import base64
import time

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from grants.auth import eds, services
from grants.auth.forms import EdsForm, EdsLinkForm, EdsNewAccountForm
from grants.auth.models import challenge_content
from grants.auth.views import bp, client_ip, new_account_ready, sign_in
from grants.extensions import db
from grants.i18n import _
from grants.organizations import ownership
from grants.organizations.services import claim_invitations
from grants.permissions import allow
from grants.security import safe_next

# --- signing in with ЭЦП (NCALayer) ------------------------------------------------------------------------

SIGNER_SECONDS = 600  # how long a verified certificate waits for its account to be chosen


@bp.route("/auth/eds", methods=["GET", "POST"])
@allow("public")
def eds_sign_in():
    """The page has NCALayer sign its one-time challenge (static/js/ncalayer.js); the server verifies it."""
    if not eds.enabled():
        abort(404)
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = EdsForm()
    demo = eds.verifier().demo is not None
    if demo:
        form.person.choices = eds.demo_people()
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate():
            token = session.pop("eds_challenge", None)
            signature = form.signature.data
            if not signature and demo and form.person.data and token:  # "sign with the demo test key"
                signature = eds.demo_signature(form.person.data, challenge_content(token))
            try:
                if not signature:
                    raise eds.EdsError(_("No signature arrived. Start NCALayer on this computer, then choose "
                                         "“Sign with EDS” again."))
                signer = eds.verify_sign_in(token, signature, client_ip())
                user = eds.account_for(signer)
                if user is not None:
                    eds.sign_in(user, signer, client_ip())
            except services.AuthError as refusal:
                db.session.commit()  # the refusal is audited and counts towards the address's lock
                flash(str(refusal), "error")
                status = refusal.status
            else:
                db.session.commit()
                if user is None:
                    session["eds_signer"] = _pending(signer)
                    return redirect(url_for("auth.eds_account", next=request.args.get("next")))
                sign_in(user, by="eds")
                _after_eds(user, signer)
                return redirect(safe_next(request.args.get("next")))
    challenge = eds.new_challenge()
    db.session.commit()
    session["eds_challenge"] = challenge.token
    return render_template("auth/eds.html", form=form, demo=demo,
                           challenge=base64.b64encode(challenge.content).decode()), status


def _pending(signer):
    return {"iin": signer.iin, "full_name": signer.full_name, "email": signer.email, "bin": signer.bin,
            "organization": signer.organization, "role": signer.role.value if signer.role else None,
            "serial": signer.serial, "issuer": signer.issuer, "test": signer.test, "since": time.time()}


class PendingSigner:
    """The verified certificate kept in the (signed) session while its holder chooses an account."""

    def __init__(self, data):
        self.__dict__.update(data)

    @property
    def role_title(self):
        """A legal entity's certificate names the holder's standing; one that names none is an employee's."""
        from grants.signatures import HolderRole

        return HolderRole(self.role or HolderRole.employee).title if self.bin else None


def pending_signer():
    data = session.get("eds_signer")
    if not data or time.time() - data.get("since", 0) > SIGNER_SECONDS:
        return None
    return PendingSigner(data)


def _after_eds(user, signer):
    """What the certificate proves beyond the person: a legal entity's certificate verifies the NGO of its BIN, or
    gives it to its head (organizations.ownership); kept for the session, so that registering that BIN is proven."""
    if signer.test:
        flash(_("You signed with a demo test key: a test signature, valid in this demo only."), "info")
    proof = ownership.proof_of(signer)
    if proof is None:
        return
    session["eds_entity"] = proof
    outcome, org = ownership.apply_proof(user, proof)
    db.session.commit()
    if outcome == "reclaimed":
        flash(_("Your EDS shows you are the head of %(name)s, or sign for it: the NGO is yours on Baiqau now, and "
                "the grant operator is told. Invite your colleagues from its page.", name=org.name), "success")
    elif outcome == "verified":
        flash(_("%(name)s is verified by your EDS: its applications can be submitted.", name=org.name), "success")


@bp.route("/auth/eds/account", methods=["GET", "POST"])
@allow("public")
def eds_account():
    """The first ЭЦП sign-in of a person: link the certificate to their account, or open a new NGO account."""
    if not eds.enabled():
        abort(404)
    signer = pending_signer()
    if signer is None:
        session.pop("eds_signer", None)
        flash(_("The signature's time to choose an account has passed. Sign with EDS again."), "info")
        return redirect(url_for("auth.eds_sign_in"))
    action = request.form.get("action")
    # Two forms on one page, their fields told apart by a prefix; the CSRF token is the page's one, which
    # CSRFProtect checks on every POST, so the forms do not carry a prefixed one of their own.
    link_form = EdsLinkForm(prefix="link", meta={"csrf": False})
    new_form = EdsNewAccountForm(prefix="new", meta={"csrf": False},
                                 data={"email": signer.email} if request.method == "GET" else None)
    status = 400 if request.method == "POST" else 200
    user = None
    try:
        if request.method == "POST" and action == "link" and link_form.validate():
            user = eds.link(link_form.email.data, link_form.password.data, signer, client_ip())
        elif request.method == "POST" and action == "new" and new_form.validate():
            user = eds.create_account(signer, new_form.email.data, client_ip(), locale=session.get("lang"))
            joined = claim_invitations(user)
    except services.AuthError as refusal:
        if action == "link":
            db.session.commit()  # a wrong password counts towards the lock
        else:
            db.session.rollback()
        (link_form.password if action == "link" else new_form.email).errors = [str(refusal)]
        status = refusal.status
    if user is not None:
        db.session.commit()
        target = safe_next(request.args.get("next"))
        sign_in(user, by="eds")
        _after_eds(user, signer)
        if action == "link":
            flash(_("Your EDS is linked to this account: next time, sign in with it alone."), "success")
            return redirect(target)
        return new_account_ready(user, joined)
    if request.method == "POST" and action not in ("link", "new"):
        flash(_("Choose what to do with the buttons on this page."), "error")
    return render_template("auth/eds_account.html", signer=signer, link_form=link_form, new_form=new_form), status
