import pytest

from .helpers import build_reminders


@pytest.fixture
def reminders_city(small_city):
    return build_reminders(small_city)
