from .registry import nav_items
from .scoping import role_grants


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_items": nav_items(user), "my_roles": role_grants(user)}
