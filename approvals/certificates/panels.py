"""Home-page panel of the licence registry for the applicant's side (registered in ApprovalsConfig.ready)."""
from approvals.certificates import policy


def my_licences(request):
    """我的证照: a link to the holder's page. It lists nothing itself, so the applicant's home keeps its fixed
    number of queries (tests/test_portal.py); the page /licences/ reads the registry."""
    if not policy.may_see_own_licences(request.user):
        return None
    return {}
