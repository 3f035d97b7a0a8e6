"""Long lists, one way: 50 rows a page with the count ("共 2,267 条，第 1–50 条"), never a silent cut.

``page_of(request, queryset)`` reads ``?page=`` (through ``branches.params``: a bad value falls back
to the first page with a message, a page past the end shows the last one) and answers a Django
``Page``: two queries whatever the list's size — the COUNT and the page's rows. Templates show it
with ``{% pager page %}`` (``branches/templatetags/paging.py``), whose links keep the other
filters of the query string.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator

from . import params

PER_PAGE = 50


def page_of(request, rows, *, per_page: int = PER_PAGE, name: str = "page") -> Page:
    paginator = Paginator(rows, per_page)
    number = params.integer(request, name, 1)
    return paginator.get_page(min(number, paginator.num_pages))


def query_without(request, *names: str) -> str:
    """The query string without ``names``, for links that change only those."""
    q = request.GET.copy()
    for n in names:
        q.pop(n, None)
    return q.urlencode()
