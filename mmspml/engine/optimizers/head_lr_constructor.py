"""An optimizer with exactly two parameter groups: the head at a multiple
of the base learning rate, everything else at the base rate."""

from mmengine.model import is_model_wrapper
from mmpretrain.registry import (
    OPTIM_WRAPPER_CONSTRUCTORS,
    OPTIM_WRAPPERS,
    OPTIMIZERS,
)


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class HeadLrOptimWrapperConstructor:
    """Two parameter groups, as the SPML recipe (head at 10x the lr).

    ``paramwise_cfg=dict(custom_keys={'head': dict(lr_mult=10)})`` gives the
    same learning rates but one group per parameter (161 for ResNet-50), and
    Adam then launches its kernels per parameter; two groups keep one
    multi-tensor launch per group.

    Args:
        optim_wrapper_cfg (dict): The ``optim_wrapper`` config; its
            ``optimizer.lr`` is the base learning rate.
        paramwise_cfg (dict, optional): ``head`` (dotted prefix of the head
            parameters, default ``'head'``) and ``head_lr_mult`` (default
            10).
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: dict = None):
        self.optim_wrapper_cfg = dict(optim_wrapper_cfg)
        paramwise_cfg = dict(paramwise_cfg or {})
        self.head = paramwise_cfg.pop('head', 'head')
        self.head_lr_mult = paramwise_cfg.pop('head_lr_mult', 10.0)
        if paramwise_cfg:
            raise ValueError(
                f'{type(self).__name__}: unknown paramwise_cfg '
                f'keys {sorted(paramwise_cfg)}; it takes head '
                'and head_lr_mult'
            )

    def __call__(self, model):
        if is_model_wrapper(model):
            model = model.module
        cfg = dict(self.optim_wrapper_cfg)
        optimizer_cfg = dict(cfg.pop('optimizer'))
        prefix = self.head + '.'
        head, rest = [], []
        for name, param in model.named_parameters():
            (head if name.startswith(prefix) else rest).append(param)
        if not head:
            raise ValueError(
                f'{type(self).__name__}: the model has no '
                f'parameter under {self.head!r}'
            )
        optimizer_cfg['params'] = [
            dict(params=rest),
            dict(params=head, lr=optimizer_cfg['lr'] * self.head_lr_mult),
        ]
        cfg['optimizer'] = OPTIMIZERS.build(optimizer_cfg)
        cfg.setdefault('type', 'OptimWrapper')
        return OPTIM_WRAPPERS.build(cfg)
