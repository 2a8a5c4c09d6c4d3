"""SPML losses with per-sample state: ROLE (Cole et al., CVPR 2021),
EM + APL (Zhou et al., ECCV 2022) and the large-loss methods LL-R / LL-Ct /
LL-Cp (Kim et al., CVPR 2022).

State lives in each loss as float buffers keyed by the training-set index,
so it is saved in and resumed from the checkpoint with the model. It is
allocated by :meth:`setup_state` before a resume loads it, and kept identical
on every DDP rank: every change is gathered from all ranks and applied
everywhere in the same order (so the rank-0 broadcast at start-up and
``SyncBuffersHook``'s averaging leave it unchanged).
"""
import math
from typing import Dict

import numpy as np
import torch
from mmengine.dist import get_world_size
from mmpretrain.registry import MODELS

from mmspml.utils.dist_utils import gather_rows
from .base import SPMLLoss
from .spml_utils import (binary_entropy, positive_cross_entropy,
                         soft_target_cross_entropy)


def expected_positive_regularizer(prob: torch.Tensor,
                                  expected_num_pos: float) -> torch.Tensor:
    """(mean_n sum_c p_nc - K)^2 / C^2 (Cole et al.'s EPR, L2 form)."""
    return (prob.sum(dim=1).mean() - expected_num_pos)**2 / prob.shape[1]**2


class StatefulSPMLLoss(SPMLLoss):
    """Base of the losses whose state is indexed by training sample.

    Subclasses call :meth:`set_state` from :meth:`setup_state`; the tensors
    become float32 buffers, checkpointed and restored with the model.
    """
    requires_index = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._state_names = []

    def setup_state(self, observed: np.ndarray) -> None:
        """Allocate the state for a training set whose observed labels are
        the N x C matrix ``observed``."""
        raise NotImplementedError

    def set_state(self, **tensors: torch.Tensor) -> None:
        for name, value in tensors.items():
            self.register_buffer(name, value.float())
            if name not in self._state_names:
                self._state_names.append(name)

    @property
    def state(self) -> Dict[str, torch.Tensor]:
        """The state buffers by name."""
        return {name: getattr(self, name) for name in self._state_names}

    def state_on(self, device) -> Dict[str, torch.Tensor]:
        if not self._state_names:
            raise RuntimeError(
                f'{type(self).__name__}: state not set up; training must run '
                "with the SPMLLossHook (custom_hooks=[dict(type="
                "'SPMLLossHook')]).")
        return self.state

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        for name, value in self.state.items():
            saved = state_dict.get(prefix + name)
            if saved is not None and saved.shape != value.shape:
                raise ValueError(
                    f'{type(self).__name__}: the checkpoint has {name} of '
                    f'shape {tuple(saved.shape)} but this training set needs '
                    f'{tuple(value.shape)}; was it saved for another '
                    'dataset?')
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)


@MODELS.register_module()
class ROLELoss(StatefulSPMLLoss):
    """Regularised online label estimation (ROLE).

    A label-estimate logit per training entry is learned jointly with the
    classifier; with ``p`` the prediction and ``y`` the estimate::

        0.5 [CE+(p) + CE+(y)] on observed positives
        + 0.5 [BCE(p, sg y) + BCE(y, sg p)] on every entry
        + 0.5 [EPR(p) + EPR(y)] per batch

    The estimates start at logit(0.995) on observed positives and uniform in
    [-logit(0.6), logit(0.6)] elsewhere, and are trained by their own Adam
    with ``estimator_lr`` (10 x the classifier lr in the reference recipe),
    every step on every row as a parameter of the reference's Adam would be.

    Args:
        expected_num_pos (float): K, the expected number of positives per
            image: VOC 1.5, COCO 2.9, NUS-WIDE 1.9, CUB 31.4.
        estimator_lr (float): Adam lr of the estimates. Defaults to 1e-4.
        eps (float): Epsilon inside the logs. Defaults to 1e-5.
        init_seed (int): Seed of the estimates' initialisation (the same on
            every rank). Defaults to 0.
        **kwargs: ``loss_weight``, ``check_finite``.
    """
    betas = (0.9, 0.999)
    adam_eps = 1e-8
    # The estimates are updated from raw gradients, which a loss scaler
    # (AmpOptimWrapper) would scale.
    supports_amp = False

    def __init__(self, expected_num_pos: float, estimator_lr: float = 1e-4,
                 eps: float = 1e-5, init_seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.expected_num_pos = expected_num_pos
        self.estimator_lr = estimator_lr
        self.eps = eps
        self.init_seed = init_seed
        self._pending = None

    def setup_state(self, observed: np.ndarray) -> None:
        observed = torch.as_tensor(observed, dtype=torch.float32)
        generator = torch.Generator().manual_seed(self.init_seed)
        bound = math.log(0.6 / 0.4)
        logits = (torch.rand(observed.shape, generator=generator) * 2 -
                  1) * bound
        logits[observed == 1] = math.log(0.995 / 0.005)
        self.set_state(
            estimates=logits,
            exp_avg=torch.zeros_like(logits),
            exp_avg_sq=torch.zeros_like(logits),
            step=torch.zeros(()))

    def _estimates(self, sample_idx, device):
        rows = self.state_on(device)['estimates'][sample_idx].clone()
        if self.training and torch.is_grad_enabled():
            rows.requires_grad_(True)
            rows.register_hook(lambda grad: self._stash(sample_idx, grad))
        return rows

    def _stash(self, sample_idx, grad):
        self._pending = (sample_idx.detach(), grad.detach())

    def entry_loss(self, cls_score, target, sample_idx=None):
        prob = torch.sigmoid(cls_score)
        estimate = torch.sigmoid(self._estimates(sample_idx, cls_score.device))
        self._batch = (prob, estimate)
        positive = 0.5 * (positive_cross_entropy(cls_score, self.eps) +
                          -torch.log(estimate + self.eps))
        cross = 0.5 * (self._bce(prob, estimate.detach()) +
                       self._bce(estimate, prob.detach()))
        return torch.where(target == 1, positive, 0.) + cross

    def _bce(self, prob, soft_target):
        return -(soft_target * torch.log(prob + self.eps) +
                 (1 - soft_target) * torch.log(1 - prob + self.eps))

    def batch_loss(self, cls_score, target, sample_idx=None):
        prob, estimate = self._batch
        k = self.expected_num_pos
        return 0.5 * (expected_positive_regularizer(prob, k) +
                      expected_positive_regularizer(estimate, k))

    def after_train_iter(self) -> None:
        """Adam step of the estimates with the gradient of this iteration
        (gathered from all ranks and averaged as DDP averages the model's)."""
        if self._pending is None:
            return
        idx, grad = self._pending
        self._pending = None
        idx, grad = gather_rows(idx, grad / get_world_size())
        state = self.state_on(grad.device)
        full = torch.zeros_like(state['estimates'])
        full.index_put_((idx, ), grad, accumulate=True)
        beta1, beta2 = self.betas
        state['step'] += 1
        step = state['step'].item()
        state['exp_avg'].mul_(beta1).add_(full, alpha=1 - beta1)
        state['exp_avg_sq'].mul_(beta2).addcmul_(full, full, value=1 - beta2)
        denom = (state['exp_avg_sq'].sqrt() /
                 math.sqrt(1 - beta2**step)).add_(self.adam_eps)
        state['estimates'].addcdiv_(
            state['exp_avg'], denom,
            value=-self.estimator_lr / (1 - beta1**step))


@MODELS.register_module()
class EPRLoss(SPMLLoss):
    """Expected positive regulariser (EPR): cross-entropy on the observed
    positive only, plus ``(mean_n sum_c p_nc - K)^2 / C^2`` per batch.

    Args:
        expected_num_pos (float): K: VOC 1.5, COCO 2.9, NUS-WIDE 1.9, CUB
            31.4.
        eps (float): Epsilon inside the log. Defaults to 1e-5.
        **kwargs: ``loss_weight``, ``check_finite``.
    """

    def __init__(self, expected_num_pos: float, eps: float = 1e-5, **kwargs):
        super().__init__(**kwargs)
        self.expected_num_pos = expected_num_pos
        self.eps = eps

    def entry_loss(self, cls_score, target, sample_idx=None):
        return torch.where(target == 1,
                           positive_cross_entropy(cls_score, self.eps), 0.)

    def batch_loss(self, cls_score, target, sample_idx=None):
        return expected_positive_regularizer(
            torch.sigmoid(cls_score), self.expected_num_pos)


@MODELS.register_module()
class EMAPLLoss(StatefulSPMLLoss):
    """Entropy maximisation with asymmetric pseudo-labelling (EM + APL).

    Like :class:`EntropyMaximizationLoss`, plus: after each epoch
    ``e >= warmup_epoch`` (except the last), the model predicts the whole
    training set in eval mode, and for each class the
    ``int(neg_proportion * U_c / (T - warmup_epoch))`` unannotated entries
    with the lowest p that carry no pseudo-label yet get the soft
    pseudo-label t = p (U_c: unannotated entries of class c, T: epochs).
    Those entries are trained with ``beta * [t CE+ + (1 - t) CE-]`` instead
    of the entropy term. Pseudo-labels are never revised.

    Args:
        alpha (float): Entropy weight: VOC 0.2, COCO 0.1, NUS 0.1, CUB 0.01.
            Defaults to 0.1.
        beta (float): Pseudo-label weight: VOC 0.02, COCO 0.9, NUS 0.2,
            CUB 0.4. Defaults to 0.9.
        warmup_epoch (int): First (1-based) epoch after which pseudo-labels
            are assigned: VOC 5, COCO 5, NUS 4, CUB 3. Defaults to 5.
        neg_proportion (float): Share of the unannotated entries labelled
            over the run. Defaults to 0.9.
        eps (float): Epsilon inside the logs. Defaults to 1e-5.
        **kwargs: ``loss_weight``, ``check_finite``.
    """

    def __init__(self, alpha: float = 0.1, beta: float = 0.9,
                 warmup_epoch: int = 5, neg_proportion: float = 0.9,
                 eps: float = 1e-5, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha
        self.beta = beta
        self.warmup_epoch = warmup_epoch
        self.neg_proportion = neg_proportion
        self.eps = eps

    def setup_state(self, observed: np.ndarray) -> None:
        observed = torch.as_tensor(observed, dtype=torch.float32)
        self.set_state(
            observed=observed,
            pseudo=torch.full(observed.shape, float('nan')))

    def entry_loss(self, cls_score, target, sample_idx=None):
        prob = torch.sigmoid(cls_score)
        entropy_term = -self.alpha * binary_entropy(prob, self.eps)
        loss = torch.where(target == 1,
                           positive_cross_entropy(cls_score, self.eps),
                           entropy_term)
        if sample_idx is None:  # evaluation: no pseudo-labels
            return loss
        pseudo = self.state_on(cls_score.device)['pseudo'][sample_idx]
        has_pseudo = ~torch.isnan(pseudo) & (target == 0)
        pseudo_term = self.beta * soft_target_cross_entropy(
            cls_score, torch.nan_to_num(pseudo), self.eps)
        return torch.where(has_pseudo, pseudo_term, loss)

    def wants_train_predictions(self) -> bool:
        """Whether the epoch that just ended assigns pseudo-labels."""
        return (self.epoch is not None and self.max_epochs is not None
                and self.warmup_epoch <= self.epoch < self.max_epochs)

    def update_from_predictions(self, sample_idx: torch.Tensor,
                                scores: torch.Tensor) -> None:
        """Assign this epoch's pseudo-labels from the training-set
        predictions ``scores`` (rows of ``sample_idx``, all ranks')."""
        state = self.state_on(scores.device)
        prob = torch.full_like(state['pseudo'], float('nan'))
        prob[sample_idx] = scores.float()
        unannotated = state['observed'] == 0
        candidates = unannotated & torch.isnan(state['pseudo']) & \
            ~torch.isnan(prob)
        per_class = (self.neg_proportion * unannotated.sum(dim=0).double() /
                     (self.max_epochs - self.warmup_epoch)).floor().long()
        ranked = torch.where(candidates, prob, torch.full_like(prob, 2.0))
        order = ranked.argsort(dim=0, stable=True)
        for c in range(prob.shape[1]):
            count = min(int(per_class[c]), int(candidates[:, c].sum()))
            rows = order[:count, c]
            state['pseudo'][rows, c] = prob[rows, c]

    def state_summary(self) -> str:
        labelled = (~torch.isnan(self.state['pseudo'])).sum().item() \
            if self.state else 0
        return f'epoch={self.epoch}, pseudo-labelled entries={labelled}'


@MODELS.register_module()
class LargeLossLoss(SPMLLoss):
    """Large loss rejection / correction (Kim et al., "Large Loss Matters in
    Weakly Supervised Multi-Label Classification", CVPR 2022).

    The AN loss (exact BCE), except that from epoch 2 on, the unannotated
    entries of the batch with the largest losses -- the top
    ``ceil(N C (e - 1) delta_rel)`` at epoch e for ``'reject'`` and
    ``'correct_temp'``, the top ``ceil(N C delta_rel)`` for
    ``'correct_perm'`` -- are rejected (loss 0), trained as positives for
    this step, or permanently relabelled positive.

    Args:
        mode (str): ``'reject'`` (LL-R), ``'correct_temp'`` (LL-Ct) or
            ``'correct_perm'`` (LL-Cp).
        delta_rel (float): Growth of the modified fraction per epoch, as a
            fraction (0.002 = 0.2%).
        **kwargs: ``loss_weight``, ``check_finite``.
    """
    modes = ('reject', 'correct_temp', 'correct_perm')

    def __init__(self, mode: str, delta_rel: float, **kwargs):
        super().__init__(**kwargs)
        if mode not in self.modes:
            raise ValueError(f'LargeLossLoss: mode must be one of '
                             f'{self.modes}, got {mode!r}')
        self.mode = mode
        self.delta_rel = delta_rel

    def num_modified(self, num_entries: int) -> int:
        if self.epoch is None or self.epoch < 2:
            return 0
        frac = self.delta_rel if self.mode == 'correct_perm' else \
            self.delta_rel * (self.epoch - 1)
        return math.ceil(num_entries * frac)

    def large_loss_mask(self, cls_score, target):
        """The AN loss, the unannotated entries this step modifies (loss at
        or above the threshold) and those strictly above it."""
        an_loss = soft_target_cross_entropy(cls_score, target)
        unannotated = target == 0
        count = min(self.num_modified(target.numel()),
                    int(unannotated.sum()))
        if count == 0:
            none = torch.zeros_like(unannotated)
            return an_loss, none, none
        candidate = torch.where(unannotated, an_loss.detach(),
                                torch.full_like(an_loss, -1.0))
        threshold = candidate.flatten().topk(count).values[-1]
        return (an_loss, unannotated & (candidate >= threshold),
                unannotated & (candidate > threshold))

    def entry_loss(self, cls_score, target, sample_idx=None):
        an_loss, mask, _ = self.large_loss_mask(cls_score, target)
        if self.mode == 'reject':
            return torch.where(mask, 0., an_loss)
        return torch.where(mask, positive_cross_entropy(cls_score), an_loss)

    def state_summary(self) -> str:
        return f'epoch={self.epoch}, mode={self.mode}'


@MODELS.register_module()
class LLRLoss(LargeLossLoss):
    """LL-R: reject the largest unannotated losses. Args: ``delta_rel``
    (default 0.002), ``loss_weight``, ``check_finite``."""

    def __init__(self, delta_rel: float = 0.002, **kwargs):
        super().__init__('reject', delta_rel, **kwargs)


@MODELS.register_module()
class LLCtLoss(LargeLossLoss):
    """LL-Ct: train the largest unannotated losses as positives for one
    step. Args: ``delta_rel`` (default 0.002), ``loss_weight``,
    ``check_finite``."""

    def __init__(self, delta_rel: float = 0.002, **kwargs):
        super().__init__('correct_temp', delta_rel, **kwargs)


@MODELS.register_module()
class LLCpLoss(StatefulSPMLLoss, LargeLossLoss):
    """LL-Cp: permanently relabel the unannotated entries with the largest
    losses as positives; they are observed positives from the next batch on
    (for the rest of training, and across a resume).

    The released reference compares strings with ``is``, which makes its
    LL-Cp behave as LL-Ct, and would relabel only the entries strictly above
    the k-th largest loss (none when k = 1, the usual case at batch 8); this
    implements the method as published: the k corrected entries are
    relabelled.

    Args:
        delta_rel (float): Fraction relabelled per batch. Defaults to 0.001.
        strict (bool): Relabel only entries strictly above the threshold, as
            the reference code's selection. Defaults to False.
        **kwargs: ``loss_weight``, ``check_finite``.
    """

    def __init__(self, delta_rel: float = 0.001, strict: bool = False,
                 **kwargs):
        LargeLossLoss.__init__(self, 'correct_perm', delta_rel, **kwargs)
        self.strict = strict
        self._state_names = []
        self._pending = None

    def setup_state(self, observed: np.ndarray) -> None:
        self.set_state(flipped=torch.zeros(observed.shape))

    def entry_loss(self, cls_score, target, sample_idx=None):
        if sample_idx is not None:
            flipped = self.state_on(cls_score.device)['flipped'][sample_idx]
            target = torch.where(flipped > 0, torch.ones_like(target), target)
        an_loss, mask, above = self.large_loss_mask(cls_score, target)
        if sample_idx is not None and self.training:
            rows, cols = (above if self.strict else mask).nonzero(
                as_tuple=True)
            self._pending = (sample_idx[rows], cols)
        return torch.where(mask, positive_cross_entropy(cls_score), an_loss)

    def after_train_iter(self) -> None:
        """Record this step's relabellings on every rank."""
        if self._pending is None:
            return
        rows, cols = self._pending
        self._pending = None
        rows, cols = gather_rows(rows, cols)
        self.state_on(rows.device)['flipped'][rows, cols] = 1.0

    def state_summary(self) -> str:
        flipped = int(self.state['flipped'].sum()) if self.state else 0
        return f'epoch={self.epoch}, relabelled entries={flipped}'
