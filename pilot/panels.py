"""The secretary's home page: items due in 3 days, overdue, returned; unread notices."""

from branches.registry import Panel

from .selectors import reminders_for


def home_panels(request):
    r = reminders_for(user=request.user)
    if not (r.due_soon or r.overdue or r.returned or r.unread_notices or r.to_review):
        return []
    return [Panel("pilot/_panel_reminders.html", {"r": r}, order=10)]
