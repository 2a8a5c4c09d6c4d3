from .spml_head import SPMLLinearClsHead

__all__ = ['SPMLLinearClsHead']
