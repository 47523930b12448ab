"""No two classes of the service share a name, and removed names stay removed."""
import ast
import collections
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def classes_by_name(package: str) -> dict[str, list[str]]:
    found = collections.defaultdict(list)
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef):
                found[node.name].append(str(path.relative_to(ROOT)))
    return found


def test_every_class_of_the_service_has_its_own_name():
    shared = {name: files for name, files in classes_by_name("service").items() if len(files) > 1}
    assert shared == {}


@pytest.mark.parametrize("module, name", [
    ("qunguard.service.groups", "ACTIONS"),
    ("qunguard.service.policy", "RANK"),
    ("qunguard.service.config", "get_settings"),
    ("qunguard.service.engine", "MessageIn"),  # the engine's message is `Message`; `MessageIn` is the request body
])
def test_dead_names_are_gone(module, name):
    import importlib

    assert not hasattr(importlib.import_module(module), name)


def test_the_store_has_no_all_groups():
    from qunguard.service.store import Store

    assert not hasattr(Store, "all_groups")
