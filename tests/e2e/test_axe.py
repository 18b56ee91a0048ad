"""axe-core (vendored, tests/e2e/vendor/) in Chromium on the demo world's pages for every role: no serious or
critical accessibility violation."""

from pathlib import Path

import pytest

from tests.e2e import pages as demo
from tests.e2e.conftest import demo_context
from tests.e2e.pages import by_role, demo_ids

pytestmark = pytest.mark.e2e

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
# Page.evaluate runs outside the page's CSP (script-src 'self'), which would refuse an injected <script>.
RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' — ' + (n.failureSummary || '').split('\\n')[1])}));
}"""


@pytest.fixture(scope="module")
def pages(demo_site):
    return by_role(demo_ids(demo_site))


def test_at_least_thirty_pages_across_every_role_are_checked(demo_site, pages):
    assert sum(len(paths) for _lang, paths in pages.values()) >= 30
    assert set(pages) == set(WHO.values())  # the public and every role of the demo world


WHO = {"public": demo.PUBLIC, "ngo": demo.NGO, "operator": demo.OPERATOR, "admin": demo.ADMIN, "expert": demo.EXPERT,
       "commission": demo.COMMISSION, "analyst": demo.ANALYST, "observer": demo.OBSERVER, "customer": demo.CUSTOMER}


@pytest.mark.parametrize("who", list(WHO))
def test_no_serious_or_critical_accessibility_violation(demo_site, browser, pages, who):
    email = WHO[who]
    lang, paths = pages[email]
    base = demo_site.config["LIVE_URL"]
    context = demo_context(browser, demo_site, email)
    page = context.new_page()
    found = {}
    try:
        page.goto(f"{base}/?lang={lang}")
        for path in paths:
            response = page.goto(base + path)
            assert response.status == 200, f"{path} answered {response.status} to {who}"
            page.evaluate(AXE)
            violations = page.evaluate(RUN)
            if violations:
                found[path] = violations
    finally:
        context.close()
    assert not found, "\n".join(f"{path}: {v['id']} ({v['impact']}) {v['help']}: {v['nodes']}"
                                for path, vs in found.items() for v in vs)
