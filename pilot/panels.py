"""The home page is the to-do list (``pilot.todo``): what to report, rectify, review, verify,
accept and read, most urgent first. A fixed number of queries."""

from branches.registry import Panel
from branches.scoping import role_grants

from .todo import todo_for


def home_panels(request):
    if not role_grants(request.user):
        return []  # the home page says the account has no organization yet
    todo = todo_for(user=request.user)
    return [Panel("pilot/_panel_todo.html", {"todo": todo}, order=1)]
