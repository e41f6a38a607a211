"""Helpers of the service tests: a configuration on disk, API keys, a client that records."""

from __future__ import annotations

import collections
import json
import re
from pathlib import Path

from zkclaims.prescriber import TrustedPrescribers
from zkclaims.service.auth import hash_key

from .ledger_helpers import INSURER, OPTICIAN

KEYS = {
    "optician": "zk_optician-key-0123456789abcdef0123456789abcdef",
    "operator": "zk_operator-key-0123456789abcdef0123456789abcdef",
    "auditor": "zk_auditor-key-0123456789abcdef0123456789abcdef0",
    "other": "zk_other-optician-key-0123456789abcdef0123456789",
}
OTHER_OPTICIAN = "FINESS-690000001"


def auth(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {KEYS[name]}"}


def write_config(folder: Path, database_url: str, *, trusted: str | None = None,
                 extra: str = "") -> Path:
    """A service configuration file (and its trusted-prescribers file) in ``folder``.

    ``trusted`` is the trusted prescribers' JSON (none trusted by default).
    """
    folder.mkdir(parents=True, exist_ok=True)
    if trusted is None:
        TrustedPrescribers().save(folder / "prescribers.json")
    else:
        (folder / "prescribers.json").write_text(trusted, encoding="utf-8")
    keys = [
        ("optician", [OPTICIAN], ["claims"]),
        ("operator", [OPTICIAN, OTHER_OPTICIAN], ["claims", "history"]),
        ("auditor", [], ["history"]),
        ("other", [OTHER_OPTICIAN], ["claims"]),
    ]
    lines = [
        f'insurer = "{INSURER}"',
        f"database_url = {json.dumps(database_url)}",
        'trusted_prescribers = "prescribers.json"',
        "max_body_bytes = 16384",
        "max_batch_items = 40",
        extra,
    ]
    for name, opticians, scopes in keys:
        lines += ["[[api_keys]]", f'name = "{name}"', f'sha256 = "{hash_key(KEYS[name])}"',
                  f"opticians = {json.dumps(opticians)}", f"scopes = {json.dumps(scopes)}"]
    path = folder / "service.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


#: (method, path template) -> the statuses the tests of a session saw
SEEN: dict[tuple[str, str], set[int]] = collections.defaultdict(set)

_TEMPLATES = [
    (re.compile(r"^/v1/claims:batch$"), "/v1/claims:batch"),
    (re.compile(r"^/v1/claims$"), "/v1/claims"),
    (re.compile(r"^/v1/claims/.+$"), "/v1/claims/{claim_id}"),
    (re.compile(r"^/v1/beneficiaries/.+/history$"), "/v1/beneficiaries/{member_id}/history"),
]


def template(path: str) -> str:
    for rx, name in _TEMPLATES:
        if rx.match(path):
            return name
    return path


def record(response) -> None:
    """Note the status a response had for its operation (the coverage test reads SEEN)."""
    req = response.request
    SEEN[(req.method.lower(), template(req.url.path))].add(response.status_code)
