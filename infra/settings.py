from pathlib import Path

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
