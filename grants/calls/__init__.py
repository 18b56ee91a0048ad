"""Calls for proposals and their priority topics."""
