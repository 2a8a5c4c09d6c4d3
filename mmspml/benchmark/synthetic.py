"""An in-memory training set for speed measurements: no disk, no decoding."""

import torch
from mmpretrain.registry import DATASETS
from mmpretrain.structures import DataSample
from torch.utils.data import Dataset


@DATASETS.register_module()
class SyntheticSinglePositive(Dataset):
    """``num_samples`` random uint8 images (C, H, W) kept on ``device``,
    each with one observed positive, packed as ``SinglePositiveDataset``
    and ``PackInputs`` pack a training sample (``gt_label``,
    ``full_gt_label``, ``sample_idx``). ``pool`` distinct images are
    reused.

    Args:
        num_samples (int): The length of the dataset.
        size (int): The images' height and width.
        num_classes (int): The number of classes; each sample's observed
            positive is drawn uniformly from them.
        device (str): Where the images are kept. Defaults to 'cpu'.
        pool (int): The number of distinct images; sample ``i`` shows
            image ``i % pool``. Defaults to 16.
        seed (int): The seed of the images and the positives. Defaults
            to 0.
    """

    def __init__(
        self,
        num_samples: int,
        size: int,
        num_classes: int,
        device: str = 'cpu',
        pool: int = 16,
        seed: int = 0,
    ):
        gen = torch.Generator().manual_seed(seed)
        self.images = torch.randint(
            0,
            256,
            (min(pool, num_samples), 3, size, size),
            dtype=torch.uint8,
            generator=gen,
        ).to(device)
        self.positives = torch.randint(
            0, num_classes, (num_samples,), generator=gen
        ).tolist()
        self.size = size
        self.metainfo = dict(classes=[f'c{i}' for i in range(num_classes)])

    def __len__(self) -> int:
        return len(self.positives)

    def __getitem__(self, idx: int) -> dict:
        shape = (self.size, self.size)
        sample = DataSample(
            metainfo=dict(sample_idx=idx, img_shape=shape, ori_shape=shape)
        )
        sample.set_gt_label(self.positives[idx])
        sample.set_field(
            torch.tensor([self.positives[idx]]),
            'full_gt_label',
            dtype=torch.Tensor,
        )
        return dict(
            inputs=self.images[idx % len(self.images)], data_samples=sample
        )
