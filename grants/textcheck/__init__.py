"""Checks on an application's text: its language (language.py) and passages repeated from other applications
(similarity.py), two unrelated algorithms that read a text the same way."""

import unicodedata


def lowered(text):
    """The text composed (NFC: a decomposed й is one letter) and in lower case, as both checks read it."""
    return unicodedata.normalize("NFC", text).lower()
