"""Cole et al.'s "formatted" npy files, which every SPML code base uses."""
import os.path as osp

import numpy as np
from mmpretrain.registry import DATASETS

from .dataset import SPMLBenchmarkDataset
from .label_table import LabelTable, check_split, require_path


def load_formatted(root: str, split: str,
                   img_prefix: str = '') -> LabelTable:
    """Cole et al.'s ``formatted_{split}_{images,labels,labels_obs}.npy``.

    Args:
        root (str): Folder of the npy files.
        split (str): ``'train'`` or ``'val'`` (the SPML test set).
        img_prefix (str): Folder of the images, relative to ``root``
            (VOC: ``'VOCdevkit/VOC2012/JPEGImages'``, COCO: ``''``, NUS-WIDE:
            ``'Flickr'``, CUB: ``'CUB_200_2011/CUB_200_2011/images'``).
    """
    check_split(split, ('train', 'val'))
    images_path = osp.join(root, f'formatted_{split}_images.npy')
    labels_path = osp.join(root, f'formatted_{split}_labels.npy')
    images = np.load(require_path(images_path, 'file', 'formatted'))
    labels = np.load(require_path(labels_path, 'file', 'formatted'))
    if labels.ndim != 2 or len(labels) != len(images):
        raise ValueError(f'{labels_path}: expected a {len(images)} x C '
                         f'matrix (one row per image), got {labels.shape}')
    if not np.isin(labels, [0, 1]).all():
        raise ValueError(f'{labels_path}: labels must be 0 or 1')
    observed = None
    obs_path = osp.join(root, f'formatted_{split}_labels_obs.npy')
    if osp.isfile(obs_path):
        observed = np.load(obs_path)
        if observed.shape != labels.shape:
            raise ValueError(f'{obs_path}: shape {observed.shape} differs '
                             f'from {labels_path} {labels.shape}')
        if ((observed == 1) & (labels != 1)).any():
            raise ValueError(f'{obs_path}: an observed positive is not a '
                             f'positive in {labels_path}')
        observed = (observed == 1).astype(np.uint8)
    return LabelTable(
        img_paths=[osp.join(img_prefix, str(p)) for p in images],
        labels=labels.astype(np.uint8),
        classes=[f'class_{i}' for i in range(labels.shape[1])],
        observed=observed)


@DATASETS.register_module()
class SPMLFormatted(SPMLBenchmarkDataset):
    """Cole et al.'s formatted npy files (:func:`load_formatted`), so that
    existing SPML data is used unchanged. Their ``labels_obs`` become each
    sample's ``observed_label``, which ``SinglePositiveDataset(observed=
    'dataset')`` trains on instead of drawing again.

    Args:
        data_root (str): Folder of the npy files.
        split (str): ``'train'`` or ``'val'`` (the test set).
        img_prefix (str): Folder of the images relative to ``data_root``.
        **kwargs: Other arguments of ``MultiLabelDataset``; the npy files
            name no classes, so give ``metainfo=dict(classes=...)`` or get
            ``class_0, class_1, ...``.
    """

    def __init__(self, data_root: str, split: str = 'train',
                 img_prefix: str = '', **kwargs):
        self.formatted_img_prefix = img_prefix
        super().__init__(data_root=data_root, split=split, **kwargs)

    def load_table(self) -> LabelTable:
        return load_formatted(self.data_root, self.split,
                              self.formatted_img_prefix)
