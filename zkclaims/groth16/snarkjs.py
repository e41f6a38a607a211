"""snarkjs interop (curve ``bls12381``): verification_key.json, proof.json, public.json.

snarkjs (ffjavascript ``toObject``/``fromObject``) writes points as decimal strings in
projective form with ``z = 1``: G1 ``[x, y, "1"]``, G2 ``[[x.c0, x.c1], [y.c0, y.c1], ["1",
"0"]]``, the identity as ``["0", "1", "0"]`` (G2: ``[["0","0"], ["1","0"], ["0","0"]]``).
Public signals are decimal strings. The verifying key object holds ``protocol``, ``curve``,
``nPublic``, ``vk_alpha_1``, ``vk_beta_2``, ``vk_gamma_2``, ``vk_delta_2``, ``vk_alphabeta_12``
(e(alpha, beta) in GT; snarkjs's verifier does not read it, neither do we: it is ignored
on load and recomputed on dump) and ``IC``.

Loading never trusts coordinates: each point must satisfy the curve equation, is converted to
its ZCash compressed encoding and decoded by the group backend, which checks subgroup
membership. Anything else raises :class:`~zkclaims.errors.MalformedInputError` naming the field.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zkclaims.errors import MalformedInputError, echo_value
from zkclaims.field import R
from zkclaims.groth16.keys import (
    CURVE,
    PROTOCOL,
    SETUP_IMPORTED,
    Proof,
    VerifyingKey,
    check_public_inputs,
    get_backend_checked,
)
from zkclaims.groups.base import GroupBackend
from zkclaims.groups.encoding import (
    G1_COMPRESSED_SIZE,
    G1_IDENTITY_BYTES,
    G2_COMPRESSED_SIZE,
    G2_IDENTITY_BYTES,
    P,
    encode_g1,
    encode_g2,
    g1_sign,
    g2_sign,
    parse_compressed,
)
from zkclaims.jsonio import document

# --- base-field arithmetic needed to check and recover coordinates ---------------------------

_B1 = 4  # G1: y^2 = x^3 + 4
_B2 = (4, 4)  # G2: y^2 = x^3 + 4 (1 + u)


def _f2_mul(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    return ((a[0] * b[0] - a[1] * b[1]) % P, (a[0] * b[1] + a[1] * b[0]) % P)


def _f2_rhs(x: tuple[int, int]) -> tuple[int, int]:
    x3 = _f2_mul(_f2_mul(x, x), x)
    return ((x3[0] + _B2[0]) % P, (x3[1] + _B2[1]) % P)


def _fp_sqrt(a: int) -> int | None:
    a %= P
    r = pow(a, (P + 1) // 4, P)  # p = 3 mod 4
    return r if r * r % P == a else None


def _fp2_sqrt(a: tuple[int, int]) -> tuple[int, int] | None:
    a0, a1 = a[0] % P, a[1] % P
    if a1 == 0:
        r = _fp_sqrt(a0)
        if r is not None:
            return (r, 0)
        r = _fp_sqrt(-a0)
        return (0, r) if r is not None else None
    n = _fp_sqrt(a0 * a0 + a1 * a1)
    if n is None:
        return None
    inv2 = pow(2, -1, P)
    for cand in ((a0 + n) * inv2, (a0 - n) * inv2):
        c0 = _fp_sqrt(cand)
        if c0:
            c1 = a1 * pow(2 * c0, -1, P) % P
            if _f2_mul((c0, c1), (c0, c1)) == (a0, a1):
                return (c0, c1)
    return None


# --- decimal parsing --------------------------------------------------------------------------


def _dec(value: Any, field: str, bound: int = P) -> int:
    name = "p" if bound == P else "r"
    if isinstance(value, bool):
        raise MalformedInputError(f"{field}: expected a decimal string, got {value!r}")
    if isinstance(value, int):
        n = value
    elif isinstance(value, str) and value.isascii() and value.isdigit():
        if len(value) > len(str(bound)):  # never convert a huge string (int-to-str limit)
            raise MalformedInputError(
                f"{field}: a number of {len(value)} digits is not in [0, {name})"
            )
        n = int(value)
    else:
        raise MalformedInputError(
            f"{field}: expected a decimal string, got {echo_value(value)}"
        )
    if not 0 <= n < bound:
        raise MalformedInputError(f"{field}: {echo_value(n)} is not in [0, {name})")
    return n


def _list(obj: Any, n: Sequence[int], field: str) -> list[Any]:
    if not isinstance(obj, list) or len(obj) not in n:
        raise MalformedInputError(
            f"{field}: expected a list of {' or '.join(map(str, n))} items, got "
            f"{_shown(obj)}"
        )
    return obj


def _shown(obj: Any) -> str:
    if isinstance(obj, list | dict):
        return f"a JSON {'array' if isinstance(obj, list) else 'object'} of {len(obj)} items"
    return echo_value(obj)


def _g1_bytes(obj: Any, field: str) -> bytes:
    items = _list(obj, (2, 3), field)
    x, y = _dec(items[0], f"{field}[0]"), _dec(items[1], f"{field}[1]")
    z = _dec(items[2], f"{field}[2]") if len(items) == 3 else 1
    if z == 0:
        if (x, y) != (0, 1):
            raise MalformedInputError(f"{field}: identity must be written [\"0\", \"1\", \"0\"]")
        return G1_IDENTITY_BYTES
    if z != 1:
        raise MalformedInputError(f"{field}[2]: only z = 1 (affine) is accepted, got {z}")
    if (y * y - x * x * x - _B1) % P:
        raise MalformedInputError(f"{field}: ({x}, {y}) is not on the G1 curve")
    return encode_g1(x, y)


def _g2_bytes(obj: Any, field: str) -> bytes:
    items = _list(obj, (2, 3), field)
    coords = []
    for i, c in enumerate(items):
        pair = _list(c, (2,), f"{field}[{i}]")
        coords.append((_dec(pair[0], f"{field}[{i}][0]"), _dec(pair[1], f"{field}[{i}][1]")))
    x, y = coords[0], coords[1]
    z = coords[2] if len(coords) == 3 else (1, 0)
    if z == (0, 0):
        if (x, y) != ((0, 0), (1, 0)):
            raise MalformedInputError(
                f"{field}: identity must be written [[\"0\",\"0\"],[\"1\",\"0\"],[\"0\",\"0\"]]"
            )
        return G2_IDENTITY_BYTES
    if z != (1, 0):
        raise MalformedInputError(f"{field}[2]: only z = 1 (affine) is accepted, got {z}")
    if _f2_mul(y, y) != _f2_rhs(x):
        raise MalformedInputError(f"{field}: ({x}, {y}) is not on the G2 curve")
    return encode_g2(x, y)


def _g1_obj(raw: bytes, field: str) -> list[str]:
    c = parse_compressed(raw, G1_COMPRESSED_SIZE, field)
    if c.infinity:
        return ["0", "1", "0"]
    (x,) = c.x
    y = _fp_sqrt(x * x * x + _B1)
    if y is None:
        raise MalformedInputError(f"{field}: x = {x} is not on the G1 curve")
    if g1_sign(y) != c.sign:
        y = (-y) % P
    return [str(x), str(y), "1"]


def _g2_obj(raw: bytes, field: str) -> list[list[str]]:
    c = parse_compressed(raw, G2_COMPRESSED_SIZE, field)
    if c.infinity:
        return [["0", "0"], ["1", "0"], ["0", "0"]]
    x = (c.x[0], c.x[1])
    y = _fp2_sqrt(_f2_rhs(x))
    if y is None:
        raise MalformedInputError(f"{field}: x = {x} is not on the G2 curve")
    if g2_sign(y) != c.sign:
        y = ((-y[0]) % P, (-y[1]) % P)
    return [[str(x[0]), str(x[1])], [str(y[0]), str(y[1])], ["1", "0"]]


def _check_kind(obj: Any, what: str) -> dict[str, Any]:
    obj = document(obj, what)
    if not isinstance(obj, dict):
        raise MalformedInputError(f"{what}: expected a JSON object, got {type(obj).__name__}")
    if obj.get("protocol") != PROTOCOL:
        raise MalformedInputError(
            f"{what}.protocol: expected 'groth16', got {echo_value(obj.get('protocol'))}"
        )
    if obj.get("curve") != CURVE:
        raise MalformedInputError(
            f"{what}.curve: expected 'bls12381', got {echo_value(obj.get('curve'))}"
        )
    return obj


# --- public API -------------------------------------------------------------------------------


def load_verification_key(
    obj: dict[str, Any] | str | bytes, backend: GroupBackend | str | None = None
) -> VerifyingKey:
    """Load a snarkjs ``verification_key.json`` (parsed JSON, or its text or bytes).

    Every point is checked (curve equation, then subgroup by the backend's decoder). The
    result has ``circuit_id = None`` and ``setup = "imported"``.
    """
    d = _check_kind(obj, "vk")
    n_public = d.get("nPublic")
    if not isinstance(n_public, int) or isinstance(n_public, bool) or n_public < 0:
        raise MalformedInputError(
            f"vk.nPublic: expected a non-negative integer, got {echo_value(n_public)}"
        )
    ic = d.get("IC")
    if not isinstance(ic, list) or len(ic) != n_public + 1:
        raise MalformedInputError(
            f"vk.IC: expected nPublic + 1 = {n_public + 1} points, got {_shown(ic)}"
        )
    vk = VerifyingKey(
        _g1_bytes(d.get("vk_alpha_1"), "vk.vk_alpha_1"),
        _g2_bytes(d.get("vk_beta_2"), "vk.vk_beta_2"),
        _g2_bytes(d.get("vk_gamma_2"), "vk.vk_gamma_2"),
        _g2_bytes(d.get("vk_delta_2"), "vk.vk_delta_2"),
        tuple(_g1_bytes(p, f"vk.IC[{i}]") for i, p in enumerate(ic)),
        circuit_id=None,
        setup=SETUP_IMPORTED,
    )
    from zkclaims.groth16.keys import prepare_verifying_key

    prepare_verifying_key(vk, get_backend_checked(backend))  # subgroup checks now, not later
    return vk


def load_proof(
    obj: dict[str, Any] | str | bytes, backend: GroupBackend | str | None = None
) -> Proof:
    """Load a snarkjs ``proof.json`` (parsed, text or bytes); points fully checked."""
    d = _check_kind(obj, "proof")
    proof = Proof(
        _g1_bytes(d.get("pi_a"), "proof.pi_a"),
        _g2_bytes(d.get("pi_b"), "proof.pi_b"),
        _g1_bytes(d.get("pi_c"), "proof.pi_c"),
    )
    proof.points(get_backend_checked(backend))
    return proof


def load_public(values: list[Any] | str | bytes) -> list[int]:
    """Load a snarkjs ``public.json`` list of decimal strings into ints in ``[0, r)``."""
    values = document(values, "public")
    if not isinstance(values, list):
        raise MalformedInputError(f"public: expected a list, got {type(values).__name__}")
    return [_dec(v, f"public[{i}]", R) for i, v in enumerate(values)]


def alphabeta_12(vk: VerifyingKey) -> list[list[list[str]]]:
    """Return snarkjs's ``vk_alphabeta_12``: e(alpha, beta) in ffjavascript's tower form.

    ffjavascript writes Fp12 = Fp6[w] / (w^2 - v), Fp6 = Fp2[v] / (v^3 - (1 + u)) as
    ``[[c_00, c_01, c_02], [c_10, c_11, c_12]]`` (``c_ij`` the Fp2 coefficient of
    ``w^i v^j``, as ``[c0, c1]``), and its pairing is py_ecc's raised to the power -3 (checked
    against a real snarkjs key in the tests). By bilinearity that is py_ecc's
    ``e(-3 alpha, beta)``, computed on the py_ecc backend (the native one exposes no GT
    coordinates); with ``u = w^6 - 1`` the py_ecc coefficients ``f_k`` map to
    ``c_ij = (f_k + f_(k+6), f_(k+6))`` with ``k = 2 j + i``.
    """
    from zkclaims.groups import get_backend

    be = get_backend("py_ecc")
    alpha = be.g1_from_bytes(vk.alpha_g1, "vk.alpha_g1")
    beta = be.g2_from_bytes(vk.beta_g2, "vk.beta_g2")
    f = be.pairing_fp12(be.g1_mul(alpha, -3), beta)
    return [
        [[str((f[2 * j + i] + f[2 * j + i + 6]) % P), str(f[2 * j + i + 6])] for j in range(3)]
        for i in range(2)
    ]


def dump_verification_key(vk: VerifyingKey, *, with_alphabeta: bool = True) -> dict[str, Any]:
    """Return the snarkjs ``verification_key.json`` object for ``vk``.

    ``vk_alphabeta_12`` (computed by :func:`alphabeta_12`, about 0.3 s in pure Python) is
    included unless ``with_alphabeta`` is False; snarkjs's ``groth16 verify`` does not read it.
    """
    out: dict[str, Any] = {
        "protocol": PROTOCOL,
        "curve": CURVE,
        "nPublic": vk.n_public,
        "vk_alpha_1": _g1_obj(vk.alpha_g1, "vk.alpha_g1"),
        "vk_beta_2": _g2_obj(vk.beta_g2, "vk.beta_g2"),
        "vk_gamma_2": _g2_obj(vk.gamma_g2, "vk.gamma_g2"),
        "vk_delta_2": _g2_obj(vk.delta_g2, "vk.delta_g2"),
    }
    if with_alphabeta:
        out["vk_alphabeta_12"] = alphabeta_12(vk)
    out["IC"] = [_g1_obj(p, f"vk.ic[{i}]") for i, p in enumerate(vk.ic)]
    return out


def dump_proof(proof: Proof) -> dict[str, Any]:
    """Return the snarkjs ``proof.json`` object for ``proof``."""
    return {
        "pi_a": _g1_obj(proof.a, "proof.a"),
        "pi_b": _g2_obj(proof.b, "proof.b"),
        "pi_c": _g1_obj(proof.c, "proof.c"),
        "protocol": PROTOCOL,
        "curve": CURVE,
    }


def dump_public(public_inputs: Sequence[int]) -> list[str]:
    """Return the snarkjs ``public.json`` list (decimal strings) for ``public_inputs``."""
    xs = check_public_inputs(public_inputs, len(public_inputs), "public_inputs")
    return [str(x) for x in xs]
