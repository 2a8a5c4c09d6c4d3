"""An optimizer with exactly two parameter groups: the head at a multiple
of the base learning rate, everything else at the base rate."""

from mmengine.model import is_model_wrapper
from mmpretrain.registry import (
    OPTIM_WRAPPER_CONSTRUCTORS,
    OPTIM_WRAPPERS,
    OPTIMIZERS,
)

from .chained_optimizer import ChainedOptimizer


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
            parameters, default ``'head'``), ``head_lr_mult`` (default 10)
            and ``own_optimizers``: a list of ``dict(prefix=..., optimizer=
            ...)`` for parameters that train with an optimizer of their own
            (GR's learnable k: ``dict(prefix='head.loss_module.k_map.',
            optimizer=dict(type='SGD', lr=0.1, momentum=0.9,
            weight_decay=1e-3))``); they leave the two groups, and all
            optimizers step as one (:class:`ChainedOptimizer`, saved and
            resumed with the checkpoint). Default: none.
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: dict = None):
        self.optim_wrapper_cfg = dict(optim_wrapper_cfg)
        paramwise_cfg = dict(paramwise_cfg or {})
        self.head = paramwise_cfg.pop('head', 'head')
        self.head_lr_mult = paramwise_cfg.pop('head_lr_mult', 10.0)
        self.own_optimizers = {}
        for item in paramwise_cfg.pop('own_optimizers', []):
            if set(item) != {'prefix', 'optimizer'}:
                raise ValueError(
                    f'{type(self).__name__}: each own_optimizers item is '
                    f'dict(prefix=..., optimizer=...), got {item}'
                )
            self.own_optimizers[item['prefix']] = dict(item['optimizer'])
        if paramwise_cfg:
            raise ValueError(
                f'{type(self).__name__}: unknown paramwise_cfg '
                f'keys {sorted(paramwise_cfg)}; it takes head, '
                'head_lr_mult and own_optimizers'
            )

    def __call__(self, model):
        if is_model_wrapper(model):
            model = model.module
        cfg = dict(self.optim_wrapper_cfg)
        optimizer_cfg = dict(cfg.pop('optimizer'))
        prefix = self.head + '.'
        head, rest = [], []
        own = {key: [] for key in self.own_optimizers}
        for name, param in model.named_parameters():
            mine = [k for k in own if name.startswith(k)]
            if mine:
                own[mine[0]].append(param)
            else:
                (head if name.startswith(prefix) else rest).append(param)
        empty = [key for key, params in own.items() if not params]
        if empty:
            raise ValueError(
                f'{type(self).__name__}: own_optimizers names {empty}, but '
                'the model has no parameter whose name starts with it (for '
                "GR's learnable k: GRLoss(learnable_k=True) and the prefix "
                "'head.loss_module.k_map.')"
            )
        if not head:
            raise ValueError(
                f'{type(self).__name__}: the model has no '
                f'parameter under {self.head!r}'
            )
        optimizer_cfg['params'] = [
            dict(params=rest),
            dict(params=head, lr=optimizer_cfg['lr'] * self.head_lr_mult),
        ]
        optimizer = OPTIMIZERS.build(optimizer_cfg)
        if own:
            parts = {'model': optimizer}
            for key, params in own.items():
                parts[key] = OPTIMIZERS.build(
                    dict(self.own_optimizers[key], params=params)
                )
            optimizer = ChainedOptimizer(parts)
        cfg['optimizer'] = optimizer
        cfg.setdefault('type', 'OptimWrapper')
        return OPTIM_WRAPPERS.build(cfg)
