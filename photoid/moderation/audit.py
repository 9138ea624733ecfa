"""Moved to :mod:`photoid.audit` (issue #22). Kept for one release so work in flight still imports;
`lint-imports` forbids new imports of this module."""
from photoid.audit import record_event

__all__ = ["record_event"]
