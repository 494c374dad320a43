"""Django validators and messages over the pure identifier checks of portal.identifiers.

Every model field, form field and service that takes a citizen ID or a credit code says what is wrong with
the same words, from here.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.identifiers import Problem, citizen_id_problem, credit_code_problem

CITIZEN_ID = _("居民身份证号码")
CREDIT_CODE = _("统一社会信用代码")

CITIZEN_ID_REASONS = {
    Problem.LENGTH: _("应为18位。"),
    Problem.CHARACTERS: _("前17位应为数字，末位为数字或字母X。"),
    Problem.REPEATED: _("不能全部是同一个字符。"),
    Problem.PROVINCE: _("前6位地区码中的省级行政区划代码不存在。"),
    Problem.PREFECTURE: _("前6位地区码中的地市级行政区划代码不存在。"),
    Problem.BIRTH_DATE: _("第7至14位的出生日期不存在或晚于今天。"),
    Problem.CHECK: _("末位校验码不正确，请核对每一位。"),
}

CREDIT_CODE_REASONS = {
    Problem.LENGTH: _("应为18位。"),
    Problem.CHARACTERS: _("只能由数字和大写字母组成（不使用I、O、Z、S、V）。"),
    Problem.REPEATED: _("不能全部是同一个字符。"),
    Problem.AUTHORITY: _("第1位登记管理部门代码不存在。"),
    Problem.CATEGORY: _("第2位机构类别代码与登记管理部门不符。"),
    Problem.PROVINCE: _("第3至8位行政区划码中的省级代码不存在。"),
    Problem.PREFECTURE: _("第3至8位行政区划码中的地市级代码不存在。"),
    Problem.CHECK: _("末位校验码不正确，请核对每一位。"),
}


def _message(label, reasons: dict, problem: Problem) -> str:
    if problem == Problem.EMPTY:
        return _("请填写%(label)s。") % {"label": label}
    return _("%(label)s无效：%(reason)s") % {"label": label, "reason": reasons[problem]}


def citizen_id_error(value) -> str | None:
    """The Chinese message saying what is wrong with a citizen ID, or None when it is valid."""
    problem = citizen_id_problem(value)
    return None if problem is None else _message(CITIZEN_ID, CITIZEN_ID_REASONS, problem)


def credit_code_error(value) -> str | None:
    problem = credit_code_problem(value)
    return None if problem is None else _message(CREDIT_CODE, CREDIT_CODE_REASONS, problem)


def check_citizen_id(value) -> None:
    if error := citizen_id_error(value):
        raise ValidationError(error, code="citizen_id")


def check_credit_code(value) -> None:
    if error := credit_code_error(value):
        raise ValidationError(error, code="credit_code")


def identifier_kind(value) -> str | None:
    """"citizen_id" or "credit_code" when `value` is a valid one of them, else None. The rare number that
    passes both checks is taken as a citizen ID."""
    if citizen_id_problem(value) is None:
        return "citizen_id"
    if credit_code_problem(value) is None:
        return "credit_code"
    return None


def any_identifier_error(value) -> str | None:
    """For a field that takes either identifier: None when valid, else what is wrong with it, read as the kind
    it resembles most (the one whose checks it passed further; a citizen ID on a tie)."""
    person, enterprise = citizen_id_problem(value), credit_code_problem(value)
    if person is None or enterprise is None:
        return None
    if person == Problem.EMPTY:
        return str(_("请填写证件号码。"))
    if person == enterprise and person in (Problem.LENGTH, Problem.CHARACTERS, Problem.REPEATED):
        general = {Problem.LENGTH: _("应为18位。"), Problem.REPEATED: _("不能全部是同一个字符。"),
                   Problem.CHARACTERS: _("请输入18位居民身份证号码或统一社会信用代码。")}
        return _("证件号码无效：%(reason)s") % {"reason": general[person]}
    order = list(Problem)
    if order.index(person) >= order.index(enterprise):
        label, reason = CITIZEN_ID, CITIZEN_ID_REASONS[person]
    else:
        label, reason = CREDIT_CODE, CREDIT_CODE_REASONS[enterprise]
    return _("证件号码无效：按%(label)s核对，%(reason)s") % {"label": label, "reason": reason}
