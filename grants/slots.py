"""Places in the core's pages that the packages above it fill: the core names a slot, a package adds its templates.

`grants` knows nothing of `scoring` or `reports`, at run time too: a page of the core that would link to their
pages (a call's experts and ranking, the results, open data) names a slot instead, and each package, as it
registers, adds the templates that fill it. A slot's template is included with the page's context and decides
for itself whether it shows. An installation without a package shows its slots empty, never a broken link.
"""

from flask import current_app

SLOTS = "baiqau.slots"


def add(app, place, template):
    """Fill `place` with `template` (after what earlier packages added there)."""
    app.extensions.setdefault(SLOTS, {}).setdefault(place, []).append(template)


def templates(place):
    """The templates filling `place` in this app, in the order they were added."""
    return current_app.extensions.get(SLOTS, {}).get(place, [])


def register(app):
    app.extensions.setdefault(SLOTS, {})
    app.jinja_env.globals["slot"] = templates
