"""The model registry: every trained version kept with its metrics, and a pointer to the one that serves.

    <registry>/versions/<version>/   a model folder: model.npz, meta.json (metrics, the gate's verdict), report.md
    <registry>/champion.json         {"champion": version, "previous": [older champions], "history": [...]}

train.py writes new versions here (promoting one only if it passes the gate, model/gate.py);
`qunguard model list|promote|rollback` reads and moves the pointer. The pointer is replaced
atomically (os.replace), under a lock file, so a reader sees the old pointer or the new one,
and two promotions at once do not lose one. A service starts with the champion
(QUNGUARD_REGISTRY_DIR; without a champion it serves QUNGUARD_MODEL_DIR).
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from qunguard.model import artifact
from qunguard.model.errors import ModelArtifactError

POINTER = "champion.json"
VERSIONS = "versions"
_VERSION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,99}")  # a folder name: no separators, no ".."


class RegistryError(ModelArtifactError):
    """The registry cannot do what was asked; the message says why, in one line. A kind of
    ModelArtifactError: a service that cannot tell which model to serve refuses to start, as for a bad folder."""

    code = "model_registry_invalid"


@dataclass(frozen=True)
class Version:
    name: str
    folder: Path
    meta: dict | None  # None: the folder's meta.json is missing or unreadable
    problem: str | None = None

    @property
    def gate(self) -> dict | None:
        return (self.meta or {}).get("gate")


def check_version_name(name: str) -> str:
    if not _VERSION_NAME.fullmatch(name):
        raise RegistryError(f"version {name!r} cannot name a registry folder: letters, digits and . _ + - only")
    return name


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Registry:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.versions_dir = self.root / VERSIONS
        self.pointer = self.root / POINTER

    # -- versions -------------------------------------------------------------------
    def folder(self, version: str) -> Path:
        return self.versions_dir / check_version_name(version)

    def has(self, version: str) -> bool:
        return (self.folder(version) / artifact.META_FILE).exists()

    def free_name(self, base: str) -> str:
        """`base`, or base.2, base.3, ...: the first name no version holds yet."""
        name, n = base, 1
        while self.has(name):
            n += 1
            name = f"{base}.{n}"
        return name

    def versions(self) -> list[Version]:
        """Every version folder, oldest first (by trained_at, then name)."""
        out = []
        if self.versions_dir.is_dir():
            for folder in self.versions_dir.iterdir():
                if not folder.is_dir():
                    continue
                try:
                    out.append(Version(folder.name, folder, artifact.read_meta(folder)))
                except ModelArtifactError as exc:
                    out.append(Version(folder.name, folder, None, str(exc)))
        return sorted(out, key=lambda v: ((v.meta or {}).get("trained_at", ""), v.name))

    # -- the pointer --------------------------------------------------------------------
    def state(self) -> dict:
        """The pointer file's content: champion (None: none yet), previous champions (oldest first), history."""
        try:
            state = json.loads(self.pointer.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"champion": None, "previous": [], "history": []}
        except (OSError, ValueError) as exc:
            raise RegistryError(f"{self.pointer} cannot be read: {exc}") from None
        if not isinstance(state, dict) or not isinstance(state.get("previous"), list):
            raise RegistryError(f"{self.pointer} is not a champion pointer")
        return state

    def champion(self) -> str | None:
        return self.state()["champion"]

    def champion_dir(self) -> Path | None:
        """The champion's folder, None without a champion; RegistryError if the pointer names a missing folder."""
        name = self.champion()
        if name is None:
            return None
        folder = self.folder(name)
        if not (folder / artifact.META_FILE).exists():
            raise RegistryError(f"the champion {name} named by {self.pointer} has no model in {folder}")
        return folder

    @contextlib.contextmanager
    def _locked(self) -> Iterator[dict]:
        """The pointer's state, for one read-modify-write: others wait on the lock file meanwhile."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield self.state()
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _write(self, state: dict) -> None:
        tmp = self.pointer.with_name(f".{POINTER}.{os.getpid()}.tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(json.dumps(state, ensure_ascii=False, indent=1) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.pointer)  # readers see the old pointer or the new one, never half of one

    def promote(self, version: str, *, force: bool = False, by: str = "") -> str | None:
        """Make `version` the champion; returns the champion it replaced (kept for rollback).

        A version the gate refused is promoted only with force; a damaged folder never."""
        folder = self.folder(version)
        try:
            meta = artifact.check(folder)  # metadata, labels, format and sha256: what a service would refuse
        except ModelArtifactError as exc:
            raise RegistryError(f"{version} cannot be promoted: {exc}") from None
        gate = meta.get("gate")
        if gate is not None and not gate["passed"] and not force:
            raise RegistryError(f"{version} was refused by the gate against {gate['current_version']} "
                                f"({'; '.join(gate['failures'])}); pass --force to promote it on purpose")
        with self._locked() as state:
            before = state["champion"]
            if before == version:
                return before
            if before is not None:
                state["previous"].append(before)
            state["champion"] = version
            state["history"].append({"at": _now(), "action": "promote", "version": version, "replaced": before,
                                     "forced": bool(force and gate is not None and not gate["passed"]), "by": by})
            self._write(state)
        return before

    def rollback(self, *, by: str = "") -> tuple[str, str | None]:
        """Give the champion's place back to the one before it: (the champion removed, the one restored;
        None when there was none before it, and the service falls back to QUNGUARD_MODEL_DIR)."""
        with self._locked() as state:
            removed = state["champion"]
            if removed is None:
                raise RegistryError("no champion to roll back from")
            restored = state["previous"][-1] if state["previous"] else None
            if restored is not None:
                try:
                    artifact.check(self.folder(restored))
                except ModelArtifactError as exc:
                    raise RegistryError(f"cannot roll back to {restored}: {exc}") from None
                state["previous"].pop()
            state["champion"] = restored
            state["history"].append({"at": _now(), "action": "rollback", "version": restored, "replaced": removed, "by": by})
            self._write(state)
        return removed, restored
