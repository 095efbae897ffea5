"""One settings object, read from the environment and validated at start."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE = "leeto"
MAX_WORKERS = 64  # `leeto serve --workers`: far more than any machine it runs on has cores
# Pages on any local port (development only): what frontend dev servers run on.
LOCAL_ORIGINS = r"http://(localhost|127\.0\.0\.1)(:[0-9]{1,5})?"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class MetricsAccess(StrEnum):
    OFF = "off"
    OPEN = "open"
    TOKEN = "token"  # noqa: S105 - a mode's name


class LogFormat(StrEnum):
    JSON = "json"
    TEXT = "text"


class KmsProvider(StrEnum):
    LOCAL = "local"
    AWS = "aws"
    AZURE = "azure"
    GCP = "gcp"


class Settings(BaseSettings):
    """Every setting Leeto reads. The README's settings table mirrors this class."""

    model_config = SettingsConfigDict(env_prefix="LEETO_", extra="ignore", frozen=True)

    env: Environment = Environment.DEVELOPMENT
    mongodb_uri: str | None = Field(default=None, validation_alias="MONGODB_URI")
    data_dir: Path = Path(".leeto")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=MAX_WORKERS)
    devdb_port: int = Field(default=27017, ge=1, le=65535)
    graphiql: bool | None = None
    introspection: bool | None = None
    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()
    max_query_depth: int = Field(default=12, ge=2, le=50)
    max_query_tokens: int = Field(default=5000, ge=100)
    max_query_characters: int = Field(default=100_000, ge=1000)
    max_query_definitions: int = Field(default=200, ge=1)
    max_aliases: int = Field(default=30, ge=1)
    max_query_cost: int = Field(default=25_000, ge=100)
    # Field nodes once fragments are expanded, in the document and in one
    # selection set: bounds the work of validation (comparing same-named fields).
    max_query_fields: int = Field(default=2000, ge=100)
    max_selection_fields: int = Field(default=64, ge=10)
    # Pairs of same-named fields validation compares (OverlappingFieldsCanBeMerged).
    max_field_comparisons: int = Field(default=2000, ge=100)
    # DataLoaders batch the keys a request asks for into one query each; false
    # loads every key on its own (the benchmark's naive baseline, never production).
    loader_batching: bool = True
    operation_timeout_seconds: float = Field(default=30, gt=0, le=3600)
    # Queries run from compiled plans (execution/); false: graphql-core's executor.
    fast_execution: bool = True
    ws_max_message_bytes: int = Field(default=65536, ge=1024, le=16 * 1024 * 1024)
    # graphql-transport-ws: a socket without connection_init by then closes with 4408.
    ws_init_timeout_seconds: float = Field(default=10, gt=0, le=600)
    # Strict-Transport-Security max-age; set it only when TLS is in front. 0 = not sent.
    hsts_seconds: int = Field(default=0, ge=0)
    log_level: str = "info"
    # Unset: JSON lines in production, text elsewhere.
    log_format: LogFormat | None = None
    # Prometheus metrics at /metrics. Unset: `token` when a token is given, else
    # `open` outside production and `off` in production.
    metrics: MetricsAccess | None = None
    metrics_token: SecretStr | None = None

    # Personal data encryption (client-side field level encryption).
    kms_provider: KmsProvider = KmsProvider.LOCAL
    kms_credentials: SecretStr | None = None
    kms_master_key: str | None = None
    key_vault_namespace: str = "encryption.__keyVault"
    key_cache_seconds: float = Field(default=60, gt=0, le=86400)

    # Password hashing (argon2id); the defaults are RFC 9106's low-memory profile.
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8192)
    argon2_parallelism: int = Field(default=4, ge=1)

    # Access tokens (EdDSA JWTs). Production needs a private key, as a PEM value
    # or a file; development generates one in LEETO_DATA_DIR/keys. Public keys
    # listed here stay trusted for verification, so a retired signing key's
    # tokens keep working until they expire (key rotation).
    jwt_private_key: SecretStr | None = None
    jwt_private_key_file: Path | None = None
    jwt_public_keys: str | None = None  # one or more PEM blocks, concatenated
    jwt_public_key_files: Annotated[tuple[Path, ...], NoDecode] = ()
    jwt_issuer: str = Field(default="leeto", min_length=1)
    jwt_audience: str = Field(default="leeto-api", min_length=1)
    access_token_ttl_seconds: int = Field(default=900, ge=60, le=3600)
    refresh_token_ttl_days: int = Field(default=30, ge=1, le=365)
    refresh_token_idle_days: int = Field(default=7, ge=1, le=365)
    refresh_reuse_grace_seconds: float = Field(default=0, ge=0, le=60)

    # Throttling: free failed log-ins per account and per client address within
    # the window, then exponential back-off up to the maximum delay. The address
    # allowance is larger because a campus shares one address behind its NAT.
    login_free_failures: int = Field(default=5, ge=0)
    login_free_failures_per_address: int = Field(default=50, ge=0)
    login_throttle_window_seconds: int = Field(default=900, ge=1)
    login_max_delay_seconds: int = Field(default=900, ge=1)
    signup_limit_per_address: int = Field(default=10, ge=1)
    signup_window_seconds: int = Field(default=3600, ge=1)

    # Rate limits by cost: every operation is charged its computed cost (at least
    # 1 point) against a budget per window, per viewer or per client address when
    # anonymous. 0 turns the limit off. Counters live in process memory, or in
    # Redis when `redis_url` is set, so that several processes share one budget.
    rate_limit_points: int = Field(default=500_000, ge=0)
    rate_limit_window_seconds: int = Field(default=3600, ge=1, le=86400)
    redis_url: str | None = None

    # Subscriptions: events travel in process, or over Redis pub/sub when
    # `redis_url` is set (one pub/sub connection per process). Each subscription
    # queues at most this many undelivered events; a fuller one is ended.
    subscription_queue_size: int = Field(default=100, ge=1, le=10_000)

    # Response cache: whole responses of cacheable queries (see README "Response
    # cache"), in process memory up to `response_cache_max_bytes` (least recently
    # used go first), or in Redis when `redis_url` is set, shared by every process.
    response_cache: bool = True
    response_cache_max_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    response_cache_max_age_seconds: int = Field(default=60, ge=1, le=86400)

    # Persisted operations: automatic persisted queries (Apollo's protocol, stored
    # in MongoDB with an in-memory LRU of this many documents in front), or, with a
    # trusted documents manifest, only the manifest's operations.
    persisted_queries: bool = True
    persisted_query_cache_size: int = Field(default=1000, ge=0)
    trusted_documents: Path | None = None

    # Graceful shutdown (SIGTERM): how long to keep serving while /readyz says 503
    # before accepting stops, and how long in-flight requests may then take.
    shutdown_drain_seconds: float = Field(default=0, ge=0, le=300)
    shutdown_grace_seconds: int = Field(default=30, ge=1, le=3600)

    # Background jobs (package jobs/): with `redis_url` they go through a Redis
    # stream to `leeto worker`; without it they run inside the server process.
    # E-mail goes to an SMTP server (smtp:// or smtps://, user:password@ optional);
    # unset, each message is written as an .eml file under `data_dir`/mail.
    smtp_url: SecretStr | None = None
    mail_from: str = "Leeto <no-reply@leeto.invalid>"
    job_max_attempts: int = Field(default=5, ge=1, le=50)
    job_retry_base_seconds: float = Field(default=2.0, gt=0, le=3600)
    job_redeliver_seconds: float = Field(default=600, ge=1, le=86400)
    outbox_sweep_seconds: float = Field(default=60, ge=0.5, le=86400)
    reminder_scan_seconds: float = Field(default=300, ge=0.5, le=86400)
    cleanup_interval_seconds: float = Field(default=600, ge=0.5, le=86400)

    # `leeto users create-admin` reads the password from here, else prompts.
    admin_password: SecretStr | None = None

    @field_validator("mongodb_uri")
    @classmethod
    def _check_uri(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("mongodb://", "mongodb+srv://")):
            raise ValueError("MONGODB_URI must start with mongodb:// or mongodb+srv://")
        return value

    @field_validator("smtp_url")
    @classmethod
    def _check_smtp_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or value.get_secret_value() == "":
            return None
        parts = urlsplit(value.get_secret_value())
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise ValueError("LEETO_SMTP_URL must look like smtp://host:port or smtps://host:port")
        return value

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("redis://", "rediss://", "redis+unix://")):
            raise ValueError("LEETO_REDIS_URL must start with redis://, rediss:// or redis+unix://")
        return value

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        level = value.lower()
        if level not in {"debug", "info", "warning", "error"}:
            raise ValueError("LEETO_LOG_LEVEL must be debug, info, warning or error")
        return level

    @field_validator("jwt_public_key_files", mode="before")
    @classmethod
    def _split_paths(cls, value: Any) -> Any:
        # A comma-separated list reads better in an environment variable than JSON.
        if isinstance(value, str):
            return tuple(Path(part.strip()) for part in value.split(",") if part.strip())
        return value

    @field_validator("key_vault_namespace")
    @classmethod
    def _check_namespace(cls, value: str) -> str:
        db, _, coll = value.partition(".")
        if not db or not coll:
            raise ValueError("LEETO_KEY_VAULT_NAMESPACE must be <database>.<collection>")
        return value

    @model_validator(mode="after")
    def _check_production(self) -> Settings:
        if self.env is Environment.PRODUCTION and self.mongodb_uri is None:
            raise ValueError("MONGODB_URI is required when LEETO_ENV=production")
        if self.jwt_private_key is not None and self.jwt_private_key_file is not None:
            raise ValueError("set LEETO_JWT_PRIVATE_KEY or LEETO_JWT_PRIVATE_KEY_FILE, not both")
        if self.is_production and (
            self.argon2_memory_kib < 65536
            or self.argon2_memory_kib * self.argon2_time_cost < 65536 * 3
        ):
            raise ValueError(
                "argon2 settings weaker than RFC 9106's low-memory profile (64 MiB, 3 passes) "
                "are refused when LEETO_ENV=production"
            )
        if self.refresh_token_idle_days > self.refresh_token_ttl_days:
            raise ValueError(
                "LEETO_REFRESH_TOKEN_IDLE_DAYS cannot exceed LEETO_REFRESH_TOKEN_TTL_DAYS"
            )
        token = self.metrics_token.get_secret_value() if self.metrics_token else None
        if self.metrics is MetricsAccess.TOKEN and token is None:
            raise ValueError("LEETO_METRICS=token needs LEETO_METRICS_TOKEN")
        if token is not None and self.metrics_access is not MetricsAccess.TOKEN:
            raise ValueError("LEETO_METRICS_TOKEN is set but LEETO_METRICS is not token")
        if token is not None and len(token) < 16:
            raise ValueError("LEETO_METRICS_TOKEN must be at least 16 characters")
        if 0 < self.rate_limit_points < self.max_query_cost:
            raise ValueError(
                "LEETO_RATE_LIMIT_POINTS must be at least LEETO_MAX_QUERY_COST (or 0 for no "
                "limit): an operation the cost limit allows must fit in an empty budget"
            )
        if self.kms_provider is not KmsProvider.LOCAL:
            if self.kms_credentials is None or self.kms_master_key is None:
                raise ValueError(
                    "LEETO_KMS_CREDENTIALS and LEETO_KMS_MASTER_KEY (JSON objects) are "
                    f"required with LEETO_KMS_PROVIDER={self.kms_provider.value}"
                )
            for name, raw in (
                ("LEETO_KMS_CREDENTIALS", self.kms_credentials.get_secret_value()),
                ("LEETO_KMS_MASTER_KEY", self.kms_master_key),
            ):
                try:
                    parsed = json.loads(raw)
                except ValueError:
                    raise ValueError(f"{name} must be a JSON object") from None
                if not isinstance(parsed, dict):
                    raise ValueError(f"{name} must be a JSON object")
        return self

    @property
    def keys_dir(self) -> Path:
        """Where development keeps local master keys and token signing keys."""
        return self.data_dir / "keys"

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION

    @property
    def effective_log_format(self) -> LogFormat:
        if self.log_format is not None:
            return self.log_format
        return LogFormat.JSON if self.is_production else LogFormat.TEXT

    @property
    def metrics_access(self) -> MetricsAccess:
        if self.metrics is not None:
            return self.metrics
        if self.metrics_token is not None:
            return MetricsAccess.TOKEN
        return MetricsAccess.OFF if self.is_production else MetricsAccess.OPEN

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("cors_origins")
    @classmethod
    def _check_origins(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for origin in value:
            if origin == "*" or not origin.startswith(("https://", "http://")):
                raise ValueError(
                    "LEETO_CORS_ORIGINS takes comma-separated origins such as "
                    "https://app.example.com (no wildcard: requests carry credentials)"
                )
        return value

    @property
    def cors_origin_regex(self) -> str | None:
        """In development, pages served from any local port (a Vite or Next.js dev
        server) may call the API, besides LEETO_CORS_ORIGINS."""
        return LOCAL_ORIGINS if self.env is Environment.DEVELOPMENT else None

    @property
    def introspection_enabled(self) -> bool:
        if self.introspection is not None:
            return self.introspection
        return self.env is not Environment.PRODUCTION

    @property
    def graphiql_enabled(self) -> bool:
        if self.graphiql is not None:
            return self.graphiql
        return self.env is Environment.DEVELOPMENT

    @property
    def uses_embedded_engine(self) -> bool:
        return self.mongodb_uri is None

    def database_uri(self) -> str:
        """The URI the app connects to: MONGODB_URI, or the embedded engine's."""
        if self.mongodb_uri is not None:
            return self.mongodb_uri
        return f"mongodb://127.0.0.1:{self.devdb_port}/{DEFAULT_DATABASE}"

    @property
    def database_name(self) -> str:
        return database_name_from_uri(self.database_uri())


def variable_name(field: str) -> str:
    """The environment variable that sets a Settings field."""
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info is not None else None
    return (
        alias if isinstance(alias, str) else f"{Settings.model_config['env_prefix']}{field.upper()}"
    )


def database_name_from_uri(uri: str) -> str:
    """The database named in the URI's path, as MongoDB tools read it."""
    path = urlsplit(uri).path.lstrip("/")
    return path or DEFAULT_DATABASE


def load_settings() -> Settings:
    return Settings()
