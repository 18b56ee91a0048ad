"""The commission's protocol signed with ЭЦП by each member present: only once approved, once each, with the member's
own certificate; an absent member or another person cannot; where the commission signs with ЭЦП the results wait
for every signature of a member present."""

import hashlib
import json

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.signatures.documents import Signature
from scoring.commission import services as commission
from scoring.commission import signing
from tests.conftest import csrf_token, translated
from tests.factories import create_user, make_iin, operator, roll_call, signed_in
from tests.pki import sign
from tests.worlds import convene_with_quorum, ranked_call

pytestmark = pytest.mark.usefixtures("trusted")


@pytest.fixture
def meeting():
    """An approved meeting of five: four present (one remote), the fifth absent; one application awarded."""
    call, (application,) = ranked_call([[9, 9, 9, 9]])
    meeting = convene_with_quorum(call, n=5)
    commission.record_attendance(operator(), meeting, {meeting.members[4].id: "absent"})
    roll_call(meeting, application, "awarded")
    commission.approve(operator(), meeting)
    for i, member in enumerate(meeting.members):
        member.user.iin = make_iin(40 + i)
    db.session.commit()
    return meeting


def key_of(pki, user, **overrides):
    return pki.issue(purpose="sign", **{"iin": user.iin, "surname": f"МҮШЕ{user.id}", **overrides})


def expected_manifest(meeting):
    content = signing.content(meeting)
    return (f"Baiqau commission protocol\ncall: {meeting.call.code}\nmeeting: {meeting.id}\n"
            f"sha256: {hashlib.sha256(content).hexdigest()}\n").encode()


def kept():
    return db.session.execute(sa.select(Signature).order_by(Signature.id)).scalars().all()


def test_each_member_present_signs_the_approved_protocol_once(meeting, pki):
    manifest = expected_manifest(meeting)
    assert signing.manifest(meeting) == manifest
    present = meeting.present
    assert len(present) == 4
    for member in present:
        commission.sign_protocol(member.user, meeting, sign(key_of(pki, member.user), manifest))
    db.session.commit()
    assert sorted(s.signed_by_id for s in kept()) == sorted(m.user_id for m in present)
    assert signing.unsigned(meeting) == []
    # What they signed is the meeting's record: its attendance and the decision with its votes.
    record = json.loads(kept()[0].content)
    assert [m["attendance"] for m in record["members"]].count("absent") == 1
    assert record["decisions"][0]["votes"] == [4, 0, 0] and record["decisions"][0]["outcome"] == "awarded"
    with pytest.raises(commission.CommissionError, match="already"):
        commission.sign_protocol(present[0].user, meeting, sign(key_of(pki, present[0].user), manifest))


def test_an_absent_member_and_another_persons_key_are_refused(meeting, pki):
    manifest = expected_manifest(meeting)
    absent = meeting.members[4].user
    with pytest.raises(commission.CommissionError, match="present at the meeting"):
        commission.sign_protocol(absent, meeting, sign(key_of(pki, absent), manifest))
    member = meeting.present[0].user
    with pytest.raises(commission.CommissionError, match="another person's certificate"):
        commission.sign_protocol(member, meeting, sign(key_of(pki, member, iin=make_iin(99)), manifest))
    db.session.rollback()
    assert kept() == []


def test_a_protocol_not_yet_approved_is_not_signed(pki):
    call, (application,) = ranked_call([[8, 8, 8, 8]])
    planned = convene_with_quorum(call)
    db.session.commit()
    chair = planned.members[0].user
    chair.iin = make_iin(98)
    with pytest.raises(commission.CommissionError, match="once it is approved"):
        commission.sign_protocol(chair, planned, sign(key_of(pki, chair), expected_manifest(planned)))
    db.session.rollback()
    assert kept() == []


def test_where_the_commission_signs_with_eds_the_results_wait_for_every_member_present(app, meeting, pki):
    app.config["EDS"] = "required"
    manifest = expected_manifest(meeting)
    *first, last = meeting.present
    for member in first:
        commission.sign_protocol(member.user, meeting, sign(key_of(pki, member.user), manifest))
    db.session.commit()
    with pytest.raises(commission.CommissionError, match=last.user.full_name):
        commission.publish(operator(), meeting)
    db.session.rollback()
    assert meeting.state == "approved"
    commission.sign_protocol(last.user, meeting, sign(key_of(pki, last.user), manifest))
    commission.publish(operator(), meeting)
    db.session.commit()
    assert meeting.state == "published"


def test_a_member_signs_from_the_meeting_page_and_everyone_there_sees_who_signed(app, meeting, pki):
    member = meeting.present[1].user
    member.locale = "kk"
    db.session.commit()
    client = signed_in(app, member, "kk")
    page = client.get(f"/manage/commission/{meeting.id}").get_data(as_text=True)
    assert f'action="/commission/{meeting.id}/sign"' in page
    assert translated("kk", "Sign the protocol with EDS") in page
    answer = client.post(f"/commission/{meeting.id}/sign", data={
        "csrf_token": csrf_token(client, f"/manage/commission/{meeting.id}"),
        "signature": sign(key_of(pki, member, iin=make_iin(97)), expected_manifest(meeting))}, follow_redirects=True)
    assert translated("kk", "The protocol is signed with another person's certificate. Sign with your own "
                            "EDS.") in answer.get_data(as_text=True)
    client.post(f"/commission/{meeting.id}/sign", data={
        "csrf_token": csrf_token(client, f"/manage/commission/{meeting.id}"),
        "signature": sign(key_of(pki, member), expected_manifest(meeting))})
    [signature] = kept()
    page = client.get(f"/manage/commission/{meeting.id}").get_data(as_text=True)
    assert signature.signer_name in page and f'action="/commission/{meeting.id}/sign"' not in page
    desk = signed_in(app, operator(), "ru").get(f"/manage/commission/{meeting.id}").get_data(as_text=True)
    assert signature.signer_name in desk
    # The three files download for whoever sees the meeting, and are what was signed; an NGO may not have them.
    assert f"/signatures/{signature.id}/manifest.txt" in page
    assert client.get(f"/signatures/{signature.id}/manifest.txt").data == expected_manifest(meeting)
    assert client.get(f"/signatures/{signature.id}/content.json").data == signing.content(meeting)
    assert signed_in(app, create_user("applicant")).get(f"/signatures/{signature.id}/signature.p7s").status_code == 403
    outsider = signed_in(app, meeting.members[4].user)  # a member, but absent: refused by the service
    outsider.post(f"/commission/{meeting.id}/sign", data={
        "csrf_token": csrf_token(outsider, f"/manage/commission/{meeting.id}"),
        "signature": sign(key_of(pki, meeting.members[4].user), expected_manifest(meeting))})
    assert len(kept()) == 1
