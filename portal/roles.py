"""Roles are Django groups whose names are these slugs; the labels are what people read."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    AGENT = "agent", _("帮办代办员")
    WINDOW_CLERK = "window_clerk", _("综合窗口受理人员")
    APPROVAL_OFFICER = "approval_officer", _("审批人员")
    SECTION_HEAD = "section_head", _("科室负责人")
    BUREAU_LEADER = "bureau_leader", _("局领导")
    LEGAL_REVIEWER = "legal_reviewer", _("法制审核人员")
    DEPARTMENT_USER = "department_user", _("监管部门人员")
    ADMINISTRATOR = "administrator", _("系统管理员")


# When a person holds several roles, the home page shows the first of these they hold.
HOME_PRIORITY = [
    Role.ADMINISTRATOR,
    Role.BUREAU_LEADER,
    Role.SECTION_HEAD,
    Role.LEGAL_REVIEWER,
    Role.APPROVAL_OFFICER,
    Role.WINDOW_CLERK,
    Role.DEPARTMENT_USER,
    Role.AGENT,
    Role.APPLICANT,
]

STAFF_ROLES = frozenset(
    {
        Role.WINDOW_CLERK,
        Role.APPROVAL_OFFICER,
        Role.SECTION_HEAD,
        Role.BUREAU_LEADER,
        Role.LEGAL_REVIEWER,
        Role.ADMINISTRATOR,
    }
)
