"""Atom feeds: newly published photos, recently identified photos, and each staff member's queue."""
