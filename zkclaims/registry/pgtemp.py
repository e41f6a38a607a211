"""A throwaway PostgreSQL cluster on a Unix socket, for tests, benchmarks and trying things out.

``with ThrowawayPostgres() as pg: url = pg.create_database("ledger")`` runs ``initdb`` in a
fresh temporary folder and starts ``postgres`` in the foreground as a child process that
listens **only** on a Unix socket in that folder (``listen_addresses=''``: no TCP), with trust
authentication for the ``zkclaims`` role. Leaving the block stops the server (fast shutdown,
then immediate) and deletes the folder. The server also dies with the process that started it
(Linux parent-death signal), so a killed test run leaves no server behind.

PostgreSQL refuses to run as root. When this process is root, the cluster runs as the
``postgres`` system user (Debian's packages create it), else as ``nobody``; the folder is
given to that user. The binaries are found on ``PATH`` (``initdb``, ``postgres``), else in
Debian's ``/usr/lib/postgresql/<version>/bin``; :func:`unavailable_reason` says why not.
"""

from __future__ import annotations

import ctypes
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

__all__ = ["ThrowawayPostgres", "find_bindir", "unavailable_reason", "TEST_SETTINGS"]

#: Settings for a test cluster: nothing survives a crash of the *server* (tests never crash
#: it; a killed service process is a client and loses nothing), and it is quick.
TEST_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "shared_buffers": "32MB",
}

_ROLE = "zkclaims"
_PR_SET_PDEATHSIG = 1


def find_bindir() -> Path | None:
    """Return the folder of ``initdb`` and ``postgres`` (None: PostgreSQL is not installed)."""
    initdb = shutil.which("initdb")
    if initdb and shutil.which("postgres"):
        return Path(os.path.realpath(initdb)).parent
    found = []
    for d in Path("/usr/lib/postgresql").glob("*/bin"):
        if (d / "initdb").is_file() and (d / "postgres").is_file():
            m = re.match(r"\d+", d.parent.name)
            found.append((int(m.group()) if m else 0, d))
    return max(found)[1] if found else None


def _run_as() -> pwd.struct_passwd | None:
    """Return the unprivileged user to run the cluster as (None: this process's user)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    return None


def unavailable_reason() -> str | None:
    """Why a throwaway cluster cannot be started here, or None when it can."""
    if find_bindir() is None:
        return ("PostgreSQL server binaries not found (initdb/postgres on PATH or in"
                " /usr/lib/postgresql/*/bin): install Debian's postgresql package")
    if os.geteuid() == 0 and _run_as() is None:
        return "running as root and neither a 'postgres' nor a 'nobody' user exists"
    return None


def _die_with_parent() -> None:  # runs in the child, after the user switch, before exec
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGQUIT)
    except OSError:  # not Linux: the atexit/finaliser stop is all there is
        pass


class ThrowawayPostgres:
    """A temporary PostgreSQL cluster (see the module docstring). Not for production."""

    def __init__(self, settings: dict[str, str] | None = None, *, start_timeout: float = 60):
        self.settings = dict(TEST_SETTINGS if settings is None else settings)
        self.start_timeout = start_timeout
        self.root: Path | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self._n = 0

    # -- life cycle ----------------------------------------------------------------------------
    def __enter__(self) -> ThrowawayPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _as_user(self) -> dict[str, Any]:
        user = _run_as()
        if user is None:
            return {}
        return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}

    def start(self) -> ThrowawayPostgres:
        """Run initdb and start the server; return self once the server accepts connections."""
        reason = unavailable_reason()
        if reason:
            raise RuntimeError(f"throwaway PostgreSQL: {reason}")
        bindir = find_bindir()
        assert bindir is not None
        self.root = Path(tempfile.mkdtemp(prefix="zkpg-"))
        user = _run_as()
        if user is not None:
            os.chown(self.root, user.pw_uid, user.pw_gid)
        data = self.root / "data"
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "TZ": "UTC"}
        try:
            subprocess.run(
                [str(bindir / "initdb"), "-D", str(data), "-U", _ROLE, "--auth=trust",
                 "--encoding=UTF8", "--locale=C", "--no-sync"],
                cwd=self.root, env=env, check=True, capture_output=True, timeout=120,
                **self._as_user(),
            )
            args = [str(bindir / "postgres"), "-D", str(data), "-k", str(self.root),
                    "-c", "listen_addresses=", "-c", "port=5432"]
            for k, v in self.settings.items():
                args += ["-c", f"{k}={v}"]
            log = open(self.root / "server.log", "wb")  # noqa: SIM115 - kept for the child
            self.proc = subprocess.Popen(
                args, cwd=self.root, env=env, stdout=log, stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent, **self._as_user(),
            )
            log.close()
            self._wait_ready()
        except BaseException as exc:
            detail = getattr(exc, "stderr", b"") or b""
            self.stop()
            if isinstance(exc, subprocess.CalledProcessError):
                raise RuntimeError(
                    f"throwaway PostgreSQL: initdb failed: {detail.decode(errors='replace')}"
                ) from None
            raise
        return self

    def _wait_ready(self) -> None:
        import psycopg

        deadline = time.monotonic() + self.start_timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"throwaway PostgreSQL exited: {self.server_log()[-2000:]}")
            try:
                psycopg.connect(self.conninfo("postgres"), connect_timeout=2).close()
                return
            except psycopg.OperationalError as exc:
                last = exc
                time.sleep(0.05)
        raise RuntimeError(f"throwaway PostgreSQL did not start in {self.start_timeout} s: {last}")

    def stop(self) -> None:
        """Stop the server (fast shutdown, then immediate, then kill) and delete the folder."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            for sig, wait in ((signal.SIGINT, 20), (signal.SIGQUIT, 10), (signal.SIGKILL, 10)):
                try:
                    proc.send_signal(sig)
                    proc.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    @property
    def running(self) -> bool:
        """True while the server process is alive."""
        return self.proc is not None and self.proc.poll() is None

    def server_log(self) -> str:
        """Return the server's log so far."""
        if self.root is None or not (self.root / "server.log").exists():
            return ""
        return (self.root / "server.log").read_text(errors="replace")

    # -- databases ---------------------------------------------------------------------------
    def conninfo(self, dbname: str) -> str:
        """Return a libpq connection string to ``dbname`` over the socket."""
        assert self.root is not None, "not started"
        return f"host={self.root} port=5432 user={_ROLE} dbname={dbname}"

    def url(self, dbname: str) -> str:
        """Return the ``postgresql://`` URL of ``dbname`` over the socket (for the registry)."""
        assert self.root is not None, "not started"
        return f"postgresql://{_ROLE}@/{dbname}?host={self.root}"

    def create_database(self, name: str | None = None) -> str:
        """Create a database (a fresh name when None) and return its URL."""
        import psycopg

        if name is None:
            self._n += 1
            name = f"db{self._n}"
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
            raise ValueError(f"database name: lower-case letters, digits, _ (got {name!r})")
        with psycopg.connect(self.conninfo("postgres"), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, disconnecting its clients."""
        import psycopg

        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
            raise ValueError(f"database name: lower-case letters, digits, _ (got {name!r})")
        with psycopg.connect(self.conninfo("postgres"), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
