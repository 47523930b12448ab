"""What the subcommands share: where the store is, how they refuse, how they read a day."""
from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path


class CommandRefused(Exception):
    """The command cannot do what was asked; its message is printed and the command exits non-zero."""


def store_path(db: Path | None) -> Path:
    """--db if given, else QUNGUARD_DB_PATH as `qunguard serve` reads it (environment and QUNGUARD_CONFIG_FILE),
    without the serving checks a command has no use for (API tokens, workers)."""
    from qunguard.service.config import tool_settings

    return db or tool_settings().db_path


def parse_day(value: str) -> date:
    """An argparse type: a day as YYYY-MM-DD (--until, --since)."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a day as YYYY-MM-DD, got {value!r}") from None
