"""Drive the epoch-dependent part of an SPML loss from the training loop."""
import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import BaseLoop
from mmpretrain.registry import HOOKS

from mmspml.utils.dist_utils import gather_rows


def get_submodule(model, path: str):
    """``model.head.loss_module`` for ``path='head.loss_module'``, looking
    through DDP-style wrappers; a clear error when it does not exist."""
    if is_model_wrapper(model):
        model = model.module
    module = model
    for name in path.split('.'):
        if not hasattr(module, name):
            raise AttributeError(
                f'{type(model).__name__} has no {path!r} ({name!r} is '
                f'missing on {type(module).__name__}); set the hook\'s path '
                'to the module it should drive.')
        module = getattr(module, name)
    return module


@torch.no_grad()
def predict_training_set(runner):
    """Eval-mode scores of every training sample (this rank's share).

    Returns:
        tuple[Tensor, Tensor]: ``sample_idx`` (M,) and scores (M, C).
    """
    model = runner.model
    model.eval()
    indices, scores = [], []
    for data_batch in runner.train_dataloader:
        for sample in model.test_step(data_batch):
            indices.append(sample.sample_idx)
            scores.append(sample.pred_score)
    model.train()
    return torch.tensor(indices, device=scores[0].device), torch.stack(scores)


@HOOKS.register_module()
class SPMLLossHook(Hook):
    """Drive an SPML loss from the training loop: its epoch, its per-sample
    state, and the ``linear_init`` warm-up.

    - Before training (before a resume loads the checkpoint), a loss with
      ``setup_state`` gets the training set's observed labels to allocate its
      state.
    - Before each training epoch (also the first one after a resume) it
      calls ``loss.set_epoch(epoch, max_epochs)`` with the 1-based epoch.
    - After each iteration it calls ``loss.after_train_iter()`` if the loss
      has it (ROLE's estimate update, LL-Cp's relabelling).
    - After an epoch where ``loss.wants_train_predictions()`` (EM + APL), it
      predicts the whole training set in eval mode, gathers all ranks' rows
      and passes them to ``loss.update_from_predictions``.
    - When the loss has ``linear_init = n > 0`` (GR), the module at
      ``frozen_module`` gets ``requires_grad=False`` for epochs ``e <= n``
      and is trained again from epoch ``n + 1`` (BatchNorm stays in train
      mode, as in the reference code; SPEC 2.2).

    Args:
        loss (str): Dotted path of the loss module in the model. Defaults to
            ``'head.loss_module'``.
        frozen_module (str): Dotted path of the module frozen during the
            warm-up. Defaults to ``'backbone'``.
    """
    priority = 'NORMAL'

    def __init__(self,
                 loss: str = 'head.loss_module',
                 frozen_module: str = 'backbone'):
        self.loss = loss
        self.frozen_module = frozen_module

    def before_run(self, runner) -> None:
        loss = get_submodule(runner.model, self.loss)
        training = isinstance(getattr(runner, '_train_loop', None), BaseLoop)
        if not (training and hasattr(loss, 'setup_state')):
            return
        dataset = runner.train_dataloader.dataset
        if not hasattr(dataset, 'observed_labels'):
            raise TypeError(
                f'{type(loss).__name__} keeps per-sample state and needs a '
                'SinglePositiveDataset as the training set, got '
                f'{type(dataset).__name__}.')
        loss.setup_state(dataset.observed_labels)
        loss.to(next(runner.model.parameters()).device)

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        loss = get_submodule(runner.model, self.loss)
        if hasattr(loss, 'after_train_iter'):
            loss.after_train_iter()

    def before_train(self, runner) -> None:
        loss = get_submodule(runner.model, self.loss)
        if not getattr(loss, 'supports_amp', True) and \
                'Amp' in type(runner.optim_wrapper).__name__:
            raise ValueError(f'{type(loss).__name__} does not support mixed '
                             'precision (--amp / AmpOptimWrapper).')
        if getattr(loss, 'linear_init', 0) > 0 and is_model_wrapper(
                runner.model) and not getattr(runner.model,
                                              'find_unused_parameters', True):
            raise ValueError(
                'linear_init freezes the backbone after DDP was built; DDP '
                'then needs find_unused_parameters=True (set '
                'find_unused_parameters = True in the config).')
        self._apply(runner, runner.epoch + 1)

    def before_train_epoch(self, runner) -> None:
        self._apply(runner, runner.epoch + 1)

    def _apply(self, runner, epoch: int) -> None:
        loss = get_submodule(runner.model, self.loss)
        if hasattr(loss, 'set_epoch'):
            loss.set_epoch(epoch, runner.max_epochs)
        warmup = getattr(loss, 'linear_init', 0)
        if warmup > 0:
            frozen = epoch <= warmup
            module = get_submodule(runner.model, self.frozen_module)
            for param in module.parameters():
                param.requires_grad_(not frozen)
            if frozen:
                print_log(f'linear_init: epoch {epoch} of {warmup}, '
                          f'{self.frozen_module} frozen', logger='current')

    def after_train_epoch(self, runner) -> None:
        loss = get_submodule(runner.model, self.loss)
        if getattr(loss, 'wants_train_predictions', lambda: False)():
            idx, scores = predict_training_set(runner)
            loss.update_from_predictions(*gather_rows(idx, scores))
        if hasattr(loss, 'state_summary'):
            print_log(f'{type(loss).__name__} this epoch: {loss.extra_repr()}',
                      logger='current')
