from .autocast_optim_wrapper import AutocastOptimWrapper
from .head_lr_constructor import HeadLrOptimWrapperConstructor

__all__ = ['AutocastOptimWrapper', 'HeadLrOptimWrapperConstructor']
