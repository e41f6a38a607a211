"""Group commit for the SQLite ledger: every answer is on disk before it is given.

SQLite's ``synchronous=FULL`` syncs the write-ahead log at each commit: one ``fsync`` per
claim, however many claims are decided at once. The ledger instead commits with
``synchronous=NORMAL`` (each claim still its own transaction, the database always consistent,
and a committed claim safe from a crash of the *process*) and, before it answers, waits for a
sync of the log that started after its commit (:meth:`WalSync.wait`). One thread syncs while
the others that committed meanwhile wait for that sync, or the next: under load many answers
share one ``fsync``, and a batch of claims needs one. So no acknowledged claim is lost on a
power cut either, as with ``FULL``.

Linux's ``fsync`` flushes a file's data whoever wrote it, so syncing the log through a
descriptor of our own covers every commit made before the call, from any connection or
process. Only the log: closing *any* descriptor of the database file drops every POSIX lock
this process holds on it (SQLite's locks included, and with them the guarantee that no other
connection resets the log under us), so the database file is never opened here; SQLite syncs
it itself when a checkpoint copies the log into it (with ``synchronous=NORMAL``, the log is
synced before the copy and the file after), and no lock is ever taken on the log file.
"""

from __future__ import annotations

import os
import threading

__all__ = ["WalSync"]


class WalSync:
    """Sync a SQLite database's write-ahead log, sharing each ``fsync`` between waiters."""

    def __init__(self, path: str) -> None:
        self.wal_path = f"{path}-wal"
        self._cond = threading.Condition()
        self._committed = 0  # commits announced
        self._synced = 0  # commits known to be on disk
        self._syncing = False

    def committed(self) -> int:
        """Announce a commit that just returned; returns its ticket for :meth:`wait`."""
        with self._cond:
            self._committed += 1
            return self._committed

    def wait(self, ticket: int) -> None:
        """Return once the commit of ``ticket`` is on disk (sync it, or wait for a sync)."""
        with self._cond:
            while self._synced < ticket:
                if self._syncing:
                    self._cond.wait()
                    continue
                self._syncing = True
                target, done = self._committed, False
                self._cond.release()
                try:
                    self._fsync()
                    done = True
                finally:
                    self._cond.acquire()
                    self._syncing = False
                    if done:
                        self._synced = max(self._synced, target)
                    self._cond.notify_all()

    def sync(self) -> None:
        """Put every commit made so far on disk."""
        self.wait(self.committed())

    def _fsync(self) -> None:
        try:
            fd = os.open(self.wal_path, os.O_RDONLY)
        except FileNotFoundError:  # no log: the last checkpoint synced it into the file
            return
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
