"""Rules and notes that apps to the right of applications add in their AppConfig.ready(), so applications never
imports them (dependencies run one way: approvals builds on applications).

- A submit check is `check(application) -> str | None`: a Chinese message refuses the submission (e.g. a licence
  renewal filed later than Art. 50 allows). submit() runs every check after its own, inside its transaction.
- A note is `note(application) -> str | None`: a line the application's pages show under their heading, on the
  applicant's side and the staff's (e.g. "延续申请：原证 …，有效期至 …").
- The staff's visibility is `visible(user) -> QuerySet[Application]`: which applications a back-office user may
  see (approvals.policy.visible_applications, registered by approvals). Without one, staff see none: a page of
  applications that acts for staff (the window's 现场评价 of an application) asks here, never a bare queryset.
"""
from __future__ import annotations

from collections.abc import Callable

SubmitCheck = Callable[[object], "str | None"]
Note = Callable[[object], "str | None"]

_submit_checks: list[SubmitCheck] = []
_notes: list[Note] = []
_staff_visibility: list[Callable] = []


def register_submit_check(check: SubmitCheck) -> None:
    if check not in _submit_checks:
        _submit_checks.append(check)


def register_note(note: Note) -> None:
    if note not in _notes:
        _notes.append(note)


def submit_refusal(application) -> str | None:
    """The first registered check's refusal of this submission, or None."""
    for check in _submit_checks:
        message = check(application)
        if message:
            return str(message)
    return None


def notes_for(application) -> list[str]:
    return [str(text) for text in (note(application) for note in _notes) if text]


def register_staff_visibility(visible: Callable) -> None:
    _staff_visibility[:] = [visible]


def staff_visible_applications(user):
    """The applications a staff member may see, by the registered rule (none without one)."""
    from applications.models import Application

    if not _staff_visibility:
        return Application.objects.none()
    return _staff_visibility[0](user)
