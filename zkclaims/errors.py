"""One exception tree for zkclaims, rooted at :class:`ZkClaimsError`.

Every error raised on purpose by the library derives from :class:`ZkClaimsError`, so a caller
can catch the whole family with one ``except``. Messages name the offending field and value.
"""

from __future__ import annotations


class ZkClaimsError(Exception):
    """Root of every error raised by zkclaims."""


class InvalidInputError(ZkClaimsError, ValueError):
    """An input value the rules cannot accept (wrong step, out of range, missing axis, ...).

    ``field`` names the offending field (dotted path) and ``value`` is what was given.
    """

    def __init__(self, field: str, value: object, message: str) -> None:
        self.field = field
        self.value = value
        super().__init__(f"{field}: {message} (got {echo_value(value)})")

    @classmethod
    def from_line(cls, field: str, value: object, line: str) -> InvalidInputError:
        """Build the error from an already formatted one-line message (naming the field)."""
        err = cls.__new__(cls)
        err.field = field
        err.value = value
        ZkClaimsError.__init__(err, line)
        return err


#: Longest value echoed in a message; longer values are cut, with their length.
ECHO_LIMIT = 80


def echo_value(value: object) -> str:
    """``repr(value)`` cut to :data:`ECHO_LIMIT` characters (a 10 MB value is not echoed)."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - e.g. a 5,000-digit int hits the int-to-str limit
        return f"a {type(value).__name__}"
    if len(text) > ECHO_LIMIT:
        text = f"{text[: ECHO_LIMIT - 3]}... ({len(text)} characters)"
    return text


class InputFileError(InvalidInputError):
    """An input file is missing, unreadable, not JSON, or not the document expected.

    ``field`` is the file's role (a command-line option such as ``--trusted``, or a name such
    as ``bundle.json``), ``value`` its path; the message names the offending field inside the
    document and its value when there is one.
    """

    def __init__(self, field: str, value: object, message: str) -> None:
        self.field = field
        self.value = value
        ZkClaimsError.__init__(self, f"{field} ({value}): {message}")


class RuleError(ZkClaimsError):
    """A regulation rule cannot be applied to the given facts (e.g. near lens without addition)."""


class CircuitError(ZkClaimsError):
    """Base class for errors of the circuit frontend."""


class AssignmentMissingError(CircuitError):
    """A value was read while compiling a circuit (no assignment exists in compile mode)."""


class UnsatisfiedConstraintError(CircuitError):
    """A constraint does not hold for the witness; the message names the gadget scope."""


class CryptoError(ZkClaimsError):
    """Base class for errors of the cryptographic backends."""


class BackendUnavailableError(CryptoError):
    """The requested group backend cannot be loaded (e.g. the native wheel is missing)."""


class UnknownBackendError(CryptoError, ValueError):
    """The group backend name (argument or ``ZKCLAIMS_BACKEND``) is not one zkclaims knows."""


class MalformedInputError(CryptoError, ValueError):
    """Input that is not well formed: bad point, wrong length, scalar >= r, unknown circuit, ...

    Verifiers raise it instead of returning False; the message names the field.
    """


class ProofError(CryptoError):
    """Proving failed (e.g. the witness does not satisfy the statement)."""


class AttestationError(ZkClaimsError):
    """A prescriber attestation is missing, untrusted or has a bad signature."""


class BenchmarkResultsError(ZkClaimsError, ValueError):
    """A benchmark results file does not match ``benchmarks/results.schema.json``.

    The message names the JSON path of the offending field (e.g. ``measurements[3].median``).
    """


class ClaimRejected(ZkClaimsError):  # noqa: N818 - a verdict, not a bug
    """A claim bundle is well formed but the insurer must reject it; ``reason`` says why."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(f"{reason}: {message}")
