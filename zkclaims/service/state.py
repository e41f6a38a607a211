"""What a running service holds: its configuration, ledger, verifier, keys and calendar."""

from __future__ import annotations

import datetime as _dt
from typing import Any
from zoneinfo import ZoneInfo

from zkclaims.registry import Registry, open_registry
from zkclaims.registry.ingest import Ingestor, setup_digest
from zkclaims.registry.migrate import head_revision
from zkclaims.service.api import CircuitVersion, Version
from zkclaims.service.auth import KeyRing
from zkclaims.service.config import ServiceConfig

__all__ = ["ServiceState", "build_verifier"]


def build_verifier(config: ServiceConfig) -> Any:
    """Build the :class:`~zkclaims.verifier.Verifier` the configuration describes."""
    from zkclaims.cli._common import load_model
    from zkclaims.domain.claim import Contract
    from zkclaims.prescriber import TrustedPrescribers
    from zkclaims.verifier import Verifier

    trusted = load_model(TrustedPrescribers, config.trusted_prescribers, "trusted_prescribers")
    contract = (load_model(Contract, config.contract, "contract")
                if config.contract else None)
    kwargs: dict[str, Any] = {"insurer": config.insurer, "contract": contract}
    if config.claim_deadline_days is not None:
        kwargs["claim_deadline_days"] = config.claim_deadline_days
    if config.tariffs is not None:
        from zkclaims.domain.lpp import load_tariffs

        kwargs["tariffs"] = load_tariffs(config.tariffs)
    return Verifier(trusted, **kwargs)


class ServiceState:
    """Opens the ledger (migrating it when ``migrate_on_start``) and builds the verifier."""

    def __init__(self, config: ServiceConfig, *, registry: Registry | None = None) -> None:
        self.config = config
        self.keys = KeyRing(config.all_api_keys())
        self.verifier = build_verifier(config)
        self.registry = registry or open_registry(
            config.database_url, migrate=config.migrate_on_start,
            sqlite_synchronous=config.sqlite_synchronous,
            busy_timeout_ms=config.busy_timeout_ms,
        )
        self.zone = ZoneInfo(config.timezone)
        self.ingestor = Ingestor(self.registry, self.verifier, today=self.today)

    def today(self) -> _dt.date:
        """Return the insurer's calendar day now (its time zone)."""
        return _dt.datetime.now(self.zone).date()

    def version(self) -> Version:
        """Return the service's :class:`Version` document."""
        from zkclaims.circuits import artifact_names, circuit_info
        from zkclaims.registry.store import package_version

        circuits = []
        for name in artifact_names():
            info = circuit_info(name)
            circuits.append(CircuitVersion(
                name=name, circuit_id=info["circuit_id"], setup=info.get("setup"),
                setup_digest=setup_digest(info["circuit_id"]),
            ))
        return Version(package=package_version(), rules_version=self.ingestor.rules_version,
                       schema_revision=head_revision(), insurer=self.config.insurer,
                       circuits=circuits)

    def close(self) -> None:
        """Close the ledger's connections."""
        self.registry.close()
