"""The folders model/, service/ and data/ install as qunguard.model, qunguard.service and qunguard.data,
and nothing else: every subpackage is listed, and no top-level `model`, `service` or `data` is installed."""
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+
ROOT = Path(__file__).resolve().parents[1]
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
FOLDERS = ("model", "service", "data")


def test_every_folder_with_an_init_is_installed_under_qunguard():
    on_disk = {"qunguard." + ".".join(init.parent.relative_to(ROOT).parts)
               for folder in FOLDERS for init in (ROOT / folder).rglob("__init__.py")}
    assert set(SETUPTOOLS["packages"]) == on_disk


def test_only_qunguard_is_installed():
    assert SETUPTOOLS["package-dir"] == {f"qunguard.{folder}": folder for folder in FOLDERS}
    assert all(name.startswith("qunguard.") for name in SETUPTOOLS["packages"])
    assert all(name.startswith("qunguard.") for name in SETUPTOOLS["package-data"])


def test_the_type_checker_sees_the_installed_names():
    for folder in FOLDERS:
        link = ROOT / ".typecheck" / "qunguard" / folder
        assert link.is_symlink() and link.resolve() == (ROOT / folder).resolve()
