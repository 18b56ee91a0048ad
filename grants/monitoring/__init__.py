"""Reports, site visits, evaluation, beneficiaries' feedback and public oversight of agreements."""
