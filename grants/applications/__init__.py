"""Applications: drafts in Kazakh or Russian, documents, submission, eligibility."""
