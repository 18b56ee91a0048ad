"""The one way a text reaches an Excel cell, for every workbook the platform writes."""

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text(value):
    """A text cell that Excel shows as text: it cannot run as a formula (a leading =, +, -, @, tab or return
    gets a '), and it holds no character an XLSX file cannot (openpyxl refuses them, failing the whole file)."""
    value = ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))
    return "'" + value if value.startswith(FORMULA_STARTS) else value
