"""The README documents every setting, and its first lines give the two commands."""
from pathlib import Path

from qunguard.service.config import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme_table():
    missing = [f"QUNGUARD_{name.upper()}" for name in Settings.model_fields if f"`QUNGUARD_{name.upper()}`" not in README]
    assert not missing, f"settings not documented in README.md: {missing}"


def test_first_lines_start_the_service_and_run_the_tests():
    block = README.split("```", 2)[1]
    assert "qunguard serve" in block and "python -m pytest" in block
