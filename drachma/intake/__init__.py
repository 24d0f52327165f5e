"""Taking in reports: graded reports from people, and readers for each source kind."""
