"""What the administrator can edit in each catalogue: one description drives every page."""

from dataclasses import dataclass, field

from grants.i18n import _, _l
from grants.reference import forms
from grants.reference.models import CustomerBody, Direction, MrpRate, ReasonCode, Region


@dataclass(frozen=True)
class Catalogue:
    slug: str
    title: object
    model: type
    form: type
    fields: tuple
    columns: tuple  # (label, attribute) shown in the list
    order_by: str
    can_create: bool = True
    unique: tuple = ()
    validate: object = field(default=None)
    action: str = "admin.reference"  # the permission that edits this catalogue


def _customer_rule(data):
    if data["level"] == "local" and not data.get("region_id"):
        return _("A local body belongs to a region: choose it.")
    if data["level"] == "republican":
        data["region_id"] = None
    return None


NAMES = ("name_kk", "name_ru", "name_en")
NAME_COLUMNS = ((_l("Name in Kazakh"), "name_kk"), (_l("Name in Russian"), "name_ru"),
                (_l("Name in English"), "name_en"), (_l("In use"), "active"))

CATALOGUES = {
    c.slug: c
    for c in (
        Catalogue("directions", _l("Directions"), Direction, forms.DirectionForm, NAMES + ("active",),
                  ((_l("No."), "code"),) + NAME_COLUMNS, "code", can_create=False),
        Catalogue("regions", _l("Regions"), Region, forms.RegionForm, NAMES + ("ngos_registered", "active"),
                  ((_l("KATO"), "kato"),) + NAME_COLUMNS + ((_l("NGOs registered"), "ngos_registered"),), "kato",
                  can_create=False),
        Catalogue("mrp", _l("MCI (monthly calculation index) by year"), MrpRate, forms.MrpForm, ("year", "amount"),
                  ((_l("Budget year"), "year"), (_l("MCI, tenge"), "amount")), "year", unique=("year",)),
        Catalogue("customers", _l("Customer bodies"), CustomerBody, forms.CustomerForm,
                  ("code", "level", "region_id") + NAMES + ("active",),
                  ((_l("Short code"), "code"), (_l("Name"), "name"), (_l("Budget level"), "level"),
                   (_l("In use"), "active")),
                  "code", unique=("code",), validate=_customer_rule),
        Catalogue("reasons", _l("Reasons for ineligibility"), ReasonCode, forms.ReasonForm,
                  ("code",) + NAMES + ("active",), ((_l("Code"), "code"),) + NAME_COLUMNS, "code",
                  unique=("code",), action="reference.reasons"),
    )
}
