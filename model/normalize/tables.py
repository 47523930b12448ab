"""The normaliser's library-derived tables, prebuilt in model/resources/normalize_tables.json.gz.

Three tables come from libraries: look-alikes and traditional -> simplified (folding.py: unicodedata and
OpenCC), the invisible characters step 1 strips (charsets.py: unicodedata) and the emoji sequence pattern
(placeholders.py: the emoji package). Building them at import costs ~0.1 s of every start, most of it
importing opencc and emoji, and `qunguard classify` on one line has 1 s from process start to its verdict.
So they are kept in a file written by `python -m qunguard.model.normalize` (__main__.py), with the versions they
came from (the same habit as model/pinyin.py). A file written under other versions, or none, means the
tables are built from the libraries as before (the same tables, only slower) and a warning says to
rewrite it; tests/test_runtime.py checks the file against a fresh build.
"""
from __future__ import annotations

import gzip
import json
import unicodedata
import warnings
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from qunguard.model.libraries import installed_version

TABLES_FILE = Path(__file__).resolve().parents[1] / "resources" / "normalize_tables.json.gz"
FORMAT = 1  # raise when a table's shape changes


def source_versions() -> dict[str, Any]:
    """What the tables are built from: the installed libraries and Python's Unicode database."""
    return {"format": FORMAT, "unicode": unicodedata.unidata_version, "opencc": installed_version("opencc"),
            "emoji": installed_version("emoji")}


@cache
def _read(path: Path = TABLES_FILE) -> dict[str, Any] | None:
    """The file's tables, or None if it is missing, unreadable or written from other versions."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            stored = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("built_from") != source_versions():
        return None
    return stored.get("tables")


def prebuilt(name: str, build: Callable[[], Any]) -> Any:
    """Table `name` from the file, else `build()` (with a warning: the file should be rewritten)."""
    tables = _read()
    if tables is not None and name in tables:
        return tables[name]
    warnings.warn(f"{TABLES_FILE} is missing or was written from other library versions; building the "
                  f"{name} table (slow start). Rewrite it: python -m qunguard.model.normalize", stacklevel=2)
    return build()


def build_all() -> dict[str, Any]:
    """Every table, built from the libraries now."""
    from .charsets import build_strip_codepoints
    from .folding import build_translate_pairs
    from .placeholders import build_emoji_pattern

    return {"translate": build_translate_pairs(), "strip": build_strip_codepoints(), "emoji": build_emoji_pattern()}


def write(path: Path = TABLES_FILE) -> None:
    body = json.dumps({"built_from": source_versions(), "tables": build_all()}, sort_keys=True)
    with gzip.GzipFile(path, "wb", mtime=0) as f:  # mtime 0: the same tables give the same bytes
        f.write(body.encode("utf-8"))

