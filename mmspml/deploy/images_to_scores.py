"""A classifier with its data preprocessing and sigmoid as one module: raw
images in, the scores of ``model.test_step`` out."""

import torch
import torch.nn.functional as F
from mmpretrain.models.heads import MultiLabelClsHead
from mmpretrain.models.utils import ClsDataPreprocessor


class ImagesToScores(torch.nn.Module):
    """A classifier with its data preprocessing and sigmoid, as one graph.

    ``forward`` computes what ``model.test_step`` gives as ``pred_score``
    for a batch of raw images that all have the same size: the channel swap
    (BGR input and the preprocessor's ``to_rgb``, or RGB input without it),
    ``(x - mean) / std``, padding to ``pad_size_divisor``, the backbone,
    neck and head, and the sigmoid.

    Args:
        classifier (nn.Module): An MMPretrain classifier with a
            ``ClsDataPreprocessor`` and a multi-label head.
        input_order (str): Channel order of the input images, ``'bgr'``
            (as ``LoadImageFromFile`` loads them) or ``'rgb'``. Defaults to
            ``'bgr'``.

    Raises:
        TypeError: The classifier has another data preprocessor or a head
            that is not a ``MultiLabelClsHead``.
        ValueError: ``input_order`` is neither ``'bgr'`` nor ``'rgb'``.
    """

    def __init__(self, classifier, input_order: str = 'bgr'):
        super().__init__()
        preprocessor = classifier.data_preprocessor
        if not isinstance(preprocessor, ClsDataPreprocessor):
            raise TypeError(
                'export_onnx.py exports models with a ClsDataPreprocessor; '
                f'this one has {type(preprocessor).__name__}.'
            )
        head = getattr(classifier, 'head', None)
        if not isinstance(head, MultiLabelClsHead):
            raise TypeError(
                'export_onnx.py exports multi-label heads (sigmoid scores); '
                f"the model's head is {type(head).__name__}."
            )
        if input_order not in ('bgr', 'rgb'):
            raise ValueError(
                f"input_order must be 'bgr' or 'rgb', got {input_order!r}"
            )
        self.classifier = classifier
        self.input_order = input_order
        self.swap_channels = bool(preprocessor.to_rgb) != (
            input_order == 'rgb'
        )
        self.normalize = bool(preprocessor._enable_normalize)
        if self.normalize:
            self.register_buffer('mean', preprocessor.mean.clone().float())
            self.register_buffer('std', preprocessor.std.clone().float())
        self.pad_size_divisor = preprocessor.pad_size_divisor
        self.pad_value = preprocessor.pad_value

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Sigmoid scores (N, num_classes) of raw images (N, 3, H, W),
        float pixel values 0-255 in ``input_order``."""
        if self.swap_channels:
            images = images.flip(1)
        if self.normalize:
            images = (images - self.mean) / self.std
        if self.pad_size_divisor > 1:
            h, w = images.shape[-2:]
            pad_h = -h % self.pad_size_divisor
            pad_w = -w % self.pad_size_divisor
            images = F.pad(
                images, (0, pad_w, 0, pad_h), 'constant', self.pad_value
            )
        return torch.sigmoid(self.classifier(images, mode='tensor'))
