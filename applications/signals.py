"""Signals other apps listen to, so applications never imports them (dependencies run one way).

`application_withdrawn` is sent inside the withdrawal's transaction: approvals closes the approval cases of the
application in the same transaction, so a withdrawal and its cases commit together or not at all.
"""
from django.dispatch import Signal

# sender=Application, application=..., actor=User, reason=str
application_withdrawn = Signal()
