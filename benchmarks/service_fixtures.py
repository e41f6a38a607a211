"""Real claim bundles and a real service process, for the service benchmark and tests.

Each claim is for its own member (its own INS, hence its own prescription commitment), with
the README's sample prescription and equipment, prescribed 30 days and delivered 7 days
before ``today``: every bundle is valid, distinct and payable. Proving costs about 0.1-0.3 s a
bundle; ``workers > 1`` proves in that many processes.
"""

from __future__ import annotations

import datetime as _dt
import json
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
PRESCRIBER_ID = "RPPS-10000000009"
INSURER = "AMC-75000123"
OPTICIAN = "FINESS-750012345"

__all__ = ["SampleClaims", "ServiceProcess", "free_port", "ins_number", "make_claims", "member",
           "prove_bundle"]


def ins_number(i: int) -> str:
    """A valid INS (NIR) number for member ``i`` (key computed)."""
    body = f"1680675{i:06d}"
    return body + f"{97 - int(body) % 97:02d}"


def member(i: int, birth: _dt.date = _dt.date(1968, 6, 1)) -> Any:
    """The insurer's record of member ``i``."""
    from zkclaims.domain.patient import Beneficiary

    return Beneficiary(member_id=f"MBR-{i:06d}", ins=ins_number(i), birth_date=birth)


def _example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def prove_bundle(args: tuple[str, str, str, str, str]) -> str:
    """Prove one bundle from JSON inputs (opening, attestation, equipment, claim, today)."""
    from zkclaims.domain import Equipment
    from zkclaims.domain.claim import Attestation, Claim
    from zkclaims.prescriber import Opening
    from zkclaims.prover import prove_claim

    opening, attestation, equipment, claim, today = args
    bundle = prove_claim(
        Opening.model_validate_json(opening),
        attestation=Attestation.model_validate_json(attestation),
        equipment=Equipment.model_validate_json(equipment),
        claim=Claim.model_validate_json(claim),
        today=_dt.date.fromisoformat(today),
    )
    return bundle.model_dump_json()


@dataclass
class SampleClaims:
    """What :func:`make_claims` made: the prescriber's key, the trust file, members, bundles."""

    key: Any
    trusted_json: str
    members: list[Any]
    bundles: list[str]
    openings: list[tuple[str, str]] = field(default_factory=list)  # (opening, attestation)
    today: _dt.date = field(default_factory=_dt.date.today)

    def inputs(self, i: int, *, claim_id: str, optician: str = OPTICIAN,
               member_id: str | None = None, delivered: _dt.date | None = None,
               insurer: str = INSURER) -> tuple[str, str, str, str, str]:
        """The prover's inputs for another claim on member ``i``'s prescription."""
        delivered = delivered or self.today - _dt.timedelta(days=7)
        eq = _example("equipment.json")
        eq["delivered_on"] = delivered.isoformat()
        claim = {"insurer": insurer, "claim_id": claim_id, "optician": optician,
                 "beneficiary": member_id or self.members[i].member_id,
                 "delivered_on": delivered.isoformat()}
        opening, attestation = self.openings[i]
        return (opening, attestation, json.dumps(eq), json.dumps(claim), self.today.isoformat())


def make_claims(n: int, *, today: _dt.date | None = None, workers: int = 1,
                insurer: str = INSURER, optician: str = OPTICIAN,
                claim_prefix: str = "CLM") -> SampleClaims:
    """Prescribe and prove ``n`` claims, one per member (see the module docstring)."""
    from zkclaims.domain import Prescription
    from zkclaims.domain.patient import Patient
    from zkclaims.prescriber import TrustedPrescribers, generate_key, prescribe

    today = today or _dt.date.today()
    key = generate_key()
    trusted = TrustedPrescribers()
    trusted.add(PRESCRIBER_ID, key)
    rx_doc = _example("prescription.json")
    rx_doc["issued_on"] = (today - _dt.timedelta(days=30)).isoformat()
    rx = Prescription.model_validate(rx_doc)
    members = [member(i) for i in range(n)]
    out = SampleClaims(key, json.dumps(trusted.model_dump(mode="json")), members, [],
                       today=today)
    for m in members:
        opening, attestation = prescribe(
            rx, patient=Patient(ins=m.ins, birth_date=m.birth_date), key=key,
            prescriber_id=PRESCRIBER_ID)
        out.openings.append((opening.model_dump_json(), attestation.model_dump_json()))
    jobs = [out.inputs(i, claim_id=f"{claim_prefix}-{i:06d}", optician=optician,
                       insurer=insurer) for i in range(n)]
    if workers > 1 and n > 16:  # a pool costs its start-up: worth it for many bundles
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            out.bundles = list(pool.map(prove_bundle, jobs, chunksize=max(1, n // (4 * workers))))
    else:
        out.bundles = [prove_bundle(j) for j in jobs]
    return out


# -- a real service process --------------------------------------------------------------------

_PR_SET_PDEATHSIG = 1


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:  # in the child, before exec: killed if the parent dies
    import ctypes
    import signal

    try:
        ctypes.CDLL("libc.so.6").prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        pass


class ServiceProcess:
    """``python -m zkclaims.cli serve --config FILE --port P`` on 127.0.0.1, logs in a file.

    ``start()`` waits for ``/v1/health``; ``stop()`` sends SIGINT (graceful), then kills;
    ``kill9()`` kills it outright. The child also dies with this process.
    """

    def __init__(self, config: Path, *, log: Path, env: dict[str, str] | None = None):
        import os

        self.config, self.log_path = config, log
        self.env = {**os.environ, **(env or {})}
        self.proc: Any = None
        self.port = 0

    @property
    def url(self) -> str:
        """The service's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120) -> ServiceProcess:
        """Start on a free port (another one if it was taken meanwhile) and wait for health."""
        import subprocess
        import sys
        import time

        import httpx

        for _attempt in range(3):
            self.port = free_port()
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen(
                    [sys.executable, "-m", "zkclaims.cli", "serve", "--config",
                     str(self.config), "--port", str(self.port)],
                    stdout=log, stderr=log, env=self.env, preexec_fn=_die_with_parent,
                )
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    if httpx.get(f"{self.url}/v1/health", timeout=2).status_code == 200:
                        return self
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
            if self.proc.poll() is None:
                self.stop()
                raise RuntimeError(f"service did not start in {timeout} s:\n"
                                   f"{self.logs()[-3000:]}")
        raise RuntimeError(f"service exited at start:\n{self.logs()[-3000:]}")

    def kill9(self) -> None:
        """SIGKILL, and wait for it to be gone."""
        import signal

        proc, self.proc = self.proc, None
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)

    def stop(self) -> None:
        """SIGINT (graceful shutdown), then SIGKILL after 20 s."""
        import signal
        import subprocess

        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def cpu_seconds(self) -> float:
        """The server's CPU time so far (user + system), from /proc."""
        import os

        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def logs(self) -> str:
        """What the service wrote so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> ServiceProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
