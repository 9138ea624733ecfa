"""Pieces of ``bench/load.py``: the site it seeds and serves, and the simulated users."""
