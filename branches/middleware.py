"""Request context for the audit trail: which address a change came from."""

from contextvars import ContextVar

_client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)


def current_ip() -> str | None:
    return _client_ip.get()


def client_ip(request) -> str | None:
    # Behind the proxy (PROXY_COUNT) django-axes' ipware resolves the real address the same way.
    try:
        from axes.helpers import get_client_ip_address

        return get_client_ip_address(request)
    except Exception:  # pragma: no cover - axes absent or odd headers
        return request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _client_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(token)
