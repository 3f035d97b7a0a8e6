"""The shell command and the system checks."""

import pytest
from django.core.management import CommandError, call_command

from reports import checks


def test_year_end_report_command_writes_unit_and_city_pdfs(small_city, tmp_path):
    unit = tmp_path / "unit.pdf"
    call_command("year_end_report", "--year", "2023", "--org", small_city.a1.code, "-o", str(unit))
    assert unit.read_bytes().startswith(b"%PDF")
    city = tmp_path / "city.pdf"
    call_command("year_end_report", "--year", "2023", "-o", str(city))
    assert city.read_bytes().startswith(b"%PDF")


def test_year_end_report_command_explains_bad_codes_and_levels(small_city, tmp_path):
    with pytest.raises(CommandError, match="不存在"):
        call_command("year_end_report", "--year", "2023", "--org", "NOPE", "-o", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="党支部"):
        call_command(
            "year_end_report",
            "--year",
            "2023",
            "--org",
            small_city.a1_branch.code,
            "-o",
            str(tmp_path / "x.pdf"),
        )


def test_checks_are_quiet_here_and_warn_without_font_or_harfbuzz(monkeypatch):
    assert checks.report_fonts_check(None) == []
    monkeypatch.setattr(checks, "shipped_fonts_present", lambda: False)
    monkeypatch.setattr(checks, "system_cjk_font_present", lambda: False)
    monkeypatch.setattr(checks, "harfbuzz_subset_present", lambda: False)
    ids = [m.id for m in checks.report_fonts_check(None)]
    assert ids == ["reports.W001", "reports.W002"]
