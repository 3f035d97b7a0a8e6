"""Indicator schemes, inspections, rectification, mass evaluation and scores (督查考核)."""
