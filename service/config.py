"""Service settings: one typed class, read from QUNGUARD_* environment variables.

An optional file named by QUNGUARD_CONFIG_FILE (dotenv format, the same
QUNGUARD_* names) is read first; the environment wins over it. Every field is
documented in README.md "Configuration" (a test keeps the two in step).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from qunguard.model.artifact import SHIPPED

ROLES = ("bot", "moderator", "admin")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QUNGUARD_", env_file=os.environ.get("QUNGUARD_CONFIG_FILE"), extra="ignore")

    host: str = Field("127.0.0.1", description="address to listen on")
    port: int = Field(8000, ge=1, le=65535, description="port to listen on")
    db_path: Path = Field(Path("qunguard.db"), description="SQLite file for the review queue and group settings")
    db_fsync: bool = Field(False, description="fsync every commit (survives power loss, slower flagged writes)")
    model_dir: Path = Field(SHIPPED, description="model folder (model.npz + meta.json) served while the registry has no champion")
    registry_dir: Path | None = Field(None, description="model registry: versions/ and the champion pointer (default: models/ beside db_path)")
    gate_tolerance: float = Field(0.02, ge=0, le=1, description="retraining gate: the most F1 any label may lose for a candidate to be promoted")
    gate_behaviour_cases: int = Field(0, ge=0, le=1000, description="retraining gate: behaviour-suite cases a candidate may lose net (0: the pass rate may not drop)")
    tokens: str = Field("", description='API tokens, "role:token,role:token"; roles bot, moderator, admin')
    auth: str = Field("on", description='"off" disables authentication (local use only)')
    max_message_chars: int = Field(10_000, ge=1, description="longest message text accepted")
    max_body_bytes: int = Field(1_048_576, ge=1024, description="largest request body accepted (413 above)")
    max_batch: int = Field(1_000, ge=1, description="most messages in one batch request")
    flood_max_users: int = Field(200_000, ge=100, description="per-user flood windows kept in memory at most")
    flood_max_keys: int = Field(200_000, ge=100, description="repeat/raid text windows kept in memory at most")
    workers: int = Field(1, ge=1, le=64, description="worker processes serving the API; more than 1 needs QUNGUARD_FLOOD_BACKEND=redis")
    flood_backend: str = Field("memory", description='where flood windows live: "memory" (one process) or "redis" (shared by every worker)')
    redis_url: str = Field("redis://127.0.0.1:6379/0", description="Redis for the flood windows when QUNGUARD_FLOOD_BACKEND=redis")
    flood_ttl_s: float = Field(3600.0, gt=0, description="longest a flood window is kept idle; windows also leave once idle longer than their group's longest flood window")
    campaign_memory_per_group: int = Field(1000, ge=1, le=100_000, description="decided review items each group remembers (its known campaigns and the texts its moderators allowed); the least recently decided go first")
    share_campaigns: bool = Field(False, description="a known campaign of one group also catches its near-copies in every other group")
    # topic profiles, drift and reports (service/topic.py, service/activity.py)
    topic_learn_messages: int = Field(80, ge=0, le=10_000, description="legitimate messages a group without a description learns its topic profile from (0: never learn); a learned profile then absorbs every next this many, slowly")
    drift_history_s: float = Field(300.0, gt=0, le=86_400, description="a group's drift history gets a point at most this often (message time), and whenever its alert turns on or off")
    drift_warmup: float = Field(120.0, ge=1, le=100_000, description="how much legitimate talk (in units of topic confidence: ~130-200 messages at 120) a group's drift learns its usual level from, after each new profile, before it can raise an alert")
    activity_flush_s: float = Field(2.0, gt=0, le=60, description="how often activity counts, learning texts and drift points are written to the store; a crash loses at most this long of them")
    # the moderator page (/ui): its own login, separate from the API tokens
    session_secret: SecretStr = Field(SecretStr(""), description="key that signs /ui session cookies (32+ characters); empty: one is made once and kept in the store, shared by every worker")
    session_max_age_s: int = Field(43_200, ge=60, le=30 * 86_400, description="how long a /ui login lasts")
    session_cookie_secure: bool = Field(False, description="mark the /ui session cookie Secure: set it when the page is served over https")

    @field_validator("auth")
    @classmethod
    def _auth_value(cls, v: str) -> str:
        if v.lower() not in ("on", "off"):
            raise ValueError('QUNGUARD_AUTH must be "on" or "off"')
        return v.lower()

    @field_validator("session_secret")
    @classmethod
    def _session_secret_length(cls, v: SecretStr) -> SecretStr:
        if 0 < len(v.get_secret_value()) < 32:
            raise ValueError("QUNGUARD_SESSION_SECRET needs 32+ characters (`openssl rand -hex 32`), or leave it empty")
        return v

    @field_validator("flood_backend")
    @classmethod
    def _backend_value(cls, v: str) -> str:
        if v.lower() not in ("memory", "redis"):
            raise ValueError('QUNGUARD_FLOOD_BACKEND must be "memory" or "redis"')
        return v.lower()

    @model_validator(mode="after")
    def _workers_share_flood_windows(self) -> Settings:
        if self.workers > 1 and self.flood_backend != "redis":
            raise ValueError(
                f"QUNGUARD_WORKERS={self.workers} needs QUNGUARD_FLOOD_BACKEND=redis: flood windows in memory would be "
                "split between the workers, and a user's burst spread over them would go unseen"
            )
        return self

    @model_validator(mode="after")
    def _refuse_open_service(self) -> Settings:
        if self.auth == "on" and not self.token_roles():
            raise ValueError(
                "no API tokens configured: set QUNGUARD_TOKENS='bot:<token>,moderator:<token>,admin:<token>', "
                "or QUNGUARD_AUTH=off for local use without authentication"
            )
        return self

    def token_roles(self) -> dict[str, str]:
        """token -> role, from QUNGUARD_TOKENS; malformed entries are refused at start."""
        out: dict[str, str] = {}
        for part in filter(None, (p.strip() for p in self.tokens.split(","))):
            role, sep, token = part.partition(":")
            if not sep or role not in ROLES or len(token) < 8:
                raise ValueError(f"bad QUNGUARD_TOKENS entry {part.split(':')[0]!r}: expected role:token with a role in {ROLES} and a token of 8+ characters")
            out[token] = role
        return out

    def registry_path(self) -> Path:
        return self.registry_dir or self.db_path.parent / "models"

    def model_to_serve(self) -> Path:
        """The registry's champion, else model_dir; RegistryError if the pointer names a missing version."""
        from qunguard.model.registry import Registry

        return Registry(self.registry_path()).champion_dir() or self.model_dir


def tool_settings(**overrides) -> Settings:
    """The settings as a command that serves nothing reads them (train.py, `qunguard model`): the same
    QUNGUARD_* variables and file, without the serving checks it has no use for (API tokens, workers)."""
    return Settings(**{"auth": "off", "workers": 1, **overrides})


def report_invalid(exc: ValidationError) -> None:
    """One `error:` line per invalid setting, naming it: what a command prints instead of a traceback."""
    for err in exc.errors():
        print(f"error: {err['msg'].removeprefix('Value error, ')} ({'.'.join(map(str, err['loc']))})", file=sys.stderr)


def tool_settings_for(db: Path | None) -> Settings | None:
    """tool_settings() with a command's --db; None, once report_invalid() has said why, if a setting is invalid."""
    try:
        return tool_settings(**({"db_path": db} if db else {}))
    except ValidationError as exc:
        report_invalid(exc)
        return None
