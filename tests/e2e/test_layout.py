"""The layout in Chromium, in Kazakh (the longest words): the heaviest pages fit 1280 × 800 and 375 × 812, tables
scroll inside their own focusable region, headings clear the header, the busiest menus keep to one line."""

import pytest

from tests.conftest import translated
from tests.e2e.conftest import ARTIFACTS, demo_context
from tests.e2e.pages import ADMIN, OPERATOR, demo_ids, heaviest

pytestmark = pytest.mark.e2e

SIZES = {"desktop": (1280, 800), "mobile": (375, 812)}
SHOTS = ARTIFACTS / "layout"

# What a person cannot see without scrolling the page sideways, or at all: the page wider than the window,
# a table outside a scroll region reaching past the window, a cell past what its region can scroll to,
# and (at 1280 px) a region that has to scroll at all, i.e. columns cut off at the right.
MEASURE = """() => {
  const out = {page: document.scrollingElement.scrollWidth, window: innerWidth, loose: [], clipped: [],
               scrolling: [], unreachable: []};
  const name = el => (el.getAttribute('aria-label') || el.textContent).trim().slice(0, 60);
  for (const table of document.querySelectorAll('table')) {
    if (!table.getClientRects().length) continue;  // inside a closed <details>
    const region = table.closest('.table-wrap');
    if (!region) {
      if (table.getBoundingClientRect().right > innerWidth + 1) out.loose.push(name(table));
      continue;
    }
    if (region.getAttribute('role') !== 'region' || region.tabIndex !== 0 || !region.getAttribute('aria-label'))
      out.unreachable.push(name(region));
    if (region.scrollWidth > region.clientWidth + 1) out.scrolling.push(name(region));
    const left = region.getBoundingClientRect().left - region.scrollLeft;
    for (const cell of table.querySelectorAll('td, th')) {
      if (cell.getBoundingClientRect().right - left > region.scrollWidth + 1) out.clipped.push(name(cell));
    }
  }
  return out;
}"""


@pytest.fixture(scope="module")
def ids(demo_site):
    return demo_ids(demo_site)


def in_kazakh(browser, site, email, size):
    width, height = SIZES[size]
    context = demo_context(browser, site, email, width, height)
    page = context.new_page()
    page.goto(f"{site.config['LIVE_URL']}/?lang=kk")
    return context, page


def save(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("size", list(SIZES))
def test_the_heaviest_pages_fit_the_screen_and_their_tables_scroll_in_their_own_region(demo_site, browser, ids,
                                                                                      size):
    base = demo_site.config["LIVE_URL"]
    problems, contexts = [], {}
    try:
        for email, name, path in heaviest(ids):
            if email not in contexts:
                contexts[email] = in_kazakh(browser, demo_site, email, size)
            page = contexts[email][1]
            assert page.goto(base + path).status == 200, path
            m = page.evaluate(MEASURE)
            save(page, f"{name}-{size}")
            if m["page"] > m["window"]:
                problems.append(f"{name}: the page is {m['page']} px wide in a {m['window']} px window")
            for kind in ("loose", "clipped", "unreachable") + (("scrolling",) if size == "desktop" else ()):
                if m[kind]:
                    problems.append(f"{name}: {kind}: {m[kind][:5]}")
    finally:
        for context, _page in contexts.values():
            context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("email, group", [(OPERATOR, "Management"), (ADMIN, "Administration")])
def test_in_kazakh_at_1280_the_busiest_menus_keep_to_one_line_and_open_their_groups(demo_site, browser, email,
                                                                                   group):
    context, page = in_kazakh(browser, demo_site, email, "desktop")
    try:
        nav = page.locator("nav.mainnav")
        items = nav.locator("ul.menu > li, .account").evaluate_all(
            "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.top, r.bottom]; })")
        top = min(t for t, _b in items)
        bottom = max(b for _t, b in items)
        line = page.evaluate("parseFloat(getComputedStyle(document.body).lineHeight)")
        assert bottom - top < 2 * line, f"the menu takes {bottom - top:.0f} px, lines of {line:.0f} px: {items}"
        who = email.split("@")[0]
        save(page, f"menu-{who}-kk-desktop")
        summary = nav.locator("summary", has_text=translated("kk", group))
        summary.click()
        first = nav.locator("details[open] a").first
        assert first.is_visible()
        assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
        save(page, f"menu-{who}-kk-desktop-open")
        page.keyboard.press("Escape")
        assert not first.is_visible()
        assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    finally:
        context.close()


@pytest.mark.parametrize("email, path", [(ADMIN, "/admin/users/"), (OPERATOR, "/manage/calls/")])
def test_a_list_heading_keeps_clear_of_the_header(demo_site, browser, email, path):
    context, page = in_kazakh(browser, demo_site, email, "desktop")
    try:
        page.goto(demo_site.config["LIVE_URL"] + path)
        gap = page.evaluate("document.querySelector('main h1').getBoundingClientRect().top"
                            " - document.querySelector('header.masthead').getBoundingClientRect().bottom")
        assert gap >= 16, f"{path}: the heading is {gap:.0f} px under the header"
    finally:
        context.close()
