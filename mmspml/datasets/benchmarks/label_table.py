"""What every benchmark reader returns, and the checks they share."""
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np

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


def require_path(path: str, kind: str, layout: str) -> str:
    exists = osp.isdir(path) if kind == 'dir' else osp.isfile(path)
    if not exists:
        raise FileNotFoundError(
            f'{path} does not exist. Expected layout:\n{LAYOUTS[layout]}\n'
            'Point a config at your copy with --data-root DIR (tools/train.py '
            'and tools/test.py), or set the dataset\'s data_root.')
    return path


def check_split(split: str, allowed) -> None:
    if split not in allowed:
        raise ValueError(f'split must be one of {allowed}, got {split!r}')


def read_columns(path: str, num_columns: int, layout: str) -> List[List[str]]:
    rows = []
    with open(require_path(path, 'file', layout)) as f:
        for line_no, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) < num_columns:
                raise ValueError(f'{path}:{line_no}: expected {num_columns} '
                                 f'columns, got {line.rstrip()!r}')
            rows.append(parts)
    return rows
