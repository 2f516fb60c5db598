from ._ext import add

__all__ = ["add"]
