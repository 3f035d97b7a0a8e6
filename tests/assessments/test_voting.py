"""The public survey at a village meeting and the one-time ballots of formal evaluations
(assessments/voting.py): limits on the device and the address together, invalid posts not
counted, 已评价 for a device that answered, bursts flagged and shown apart, ballots counted once."""

import re

import pytest
from django.urls import reverse

from assessments import selectors, services, voting
from assessments.ballots_models import Ballot, BallotBatch
from assessments.models import DutyRating, SurveyResponse
from branches.models import AuditEvent

PHONES = [f"Mozilla/5.0 (Linux; Android 13; Model-{i}) Mobile" for i in range(300)]


def _token(html: str) -> str:
    return html.split('name="token" value="')[1].split('"')[0]


def _answer(client, url, rating="satisfied", ua=None, **extra):
    kw = {"HTTP_USER_AGENT": ua} if ua else {}
    token = _token(client.get(url, **kw).content.decode())
    return client.post(url, {"token": token, "rating": rating, **extra}, **kw).content.decode()


@pytest.fixture
def survey_url(small_city):
    return reverse("assessments:survey", args=[services.public_page_for(small_city.a1).key])


def test_a_meeting_of_200_behind_one_carrier_address_all_get_through(small_city, client, survey_url):
    """200 villagers, 200 phones, one address (REMOTE_ADDR is the same for the test client)."""
    for i in range(200):
        client.cookies.clear()  # each villager's own phone
        assert "感谢您的评价" in _answer(client, survey_url, ua=PHONES[i])
    assert SurveyResponse.objects.filter(organization=small_city.a1, flagged=False).count() == 200


def test_invalid_posts_do_not_count_against_the_address_limit(small_city, client, survey_url, settings):
    settings.ASSESSMENTS_SURVEY_RATE_PER_HOUR = 2
    for _ in range(5):  # no rating chosen, a forged token: refused, not counted
        client.cookies.clear()
        token = _token(client.get(survey_url).content.decode())
        assert "请选择" in client.post(survey_url, {"token": token}).content.decode()
        client.post(survey_url, {"token": "forged", "rating": "basic"})
    states = []
    for i in range(3):
        client.cookies.clear()
        states.append(_answer(client, survey_url, ua=PHONES[i]))
    assert "感谢" in states[0] and "感谢" in states[1] and "过于频繁" in states[2]
    assert SurveyResponse.objects.count() == 2


def test_one_device_cannot_pour_answers_into_many_units(small_city, client, settings):
    settings.ASSESSMENTS_SURVEY_DEVICE_PER_HOUR = 2
    c = small_city
    urls = [reverse("assessments:survey", args=[services.public_page_for(o).key]) for o in (c.a1, c.a2, c.b1)]
    states = [_answer(client, u) for u in urls]  # one cookie: one device
    assert "感谢" in states[0] and "感谢" in states[1] and "过于频繁" in states[2]


def test_a_device_that_answered_sees_already_answered_instead_of_the_form(small_city, client, survey_url):
    assert "感谢" in _answer(client, survey_url)
    html = client.get(survey_url).content.decode()
    assert "已经评价过" in html and 'name="rating"' not in html
    client.cookies.clear()  # another phone still gets the form
    assert 'name="rating"' in client.get(survey_url).content.decode()


def test_dropping_the_cookie_to_vote_again_is_flagged_and_shown_apart(small_city, client, survey_url):
    """One phone (one user agent, one address): the first 5 count; the next 3 within 10 minutes are a
    burst. Hand-worked: counted 5 满意 → 满意度 100 %; flagged 3 不满意, shown apart, not counted."""
    ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) Mobile/15E148"
    for _ in range(5):
        client.cookies.clear()
        assert "感谢" in _answer(client, survey_url, ua=ua)
    for _ in range(3):
        client.cookies.clear()
        assert "感谢" in _answer(client, survey_url, "unsatisfied", ua=ua)  # not told: no oracle
    assert SurveyResponse.objects.filter(flagged=True).count() == 3
    s = selectors.survey_summary(
        user=small_city.users["shi"], org=small_city.a1, period=voting.current_quarter()
    )
    assert s["n"] == 5 and s["score"] == 1.0 and s["n_flagged"] == 3 and s["flagged"] == {"unsatisfied": 3}
    client.force_login(small_city.users["zhen"])
    page = client.get(reverse("assessments:surveys", args=[small_city.a1.pk])).content.decode()
    assert "另有 3 条疑似集中提交" in page and "100%" in page


def test_duty_rating_has_the_same_rules(small_city, client):
    c = small_city
    services.duty_report_save(actor=c.users["cun"], organization=c.a1, year=2026, title="述职", body="内容")
    url = reverse("assessments:public_unit", args=[services.public_page_for(c.a1).key])
    assert "感谢您的评议" in _answer(client, url, rater="member")
    html = client.get(url).content.decode()
    assert "已经评议过" in html and 'name="rater"' not in html
    assert DutyRating.objects.get().channel == "device"


# --- one-time ballots -------------------------------------------------------------------------


def test_the_level_above_issues_ballots_and_each_counts_once(small_city, client):
    c = small_city
    client.force_login(c.users["zhen"])
    resp = client.post(
        reverse("assessments:ballots", args=[c.a1.pk]), {"purpose": "survey", "size": "3", "note": "村民大会"}
    )
    batch = BallotBatch.objects.get()
    assert resp.status_code == 302 and resp["Location"] == reverse(
        "assessments:ballots_print", args=[batch.pk]
    )
    sheet = client.get(resp["Location"]).content.decode()
    codes = list(Ballot.objects.values_list("code", flat=True))
    assert len(codes) == 3 and all(code in sheet for code in codes) and sheet.count("<svg") >= 3
    assert all(re.fullmatch(r"[2-9A-HJKMNP-Z]{12}", code) for code in codes)
    ev = AuditEvent.objects.get(action="ballot.issue")
    assert ev.actor == c.users["zhen"] and ev.organization == c.a1 and ev.changes["size"] == 3
    client.logout()
    # one phone, one address, three slips: all three count (a slip is not a device)
    for code in codes:
        url = reverse("assessments:ballot", args=[code])
        assert "感谢您的评价" in _answer(client, url, "basic")
    url = reverse("assessments:ballot", args=[codes[0]])
    html = client.get(url).content.decode()
    assert "已经使用过" in html and 'name="rating"' not in html
    assert SurveyResponse.objects.filter(channel="ballot", flagged=False).count() == 3
    assert Ballot.objects.filter(used_at__isnull=True).count() == 0
    s = selectors.survey_summary(user=c.users["shi"], org=c.a1, period=voting.current_quarter())
    assert s["n"] == 3 and s["ballots"] == 3 and s["score"] == 0.5


def test_a_used_ballot_posted_twice_counts_once(small_city, client):
    batch = voting.ballots_issue(
        actor=small_city.users["shi"], organization=small_city.a2, purpose="survey", size=1
    )
    url = reverse("assessments:ballot", args=[batch.ballots.get().code])
    t1, t2 = _token(client.get(url).content.decode()), _token(client.get(url).content.decode())
    assert "感谢" in client.post(url, {"token": t1, "rating": "satisfied"}).content.decode()
    assert "已经使用过" in client.post(url, {"token": t2, "rating": "unsatisfied"}).content.decode()
    assert SurveyResponse.objects.count() == 1


def test_duty_ballots_rate_the_latest_duty_report(small_city, client):
    c = small_city
    rep = services.duty_report_save(
        actor=c.users["cun"], organization=c.a1, year=2026, title="2026年述职", body="内容"
    )
    batch = voting.ballots_issue(actor=c.users["zhen"], organization=c.a1, purpose="duty", size=2)
    assert batch.period == "2026" and batch.duty_report == rep
    code = batch.ballots.first().code
    html = _answer(client, reverse("assessments:ballot", args=[code]), "satisfied", rater="public")
    assert "感谢" in html
    r = DutyRating.objects.get()
    assert (r.report, r.rater, r.channel) == (rep, "public", "ballot")


def test_issuing_is_refused_with_its_reason(small_city):
    from django.core.exceptions import ValidationError

    c = small_city
    with pytest.raises(ValidationError) as e:
        voting.ballots_issue(actor=c.users["zhen"], organization=c.a1, purpose="duty", size=5)
    assert "尚未提交述职报告" in str(e.value)
    for bad in ("0", "501", "abc"):
        with pytest.raises(ValidationError) as e:
            voting.ballots_issue(actor=c.users["zhen"], organization=c.a1, purpose="survey", size=bad)
        assert "票数应为 1 到 500 的整数" in str(e.value)


def test_the_unit_itself_cannot_issue_ballots_for_its_own_evaluation(small_city, client):
    c = small_city
    url = reverse("assessments:ballots", args=[c.a1.pk])
    client.force_login(c.users["cun"])  # a1's own secretary: sees the list, may not issue
    page = client.get(url)
    assert page.status_code == 200 and 'name="size"' not in page.content.decode()
    assert client.post(url, {"purpose": "survey", "size": "5"}).status_code == 403
    batch = voting.ballots_issue(actor=c.users["zhen"], organization=c.a1, purpose="survey", size=1)
    assert client.get(reverse("assessments:ballots_print", args=[batch.pk])).status_code == 403
    client.force_login(c.users["cun2"])  # another township's village: out of scope
    assert client.get(url).status_code == 404
    assert client.get(reverse("assessments:ballots_print", args=[batch.pk])).status_code == 404
    assert BallotBatch.objects.count() == 1


def test_a_wrong_code_is_a_404_and_guessing_is_bounded(small_city, client, settings):
    settings.ASSESSMENTS_BALLOT_GUESSES_PER_HOUR = 3
    for i in range(3):
        resp = client.get(reverse("assessments:ballot", args=[f"WRONGCODE{i:03d}"]))
        assert resp.status_code == 404 and "评价票无效" in resp.content.decode()
    batch = voting.ballots_issue(
        actor=small_city.users["shi"], organization=small_city.a2, purpose="survey", size=1
    )
    resp = client.get(reverse("assessments:ballot", args=[batch.ballots.get().code]))
    assert resp.status_code == 429 and "尝试次数过多" in resp.content.decode()
