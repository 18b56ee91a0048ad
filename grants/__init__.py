"""Baiqau's core: users, reference data, NGOs, calls, applications, agreements, monitoring."""
