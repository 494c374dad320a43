from django.conf import settings


class ContentSecurityPolicyMiddleware:
    """Send the Content-Security-Policy header: every script, style and font comes from this host."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response
