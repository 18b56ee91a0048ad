"""Agreements and state social order contracts: budget, tranches, payments, termination and refund."""
