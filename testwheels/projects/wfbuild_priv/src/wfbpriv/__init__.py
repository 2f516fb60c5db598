from ._ext import answer

__all__ = ["answer"]
