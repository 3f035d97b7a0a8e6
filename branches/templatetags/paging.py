from django import template

from branches.paging import query_without

register = template.Library()


@register.inclusion_tag("components/_pager.html", takes_context=True)
def pager(context, page, name: str = "page", anchor: str = ""):
    """The count and the page links of a ``branches.paging.page_of`` page, keeping the filters."""
    request = context.get("request")
    query = query_without(request, name) if request is not None else ""
    return {
        "page": page,
        "query": f"{query}&{name}=" if query else f"{name}=",
        "anchor": f"#{anchor}" if anchor else "",
    }
