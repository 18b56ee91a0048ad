"""What a person does in the browser, shared by the e2e tests: sign in and out, press a button, follow a link,
read the flash, fill a form in; the commission's meeting from convening to the published results."""

from playwright.sync_api import expect

from grants.appforms.templates import STATE_GRANT
from grants.demo import KK_TEXT
from tests.conftest import PASSWORD, translated
from tests.e2e.conftest import shot
from tests.factories import PDF


def sign_in(page, base, email, lang):
    page.goto(f"{base}/auth/login?lang={lang}")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/")


def sign_out(page, lang):
    page.get_by_role("button", name=translated(lang, "Sign out")).click()


def press(page, lang, msgid):
    page.get_by_role("button", name=translated(lang, msgid), exact=True).click()


def sign_with_eds(page, name):
    """Presses an NCALayer form's button once the page's NCALayer client has taken the form over: pressed before,
    the form would post unsigned, as it does in a browser without the script."""
    expect(page.locator("form[data-ncalayer-ready]")).to_have_count(1)
    page.get_by_role("button", name=name).click()


def follow(page, lang, msgid):
    """Click a link; one folded into a group of the main menu is reached by opening the group, as a person does."""
    name = translated(lang, msgid)
    folded = page.locator("nav.mainnav details:not([open])").filter(
        has=page.get_by_role("link", name=name, exact=True, include_hidden=True))
    if folded.count():
        folded.locator("summary").click()
    page.get_by_role("link", name=name, exact=True).click()


def flash(page, lang, msgid, **params):
    expect(page.locator("[role=status].flash-success")).to_contain_text(translated(lang, msgid, **params))


def fill_in(page, values):
    """Type each value into the field its selector names, in order, as a person fills a form."""
    for selector, value in values.items():
        page.locator(selector).fill(value)


def local(moment):
    """A moment as a datetime-local field takes it."""
    return moment.strftime("%Y-%m-%dT%H:%M")


def commission_decides(page, base, call_id, lang, member_id, member_name, held_at, outcomes=(None,),
                       member_email=None, remote=False):
    """The signed-in operator, from the call's page, convenes its commission (one member, in the chair, present in
    person or, where `remote`, taking part remotely); the member, on their own computer, declares no conflict of
    interest; the operator, as secretary, puts a decision on each application to the vote in the order the meeting
    lists them (the outcome given, or the one the form proposes where None); the vote for it is recorded by the
    secretary, or cast by the remote member in the platform; the operator records the decision counted from it,
    approves the protocol and publishes the results."""
    page.goto(f"{base}/manage/calls/{call_id}")
    follow(page, lang, "Commission")
    page.locator("#held_at").fill(local(held_at))
    page.locator("#place").fill("Астана, Мәңгілік Ел 8")
    page.locator(f"#member-{member_id}").check()
    page.locator(f"input[name=chair][value='{member_id}']").check()
    press(page, lang, "Convene")
    expect(page.get_by_role("heading", name=translated(lang, "Commission meeting"), exact=False)).to_be_visible()
    page.get_by_label(f"{translated(lang, 'Attendance')}: {member_name}").select_option(
        "remote" if remote else "in_person")
    press(page, lang, "Record attendance")
    meeting_url = page.url.split("#")[0]
    context = page.context.browser.new_context()
    member = context.new_page()
    sign_in(member, base, member_email, lang)
    member.goto(meeting_url)
    press(member, lang, "Declare")
    flash(member, lang, "Your declaration is recorded.")
    page.reload()
    for n, outcome in enumerate(outcomes):
        motion = page.locator("form.decide").nth(n)
        if outcome is not None:
            motion.locator("select[name=outcome]").select_option(outcome)
        motion.get_by_role("button", name=translated(lang, "Put to the vote"), exact=True).click()
        flash(page, lang, "The decision is put to the vote.")
        if remote:  # the member votes on their own computer; the secretary's page then counts it
            member.goto(meeting_url)
            member.locator("form.inline").filter(has_text=translated(lang, "Your vote")).nth(n).get_by_role(
                "button", name=translated(lang, "For", context="vote"), exact=True).click()
            flash(member, lang, "Your vote is recorded.")
            if n == 0:
                shot(member, f"commission-remote-vote-{lang}")
            page.reload()
        else:
            page.get_by_label(f"{translated(lang, 'Vote')}: {member_name}").nth(n).select_option("for")
            page.get_by_role("button", name=translated(lang, "Record the votes"), exact=True).nth(n).click()
            flash(page, lang, "The votes are recorded.")
        if n == 0:
            shot(page, f"commission-roll-call-{lang}")
        page.get_by_role("button", name=translated(lang, "Record the decision"), exact=True).nth(n).click()
        flash(page, lang, "The decision is recorded.")
    context.close()
    press(page, lang, "Approve the protocol")
    press(page, lang, "Publish the results")
    flash(page, lang, "The results are published on the call's page and the NGOs are notified.")


def kk(msgid, **params):
    return translated("kk", msgid, **params)


def register_ngo(page, base, bin_):
    """The NGO's registration form opened and filled in Kazakh, as the Kyzylorda fund's accountant fills it."""
    page.goto(f"{base}/organizations/register")
    page.get_by_label(kk("BIN")).fill(bin_)
    page.get_by_label(kk("Name in Kazakh")).fill("«Арал өңірі» қоғамдық қоры")
    page.get_by_label(kk("Name in Russian")).fill("Общественный фонд «Приаралье»")
    page.get_by_label(kk("Region"), exact=True).select_option(label="Қызылорда облысы")
    page.get_by_label(kk("Legal address")).fill("Қызылорда қ., Әйтеке би к-сі, 27")
    page.get_by_label(kk("Head (full name)")).fill("Марат Жұмабаев")
    page.get_by_label(kk("Phone")).fill("+7 724 222 33 44")
    page.get_by_label(kk("E-mail of the NGO")).fill("info@aral.kz")
    page.get_by_label(kk("Year of the last filing to the national NGO database")).fill("2026")


def attach_charter(page, folder):
    """The NGO's charter, a PDF named in Kazakh, attached on the review page."""
    page.get_by_label(kk("Kind of document")).select_option("charter")
    charter = folder / "Жарғы.pdf"
    charter.write_bytes(PDF)
    page.get_by_label(kk("File (PDF, DOCX, XLSX, JPG or PNG)")).set_input_files(str(charter))
    page.get_by_role("button", name=kk("Attach")).click()


def write_application(page):
    """A state grant application written in Kazakh on the open review page: every text, a plan, an indicator and
    a budget line of 3 000 000 tenge."""
    page.get_by_label(kk("Project title")).fill("Еріктілер клубы")
    page.get_by_label(kk("Duration, months")).fill("10")
    for block in STATE_GRANT:
        if block["code"] in KK_TEXT:
            page.get_by_label(kk(str(block["label"]._args[0]))).fill(str(KK_TEXT[block["code"]]))
    page.get_by_label(kk("Activity") + " 1").fill("Еріктілерді іріктеу және оқыту")
    page.get_by_label(kk("From month") + " 1").fill("1")
    page.get_by_label(kk("To month") + " 1").fill("3")
    page.get_by_label(kk("Indicator") + " 1", exact=True).fill("Оқытылған еріктілер")
    page.locator("input[name='indicators-0-unit']").fill("адам")
    page.locator("input[name='indicators-0-target']").fill("100")
    page.get_by_label(kk("Cost item") + " 1").fill("Тренингтер")
    page.locator("input[name='budget-0-unit']").fill("күн")
    page.get_by_label(kk("Quantity") + " 1").fill("10")
    page.get_by_label(kk("Unit cost, tenge") + " 1").fill("300000")
