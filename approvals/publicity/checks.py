"""A system check: the bureau's credit code printed on every public record must be a valid one."""
from django.conf import settings
from django.core import checks

from portal.identifiers import credit_code_problem


@checks.register(checks.Tags.compatibility)
def issuer_credit_code(app_configs=None, **kwargs):
    code = getattr(settings, "ISSUER_CREDIT_CODE", "")
    problem = credit_code_problem(code)
    if problem is None and code == code.strip().upper():
        return []
    return [checks.Error(f"ISSUER_CREDIT_CODE {code!r} is not a valid unified social credit code ({problem or 'form'}).",
                         hint="Set ISSUER_CREDIT_CODE to the bureau's 18-character code (GB 32100).",
                         id="publicity.E001")]
