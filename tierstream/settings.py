"""Runtime settings: read once at start-up from `TIERSTREAM_*` environment variables.

The object is frozen; code receives it as an argument rather than reading the
environment itself, so tests build their own `Settings(...)` with unique topics.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from tierstream.policy import DEFAULT_POLICY_FILE


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TIERSTREAM_", frozen=True, extra="forbid")

    bootstrap_servers: str = Field(
        "localhost:9092", description="Comma-separated host:port list of the Kafka brokers."
    )
    app_id: str = Field(
        "tierstream", description="faust app id: consumer group and changelog topic prefix."
    )

    input_topic: str = "customer-events"
    tier_changes_topic: str = "customer-tier-changes"
    alerts_topic: str = "customer-alerts"
    challenger_tier_changes_topic: str = Field(
        "customer-tier-changes-challenger", description="Tier changes decided under the "
        "challenger (shadow) policy, while one runs (docs/policies.md)."
    )
    challenger_alerts_topic: str = Field(
        "customer-alerts-challenger", description="Alerts decided under the challenger "
        "(shadow) policy, while one runs."
    )
    latest_topic: str = "customer-tiers"
    dlq_topic: str = "customer-events-dlq"
    dlq_retention_days: Annotated[float, Field(gt=0, le=3650)] = Field(
        30, description="How long the dead-letter topic keeps rejected records (set by "
        "`tierstream topics create`): long enough to inspect and replay them, bounded "
        "because they may hold personal data."
    )
    erasures_topic: str = Field(
        "customer-erasures", description="Audit records of erased customers (who asked, "
        "when, which policy); kept without a time limit by `tierstream topics create`."
    )
    partitions: Annotated[int, Field(ge=1, le=1024)] = 8
    replication_factor: Annotated[int, Field(ge=1, le=16)] = 1

    policy_file: Path = DEFAULT_POLICY_FILE
    policy_topic: str = Field(
        "tier-policies", description="Compacted topic for live policy rollout (latest wins)."
    )
    reevaluation_interval_seconds: Annotated[float, Field(gt=0, le=86400)] = Field(
        30.0, description="How often due customers (cool-off, override expiry, ageing) are "
        "re-evaluated at stream time."
    )
    max_message_bytes: Annotated[int, Field(ge=1024)] = 65536
    processing_guarantee: Literal["at_least_once", "exactly_once"] = "at_least_once"

    store: str = Field("rocksdb://", description="faust table store: rocksdb:// or memory://")
    rocksdb_write_buffer_mb: Annotated[int, Field(ge=1, le=1024)] = Field(
        8, description="RocksDB memtable size per table partition (two at most): the "
        "writes a partition holds in memory before flushing them to disk."
    )
    rocksdb_block_cache_mb: Annotated[int, Field(ge=1, le=4096)] = Field(
        8, description="RocksDB read cache per table partition; the operating system's "
        "page cache serves the rest from the local disk."
    )
    data_dir: Path = Path("data")
    web_host: str = "127.0.0.1"
    web_port: Annotated[int, Field(ge=1, le=65535)] = 6066
    web_bind: str = Field(
        "", description="Address the HTTP server listens on (empty: web_host). web_host is "
        "the name other workers use to reach this one (query API routing)."
    )
    query_port: Annotated[int, Field(ge=1, le=65535)] = Field(
        6067, description="Port of `tierstream serve`, the read-only query process (it "
        "listens on web_bind, or web_host)."
    )
    query_max_loop_lag_seconds: Annotated[float, Field(gt=0, le=60)] = Field(
        0.1, description="`tierstream serve` answers 503 (Retry-After) to queries while its "
        "event loop is this far behind: saturated, it sheds load instead of queueing it."
    )
    query_max_requests_per_second: Annotated[float, Field(ge=0)] = Field(
        0.0, description="`tierstream serve` answers 429 (Retry-After) to queries beyond this "
        "rate (0: no limit); caps the CPU a replica takes on a host shared with workers."
    )
    api_token_file: str = Field(
        "", description="File of accepted bearer tokens for the query API, one per line "
        "(empty: the API is unauthenticated). Re-read when it changes (docs/security.md)."
    )
    web_certfile: str = Field(
        "", description="PEM certificate (chain) of the HTTP server; set it to serve HTTPS."
    )
    web_keyfile: str = Field("", description="Private key of web_certfile (empty: in it).")
    web_cafile: str = Field(
        "", description="CA bundle workers verify each other's HTTPS with (empty: system CAs)."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    batch_size: Annotated[int, Field(ge=1, le=100_000)] = Field(
        500, description="Most input records the worker decides in one batch (one broker "
        "acknowledgement and one state write per customer per batch)."
    )
    batch_wait_seconds: Annotated[float, Field(gt=0, le=10)] = Field(
        0.005, description="How long the worker waits to fill a batch before deciding what "
        "it has: the most a batch adds to an event's latency."
    )
    session_timeout_seconds: Annotated[float, Field(ge=6, le=300)] = Field(
        60.0, description="How long the group waits for a silent (crashed) worker before "
        "giving its partitions to the others: the failover time after a kill -9."
    )

    # Broker security (streams/kafka/security.py turns these into client arguments).
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        "PLAINTEXT", description="How clients talk to the brokers: TLS, SASL, both or neither."
    )
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "PLAIN"
    sasl_username: str = ""
    sasl_password: SecretStr = SecretStr("")
    ssl_cafile: str = Field("", description="CA bundle to verify the brokers (empty: system CAs).")
    ssl_certfile: str = Field("", description="Client certificate for mutual TLS (optional).")
    ssl_keyfile: str = ""
    ssl_check_hostname: bool = True

    def broker_urls(self) -> list[str]:
        return [f"kafka://{hp.strip()}" for hp in self.bootstrap_servers.split(",") if hp.strip()]

    @property
    def reevaluation_topic(self) -> str:
        """Internal, co-partitioned with the input: re-evaluation requests from the timer."""
        return f"{self.app_id}-reevaluations"

    def output_topics(self) -> tuple[str, str, str, str]:
        return (self.tier_changes_topic, self.alerts_topic, self.latest_topic, self.dlq_topic)


def load_settings() -> Settings:
    """The one place the environment is read."""
    return Settings()
