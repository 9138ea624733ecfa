"""Admin pages: accounts and their roles, and each institution's settings."""
