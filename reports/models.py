"""Year-end report batches (年底考核报告) and dashboards (四全看板)."""
