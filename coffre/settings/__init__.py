"""Coffre settings: one module, read from environment variables only (DESIGN.md §8).

No variable set = the embedded defaults under ``var/`` (SQLite, local disk, generated keys).
"""

from .base import *  # noqa: F403
