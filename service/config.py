"""Service settings: one typed class, read from QUNGUARD_* environment variables.

An optional file named by QUNGUARD_CONFIG_FILE (dotenv format, the same
QUNGUARD_* names) is read first; the environment wins over it. Every field is
documented in README.md "Configuration" (a test keeps the two in step).
"""
from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from qunguard.model.artifact import SHIPPED

ROLES = ("bot", "moderator", "admin")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QUNGUARD_", env_file=os.environ.get("QUNGUARD_CONFIG_FILE"), extra="ignore")

    host: str = Field("127.0.0.1", description="address to listen on")
    port: int = Field(8000, ge=1, le=65535, description="port to listen on")
    db_path: Path = Field(Path("qunguard.db"), description="SQLite file for the review queue and group settings")
    db_fsync: bool = Field(False, description="fsync every commit (survives power loss, slower flagged writes)")
    model_dir: Path = Field(SHIPPED, description="model folder (model.npz + meta.json)")
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

    @field_validator("auth")
    @classmethod
    def _auth_value(cls, v: str) -> str:
        if v.lower() not in ("on", "off"):
            raise ValueError('QUNGUARD_AUTH must be "on" or "off"')
        return v.lower()

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
