"""Reaching people off the site: each stored notification delivered by email (and push), as its kind declares."""
