"""``zkclaims serve`` (the HTTP service) and ``zkclaims apikey`` (a caller's key)."""

from __future__ import annotations

import argparse
import json

from zkclaims.cli._common import EXIT_OK, Sub

__all__ = ["register"]


def _cmd_serve(args: argparse.Namespace) -> int:
    from zkclaims.service.config import load_config

    if args.print_openapi:
        from zkclaims.service.openapi import openapi_text

        print(openapi_text(), end="")
        return EXIT_OK
    config = load_config(args.config, database_url=args.database, host=args.host,
                         port=args.port, workers=args.workers)
    if args.check:
        from zkclaims.service.state import ServiceState

        state = ServiceState(config)
        try:
            v = state.version()
        finally:
            state.close()
        print(f"ok: insurer {v.insurer}, rules {v.rules_version}, ledger revision"
              f" {v.schema_revision} ({state.registry.dialect}), {len(state.keys)} API keys,"
              f" would listen on {config.host}:{config.port}")
        return EXIT_OK
    from zkclaims.service.run import serve

    serve(config)
    return EXIT_OK


def _cmd_apikey(args: argparse.Namespace) -> int:
    from zkclaims.service.auth import hash_key, new_key
    from zkclaims.service.config import ApiKey

    key = new_key()
    entry = ApiKey(name=args.name, sha256=hash_key(key), opticians=tuple(args.optician),
                   scopes=tuple(args.scope or ["claims"]))
    doc = entry.model_dump(mode="json")
    if args.json:
        print(json.dumps({"key": key, "entry": doc}, indent=2))
        return EXIT_OK
    print(f"API key (give it to {args.name}; it is shown once and not stored):\n  {key}\n")
    print("Add to the service's configuration:\n")
    print("[[api_keys]]")
    print(f'name = "{entry.name}"')
    print(f'sha256 = "{entry.sha256}"')
    print(f"opticians = {json.dumps(list(entry.opticians))}")
    print(f"scopes = {json.dumps(list(entry.scopes))}")
    return EXIT_OK


def register(sub: Sub) -> None:
    """Add ``serve`` and ``apikey``."""
    p = sub.add_parser(
        "serve", help="run the insurer's claim service (HTTP API)",
        description="Serve the claim API (FastAPI on uvicorn) over the ledger: POST /v1/claims,"
        " POST /v1/claims:batch, GET /v1/claims/{id}, GET /v1/beneficiaries/{id}/history,"
        " /v1/health, /v1/version; OpenAPI at /openapi.json. Settings come from --config and"
        " ZKCLAIMS_* variables (docs/service.md). Listens on 127.0.0.1:8000 by default.",
    )
    p.add_argument("--config", default=None, metavar="FILE",
                   help="TOML configuration (default: $ZKCLAIMS_CONFIG)")
    p.add_argument("--database", default=None, metavar="URL",
                   help="ledger URL, sqlite:///FILE or postgresql://... (overrides the config)")
    p.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default 8000)")
    p.add_argument("--workers", type=int, default=None,
                   help="worker processes (default 1; use PostgreSQL for more)")
    p.add_argument("--check", action="store_true",
                   help="load the configuration, open (and migrate) the ledger, build the"
                   " verifier, print a summary and exit")
    p.add_argument("--print-openapi", action="store_true",
                   help="print the OpenAPI document (schemas/openapi.json) and exit")
    p.set_defaults(func=_cmd_serve)

    p = sub.add_parser(
        "apikey", help="make an API key for a caller of the service",
        description="Print a fresh API key (256 random bits) once, and the configuration entry"
        " holding its SHA-256 (the service stores only the hash).",
    )
    p.add_argument("--name", required=True, help="the caller's name (shown in logs)")
    p.add_argument("--optician", action="append", default=[], metavar="ID",
                   help="an optician the caller speaks for (repeat for a tiers-payant"
                   " operator)")
    p.add_argument("--scope", action="append", choices=["claims", "history"], default=None,
                   help="what the key may do: claims (default), history (repeatable)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_apikey)
