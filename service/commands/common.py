"""What the store-reading subcommands share: where the store is, and how they refuse."""
from __future__ import annotations

from pathlib import Path


class CommandRefused(Exception):
    """The command cannot do what was asked; its message is printed and the command exits non-zero."""


def store_path(db: Path | None) -> Path:
    """--db if given, else QUNGUARD_DB_PATH as `qunguard serve` reads it (environment and QUNGUARD_CONFIG_FILE),
    without the serving checks a command has no use for (API tokens, workers)."""
    from qunguard.service.config import tool_settings

    return db or tool_settings().db_path
