"""The joint-statement prototype of benchmarks/joint_renewal.py states what it claims to.

Its timings live in the benchmark; here, without keys: the prototype is the equipment
statement plus the renewal relation over the same new opening, an honest renewal satisfies
it, and it refuses what either statement refuses (no timing is asserted).
"""

import pytest
from zkclaims.circuits.equipment import EquipmentClaimCircuit
from zkclaims.circuits.renewal import RenewalCircuit

from benchmarks import joint_renewal
from zkclaims.errors import UnsatisfiedConstraintError
from zkclaims.field import R


@pytest.fixture(scope="module")
def demo():
    return joint_renewal.assignments()


@pytest.fixture(scope="module")
def r1cs():
    return joint_renewal.JointRenewalPrototype().compile(check_unused=True)


def test_the_prototype_shares_the_new_opening(r1cs):
    equipment = EquipmentClaimCircuit().compile()
    renewal = RenewalCircuit().compile()
    # one commitment opening (295) and the context binding (1) fewer than the two statements
    assert r1cs.n_constraints == equipment.n_constraints + renewal.n_constraints - 296
    assert r1cs.n_public == equipment.n_public + 2  # + previous commitment, criteria
    assert 1024 < r1cs.n_constraints + r1cs.n_public + 1 <= 2048  # a 2^11 domain


def test_an_honest_renewal_satisfies_it(demo, r1cs):
    joint = joint_renewal.JointRenewalPrototype()
    w = joint.witness(demo["joint"])
    assert r1cs.is_satisfied(w)
    assert w == [v % R for v in joint.solve(demo["joint"]).witness]
    assert w[1:9] == EquipmentClaimCircuit().witness(demo["equipment"])[1:9]


@pytest.mark.parametrize("field, value", [
    ("criteria", 0),                 # the insurer accepts no criterion
    ("previous_commitment", 1),      # not the previous prescription's commitment
    ("previous_blinding", 1),
    ("class_right", 2),              # the equipment relation still holds
])
def test_it_refuses_what_either_statement_refuses(demo, field, value):
    assert demo["joint"][field] != value
    with pytest.raises(UnsatisfiedConstraintError):
        joint_renewal.JointRenewalPrototype().witness({**demo["joint"], field: value})


def test_report_formats_every_mode():
    doc = {"shape": {"constraints": 1410, "domain": 2048, "equipment_domain": 1024},
           "results": {mode: {"A": {"wall_s": 0.2, "cpu_s": 0.3},
                              **{k: {"wall_s": 0.4, "cpu_s": 0.5, "wall_ratio_to_A": 2.0,
                                     "cpu_ratio_to_A": 1.67} for k in ("B", "J")}}
                       for mode in ("threads", "one_thread")}}
    text = joint_renewal.report(doc)
    assert "1410 constraints, domain 2048" in text
    assert text.count("1.67") == 4 and "one_thread" in text
