"""Which version of a library is installed, from its metadata: the library itself is not imported."""
from __future__ import annotations

from functools import cache


@cache  # installed packages do not change under a running process
def installed_version(name: str) -> str:
    """The installed distribution's version, or "absent"."""
    # imported here: ~30-40 ms, and only saving a model, the library check and the normaliser's tables need it
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "absent"
