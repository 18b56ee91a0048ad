"""The operator's register of experts: languages, directions, affiliations."""
