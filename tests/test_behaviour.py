"""The behaviour suite (../shared/checklist/behaviour.jsonl) on the shipped model, per capability.

The suite is a test, never training data. Its pass rates are printed per capability (run
pytest with -s to see every failure), and each capability has a floor: the rate the shipped
model reached when it was trained, so a retrain that loses a capability fails here. The
product's bar is higher (0.95 overall, 0.85 in every capability; README "Measured").
"""
from __future__ import annotations

import pytest

from qunguard.model.evaluate import format_behaviour, run_behaviour_suite
from train import BEHAVIOUR_SUITE as SUITE

# pass rate of the shipped model per capability, rounded down (model/shipped/report.md)
FLOORS = {
    "reaction_alone": 0.95, "chat_with_reaction": 0.95, "chat": 0.95, "money_chat": 0.95, "link_shared": 0.80,
    "wants_to_buy": 0.95, "inv_traditional": 0.95, "inv_zero_width": 0.95, "flood_excess": 0.95,
    "course_pitch": 0.95, "group_promo": 0.95, "spam_lure": 0.95, "sell_secondhand": 0.95, "shopping_rebate": 0.95,
    "agent_pitch": 0.95, "inv_obfuscated_ad": 0.95,
}
# capabilities the shipped model is below its floor on, kept visible: strict xfail turns red once it passes
GAPS: dict[str, str] = {}
OVERALL_FLOOR = 0.98  # the shipped model 2026.11.27-s15: 0.991 (0.850 before the guide rules, model/guide_rules.py)


@pytest.fixture(scope="module")
def report(shipped):
    if not SUITE.exists():
        pytest.skip(f"behaviour suite not found at {SUITE}")
    clf, _ = shipped
    b = run_behaviour_suite(clf, SUITE)
    print("\n" + format_behaviour("behaviour suite", b))
    return b


def test_every_capability_is_covered(report):
    assert set(report["per_capability"]) == set(FLOORS)


@pytest.mark.parametrize("capability", [
    pytest.param(c, marks=[pytest.mark.xfail(reason=GAPS[c], strict=True)] if c in GAPS else []) for c in sorted(FLOORS)])
def test_capability_keeps_its_floor(report, capability):
    c = report["per_capability"][capability]
    assert c["rate"] >= FLOORS[capability], [f for f in report["failures"] if f["capability"] == capability]


def test_overall_pass_rate_keeps_its_floor(report):
    assert report["pass_rate"] >= OVERALL_FLOOR
