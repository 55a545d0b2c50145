"""Sign-in throttling: django-axes counts failed sign-ins made over HTTP."""

from axes.backends import AxesStandaloneBackend


class ThrottledSignInBackend(AxesStandaloneBackend):
    """Refuses a sign-in while its username and address are locked out.

    A sign-in without a request (a management command, a test's `client.login`) has no address
    to throttle, so it is left to the next backend instead of being an error.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
