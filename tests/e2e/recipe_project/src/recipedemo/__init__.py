"""wheelfix recipe test package: greet() calls into a private shared library."""
from ._native import greet

__all__ = ["greet"]
