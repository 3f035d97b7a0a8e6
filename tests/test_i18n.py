"""The portal speaks Simplified Chinese by default and English to those who ask for it."""

from django.urls import reverse


def test_login_page_defaults_to_chinese(client):
    body = client.get(reverse("login")).content.decode()
    assert 'lang="zh-hans"' in body and "登录" in body


def test_login_page_in_english_for_an_english_browser(client):
    body = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="en"' in body
    assert "Log in" in body and "登录" not in body


def test_language_switch_keeps_the_choice(small_city, client):
    client.force_login(small_city.users["zhen"])
    resp = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert resp.status_code == 302
    body = client.get(reverse("branches:home")).content.decode()
    assert "Dashboard" in body and "甲一村党总支" in body  # interface in English, data as entered
