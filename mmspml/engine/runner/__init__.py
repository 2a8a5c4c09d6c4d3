from .spml_runner import SPMLRunner

__all__ = ['SPMLRunner']
