"""Shared test fixtures (kept small): an eye-prescription strategy for hypothesis."""

from hypothesis import strategies as st


@st.composite
def eye_prescriptions(draw, *, with_addition=None):
    """Valid EyePrescription values (either cylinder sign), drawn in quarter-dioptres."""
    from zkclaims.domain import EyePrescription

    cyl = draw(st.integers(-63, 63))
    lo = -127 - cyl if cyl < 0 else -127  # the canonical sphere must stay >= -31.75 D
    sph = draw(st.integers(lo, 127))
    axis = draw(st.integers(0, 180)) if cyl else None
    if with_addition is None:
        add = draw(st.integers(0, 31))
    else:
        add = draw(st.integers(1, 31)) if with_addition else 0
    return EyePrescription.from_quarters(sph, cyl, axis, add)
