"""The hooks an SPML loss cannot train without, and the checks that
:class:`~mmspml.engine.SPMLRunner` makes so that none goes missing quietly.

mmspml's default runtime registers the loss hooks as named
``default_hooks`` (``spml_loss_epoch``, ...), so a config that sets its own
``custom_hooks`` keeps them. A config can still drop one (``None``) or not
inherit the runtime at all; then a loss that needs the hook would train
wrongly without a word. The runner refuses to start such a run, and stops
when an epoch after the first begins with an epoch-dependent loss still at
an old epoch.
"""

from typing import Iterable, Iterator, Tuple

from mmspml.models.losses import SPMLLoss
from mmspml.utils import unwrap_model

from .linear_init_hook import LinearInitHook
from .loss_epoch_hook import LossEpochHook
from .loss_state_hook import LossSampleStateHook
from .train_prediction_hook import TrainSetPredictionHook

#: The hooks that drive a loss, in the order they are checked.
LOSS_HOOKS = (
    LossEpochHook,
    LossSampleStateHook,
    TrainSetPredictionHook,
    LinearInitHook,
)


def spml_losses(model) -> Iterator[Tuple[str, SPMLLoss]]:
    """The SPML losses of ``model`` (wrapped or not).

    Args:
        model (nn.Module): The model, possibly wrapped by DDP.

    Returns:
        Iterator[tuple[str, SPMLLoss]]: Dotted path and loss of each one.
    """
    for name, module in unwrap_model(model).named_modules():
        if isinstance(module, SPMLLoss):
            yield name, module


def check_loss_hooks(model, hooks: Iterable) -> None:
    """Raise when a loss of ``model`` needs a hook that ``hooks`` lacks.

    Args:
        model (nn.Module): The model about to train.
        hooks (Iterable[Hook]): The runner's registered hooks.

    Raises:
        RuntimeError: Naming the loss, the hook and the config line that
            puts it back.
    """
    hooks = list(hooks)
    for name, loss in spml_losses(model):
        for hook_type in LOSS_HOOKS:
            if not hook_type.needed_by(loss) or any(
                isinstance(hook, hook_type) and hook.loss == name
                for hook in hooks
            ):
                continue
            key = hook_type.default_key
            raise RuntimeError(
                f'{type(loss).__name__} at {name!r} needs a '
                f'{hook_type.__name__} driving {name!r}, and this run has '
                f"none. mmspml's default runtime registers it as "
                f'default_hooks.{key}; a config that sets it to None, or '
                'that does not inherit configs/_base_/default_runtime.py, '
                f'loses it. Add default_hooks = dict({key}=dict('
                f"type='{hook_type.__name__}', loss='{name}')) to the "
                'config (docs/loss_contract.md).'
            )


def check_loss_epochs(model, epoch: int) -> None:
    """Raise when an epoch-dependent loss is not at the epoch that starts.

    Called after every ``before_train_epoch`` hook has run, so a
    :class:`~mmspml.engine.LossEpochHook` has set the epoch by then.

    Args:
        model (nn.Module): The model in training.
        epoch (int): The runner's 0-based epoch about to start.

    Raises:
        RuntimeError: When a loss with ``needs_epoch`` is at another epoch
            than ``epoch + 1``.
    """
    for name, loss in spml_losses(model):
        if loss.needs_epoch and loss.epoch != epoch + 1:
            have = (
                'was never set'
                if loss.epoch is None
                else f'is still {loss.epoch}'
            )
            raise RuntimeError(
                f'{type(loss).__name__} at {name!r} reads the epoch, but '
                f'epoch {epoch + 1} starts and its epoch {have}: nothing '
                "calls its set_epoch. Keep mmspml's default_hooks."
                f'{LossEpochHook.default_key} (a LossEpochHook driving '
                f'{name!r}) in the config (docs/loss_contract.md).'
            )
