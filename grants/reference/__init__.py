"""Reference data: the 16 directions, 20 regions with KATO codes, МРП per year, customer bodies."""
