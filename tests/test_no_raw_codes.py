"""Every page, for every demo account, in Chinese and in English, with real objects from the demo
city: the visible text (and the titles, labels and placeholders a reader sees) of a Chinese page
holds no choice code of any model, no English status word and no Python repr; an English page
holds no snake_case choice code. The URLconf is walked, so a new page is checked without being
listed here."""

from __future__ import annotations

import html
import io
import re

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

APPS = ("branches", "members", "pilot", "assessments", "reports")
ROLES = ("shi", "zhen", "cun", "cun2", "ducha")
# Views that answer files or act (POST only), not pages.
NOT_PAGES = re.compile(r"(export|download|evidence|_file$|attachment|archive|letter|template|receipt|"
                       r"progress$|display$|^survey$|^public_unit$|scan$|manual$|_pay$|revoke$|confirm$|"
                       r"_report$|summary_report|unit_report|batch_start|batch_resume|run_start|run_publish|"
                       r"run_retry|finding_action|brand_publish|decision_close|record_delete|item_review)")  # fmt: skip
ENGLISH_STATUS = {"pending", "submitted", "accepted", "returned", "answered", "closed", "draft", "published",
                  "notice", "superseded", "failed", "queued", "running", "open", "done", "active", "overdue",
                  "None", "True", "False", "null"}  # fmt: skip
REPRS = ("<Member:", "<Organization:", "<User:", "<QuerySet", "QuerySet [", "{'", "[<", "object at 0x",
         "__proxy__")  # fmt: skip
# Words that are also the domain's own vocabulary in Latin letters on a Chinese page.
ALLOWED = {"QR", "PDF", "Excel", "xlsx", "csv", "ID"}


def choice_codes() -> set[str]:
    codes = set()
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            for f in model._meta.get_fields():
                for value, _label in getattr(f, "flatchoices", None) or []:
                    if isinstance(value, str) and re.fullmatch(r"[a-z][a-z0-9_.:-]*", value or ""):
                        codes.add(value)
    from assessments.sources import SOURCES
    from assessments.views import ENTRY_CODES

    codes |= {c for c, _label in ENTRY_CODES} | set(SOURCES)  # 评定录入 items and indicator sources
    return codes - {c.lower() for c in ALLOWED}


def visible_text(body: str) -> str:
    body = re.sub(r"(?is)<(script|style|svg)\b.*?</\1>", " ", body)
    seen = re.findall(r'(?i)\b(?:title|aria-label|placeholder|alt)="([^"]*)"', body)
    text = re.sub(r"(?s)<[^>]+>", " ", body)
    return html.unescape(text + " " + " ".join(seen))


def page_names():
    out = []

    def walk(patterns, ns):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace in APPS:
                    walk(p.url_patterns, p.namespace)
                elif p.namespace is None and ns:  # include("members.urls_more") inside members
                    walk(p.url_patterns, ns)
            elif isinstance(p, URLPattern) and ns and p.name and not NOT_PAGES.search(p.name):
                out.append((ns, p.name, list(p.pattern.converters)))

    walk(get_resolver().url_patterns, None)
    return out


def _objects(user):
    """One real, visible object per URL argument, for this user."""
    from assessments.models import Finding, ScoreRun
    from branches.models import Organization
    from members.models import Member
    from members.models_floating import FloatingRecord
    from members.models_life import Development, Transfer
    from pilot.models import Activity, Brand, ChecklistItem, Notice

    orgs = Organization.objects.visible_to(user)
    own = orgs.order_by("depth", "path").first()
    found = {
        "org_id": own,
        "member_id": Member.objects.visible_to(user).order_by("id").first(),
        "item_id": ChecklistItem.objects.visible_to(user).order_by("-period", "id").first(),
        "finding_id": Finding.objects.visible_to(user).order_by("id").first(),
        "run_id": ScoreRun.objects.order_by("-id").first(),
        "brand_id": Brand.objects.visible_to(user).order_by("id").first(),
        "notice_id": Notice.objects.visible_to(user).order_by("id").first(),
        "activity_id": Activity.objects.visible_to(user).order_by("-held_on").first(),
        "development_id": Development.objects.visible_to(user).order_by("id").first(),
    }  # fmt: skip

    found["transfer_id"] = Transfer.objects.visible_to(user).order_by("id").first()
    found["record_id"] = FloatingRecord.objects.visible_to(user).order_by("id").first()
    from reports.models import ReportBatch

    found["batch_id"] = ReportBatch.objects.order_by("id").first()
    return {k: getattr(v, "pk", None) for k, v in found.items()}


def urls_for(user):
    objs = _objects(user)
    for ns, name, args in page_names():
        if any(a not in objs or objs[a] is None for a in args if a != "kind"):
            continue
        kwargs = {a: objs[a] for a in args if a != "kind"}
        if "kind" in args:
            continue
        yield reverse(f"{ns}:{name}", kwargs=kwargs)


def problems(body: str, codes: set[str], lang: str) -> list[str]:
    text = visible_text(body)
    words = set(re.findall(r"(?<![A-Za-z0-9_./:-])[A-Za-z][A-Za-z0-9_]*(?![A-Za-z0-9_])", text))
    if lang == "en":
        return sorted(w for w in words if "_" in w and w in codes)
    found = sorted((words & codes) | (words & ENGLISH_STATUS))
    found += [r for r in REPRS if r in text]
    return found


@pytest.mark.django_db
def test_no_raw_codes_english_words_or_reprs_on_any_page(settings, client):
    settings.DEBUG = True
    call_command("demo_city", "--members", "800", stdout=io.StringIO())
    codes = choice_codes()
    assert {"village", "two_new", "honor", "veto", "submitted"} <= codes | ENGLISH_STATUS
    failures, pages, seen = [], 0, set()
    for username in ROLES:
        user = get_user_model().objects.get(username=username)
        client.force_login(user)
        for url in urls_for(user):
            for lang in ("zh-hans", "en"):
                resp = client.get(url, HTTP_ACCEPT_LANGUAGE=lang)
                if resp.status_code != 200 or "text/html" not in resp.get("Content-Type", ""):
                    continue
                pages += 1
                seen.add(resolve(url).view_name)
                bad = problems(resp.content.decode(), codes, lang)
                if bad:
                    failures.append(f"{username} {lang} {url}: {bad}")
    assert pages > 100, pages
    print(f"{pages} pages of {len(seen)} views: {sorted(seen)}")
    assert not failures, "\n".join(failures)
