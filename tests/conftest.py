"""Fixtures wrap factories and services; the small city is the scene for access tests."""

import os
import shutil
from dataclasses import dataclass, field

import pytest

from branches.models import Domain, Level, OrgForm, RoleKind
from branches.services import role_grant
from tests.factories import UserFactory, make_org


@dataclass
class SmallCity:
    """市 → 乡镇A (村A1 [党总支, 支部A1-1, A1-2], 村A2) ; 乡镇B (村B1)."""

    city: object
    town_a: object
    town_b: object
    a1: object
    a1_branch: object
    a2: object
    b1: object
    users: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    def __getitem__(self, key):
        return getattr(self, key) if hasattr(self, key) else self.extra[key]


ROLES = ["shi", "zhen", "cun", "cun2", "ducha", "nobody"]


def build_small_city() -> SmallCity:
    city = make_org(None, name="示范市委", level=Level.CITY, code="C")
    town_a = make_org(city, name="甲镇党委", level=Level.TOWNSHIP, code="TA")
    town_b = make_org(city, name="乙镇党委", level=Level.TOWNSHIP, code="TB")
    a1 = make_org(
        town_a, name="甲一村党总支", code="TA01", domain=Domain.VILLAGE, org_form=OrgForm.GENERAL_BRANCH
    )
    a1_branch = make_org(
        a1, name="甲一村第一党支部", level=Level.BRANCH, code="TA0101", domain=Domain.VILLAGE
    )
    make_org(a1, name="甲一村第二党支部", level=Level.BRANCH, code="TA0102", domain=Domain.VILLAGE)
    a2 = make_org(town_a, name="甲二村党支部", code="TA02", domain=Domain.VILLAGE)
    b1 = make_org(town_b, name="乙一村党支部", code="TB01", domain=Domain.VILLAGE)
    sc = SmallCity(city, town_a, town_b, a1, a1_branch, a2, b1)
    grants = {
        "shi": (city, RoleKind.CITY_ADMIN),
        "zhen": (town_a, RoleKind.TOWNSHIP_SECRETARY),
        "cun": (a1, RoleKind.UNIT_SECRETARY),
        "cun2": (b1, RoleKind.UNIT_SECRETARY),
        "ducha": (a2, RoleKind.INSPECTOR),
    }
    for username in ROLES:
        u = UserFactory(username=username)
        sc.users[username] = u
        if username in grants:
            org, kind = grants[username]
            role_grant(actor=None, user=u, organization=org, kind=kind, can_export=username in ("shi", "zhen"),
                       can_view_full_id=username in ("shi", "cun"))  # fmt: skip
    return sc


@pytest.fixture
def small_city(db):
    return build_small_city()


@pytest.fixture(autouse=True)
def _celery_mode(request, settings):
    """Eager Celery everywhere except in tests that talk to a real worker."""
    from config.celery import app

    eager = request.node.get_closest_marker("celery_worker") is None
    old = app.conf.task_always_eager
    # The Django settings namespace wins over the plain key: with CELERY_TASK_ALWAYS_EAGER in the
    # settings (False on Redis), setting only ``task_always_eager`` changed nothing, and tests
    # meant to run eagerly sent their tasks to the real broker on CI's PostgreSQL pass.
    app.conf.update(task_always_eager=eager, CELERY_TASK_ALWAYS_EAGER=eager)
    yield
    app.conf.update(task_always_eager=old, CELERY_TASK_ALWAYS_EAGER=old)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Paths repeat from test to test (each starts a new tree): no cached figure may leak across."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _media_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.UPLOAD_TEMP_DIR = tmp_path / "uploads"


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium through Playwright. Skips only where no Chromium exists and CI is not set."""
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("CI 环境缺少 /usr/bin/chromium（.ci/run 应安装 Debian 的 chromium 包）")
        pytest.skip("本机没有 /usr/bin/chromium，跳过浏览器测试（apt-get install chromium）")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )  # fmt: skip
        yield browser
        browser.close()


@pytest.fixture
def phone(chromium):
    ctx = chromium.new_context(
        viewport={"width": 360, "height": 740}, locale="zh-CN", is_mobile=True, has_touch=True
    )
    page = ctx.new_page()
    page.set_default_timeout(10000)
    yield page
    ctx.close()


@pytest.fixture
def desktop(chromium):
    ctx = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(10000)
    yield page
    ctx.close()


def browser_login(page, live_server, username, password="demo-pass-2023"):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def pytest_configure(config):
    from django.conf import settings

    # Hashing demo passwords with PBKDF2 would dominate the suite's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_modifyitems(config, items):
    if os.environ.get("CELERY_WORKER_TESTS"):
        return
    skip = pytest.mark.skip(
        reason="需要真实的 Celery worker 与 Redis：由 .ci/run 的 PostgreSQL 轮次运行（CELERY_WORKER_TESTS=1）"
    )
    for item in items:
        if item.get_closest_marker("celery_worker"):
            item.add_marker(skip)
