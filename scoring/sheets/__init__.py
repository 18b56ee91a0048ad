"""Criteria, the experts' score sheets, and the scoring rules of a call."""
