"""The common frame of the SPML losses, and the contract between a loss, the
head that calls it and the hooks that drive it.

A loss computes an (N, C) entry loss (and optionally a batch-level term);
:class:`SPMLLoss` does mmpretrain's signature, the reduction and the
non-finite check. What a loss may need from the training loop is a small set
of documented methods with no-op defaults; the hooks in
:mod:`mmspml.engine.hooks` call them on any ``SPMLLoss`` (an ``isinstance``
check, never a look-up by attribute name). See ``docs/loss_contract.md``.
"""

import math
from typing import Optional

import torch
import torch.nn as nn

from .spml_utils import (
    check_target,
    negative_cross_entropy,
    reduce_entry_loss,
)


class SPMLLoss(nn.Module):
    """Base class of the SPML losses.

    A subclass computes an (N, C) entry loss in :meth:`entry_loss` and,
    optionally, a batch-level term in :meth:`batch_loss` (added after the
    reduction, like EPR's regulariser). The forward follows mmpretrain's
    ``(cls_score, target, weight, avg_factor, reduction_override)`` so heads
    can swap losses freely; ``target`` holds the observed labels (1 = observed
    positive, -1 = observed negative, 0 = unannotated; an MMPretrain head
    passes a sample's ``gt_score`` as it is, so partial labels reach every
    loss). An observed negative costs :meth:`observed_negative_loss`
    (``observed_negatives='loss'``) or nothing (``'ignore'``).

    The optional abilities, each a no-op unless a subclass overrides it:

    - :meth:`set_epoch`: the 1-based epoch about to start
      (``LossEpochHook``); epoch-dependent losses read ``self.epoch``.
    - :meth:`init_sample_state` and :meth:`step_state`: per-sample state
      keyed by the training-set index, set up before training and updated
      after every optimizer step (``LossSampleStateHook``).
    - :meth:`wants_train_predictions` and :meth:`update_from_predictions`:
      an eval-mode pass over the training set after an epoch
      (``TrainSetPredictionHook``).

    Class attributes the head and hooks read:

    - ``requires_index``: the loss needs each sample's training-set index
      as ``sample_idx``; :class:`~mmspml.models.heads.SPMLLinearClsHead`
      passes it. Defaults to False.
    - ``supports_amp``: the loss can train under mmengine's
      ``AmpOptimWrapper`` (``SPMLConfigCheckHook`` checks). Defaults to True.
    - ``needs_epoch``: the loss reads ``self.epoch`` (GR's schedules,
      SPLC's warm-up, the large-loss fractions, APL's epochs); the runner
      refuses to train it without a ``LossEpochHook``, and stops when an
      epoch after the first starts with the epoch still unset. Defaults to
      False.
    - ``linear_init``: epochs at the start of training with the backbone
      frozen (GR's warm-up, applied by ``LinearInitHook``). Defaults to 0.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        check_finite (bool): Check the loss on the host after every forward
            and raise a ``FloatingPointError`` that says what went wrong when
            it is NaN or inf. This reads a value from the device each step
            (a sync, and a graph break for ``torch.compile``); training
            configs leave it off because ``NonFiniteLossHook`` checks the
            logged loss instead. Defaults to False.
    """

    requires_index: bool = False
    supports_amp: bool = True
    needs_epoch: bool = False
    linear_init: int = 0
    #: What an observed negative (target -1) costs: ``'loss'`` gives it
    #: :meth:`observed_negative_loss`, ``'ignore'`` gives it 0 (what the GR
    #: reference code does with a verified negative).
    observed_negatives: str = 'loss'
    #: True when :meth:`entry_loss` itself gives observed negatives their
    #: cost (ROLE: its estimates are trained on them too; SPLC: focal).
    handles_observed_negatives: bool = False

    def __init__(self, loss_weight: float = 1.0, check_finite: bool = False):
        super().__init__()
        self.loss_weight = loss_weight
        self.check_finite = check_finite
        self.epoch: Optional[int] = None
        self.max_epochs: Optional[int] = None

    # -- what a subclass computes ------------------------------------------

    def entry_loss(
        self,
        cls_score: torch.Tensor,
        target: torch.Tensor,
        sample_idx: Optional[torch.Tensor],
    ) -> torch.Tensor:
        """The (N, C) loss of every entry, before weighting and reduction.

        Args:
            cls_score (Tensor): Logits, shape (N, C), in float32 (the
                forward casts half-precision logits).
            target (Tensor): Observed labels, shape (N, C), float: 1 =
                observed positive, -1 = observed negative, 0 = unannotated.
                Entries of -1 are given their cost by
                :meth:`observed_entry_loss` afterwards, unless the loss
                sets ``handles_observed_negatives``; whatever this method
                gives them must be finite.
            sample_idx (Tensor, optional): Training-set index of each
                sample, shape (N,); None when the head does not pass it.

        Returns:
            Tensor: The loss of every entry, shape (N, C).
        """
        raise NotImplementedError

    @property
    def negative_eps(self) -> float:
        """The epsilon of an observed negative's ``-log(1 - p + eps)``: the
        loss's own for positives (``pos_eps`` of GR, ``eps`` of Cole et
        al.'s family), else 0."""
        return float(getattr(self, 'pos_eps', getattr(self, 'eps', 0.0)))

    def observed_negative_loss(self, cls_score: torch.Tensor) -> torch.Tensor:
        """What an observed (verified) negative costs: ``-log(1 - p +
        eps)`` with the epsilon of the loss's positives
        (:attr:`negative_eps`). Losses whose paper implies another cost
        override it (``docs/partial_labels.md`` has the table).

        Args:
            cls_score (Tensor): Logits, shape (N, C), float32.

        Returns:
            Tensor: The cost of every entry were it an observed negative,
            shape (N, C).
        """
        return negative_cross_entropy(cls_score, self.negative_eps)

    def observed_entry_loss(
        self,
        cls_score: torch.Tensor,
        target: torch.Tensor,
        sample_idx: Optional[torch.Tensor] = None,
    ) -> torch.Tensor:
        """:meth:`entry_loss` with the observed negatives (target -1) given
        their cost: :meth:`observed_negative_loss`, or 0 with
        ``observed_negatives='ignore'``. Without observed negatives it is
        :meth:`entry_loss` exactly (values and gradients).

        Args:
            cls_score (Tensor): Logits, shape (N, C), float32.
            target (Tensor): Observed labels, shape (N, C): 1, -1 or 0.
            sample_idx (Tensor, optional): Training-set index of each
                sample. Defaults to None.

        Returns:
            Tensor: The loss of every entry, shape (N, C).
        """
        entry = self.entry_loss(cls_score, target, sample_idx)
        negative = target == -1
        if self.observed_negatives == 'ignore':
            return torch.where(negative, torch.zeros_like(entry), entry)
        if self.handles_observed_negatives:
            return entry
        return torch.where(
            negative, self.observed_negative_loss(cls_score), entry
        )

    def batch_loss(
        self,
        cls_score: torch.Tensor,
        target: torch.Tensor,
        sample_idx: Optional[torch.Tensor],
    ):
        """A scalar added after the reduction, or None (the default).

        Args:
            cls_score (Tensor): Logits, shape (N, C), in float32 (the
                forward casts half-precision logits).
            target (Tensor): Observed labels, shape (N, C), float: 1 =
                observed positive, -1 = observed negative, 0 = unannotated.
            sample_idx (Tensor, optional): Training-set index of each
                sample, shape (N,); None when the head does not pass it.

        Returns:
            Tensor | None: A scalar added to the reduced entry loss (before
            ``loss_weight``), or None for no batch-level term.
        """
        return None

    # -- optional abilities, driven by the hooks -----------------------------

    def set_num_classes(self, num_classes: int) -> None:
        """Learn the number of classes from the head that owns the loss
        (:class:`~mmspml.models.heads.SPMLLinearClsHead` calls it when it
        is built, before the optimizer is). No-op by default; a loss with
        per-class parameters (GR's learnable k) creates them here.

        Args:
            num_classes (int): The head's number of classes.
        """

    def set_epoch(self, epoch: int, max_epochs: int) -> None:
        """Record the 1-based ``epoch`` of ``max_epochs`` about to start.

        Args:
            epoch (int): The 1-based epoch about to start.
            max_epochs (int): The number of training epochs.
        """
        self.epoch, self.max_epochs = epoch, max_epochs

    def init_sample_state(self, observed_labels) -> None:
        """Set up per-sample state for a training set whose observed labels
        are ``observed_labels``. No-op by default.

        Args:
            observed_labels (SparseLabels | array-like): The observed labels
                of the whole training set: a
                :class:`~mmspml.datasets.SparseLabels` (what the hook
                passes) or an N x C 0/1 matrix.
        """

    def step_state(self) -> None:
        """Update per-sample state after an optimizer step, from what the
        last forward recorded. No-op by default."""

    def wants_train_predictions(self) -> bool:
        """Whether the epoch that just ended needs eval-mode scores of the
        whole training set (:meth:`update_from_predictions`). False by
        default.

        Returns:
            bool: True when ``TrainSetPredictionHook`` should run the pass.
        """
        return False

    def update_from_predictions(
        self, sample_idx: torch.Tensor, scores: torch.Tensor
    ) -> None:
        """Take the training-set scores (rows ``sample_idx``, all ranks').
        No-op by default.

        Args:
            sample_idx (Tensor): Training-set index of each row, shape (M,).
            scores (Tensor): Eval-mode predicted scores (the head's
                ``pred_score``) of those samples, shape (M, C).
        """

    # -- the frame ------------------------------------------------------------

    def forward(
        self,
        cls_score: torch.Tensor,
        target: torch.Tensor,
        weight: Optional[torch.Tensor] = None,
        avg_factor: Optional[float] = None,
        reduction_override: Optional[str] = None,
        sample_idx: Optional[torch.Tensor] = None,
    ) -> torch.Tensor:
        """Compute the loss.

        Args:
            cls_score (Tensor): Logits, shape (N, C).
            target (Tensor): Observed labels, shape (N, C): 1 = observed
                positive, -1 = observed negative, 0 = unannotated.
            weight (Tensor, optional): Element-wise (N, C) or per-sample (N,)
                weight of the entry loss (a batch-level term is not
                weighted). Defaults to None.
            avg_factor (float, optional): Number of samples the loss is
                averaged over (mmpretrain heads pass the batch size); the sum
                is divided by ``avg_factor * C`` so that the default is the
                mean over entries. Defaults to None (plain mean).
            reduction_override (str, optional): ``'none'``, ``'mean'`` or
                ``'sum'``. Defaults to None (``'mean'``).
            sample_idx (Tensor, optional): Training-set index of each sample;
                required by losses with per-sample state.

        Returns:
            Tensor: The loss.
        """
        check_target(cls_score, target, type(self).__name__)
        if self.requires_index and sample_idx is None and self.training:
            raise ValueError(
                f'{type(self).__name__} keeps per-sample state and needs each '
                "sample's index: use head=dict(type='SPMLLinearClsHead', ...) "
                'and a SinglePositiveDataset for training.'
            )
        # Half-precision logits (autocast) are scored in float32: bf16
        # rounds log(p) and the small p that the losses weigh.
        if cls_score.dtype in (torch.float16, torch.bfloat16):
            cls_score = cls_score.float()
        target = target.float()
        reduction = reduction_override or 'mean'
        loss = reduce_entry_loss(
            self.observed_entry_loss(cls_score, target, sample_idx),
            weight,
            reduction,
            avg_factor,
        )
        extra = self.batch_loss(cls_score, target, sample_idx)
        if extra is not None:
            if reduction == 'none':
                raise ValueError(
                    f"{type(self).__name__}: reduction_override='none' is "
                    'not supported: the loss has a batch-level term that '
                    "has no per-entry form. Use 'mean' or 'sum'."
                )
            loss = loss + extra
        loss = self.loss_weight * loss
        if (
            self.check_finite
            and loss.dim() == 0
            and not math.isfinite(loss.item())
        ):
            raise FloatingPointError(self._non_finite_message(cls_score))
        return loss

    def state_summary(self) -> str:
        """What the loss looks like this epoch, for the training log.

        Returns:
            str: A short ``name=value`` summary; the base class gives the
            epoch.
        """
        return f'epoch={self.epoch}'

    def extra_repr(self) -> str:
        return self.state_summary()

    def _non_finite_message(self, cls_score: torch.Tensor) -> str:
        from mmengine.logging import MessageHub

        hub = MessageHub.get_current_instance()
        iteration = hub.get_info('iter')
        where = f'at epoch {self.epoch}' + (
            f', iteration {iteration + 1}' if iteration is not None else ''
        )
        bad = (~torch.isfinite(cls_score)).sum().item()
        cause = (
            f'{bad} of {cls_score.numel()} logits are NaN or inf, so '
            'the model has diverged: lower the learning rate or clip '
            'gradients (optim_wrapper.clip_grad=dict(max_norm=...))'
            if bad
            else 'the logits are finite, so the loss itself overflowed: '
            'check its hyper-parameters and the targets'
        )
        return (
            f'{type(self).__name__} is not finite {where} '
            f'({self.state_summary()}); {cause}. Training stops here; '
            '--resume continues from the last checkpoint once fixed.'
        )
