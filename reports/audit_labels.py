"""Reports' words for its audit events: workbooks, API tokens and the imported history."""

from grants.audit_display import describe
from grants.i18n import _l

describe(
    verbs={
        "workbook.request": _l("Statistics workbook requested"),
        "workbook.retry": _l("Statistics workbook requested again"),
        "api_token.issue": _l("API token issued"),
        "api_token.revoke": _l("API token revoked"),
        "history.import": _l("Past competitions imported"),
    },
    objects={"Workbook": _l("Statistics workbook"), "ApiToken": _l("API token"),
             "HistoricalImport": _l("Import of past competitions")},
    fields={"rows": _l("Rows"), "ngos_created": _l("NGOs added"), "customers_created": _l("Customer bodies added"),
            "source_file": _l("File"), "already_imported": _l("Rows imported before")},
)
