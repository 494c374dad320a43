"""The one place the API turns domain errors into HTTP answers (REST_FRAMEWORK["EXCEPTION_HANDLER"]), and
the one place its schema documents them (REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]).

Services raise plain Django errors with Chinese messages (portal.errors); every viewset just calls them:
DomainError (and any ValidationError) -> 400 `{"detail": [messages]}`, PermissionDenied -> 403, Conflict -> 409,
Throttled -> 429, Http404 / a missing row -> 404. DRF's own errors pass through unchanged (a serializer's field
errors: 400 `{"field": [messages]}`; a body of another content type: 415). A caller who is not signed in gets
401 with a `WWW-Authenticate` header (portal.api_defaults.SessionAuthentication); a signed-in one who may not, 403.

`AutoSchema` adds these answers to every operation of /api/schema/ with one shared body (`Error`, and
`ValidationError` for 400), so a client and schemathesis (tests/test_api_schema.py) know every status code the
API can give: 400 and 403 everywhere (ControlCharacterMiddleware, the CSRF check and the second factor sit in
front of every view), 401 where a sign-in is needed, 404 where a path names an object or a list is paginated
(a page past the end), 409 on every write (a service may find the state changed under it), 415 where there is a
request body, 429 where a view throttles (none does today). Query parameters are checked as documented
(query_int, query_bool, query_choice): a wrong one is a 400, not an ignored filter.
"""
from __future__ import annotations

import re

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import exceptions, permissions, status
from rest_framework.views import exception_handler as drf_exception_handler

from portal.errors import Conflict, Throttled


class ConflictError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "操作冲突，请刷新后重试。"
    default_code = "conflict"


class TooMany(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = "请求过于频繁，请稍后再试。"
    default_code = "throttled"


def as_api_error(exc: Exception) -> Exception:
    """The DRF exception for a domain error (the messages stay as the service wrote them)."""
    if isinstance(exc, Conflict):
        return ConflictError(" ".join(exc.messages))
    if isinstance(exc, Throttled):
        return TooMany(" ".join(exc.messages))
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError({"detail": exc.messages})
    if isinstance(exc, ObjectDoesNotExist):
        return exceptions.NotFound(_("对象不存在或无权查看。"))
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    return exc


def exception_handler(exc, context):
    return drf_exception_handler(as_api_error(exc), context)


# --- query parameters ------------------------------------------------------------------------------------------
# A filter the caller gives must be one the schema documents: a value of the wrong type or outside the choices is
# a 400 that says so, never silently "no filter" (the caller would take the whole list for the filtered one).

_INTEGER = re.compile(r"-?[0-9]{1,18}")
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


def _invalid(name: str, message: str):
    return exceptions.ValidationError({name: [message]})


def query_int(request, name: str) -> int | None:
    value = request.query_params.get(name)
    if value is None:
        return None
    if not _INTEGER.fullmatch(value):
        raise _invalid(name, _("请输入整数。"))
    return int(value)


def query_bool(request, name: str) -> bool | None:
    value = request.query_params.get(name)
    if value is None:
        return None
    if value.lower() not in _BOOLEANS:
        raise _invalid(name, _("请输入 true 或 false。"))
    return _BOOLEANS[value.lower()]


def query_choice(request, name: str, choices) -> str:
    """The value of a parameter with documented choices ("" when not given)."""
    value = request.query_params.get(name)
    if value is None:
        return ""
    if value not in {str(c) for c in choices}:
        raise _invalid(name, _("“%(value)s”不是有效的选项。") % {"value": value[:50]})
    return value


@csrf_exempt  # it changes nothing: a write to a path that does not exist is a 404, not a CSRF failure
def not_found(request, *args, **kwargs):
    """A path under /api/ that no operation has (the last route of portal.urls): 404 in the API's JSON, as the
    schema documents for every operation with an id in its path, not Django's HTML page."""
    return JsonResponse({"detail": _("接口不存在。")}, status=status.HTTP_404_NOT_FOUND,
                        json_dumps_params={"ensure_ascii": False})


# --- authentication --------------------------------------------------------------------------------------------


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "portal.api_defaults.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        from django.conf import settings

        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME,
                "description": "登录后的会话 Cookie；写操作另需 X-CSRFToken 请求头（csrftoken Cookie 的值）。"}


# --- the schema ----------------------------------------------------------------------------------------------


# A link to a page or file of this site as the API gives it, relative to the site ("/files/<id>/"): a URI
# reference, not a URI (which would need a scheme and host). Use with extend_schema_field(LINK).
LINK = {"type": "string", "format": "uri-reference"}

ERROR_SCHEMA = {
    "type": "object",
    "description": "错误说明（中文）",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
MESSAGES = {"type": "array", "items": {"type": "string"}}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "请求不符合规则：detail 为服务的中文说明（一条或多条）；字段错误以字段名为键，值为该字段的说明"
                   "（嵌套输入为嵌套的对象或列表）。",
    "properties": {"detail": {"oneOf": [{"type": "string"}, MESSAGES]}, "non_field_errors": MESSAGES},
    "additionalProperties": True,
}
ERRORS = {
    "400": ("ValidationError", "请求不符合规则（字段错误、服务拒绝、请求中含控制字符等）"),
    "401": ("Error", "未登录（或会话已过期）"),
    "403": ("Error", "无权进行此操作（角色、科室、CSRF 校验、两步验证）"),
    "404": ("Error", "对象不存在或无权查看；分页超出范围"),
    "409": ("Error", "他人已先处理（状态或版本已变化），请刷新后重试"),
    "415": ("Error", "不支持的请求内容类型"),
    "429": ("Error", "请求过于频繁，请稍后再试"),
}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's AutoSchema that documents, on every operation, the error answers it can give (see the
    module's docstring); an error an operation documents itself keeps its description and gets the body."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for code in self.error_codes(operation):
            responses.setdefault(code, {"description": ERRORS[code][1]})
        for code, response in responses.items():
            if code < "400":
                continue
            component = ERRORS.get(code, ("Error",))[0]
            response.setdefault("content", {"application/json": {"schema": self._error_component(component)}})
            if code == "401":
                response["headers"] = {"WWW-Authenticate": {
                    "description": "认证方式（Session）", "required": True, "schema": {"type": "string"}}}
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def error_codes(self, operation) -> list[str]:
        codes = ["400", "403"]
        if not any(isinstance(p, permissions.AllowAny) for p in self.view.get_permissions()):
            codes.append("401")
        if "{" in self.path or (self.method == "GET" and self._is_list_view() and self._get_paginator()):
            codes.append("404")
        if self.method in WRITES:
            codes.append("409")
        if "requestBody" in operation:
            codes.append("415")
        if self.view.get_throttles():
            codes.append("429")
        return codes

    def _error_component(self, name):
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name,
                                      schema=VALIDATION_ERROR_SCHEMA if name == "ValidationError" else ERROR_SCHEMA)
        self.registry.register_on_missing(component)
        return component.ref


class SingleObjectSchema(AutoSchema):
    """For a viewset whose `list` answers one object (a summary), not a list of them."""

    def _is_list_view(self, serializer=None) -> bool:
        return False
