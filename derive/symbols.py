"""Deprecated location: the symbols live in ``derive.model``."""
from .model import Vars, symbols_for, tau, v  # noqa: F401
