"""The response playbook: the steps of an incident response as a checklist kept in the case.

:mod:`~breachkit.playbook.steps` holds the steps (static), :mod:`~breachkit.playbook.state`
the case's ``playbook.json`` and the proofs read from the journal.
"""

from __future__ import annotations

from breachkit.playbook.state import StepView, mark, view
from breachkit.playbook.steps import STEPS, Step, step_by_id

__all__ = ["STEPS", "Step", "StepView", "mark", "step_by_id", "view"]
