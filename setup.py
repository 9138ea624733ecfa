"""The package list, which pyproject.toml cannot write as "what find_packages finds, plus two".

Everything else is in pyproject.toml. photoid.migrations is the top-level migrations/ folder
(mapped there by package-dir), so a wheel holds the Alembic scripts `photoid db upgrade` runs.
"""
from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["photoid", "photoid.*"]), "photoid.migrations", "photoid.migrations.versions"])
