"""The insurer's claim service (issue 12): ``zkclaims serve``, an HTTP API over the ledger.

* :mod:`.app` — the FastAPI application (:func:`create_app`) and its endpoints;
* :mod:`.api` — the request and response documents (pydantic models, OpenAPI);
* :mod:`.config` — one TOML file plus ``ZKCLAIMS_*`` environment variables;
* :mod:`.auth` — API keys (hashed, compared in constant time);
* :mod:`.bodies` — size-limited body reading and parsing that names the field;
* :mod:`.logs` — structured JSON logs that keep only safe fields;
* :mod:`.state` — the ledger, verifier and keys a running service holds;
* :mod:`.run` — uvicorn.

``docs/service.md`` describes the API, the configuration and the deployment.
"""

from zkclaims.service.app import create_app
from zkclaims.service.config import ApiKey, ServiceConfig, load_config

__all__ = ["ApiKey", "ServiceConfig", "create_app", "load_config"]
