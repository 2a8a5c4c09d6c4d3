"""What the loss-driving hooks share: finding the SPML loss in the model."""

from typing import Optional

from mmengine.hooks import Hook
from mmengine.logging import print_log

from mmspml.models.losses import SPMLLoss
from mmspml.utils import unwrap_model


def get_module(runner, path: str, hook: str):
    """The module at the dotted ``path`` of the runner's model, with an
    error that names the path when it does not exist.

    Args:
        runner (Runner): The runner; its model is unwrapped from a
            distributed wrapper first.
        path (str): Dotted path of the module, e.g. ``'head.loss_module'``.
        hook (str): The asking hook's name, at the start of the error.

    Returns:
        nn.Module: The module at ``path``.

    Raises:
        AttributeError: The model has no module at ``path``.
    """
    model = unwrap_model(runner.model)
    try:
        return model.get_submodule(path)
    except AttributeError as err:
        raise AttributeError(
            f'{hook}: {type(model).__name__} has no module {path!r} ({err}); '
            "set the hook's path to the module it should drive."
        ) from None


class SPMLLossHookBase(Hook):
    """Base of the hooks that drive an :class:`SPMLLoss`.

    The loss is found by a dotted path in the model; when the module there
    is not an ``SPMLLoss`` (say a stock mmpretrain loss) the hook warns once
    and does nothing, so the default runtime suits any model.

    Args:
        loss (str): Dotted path of the loss module in the model. Defaults to
            ``'head.loss_module'``.
    """

    #: The ``default_hooks`` key of the hook in mmspml's default runtime.
    default_key: Optional[str] = None

    @classmethod
    def needed_by(cls, loss: SPMLLoss) -> bool:
        """Whether ``loss`` trains wrongly without this hook (the runner
        refuses to train it without one). False by default.

        Args:
            loss (SPMLLoss): The model's loss.

        Returns:
            bool: True when the loss needs this hook.
        """
        return False

    def __init__(self, loss: str = 'head.loss_module'):
        self.loss = loss
        self._warned = False

    def get_loss(self, runner) -> Optional[SPMLLoss]:
        """The loss at ``self.loss`` in the runner's model.

        Args:
            runner (Runner): The runner.

        Returns:
            SPMLLoss or None: The loss, or None (after one warning) when the
            module there is not an ``SPMLLoss``.
        """
        module = get_module(runner, self.loss, type(self).__name__)
        if isinstance(module, SPMLLoss):
            return module
        if not self._warned:
            print_log(
                f'{type(self).__name__}: {self.loss} is a '
                f'{type(module).__name__}, not an SPMLLoss; the hook does '
                'nothing.',
                logger='current',
                level=30,
            )
            self._warned = True
        return None
