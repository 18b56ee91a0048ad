"""The operator's page to pay several tranches at once: choose, give each its payment order, preview, confirm."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from grants.agreements import payments, queries
from grants.forms import Form
from grants.i18n import _, astana_today
from grants.permissions import allow

bp = Blueprint("payments", __name__, url_prefix="/manage", template_folder="templates")


def render(rows, mine, mode="choose", status=200, carried=()):
    """The form (mode "choose") or the preview of the rows chosen (mode "preview"), which carries everything typed
    (`carried`) back to the form should the operator change something."""
    ready = [r for r in rows if r.done] if mode == "preview" else []
    return render_template("agreements/operator/pay_several.html", rows=rows, mine=mine, mode=mode, ready=ready,
                           carried=carried,
                           seal=payments.seal(current_user, ready) if ready else "", csrf=Form(),
                           total=sum((r.tranche.amount for r in ready), start=0)), status


@bp.route("/tranches/pay", methods=["GET", "POST"])
@allow("agreement.manage")
def pay_several():
    """GET: the payable tranches, each with its own payment order and date to fill. POST step=preview: each chosen
    one's verdict, nothing paid; step=confirm: the previewed ones paid, each on its own; step=edit: back to the form
    with everything typed."""
    mine = request.values.get("mine") == "1"
    form = request.form if request.method == "POST" else None
    today = astana_today()
    listed = queries.payable_tranches(current_user if mine else None, limit=payments.MAX)
    rows = payments.rows(payments.shown(listed, form), form, today)
    if form is None:
        return render(rows, mine)
    chosen = [r for r in rows if r.chosen]
    step = request.form.get("step", "preview")
    if not chosen:
        flash(_("Choose at least one tranche."), "error")
        return render(rows, mine, status=400)
    if step == "edit":
        return render(rows, mine)
    if step == "confirm":
        if not payments.sealed(current_user, chosen, request.form.get("seal")):
            flash(_("Check the payments in the preview before confirming them: nothing was paid."), "error")
            return render(payments.preview(current_user, chosen), mine, "preview", 400, rows)
        done = payments.pay(current_user, chosen)
        paid = [r for r in done if r.done]
        flash(_("Tranches paid: %(n)d of %(total)d.", n=len(paid), total=len(done)), "success")
        refused = [r for r in done if not r.done]
        if not refused:
            return redirect(url_for("payments.pay_several", mine="1" if mine else None))
        for row in refused:
            flash(f"{row.tranche.agreement.number} · {row.tranche.position + 1}: {row.why}", "error")
        listed = queries.payable_tranches(current_user if mine else None, limit=payments.MAX)
        return render(payments.merge(payments.rows(listed, {}, today), refused), mine, status=400)
    return render(payments.preview(current_user, chosen), mine, "preview", carried=rows)
