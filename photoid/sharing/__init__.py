"""Sharing, previews, the sitemap and embedding (issue #9)."""
