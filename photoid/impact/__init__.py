"""Impact dashboard for staff and the public achievements page (issue #9)."""
