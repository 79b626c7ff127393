"""django-axes' backend, tolerant of authenticate() calls that carry no request.

Every login path of the node (/accounts/login/, /cms/login/, /django-admin/login/) passes the
request, so the lockout applies there (tests/security/test_login_protection.py proves it for
each). Calls without a request are not logins from the network (the test client's login(), a
management command checking a password): they cannot be attributed to an address, so axes has
nothing to count and this backend steps aside instead of raising.
"""

from axes.backends import AxesStandaloneBackend


class LoginLockoutBackend(AxesStandaloneBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
