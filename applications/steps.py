"""The three steps of an online draft (填写申请表 → 上传材料 → 确认提交) and where a draft stands in them. Pure: no
Django models, no queries; the caller passes what the draft still lacks (services.readiness).

A step is done only when what it asks for is complete: the form when no required field is missing, the
materials when no required material is missing and, where 容缺 was asked, the commitment is signed. "Continue"
opens the first step that is not done; a step indicator never shows a step done that is not.
"""
from __future__ import annotations

from collections.abc import Sequence

STEP_KEYS = ("form", "materials", "review")


def completed_steps(*, missing_fields: Sequence, missing_materials: Sequence,
                    missing_commitments: Sequence = ()) -> set[str]:
    """The steps whose content is complete ("review" is never done for a draft: submitting is its content)."""
    done = set()
    if not missing_fields:
        done.add("form")
    if not missing_materials and not missing_commitments:
        done.add("materials")
    return done


def first_incomplete_step(*, missing_fields: Sequence, missing_materials: Sequence,
                          missing_commitments: Sequence = ()) -> str:
    """Where "continue" opens a draft: the first step not done, else the review (ready to submit)."""
    done = completed_steps(missing_fields=missing_fields, missing_materials=missing_materials,
                           missing_commitments=missing_commitments)
    return next((key for key in STEP_KEYS if key not in done), "review")


def step_marks(current: str, done: set[str]) -> list[dict]:
    """For the step indicator: each step's key, whether it is the current one and whether it is done."""
    if current not in STEP_KEYS:
        raise ValueError(f"unknown step {current!r}")
    return [{"key": key, "current": key == current, "done": key in done and key != current} for key in STEP_KEYS]
