"""Run the service with uvicorn (``zkclaims serve``).

One process by default. With ``workers > 1`` uvicorn starts that many processes, each building
the app from the configuration passed in ``ZKCLAIMS_SERVICE_CONFIG_JSON`` (the ledger's locks
keep them apart; PostgreSQL is the engine meant for it). The ledger is opened — and migrated,
with ``migrate_on_start`` — before the socket is bound, so a bad database URL or schema stops
the command with one line instead of a server that fails every request.
"""

from __future__ import annotations

import os
from typing import Any

from zkclaims.service.config import ServiceConfig
from zkclaims.service.logs import configure_logging, log_event, uvicorn_log_config

__all__ = ["serve", "app_from_env", "CONFIG_ENV"]

CONFIG_ENV = "ZKCLAIMS_SERVICE_CONFIG_JSON"
_LOOPBACK = ("127.0.0.1", "::1", "localhost")


def app_from_env() -> Any:
    """Build the app of a worker process (uvicorn factory): the config comes from the parent."""
    from zkclaims.service.app import create_app

    configure_logging(os.environ.get("ZKCLAIMS_LOG_LEVEL", "info"))
    return create_app(ServiceConfig.model_validate_json(os.environ[CONFIG_ENV]))


def serve(config: ServiceConfig) -> None:
    """Serve until interrupted (SIGINT/SIGTERM: graceful shutdown)."""
    import uvicorn

    from zkclaims.service.app import create_app

    configure_logging(config.log_level)
    if config.host not in _LOOPBACK:
        log_event("service.listening_beyond_loopback", host=config.host, port=config.port)
    common: dict[str, Any] = {
        "host": config.host, "port": config.port, "log_config": uvicorn_log_config(
            config.log_level), "access_log": False, "server_header": False,
        "timeout_graceful_shutdown": 10, "http": "httptools",
    }
    if config.workers == 1:
        app = create_app(config)
        log_event("service.starting", host=config.host, port=config.port, workers=1)
        uvicorn.run(app, **common)
        return
    # check the ledger and the verifier once here, then let every worker build its own
    create_app(config).state.service.close()
    os.environ[CONFIG_ENV] = config.model_dump_json()
    os.environ["ZKCLAIMS_LOG_LEVEL"] = config.log_level
    log_event("service.starting", host=config.host, port=config.port, workers=config.workers)
    uvicorn.run("zkclaims.service.run:app_from_env", factory=True, workers=config.workers,
                **common)
