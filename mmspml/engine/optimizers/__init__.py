from .autocast_optim_wrapper import AutocastOptimWrapper
from .chained_optimizer import ChainedOptimizer
from .head_lr_constructor import HeadLrOptimWrapperConstructor

__all__ = [
    'AutocastOptimWrapper',
    'ChainedOptimizer',
    'HeadLrOptimWrapperConstructor',
]
