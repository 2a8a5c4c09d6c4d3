"""Cole et al.'s "formatted" npy files, which every SPML code base uses."""

import os.path as osp

import numpy as np
from mmpretrain.registry import DATASETS

from .dataset import SPMLBenchmarkDataset
from .label_table import LabelTable, check_split, require_path


def _load_npy(path: str) -> np.ndarray:
    try:
        return np.load(
            require_path(path, 'file', 'formatted'), allow_pickle=False
        )  # an object array runs code
    except FileNotFoundError:
        raise
    except Exception as err:
        raise ValueError(
            f'{path}: cannot read the npy file: {type(err).__name__}: {err}'
        ) from err


def _first_cell(mask: np.ndarray) -> tuple:
    row, col = np.argwhere(mask)[0]
    return int(row), int(col)


def load_formatted(root: str, split: str, img_prefix: str = '') -> LabelTable:
    """Cole et al.'s ``formatted_{split}_{images,labels,labels_obs}.npy``.

    ``labels`` must be an N x C 0/1 matrix with one row per image.
    ``labels_obs`` (optional) must have the same N x C shape and hold only
    1 (observed positive), 0 (unobserved) or -1 (observed negative, as
    Cole et al.'s generator writes with ``--num-neg``; treated as not
    observed positive), and every observed positive must be a positive in
    ``labels``. Any other input raises a ``ValueError`` naming the file and
    the row.

    Args:
        root (str): Folder of the npy files.
        split (str): ``'train'`` or ``'val'`` (the SPML test set).
        img_prefix (str): Folder of the images, relative to ``root``
            (VOC: ``'VOCdevkit/VOC2012/JPEGImages'``, COCO: ``''``, NUS-WIDE:
            ``'Flickr'``, CUB: ``'CUB_200_2011/CUB_200_2011/images'``).
            Defaults to ''.

    Returns:
        LabelTable: The images in file order, paths joined to
        ``img_prefix``, the N x C labels, the class names ``class_0``,
        ``class_1``... (the files name none), and, when ``labels_obs``
        exists, its observed positives (1) as ``observed``; nothing is
        dropped.

    Raises:
        FileNotFoundError: The images or labels file is missing.
        ValueError: An unknown ``split``, a file that is not a readable
            npy, or labels or observed labels as described above.
    """
    check_split(split, ('train', 'val'))
    images_path = osp.join(root, f'formatted_{split}_images.npy')
    labels_path = osp.join(root, f'formatted_{split}_labels.npy')
    images = _load_npy(images_path)
    labels = _load_npy(labels_path)
    if labels.ndim != 2 or len(labels) != len(images):
        raise ValueError(
            f'{labels_path}: expected a {len(images)} x C '
            f'matrix (one row per image of {images_path}), got '
            f'shape {labels.shape}'
        )
    if not np.isin(labels, [0, 1]).all():
        row, col = _first_cell(~np.isin(labels, [0, 1]))
        raise ValueError(
            f'{labels_path}: row {row} (image '
            f'{str(images[row])!r}), column {col} is '
            f'{labels[row, col].item()!r}; labels must be 0 or '
            '1'
        )
    observed = None
    obs_path = osp.join(root, f'formatted_{split}_labels_obs.npy')
    if osp.isfile(obs_path):
        observed = _load_npy(obs_path)
        check_observed(
            observed, obs_path, labels, labels_path, images, images_path
        )
        observed = (observed == 1).astype(np.uint8)
    return LabelTable(
        img_paths=[osp.join(img_prefix, str(p)) for p in images],
        labels=labels.astype(np.uint8),
        classes=[f'class_{i}' for i in range(labels.shape[1])],
        observed=observed,
    )


def check_observed(
    observed: np.ndarray,
    obs_path: str,
    labels: np.ndarray,
    labels_path: str,
    images: np.ndarray,
    images_path: str,
) -> None:
    """``labels_obs`` matches its images and labels (see
    :func:`load_formatted`); errors name ``obs_path`` and the row.

    Args:
        observed (np.ndarray): The observed labels (``labels_obs``).
        obs_path (str): Their file, named in the errors.
        labels (np.ndarray): The N x C full labels.
        labels_path (str): Their file, named in the errors.
        images (np.ndarray): The N image paths.
        images_path (str): Their file, named in the errors.

    Raises:
        ValueError: ``observed`` is not N x C, holds a value other than
            1, 0 or -1, or observes as positive an entry that is not a
            positive in ``labels``.
    """
    if observed.ndim != 2 or len(observed) != len(images):
        raise ValueError(
            f'{obs_path}: expected one row per image of '
            f'{images_path} ({len(images)} x '
            f'{labels.shape[1]}), got shape {observed.shape}'
        )
    if observed.shape[1] != labels.shape[1]:
        raise ValueError(
            f'{obs_path}: has {observed.shape[1]} columns but '
            f'{labels_path} has {labels.shape[1]} (one column '
            'per class)'
        )
    bad = ~np.isin(observed, [-1, 0, 1])
    if bad.any():
        row, col = _first_cell(bad)
        raise ValueError(
            f'{obs_path}: row {row} (image '
            f'{str(images[row])!r}), column {col} is '
            f'{observed[row, col].item()!r}; expected 1 '
            '(observed positive), 0 (unobserved) or -1 '
            '(observed negative)'
        )
    bad = (observed == 1) & (labels != 1)
    if bad.any():
        row, col = _first_cell(bad)
        raise ValueError(
            f'{obs_path}: row {row} (image '
            f'{str(images[row])!r}) observes class {col} as '
            f'positive, but it is not a positive in row {row} '
            f'of {labels_path}'
        )


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

    def __init__(
        self,
        data_root: str,
        split: str = 'train',
        img_prefix: str = '',
        **kwargs,
    ):
        self.formatted_img_prefix = img_prefix
        super().__init__(data_root=data_root, split=split, **kwargs)

    def load_table(self) -> LabelTable:
        # Named by SinglePositiveDataset(observed='dataset') errors.
        self.observed_file = osp.join(
            self.data_root, f'formatted_{self.split}_labels_obs.npy'
        )
        return load_formatted(
            self.data_root, self.split, self.formatted_img_prefix
        )
