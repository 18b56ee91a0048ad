"""Assigning experts to applications, and their declarations of conflict of interest."""
