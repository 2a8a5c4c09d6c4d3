"""A multi-label head that tells stateful SPML losses which samples they
see."""

from typing import List, Optional, Tuple

import torch
from mmpretrain.models.heads import MultiLabelLinearClsHead
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from mmspml.models.losses import SPMLLoss


@MODELS.register_module()
class SPMLLinearClsHead(MultiLabelLinearClsHead):
    """:class:`mmpretrain.models.heads.MultiLabelLinearClsHead` that passes
    ``sample_idx`` (each sample's index in the training set, set by
    :class:`~mmspml.datasets.SinglePositiveDataset`) to an
    :class:`~mmspml.models.losses.SPMLLoss` with ``requires_index = True``
    (ROLE, EM + APL, LL-Cp). Other losses are called exactly as by the
    parent class.

    Unlike the parent, the head has no default loss: the loss is the method
    (``model.head.loss`` of every config), and a config that forgot it
    would otherwise train plain BCE on single positives without a word.

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Width of the input feature.
        loss (dict): The loss config, e.g. ``dict(type='GRLoss')``.
        **kwargs: The other arguments of ``MultiLabelLinearClsHead``
            (``thr``, ``topk``, ``init_cfg``).
    """

    def __init__(
        self,
        num_classes: int,
        in_channels: int,
        loss: Optional[dict] = None,
        **kwargs,
    ):
        if loss is None:
            raise ValueError(
                'SPMLLinearClsHead: no loss; set model.head.loss to the '
                "method's loss, e.g. loss=dict(type='GRLoss') (the losses "
                'are listed in docs/baselines.md)'
            )
        super().__init__(num_classes, in_channels, loss=loss, **kwargs)
        if isinstance(self.loss_module, SPMLLoss):
            self.loss_module.set_num_classes(num_classes)

    def loss(
        self,
        feats: Tuple[torch.Tensor],
        data_samples: List[DataSample],
        **kwargs,
    ) -> dict:
        """The parent's losses, with ``sample_idx`` passed to a loss that
        needs it.

        Args:
            feats (tuple[Tensor]): The neck's features; the last is
                classified.
            data_samples (list[DataSample]): The training samples.
            **kwargs: Passed on to the loss module.

        Returns:
            dict[str, Tensor]: ``{'loss': ...}``, as the parent's.
        """
        if (
            isinstance(self.loss_module, SPMLLoss)
            and self.loss_module.requires_index
        ):
            missing = [
                i for i, s in enumerate(data_samples) if 'sample_idx' not in s
            ]
            if missing:
                raise KeyError(
                    'SPMLLinearClsHead: training samples carry no '
                    'sample_idx; wrap the training set in a '
                    'SinglePositiveDataset.'
                )
            kwargs['sample_idx'] = torch.tensor(
                [s.sample_idx for s in data_samples], device=feats[-1].device
            )
        return super().loss(feats, data_samples, **kwargs)
