from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of the service, read once from AFTERSALES_* environment variables."""

    model_config = SettingsConfigDict(env_prefix="AFTERSALES_", extra="ignore")

    database_url: str | None = Field(
        default=None, description="PostgreSQL URL; unset means an embedded server under data_dir"
    )
    data_dir: Path = Field(default=Path(".aftersales"), description="embedded database, tokens, keys")
    host: str = "127.0.0.1"
    port: int = 8000
    run_projections: bool = Field(default=True, description="run projections inside the API process")
    log_level: str = "info"
    max_body_bytes: int = Field(default=1_048_576, description="larger request bodies get 413")
    pool_size: int = Field(default=16, description="database connections kept open for commands")
    workers: int = Field(default=1, ge=1, le=64, description="HTTP worker processes of `aftersales serve`")
    signing_key_file: Path | None = Field(
        default=None,
        description="Ed25519 key that signs checkpoints; default <data_dir>/integrity/checkpoint-signing.key",
    )
    subject_kek_file: Path | None = Field(
        default=None,
        description="key that wraps each data subject's key of personal data; "
        "default subject-kek.key beside the signing key",
    )
    checkpoint_log_file: Path | None = Field(
        default=None,
        description="checkpoint log outside the database; default checkpoints.jsonl beside the key",
    )
    log_origin: str = Field(
        default="aftersales-ledger.local/events",
        pattern=r"^[^\s+]+$",  # a C2SP key name: no spaces, no plus sign
        description="the checkpoints' origin line and key name; set it to a name your organisation owns",
    )
    checkpoint_every_events: int = Field(default=1000, ge=1, description="sign a checkpoint after this many")
    checkpoint_every_seconds: float = Field(
        default=60.0, gt=0, description="or after this many seconds, if any event is not yet checkpointed"
    )
    blob_store: Literal["postgres", "directory"] = Field(
        default="postgres",
        description="where evidence bytes live: in PostgreSQL beside the events, or in blob_dir",
    )
    blob_dir: Path | None = Field(
        default=None, description="the directory blob store; default <data_dir>/blobs"
    )
    max_upload_bytes: int = Field(default=50 * 1024 * 1024, ge=1, description="larger evidence files get 413")
    settlement_approval_threshold: Decimal = Field(
        default=Decimal("50000"),
        ge=0,
        description="a settlement moving more than this (in its contract's currency) needs a manager",
    )
    repeat_failures: int = Field(
        default=2,
        ge=1,
        description="a unit that failed this often with the same fault within warranty is proposed a "
        "replacement",
    )

    tsa_url: str | None = Field(
        default=None,
        pattern=r"^https?://",
        description="RFC 3161 time-stamping authority that stamps every signed checkpoint; unset: none",
    )
    tsa_cert_file: Path | None = Field(
        default=None,
        description="PEM: the TSA's certificate (tokens must be signed by it), then optionally its chain; "
        "a self-signed root in it is also checked with rfc3161-client",
    )
    tsa_timeout_seconds: float = Field(default=10.0, gt=0, description="how long to wait for the TSA")

    @property
    def signing_key_path(self) -> Path:
        return self.signing_key_file or self.data_dir / "integrity" / "checkpoint-signing.key"

    @property
    def subject_kek_path(self) -> Path:
        return self.subject_kek_file or self.signing_key_path.parent / "subject-kek.key"

    @property
    def blob_path(self) -> Path:
        return self.blob_dir or self.data_dir / "blobs"

    @property
    def checkpoint_log_path(self) -> Path:
        return self.checkpoint_log_file or self.signing_key_path.parent / "checkpoints.jsonl"
