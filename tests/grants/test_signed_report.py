"""A report signed with ЭЦП: the NGO signs what it submits (the text, the figures, the money, every file's hash),
the reviewer signs its acceptance of exactly that; a signature of another NGO, of another person or of an earlier
draft is refused and changes nothing; where the role signs with ЭЦП, an unsigned step is refused."""

import hashlib
import json

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.monitoring import services as reports
from grants.monitoring import signing
from grants.signatures.documents import Signature
from tests.conftest import csrf_token, translated
from tests.factories import (
    create_agreement,
    create_organization,
    fill_report,
    make_iin,
    operator,
    owner_of,
    reload_report,
    signed_in,
)
from tests.pki import sign

pytestmark = pytest.mark.usefixtures("trusted")


@pytest.fixture
def report():
    agreement = create_agreement()
    owner = owner_of(agreement)
    owner.iin = make_iin(61)
    operator().iin = make_iin(62)
    first = agreement.reports[0]
    fill_report(first, owner)
    db.session.commit()
    return first


def ngo_key(pki, report, **overrides):
    return pki.issue(purpose="sign", **{"iin": owner_of(report.agreement).iin, "bin": report.agreement.organization.bin,
                                        "organization": "ҚБ ТЕСТ", "role": "employee", **overrides})


def kept():
    return db.session.execute(sa.select(Signature).order_by(Signature.id)).scalars().all()


def expected_submission(report):
    content = signing.content(report)
    return (f"Baiqau report\nagreement: {report.agreement.number}\nreport: {report.number}\n"
            f"revision: {report.revision}\nsha256: {hashlib.sha256(content).hexdigest()}\n").encode()


def test_the_ngo_signs_the_report_it_submits_and_the_operator_signs_its_acceptance(report, pki):
    manifest = expected_submission(report)
    assert signing.submission_manifest(report) == manifest
    reports.submit(owner_of(report.agreement), report, signature=sign(ngo_key(pki, report), manifest))
    db.session.commit()
    [submission] = kept()
    assert (submission.object_type, submission.object_id, submission.signer_role) == (
        "Report/submission", report.id, "employee")
    content = json.loads(submission.content)
    assert content["narrative"] == "Провели тренинги." and content["figures"]["beneficiaries"] == 10
    assert [e["sha256"] for e in content["evidence"]] == [e.sha256 for e in report.evidence]
    acceptance = signing.acceptance_manifest(report)
    assert acceptance.startswith(f"Baiqau report acceptance\nagreement: {report.agreement.number}\n".encode())
    # The acceptance names the submitted content itself: its SHA-256 is inside what the reviewer signs.
    assert hashlib.sha256(submission.content).hexdigest() in json.loads(signing.acceptance_content(report))[
        "report_sha256"]
    reports.accept(operator(), report, "Принято.", signature=sign(pki.issue(purpose="sign", iin=operator().iin),
                                                                  acceptance))
    db.session.commit()
    assert report.status == "accepted"
    assert [s.object_type for s in kept()] == ["Report/submission", "Report/acceptance"]


@pytest.mark.parametrize("who, reason", [("personal", "not of this NGO"), ("colleague", "another person's")])
def test_a_report_signed_by_someone_else_is_refused_and_stays_a_draft(report, pki, who, reason):
    key = (pki.issue(purpose="sign", iin=owner_of(report.agreement).iin) if who == "personal"  # no BIN in it
           else ngo_key(pki, report, iin=make_iin(69)))
    with pytest.raises(reports.ReportError, match=reason):
        reports.submit(owner_of(report.agreement), report, signature=sign(key, expected_submission(report)))
    db.session.rollback()
    assert reload_report(report).status == "draft" and kept() == []


def test_another_ngos_certificate_is_refused(report, pki):
    key = ngo_key(pki, report, bin=create_organization().bin)
    with pytest.raises(reports.ReportError, match="not of this NGO"):
        reports.submit(owner_of(report.agreement), report, signature=sign(key, expected_submission(report)))


def test_a_signature_of_the_draft_before_a_change_does_not_submit_it(report, pki):
    signed = sign(ngo_key(pki, report), expected_submission(report))
    fill_report(report, owner_of(report.agreement), evidence=False)  # saved again: the revision moves on
    db.session.commit()
    with pytest.raises(reports.ReportError, match="does not match the signed data"):
        reports.submit(owner_of(report.agreement), report, signature=signed)
    db.session.rollback()
    assert reload_report(report).status == "draft" and kept() == []


def test_where_the_roles_sign_with_eds_an_unsigned_report_and_acceptance_are_refused(app, report, pki):
    app.config["EDS"] = "required"
    with pytest.raises(reports.ReportError, match="submits reports signed with EDS"):
        reports.submit(owner_of(report.agreement), report)
    db.session.rollback()
    reports.submit(owner_of(report.agreement), report, signature=sign(ngo_key(pki, report),
                                                                       expected_submission(report)))
    db.session.commit()
    with pytest.raises(reports.ReportError, match="accepts reports signed with EDS"):
        reports.accept(operator(), report, "")
    db.session.rollback()
    assert reload_report(report).status == "submitted"


def test_the_pages_offer_the_signature_and_name_who_signed(app, report, pki):
    owner = owner_of(report.agreement)
    ngo = signed_in(app, owner, "kk")
    page = ngo.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "data-ncalayer" in page and translated("kk", "Sign with EDS and submit") in page
    answer = ngo.post(f"/reports/{report.id}/submit", data={
        "csrf_token": csrf_token(ngo, f"/reports/{report.id}"),
        "signature": sign(ngo_key(pki, report, bin=create_organization().bin), expected_submission(report))},
        follow_redirects=True)
    assert translated("kk", "The report is signed with a certificate that is not of this NGO (BIN %(bin)s). Sign "
                            "with the EDS of the NGO: the certificate of its head, or of an employee, with its BIN.",
                      bin=report.agreement.organization.bin) in answer.get_data(as_text=True)
    assert reload_report(report).status == "draft"
    ngo.post(f"/reports/{report.id}/submit", data={"csrf_token": csrf_token(ngo, f"/reports/{report.id}"),
                                                   "signature": sign(ngo_key(pki, report),
                                                                     expected_submission(report))})
    report = reload_report(report)
    assert report.status == "submitted"
    desk = signed_in(app, operator(), "ru")
    review = desk.get(f"/manage/reports/{report.id}").get_data(as_text=True)
    [submission] = kept()
    assert submission.signer_name in review and translated("ru", "Sign with EDS and accept") in review
    acceptance = sign(pki.issue(purpose="sign", iin=operator().iin, surname="ОПЕРАТОРОВА"),
                      signing.acceptance_manifest(report))
    token = csrf_token(desk, f"/manage/reports/{report.id}")
    assert desk.post(f"/manage/reports/{report.id}/accept", data={
        "accept-csrf_token": token, "accept-comment": "Принято.", "signature": acceptance}).status_code == 302
    assert reload_report(report).status == "accepted"
    assert [s.signer_name for s in kept()] == [submission.signer_name, "ОПЕРАТОРОВА ТЕСТ ТЕСТОВИЧ"]
    page = ngo.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "ОПЕРАТОРОВА ТЕСТ ТЕСТОВИЧ" in page and submission.signer_name in page


def test_a_signed_report_is_checked_by_its_agreements_number(client, report, pki):
    reports.submit(owner_of(report.agreement), report,
                   signature=sign(ngo_key(pki, report), expected_submission(report)))
    db.session.commit()
    number = report.agreement.number
    page = client.get(f"/verify?number={number}&lang=kk").get_data(as_text=True)
    assert translated("kk", "Agreement %(number)s: report %(n)s as submitted", number=number, n=report.number) in page
    assert translated("kk", "Intact: the signature matches the document kept on Baiqau.") in page
    # the agreement itself was signed on paper (the factory's), so only the report's signature is listed
    assert translated("kk", "Agreement %(number)s, signed by the NGO", number=number) not in page
