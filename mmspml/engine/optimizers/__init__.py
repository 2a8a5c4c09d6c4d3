from .head_lr_constructor import HeadLrOptimWrapperConstructor

__all__ = ['HeadLrOptimWrapperConstructor']
