"""The plan's conversation states are shared by /plan and /safetyplan: each must be its own number,
or a typed answer goes to the other form's question (a goal's weekly number read as a safety-plan
part, say)."""

from __future__ import annotations

from handlers.plan import flow, safety


def test_every_plan_conversation_state_is_distinct() -> None:
    states = [
        flow.GOAL_TEXT,
        flow.TARGET,
        flow.STEP,
        flow.EDIT_TEXT,
        flow.EDIT_STEP,
        flow.REVIEW_TIME,
        flow.EDIT_TARGET,
        safety.SECTION,
    ]
    assert len(set(states)) == len(states)
