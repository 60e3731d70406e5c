"""Statements, urgent interventions and reports: listing, reading, feeds and endorsements."""
