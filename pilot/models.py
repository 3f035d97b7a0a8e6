"""Plan, years, tasks, monthly checklists and progress reports (试点推进)."""
