"""Search across calls, applications, NGOs and agreements, by words and by number, for the grant operator's staff."""
