"""Group commit of the SQLite log: answers wait for a sync that began after their commit."""

from __future__ import annotations

import os
import threading
import time

import pytest

from zkclaims.registry import durability, open_registry
from zkclaims.registry.durability import WalSync

from .ledger_helpers import INSURER, RecordingJudge, facts, member


class SlowDisk:
    """Counts the fsyncs of the log; each takes a while, and notes which commits it covered."""

    def __init__(self, sync: WalSync):
        self.sync = sync
        self.calls: list[int] = []
        self.lock = threading.Lock()

    def __call__(self, fd: int) -> None:
        covered = self.sync._committed  # what a sync starting now covers (at least)
        time.sleep(0.02)
        with self.lock:
            self.calls.append(covered)


def test_waiters_share_syncs_and_none_returns_early(tmp_path, monkeypatch):
    (tmp_path / "db-wal").write_bytes(b"x")
    sync = WalSync(str(tmp_path / "db"))
    disk = SlowDisk(sync)
    monkeypatch.setattr(durability.os, "fsync", disk)
    returned: list[tuple[int, int]] = []
    start = threading.Barrier(40)

    def answer():
        start.wait()
        ticket = sync.committed()
        sync.wait(ticket)
        returned.append((ticket, len(disk.calls)))

    threads = [threading.Thread(target=answer) for _ in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(returned) == 40
    assert 1 <= len(disk.calls) < 40  # shared
    for ticket, syncs_done in returned:  # a sync covering the ticket had finished
        assert any(covered >= ticket for covered in disk.calls[:syncs_done])


def test_only_the_log_is_opened(tmp_path, monkeypatch):
    opened = []
    real_open = os.open
    monkeypatch.setattr(durability.os, "open",
                        lambda p, *a, **k: opened.append(p) or real_open(p, *a, **k))
    sync = WalSync(str(tmp_path / "ledger.db"))
    sync.sync()  # no log yet: nothing to do
    (tmp_path / "ledger.db-wal").write_bytes(b"x")
    sync.sync()
    # never the database file: closing a descriptor of it would drop SQLite's locks
    assert opened == [str(tmp_path / "ledger.db-wal")] * 2


@pytest.mark.parametrize("setting, syncs", [("full", True), ("normal", False)])
def test_the_registry_syncs_before_it_answers(tmp_path, monkeypatch, setting, syncs):
    reg = open_registry(f"sqlite:///{tmp_path / 'l.db'}", migrate=True,
                        sqlite_synchronous=setting)
    reg.import_beneficiaries(INSURER, [member(i) for i in range(1, 6)])
    calls = []
    real_fsync = os.fsync
    monkeypatch.setattr(durability.os, "fsync", lambda fd: calls.append(fd) or real_fsync(fd))
    reg.ingest(facts("D-1"), RecordingJudge(), rules_version="2020")
    assert bool(calls) is syncs
    calls.clear()
    out = reg.ingest_many([facts(f"D-{i}", member_id=f"M000{i}", commitment=str(i))
                           for i in range(2, 6)], RecordingJudge().many, rules_version="2020")
    assert all(o.recorded for o in out)
    assert len(calls) == (1 if syncs else 0)  # one sync for the whole batch
    reg.close()
