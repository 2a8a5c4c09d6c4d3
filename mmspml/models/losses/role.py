"""The expected-positive family of Cole et al., "Multi-Label Learning from
Single Positive Labels" (CVPR 2021): the expected positive regulariser (EPR)
and regularised online label estimation (ROLE).

Both add a batch-level regulariser after the reduction, so they take
``reduction_override='mean'`` or ``'sum'`` only, and ``weight`` scales the
per-entry terms, not the regulariser (see ``docs/faithfulness.md``).
"""

import math

import torch
from mmengine.dist import get_world_size
from mmpretrain.registry import MODELS

from mmspml.utils.dist_utils import gather_rows

from .base import SPMLLoss
from .sample_state import SampleStateMixin
from .spml_utils import negative_cross_entropy, positive_cross_entropy


def expected_positive_regularizer(
    prob: torch.Tensor, expected_num_pos: float
) -> torch.Tensor:
    """(mean_n sum_c p_nc - K)^2 / C^2 (Cole et al.'s EPR, L2 form).

    Args:
        prob (Tensor): Probabilities p, shape (N, C).
        expected_num_pos (float): K, the expected number of positives per
            image.

    Returns:
        Tensor: The scalar regulariser.
    """
    return (prob.sum(dim=1).mean() - expected_num_pos) ** 2 / prob.shape[
        1
    ] ** 2


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
        return torch.where(
            target == 1, positive_cross_entropy(cls_score, self.eps), 0.0
        )

    def batch_loss(self, cls_score, target, sample_idx=None):
        return expected_positive_regularizer(
            torch.sigmoid(cls_score), self.expected_num_pos
        )


@MODELS.register_module()
class ROLELoss(SampleStateMixin, SPMLLoss):
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
        **kwargs: ``loss_weight``, ``check_finite``, ``state_device``
            (:class:`SampleStateMixin`).
    """

    state_names = ('estimates', 'exp_avg', 'exp_avg_sq', 'step')
    betas = (0.9, 0.999)
    adam_eps = 1e-8
    # The estimates are updated from raw gradients, which a loss scaler
    # (AmpOptimWrapper) would scale.
    supports_amp = False
    handles_observed_negatives = True

    def __init__(
        self,
        expected_num_pos: float,
        estimator_lr: float = 1e-4,
        eps: float = 1e-5,
        init_seed: int = 0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.expected_num_pos = expected_num_pos
        self.estimator_lr = estimator_lr
        self.eps = eps
        self.init_seed = init_seed
        self._pending = None
        self._batch = None

    def new_state(self, observed):
        generator = torch.Generator().manual_seed(self.init_seed)
        bound = math.log(0.6 / 0.4)
        logits = (
            torch.rand(observed.shape, generator=generator) * 2 - 1
        ) * bound
        logits[observed == 1] = math.log(0.995 / 0.005)
        logits[observed == -1] = math.log(0.005 / 0.995)
        return dict(
            estimates=logits,
            exp_avg=torch.zeros_like(logits),
            exp_avg_sq=torch.zeros_like(logits),
            step=torch.zeros(()),
        )

    def _estimates(self, sample_idx, device):
        rows = self.state_rows('estimates', sample_idx, device).clone()
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
        positive = 0.5 * (
            positive_cross_entropy(cls_score, self.eps)
            + -torch.log(estimate + self.eps)
        )
        cross = 0.5 * (
            self._bce(prob, estimate.detach())
            + self._bce(estimate, prob.detach())
        )
        # An observed negative supervises prediction and estimate alike, as
        # the observed positive does.
        negative = 0.5 * (
            negative_cross_entropy(cls_score, self.eps)
            + -torch.log(1 - estimate + self.eps)
        )
        observed = torch.where(target == -1, negative, 0.0)
        return torch.where(target == 1, positive, observed) + cross

    def _bce(self, prob, soft_target):
        return -(
            soft_target * torch.log(prob + self.eps)
            + (1 - soft_target) * torch.log(1 - prob + self.eps)
        )

    def batch_loss(self, cls_score, target, sample_idx=None):
        prob, estimate = self._batch
        self._batch = None
        k = self.expected_num_pos
        return 0.5 * (
            expected_positive_regularizer(prob, k)
            + expected_positive_regularizer(estimate, k)
        )

    def step_state(self) -> None:
        """Adam step of the estimates with the gradient of this iteration
        (gathered from all ranks and averaged as DDP averages the model's)."""
        if self._pending is None:
            return
        idx, grad = self._pending
        self._pending = None
        idx, grad = self.to_state_device(
            *gather_rows(idx, grad / get_world_size())
        )
        state = self.state_on(grad.device)
        full = torch.zeros_like(state['estimates'])
        full.index_put_((idx,), grad, accumulate=True)
        beta1, beta2 = self.betas
        state['step'] += 1
        step = state['step'].item()
        state['exp_avg'].mul_(beta1).add_(full, alpha=1 - beta1)
        state['exp_avg_sq'].mul_(beta2).addcmul_(full, full, value=1 - beta2)
        denom = (state['exp_avg_sq'].sqrt() / math.sqrt(1 - beta2**step)).add_(
            self.adam_eps
        )
        state['estimates'].addcdiv_(
            state['exp_avg'],
            denom,
            value=-self.estimator_lr / (1 - beta1**step),
        )
