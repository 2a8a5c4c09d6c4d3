"""The four SPML benchmarks read from their official layouts, and the
"formatted" npy layout of Cole et al. that every SPML code base uses.

Each ``load_*`` function returns a :class:`LabelTable`: image paths (relative
to the dataset root) in the protocol's row order, the N x C full label matrix,
the class names, and the images it left out with the reason. The dataset
classes turn that table into an mmpretrain data list; the converter in
``tools/dataset_converters/`` writes it as an annotation file.
"""
import json
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np
from mmengine.logging import print_log
from mmpretrain.registry import DATASETS

from .base import SPMLMultiLabelDataset

VOC_CLASSES = ('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car',
               'cat', 'chair', 'cow', 'diningtable', 'dog', 'horse',
               'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train',
               'tvmonitor')

LAYOUTS = {
    'voc': '''<data_root>/VOCdevkit/VOC2012/
    ImageSets/Main/<class>_{train,val}.txt  (20 classes, "<id> <-1|0|1>")
    JPEGImages/<image id>.jpg''',
    'coco': '''<data_root>/
    annotations/instances_{train,val}2014.json
    train2014/COCO_train2014_<id>.jpg, val2014/COCO_val2014_<id>.jpg''',
    'cub': '''<data_root>/
    attributes.txt                          (312 "<id> <name>" lines)
    CUB_200_2011/images.txt, train_test_split.txt, images/<class>/<file>.jpg
    CUB_200_2011/attributes/image_attribute_labels.txt''',
    'nuswide': '''<data_root>/
    Concepts81.txt
    ImageList/{TrainImagelist,TestImagelist}.txt
    Groundtruth/TrainTestLabels/Labels_<concept>_{Train,Test}.txt
    Flickr/<folder>/<file>.jpg''',
    'formatted': '''<data_root>/
    formatted_{train,val}_images.npy        (N image paths)
    formatted_{train,val}_labels.npy        (N x C, 0/1)
    formatted_{train,val}_labels_obs.npy    (optional, N x C observed labels)
    <img_prefix>/<image path>''',
}


@dataclass
class LabelTable:
    """Rows of a multi-label benchmark in protocol order."""
    img_paths: List[str]
    labels: np.ndarray
    classes: List[str]
    dropped: Dict[str, List[str]] = field(default_factory=dict)
    observed: Optional[np.ndarray] = None

    def summary(self) -> str:
        positives = self.labels.sum(axis=1)
        lines = [f'{len(self.img_paths)} images kept, {len(self.classes)} '
                 f'classes, {positives.mean():.2f} positives per image '
                 f'(min {positives.min()}, max {positives.max()})'
                 if len(self.img_paths) else '0 images kept']
        for reason, paths in self.dropped.items():
            lines.append(f'{len(paths)} images dropped: {reason}')
        return '; '.join(lines)


def _require(path: str, kind: str, layout: str) -> str:
    exists = osp.isdir(path) if kind == 'dir' else osp.isfile(path)
    if not exists:
        raise FileNotFoundError(
            f'{path} does not exist. Expected layout:\n{LAYOUTS[layout]}')
    return path


def _check_split(split: str, allowed) -> None:
    if split not in allowed:
        raise ValueError(f'split must be one of {allowed}, got {split!r}')


def load_voc2012(root: str, split: str) -> LabelTable:
    """PASCAL VOC 2012 image-level labels (Cole et al.'s row order).

    Images listed with label 1 for at least one class, sorted by file name;
    ``0`` (difficult) and ``-1`` are not positive. Images listed with no
    positive are dropped and reported.

    Args:
        root (str): Folder that contains ``VOCdevkit/``.
        split (str): ``'train'`` or ``'val'`` (the SPML test set).
    """
    _check_split(split, ('train', 'val'))
    main = _require(
        osp.join(root, 'VOCdevkit', 'VOC2012', 'ImageSets', 'Main'), 'dir',
        'voc')
    positives, listed = {}, set()
    for index, name in enumerate(VOC_CLASSES):
        path = _require(osp.join(main, f'{name}_{split}.txt'), 'file', 'voc')
        with open(path) as f:
            for line_no, line in enumerate(f, 1):
                parts = line.split()
                if not parts:
                    continue
                if len(parts) != 2 or parts[1] not in ('-1', '0', '1'):
                    raise ValueError(f'{path}:{line_no}: expected "<image id> '
                                     f'<-1|0|1>", got {line.rstrip()!r}')
                listed.add(parts[0])
                if parts[1] == '1':
                    positives.setdefault(parts[0], []).append(index)
    files = sorted(f'{image_id}.jpg' for image_id in positives)
    labels = np.zeros((len(files), len(VOC_CLASSES)), dtype=np.uint8)
    for row, fname in enumerate(files):
        labels[row, positives[fname[:-4]]] = 1
    no_positive = sorted(listed - set(positives))
    return LabelTable(
        img_paths=[f'VOCdevkit/VOC2012/JPEGImages/{f}' for f in files],
        labels=labels,
        classes=list(VOC_CLASSES),
        dropped={'no positive label (only -1 or difficult)': no_positive}
        if no_positive else {})


def load_coco2014(root: str, split: str) -> LabelTable:
    """MS-COCO 2014 image-level labels (Cole et al.'s row order).

    Images with at least one instance annotation, sorted by image id as a
    string; class index = position in the json's ``categories`` list.

    Args:
        root (str): Folder that contains ``annotations/`` and the images.
        split (str): ``'train'`` or ``'val'`` (the SPML test set).
    """
    _check_split(split, ('train', 'val'))
    path = _require(
        osp.join(root, 'annotations', f'instances_{split}2014.json'), 'file',
        'coco')
    with open(path) as f:
        data = json.load(f)
    for key in ('categories', 'annotations', 'images'):
        if key not in data:
            raise ValueError(f'{path}: no {key!r} field; is it an instances '
                             'annotation file?')
    index_of = {cat['id']: i for i, cat in enumerate(data['categories'])}
    positives = {}
    for ann in data['annotations']:
        if ann['category_id'] not in index_of:
            raise ValueError(f'{path}: annotation {ann.get("id")} has unknown '
                             f'category_id {ann["category_id"]}')
        positives.setdefault(ann['image_id'], set()).add(
            index_of[ann['category_id']])
    file_names = {img['id']: img.get('file_name') for img in data['images']}
    ids = sorted(positives, key=str)  # as strings, like the published split
    labels = np.zeros((len(ids), len(index_of)), dtype=np.uint8)
    for row, image_id in enumerate(ids):
        labels[row, sorted(positives[image_id])] = 1
    img_paths = [
        f'{split}2014/' + (file_names.get(image_id) or
                           f'COCO_{split}2014_{image_id:012d}.jpg')
        for image_id in ids
    ]
    unannotated = sorted(str(file_names[i]) for i in file_names
                         if i not in positives)
    return LabelTable(
        img_paths=img_paths,
        labels=labels,
        classes=[cat['name'] for cat in data['categories']],
        dropped={'no instance annotation': unannotated} if unannotated else {})


def _read_columns(path: str, num_columns: int, layout: str) -> List[List[str]]:
    rows = []
    with open(_require(path, 'file', layout)) as f:
        for line_no, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) < num_columns:
                raise ValueError(f'{path}:{line_no}: expected {num_columns} '
                                 f'columns, got {line.rstrip()!r}')
            rows.append(parts)
    return rows


def load_cub_attributes(root: str, split: str) -> LabelTable:
    """CUB-200-2011's 312 binary attributes (``is_present``) as labels.

    Rows in ``images.txt`` order, split by ``train_test_split.txt``.

    Args:
        root (str): Folder that contains ``attributes.txt`` and
            ``CUB_200_2011/``.
        split (str): ``'train'`` or ``'test'`` (the SPML test set).
    """
    _check_split(split, ('train', 'test'))
    cub = osp.join(root, 'CUB_200_2011')
    classes = [r[1] for r in _read_columns(
        osp.join(root, 'attributes.txt'), 2, 'cub')]
    images = _read_columns(osp.join(cub, 'images.txt'), 2, 'cub')
    is_train = {r[0]: r[1] == '1' for r in _read_columns(
        osp.join(cub, 'train_test_split.txt'), 2, 'cub')}
    path = osp.join(cub, 'attributes', 'image_attribute_labels.txt')
    row_of = {image_id: row for row, (image_id, _) in enumerate(images)}
    labels = np.zeros((len(images), len(classes)), dtype=np.uint8)
    seen = np.zeros_like(labels, dtype=bool)
    for parts in _read_columns(path, 3, 'cub'):
        row, col = row_of.get(parts[0]), int(parts[1]) - 1
        if row is None or not 0 <= col < len(classes):
            raise ValueError(f'{path}: unknown image {parts[0]} or attribute '
                             f'{parts[1]}')
        labels[row, col] = parts[2] == '1'
        seen[row, col] = True
    if not seen.all():
        row, col = np.argwhere(~seen)[0]
        raise ValueError(f'{path}: no is_present value for image '
                         f'{images[row][0]}, attribute {col + 1}')
    keep = [i for i, (image_id, _) in enumerate(images)
            if is_train[image_id] == (split == 'train')]
    return LabelTable(
        img_paths=[f'CUB_200_2011/images/{images[i][1]}' for i in keep],
        labels=labels[keep],
        classes=classes)


def load_nuswide(root: str, split: str) -> LabelTable:
    """NUS-WIDE's 81 concepts from the official release.

    Rows in image-list order. Images without any of the 81 labels are dropped
    and reported (the official files list them as all-negative).

    Args:
        root (str): Folder that contains ``Concepts81.txt``, ``ImageList/``,
            ``Groundtruth/`` and ``Flickr/``.
        split (str): ``'train'`` or ``'test'``.
    """
    _check_split(split, ('train', 'test'))
    with open(_require(osp.join(root, 'Concepts81.txt'), 'file',
                       'nuswide')) as f:
        classes = [line.strip() for line in f if line.strip()]
    list_file = osp.join(root, 'ImageList',
                         f'{split.capitalize()}Imagelist.txt')
    with open(_require(list_file, 'file', 'nuswide')) as f:
        img_paths = [
            'Flickr/' + line.strip().replace('\\', '/') for line in f
            if line.strip()
        ]
    labels = np.zeros((len(img_paths), len(classes)), dtype=np.uint8)
    for col, name in enumerate(classes):
        path = _require(
            osp.join(root, 'Groundtruth', 'TrainTestLabels',
                     f'Labels_{name}_{split.capitalize()}.txt'), 'file',
            'nuswide')
        with open(path) as f:
            values = np.array(f.read().split(), dtype=np.int64)
        valid = np.isin(values, [0, 1]).all()
        if values.shape != (len(img_paths), ) or not valid:
            raise ValueError(f'{path}: expected {len(img_paths)} values of 0 '
                             f'or 1 (one per line of {list_file})')
        labels[:, col] = values
    keep = labels.sum(axis=1) > 0
    return LabelTable(
        img_paths=[p for p, k in zip(img_paths, keep) if k],
        labels=labels[keep],
        classes=classes,
        dropped={
            'no label among the 81 concepts':
            [p for p, k in zip(img_paths, keep) if not k]
        } if not keep.all() else {})


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
    _check_split(split, ('train', 'val'))
    images_path = osp.join(root, f'formatted_{split}_images.npy')
    labels_path = osp.join(root, f'formatted_{split}_labels.npy')
    images = np.load(_require(images_path, 'file', 'formatted'))
    labels = np.load(_require(labels_path, 'file', 'formatted'))
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


class SPMLBenchmarkDataset(SPMLMultiLabelDataset):
    """Base of the benchmark datasets: a :class:`LabelTable` loader becomes
    an mmpretrain data list (``img_path``, ``gt_label`` and, when the layout
    has them, ``observed_label``)."""
    loader = None
    splits = ('train', 'val')

    def __init__(self, data_root: str, split: str = 'train', **kwargs):
        _check_split(split, self.splits)
        self.split = split
        super().__init__(ann_file='', data_root=data_root, **kwargs)

    def load_table(self) -> LabelTable:
        return type(self).loader(self.data_root, self.split)

    def load_data_list(self) -> list:
        table = self.load_table()
        print_log(f'{self.describe()}: {table.summary()}', logger='current')
        if self._metainfo.get('classes') is None:
            self._metainfo['classes'] = tuple(table.classes)
        elif len(self._metainfo['classes']) != len(table.classes):
            raise ValueError(
                f'{self.describe()}: metainfo lists '
                f'{len(self._metainfo["classes"])} classes, the data '
                f'{len(table.classes)}')
        data_list = []
        for row, path in enumerate(table.img_paths):
            info = dict(
                img_path=osp.join(self.data_prefix.get('img_path', '') or
                                  self.data_root, path),
                gt_label=np.flatnonzero(table.labels[row]).tolist())
            if table.observed is not None:
                info['observed_label'] = np.flatnonzero(
                    table.observed[row]).tolist()
            data_list.append(info)
        return data_list

    def describe(self) -> str:
        return f'{type(self).__name__}({self.data_root!r}, {self.split!r})'


@DATASETS.register_module()
class SPMLVOC(SPMLBenchmarkDataset):
    """PASCAL VOC 2012 for SPML (:func:`load_voc2012`).

    Args:
        data_root (str): Folder that contains ``VOCdevkit/``.
        split (str): ``'train'`` (official train, split 80/20 by
            :class:`SinglePositiveDataset`) or ``'val'`` (the test set).
        **kwargs: Other arguments of ``MultiLabelDataset`` (``pipeline``...).
    """
    loader = staticmethod(load_voc2012)
    METAINFO = dict(classes=VOC_CLASSES)


@DATASETS.register_module()
class SPMLCOCO(SPMLBenchmarkDataset):
    """MS-COCO 2014 for SPML (:func:`load_coco2014`); the 80 classes come
    from the annotation file. Arguments as :class:`SPMLVOC`."""
    loader = staticmethod(load_coco2014)


@DATASETS.register_module()
class SPMLCUB(SPMLBenchmarkDataset):
    """CUB-200-2011's 312 attributes for SPML (:func:`load_cub_attributes`);
    ``split`` is ``'train'`` or ``'test'``."""
    loader = staticmethod(load_cub_attributes)
    splits = ('train', 'test')


@DATASETS.register_module()
class SPMLNUSWIDE(SPMLBenchmarkDataset):
    """NUS-WIDE's 81 concepts from the official release
    (:func:`load_nuswide`); ``split`` is ``'train'`` or ``'test'``."""
    loader = staticmethod(load_nuswide)
    splits = ('train', 'test')


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


LOADERS = dict(
    voc=load_voc2012,
    coco=load_coco2014,
    cub=load_cub_attributes,
    nuswide=load_nuswide,
    formatted=load_formatted)
