"""Experts, conflicts of interest, assignment, score sheets, ranking and the commission."""
