from .registry import Panel
from .selectors import elections_due


def home_panels(request):
    rows, overdue, due = elections_due(user=request.user)
    if not rows:
        return []
    return [
        Panel(
            "branches/_panel_elections.html",
            {"election_rows": rows, "overdue": overdue, "due": due},
            order=20,
        )
    ]
