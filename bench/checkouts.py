"""An older checkout's code imported as `qunguard`, beside this one: how the benches compare versions.

`pip install -e .` maps the package `qunguard` to this checkout's model/, service/ and data/ folders, so
putting an older worktree itself on sys.path imports this checkout again. mount_checkout() builds a
`qunguard` package of links to the other checkout's folders; first in PYTHONPATH (or sys.path), it is the
one imported.
"""
from __future__ import annotations

from pathlib import Path


def mount_checkout(checkout: Path, folder: Path) -> str:
    """A `qunguard` package in `folder` made of links to the checkout's model, service and data folders;
    returns the path entry to put first."""
    package = folder / "qunguard"
    package.mkdir(parents=True)
    (package / "__init__.py").touch()
    for name in ("model", "service", "data"):
        (package / name).symlink_to((Path(checkout) / name).resolve())
    return str(folder)
