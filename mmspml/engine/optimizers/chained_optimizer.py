"""Several torch optimizers stepped as one, for parameters that train with
their own optimizer (GR's learnable k: SGD beside the model's Adam)."""

from collections import OrderedDict
from typing import Dict

import torch
from torch.optim import Optimizer


class ChainedOptimizer(Optimizer):
    """Step, zero and save several optimizers as one ``Optimizer``, so that
    one MMEngine ``OptimWrapper`` (gradient accumulation, clipping, AMP,
    parameter schedulers) drives them all.

    ``param_groups`` lists every optimizer's groups (the same dicts, so a
    scheduler that sets ``lr`` sets it in the optimizer that owns the
    group); the state dict holds one state dict per optimizer, by name, and
    loads back only into the same names.

    Args:
        optimizers (dict[str, Optimizer]): The optimizers by name (the
            first is the main one; its ``defaults`` are this one's).

    Raises:
        ValueError: No optimizer is given.
    """

    def __init__(self, optimizers: Dict[str, Optimizer]):
        if not optimizers:
            raise ValueError('ChainedOptimizer: no optimizer given')
        # Not Optimizer.__init__: the groups and state live in the parts.
        self.optimizers = dict(optimizers)
        self.defaults = next(iter(self.optimizers.values())).defaults
        self._init_hooks()

    def _init_hooks(self) -> None:
        # What torch's Optimizer.__init__ would create, so that its
        # register_*_hook methods work on this one.
        for name in (
            '_optimizer_step_pre_hooks',
            '_optimizer_step_post_hooks',
            '_optimizer_state_dict_pre_hooks',
            '_optimizer_state_dict_post_hooks',
            '_optimizer_load_state_dict_pre_hooks',
            '_optimizer_load_state_dict_post_hooks',
        ):
            setattr(self, name, OrderedDict())

    def __getstate__(self) -> dict:
        return dict(optimizers=self.optimizers, defaults=self.defaults)

    def __setstate__(self, state: dict) -> None:
        self.optimizers = state['optimizers']
        self.defaults = state['defaults']
        self._init_hooks()

    @property
    def param_groups(self) -> list:
        """Every optimizer's parameter groups, in order."""
        return [g for o in self.optimizers.values() for g in o.param_groups]

    @property
    def state(self) -> dict:
        """Every optimizer's per-parameter state, merged."""
        merged = {}
        for optimizer in self.optimizers.values():
            merged.update(optimizer.state)
        return merged

    @torch.no_grad()
    def step(self, closure=None):
        """One step of every optimizer, between the step hooks registered
        on this one (``register_step_pre_hook`` / ``_post_hook``).

        Args:
            closure (callable, optional): Re-evaluates the loss; passed to
                the first optimizer only. Defaults to None.

        Returns:
            The first optimizer's return value.
        """
        args, kwargs = (), dict(closure=closure)
        for hook in list(self._optimizer_step_pre_hooks.values()):
            out = hook(self, args, kwargs)
            if out is not None:
                args, kwargs = out
                closure = kwargs.get('closure', closure)
        result = self._step_all(closure)
        for hook in list(self._optimizer_step_post_hooks.values()):
            hook(self, args, kwargs)
        return result

    def _step_all(self, closure):
        optimizers = list(self.optimizers.values())
        if closure is not None:
            with torch.enable_grad():
                result = optimizers[0].step(closure)
        else:
            result = optimizers[0].step()
        for optimizer in optimizers[1:]:
            optimizer.step()
        return result

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Zero (or drop) the gradients of every optimizer's parameters.

        Args:
            set_to_none (bool): Drop instead of zeroing. Defaults to True.
        """
        for optimizer in self.optimizers.values():
            optimizer.zero_grad(set_to_none=set_to_none)

    def state_dict(self) -> dict:
        """One state dict per optimizer, by name.

        Returns:
            dict: ``{name: optimizer.state_dict()}``.
        """
        return {n: o.state_dict() for n, o in self.optimizers.items()}

    def load_state_dict(self, state_dict: dict) -> None:
        """Load what :meth:`state_dict` saved.

        Args:
            state_dict (dict): ``{name: state dict}`` with the same names.

        Raises:
            ValueError: The names differ (a checkpoint of another
                optimizer set-up).
        """
        if set(state_dict) != set(self.optimizers):
            raise ValueError(
                'ChainedOptimizer: the checkpoint holds the optimizers '
                f'{sorted(state_dict)}, this set-up has '
                f'{sorted(self.optimizers)}'
            )
        for name, optimizer in self.optimizers.items():
            optimizer.load_state_dict(state_dict[name])

    def add_param_group(self, param_group: dict) -> None:
        """Add a group to the first optimizer.

        Args:
            param_group (dict): The group.
        """
        next(iter(self.optimizers.values())).add_param_group(param_group)

    def __repr__(self) -> str:
        parts = ', '.join(
            f'{n}={type(o).__name__}' for n, o in self.optimizers.items()
        )
        return f'ChainedOptimizer({parts})'
