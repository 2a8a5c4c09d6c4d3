"""What every benchmark reader returns, and the checks they share."""

import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np

LAYOUTS = {
    'voc': """<data_root>/VOCdevkit/VOC2012/
    ImageSets/Main/<class>_{train,val}.txt  (20 classes, "<id> <-1|0|1>")
    JPEGImages/<image id>.jpg""",
    'coco': """<data_root>/
    annotations/instances_{train,val}2014.json
    train2014/COCO_train2014_<id>.jpg, val2014/COCO_val2014_<id>.jpg""",
    'cub': """<data_root>/
    attributes.txt                          (312 "<id> <name>" lines)
    CUB_200_2011/images.txt, train_test_split.txt, images/<class>/<file>.jpg
    CUB_200_2011/attributes/image_attribute_labels.txt""",
    'nuswide': """<data_root>/
    Concepts81.txt
    ImageList/{TrainImagelist,TestImagelist}.txt
    Groundtruth/TrainTestLabels/Labels_<concept>_{Train,Test}.txt
    Flickr/<folder>/<file>.jpg""",
    'formatted': """<data_root>/
    formatted_{train,val}_images.npy        (N image paths)
    formatted_{train,val}_labels.npy        (N x C, 0/1)
    formatted_{train,val}_labels_obs.npy    (optional, N x C observed labels)
    <img_prefix>/<image path>""",
}


@dataclass
class LabelTable:
    """Rows of a multi-label benchmark in protocol order.

    Args:
        img_paths (list[str]): Image paths, relative to the dataset root
            (or to the loader's image prefix), one per row.
        labels (np.ndarray): The N x C full label matrix, 0 or 1.
        classes (list[str]): The C class names.
        dropped (dict[str, list[str]]): Images the reader left out, by
            reason. Defaults to an empty dict.
        observed (np.ndarray, optional): N x C observed positives (1),
            when the layout has them (Cole et al.'s ``labels_obs``).
            Defaults to None.
        extra (list[dict], optional): More fields of each row's data info
            (COCO: ``instances``, ``width``, ``height``). Defaults to None.
    """

    img_paths: List[str]
    labels: np.ndarray
    classes: List[str]
    dropped: Dict[str, List[str]] = field(default_factory=dict)
    observed: Optional[np.ndarray] = None
    extra: Optional[List[dict]] = None

    def summary(self) -> str:
        """One line for the log: images kept, classes, positives per image
        and the images dropped by reason.

        Returns:
            str: The summary.
        """
        positives = self.labels.sum(axis=1)
        lines = [
            f'{len(self.img_paths)} images kept, {len(self.classes)} '
            f'classes, {positives.mean():.2f} positives per image '
            f'(min {positives.min()}, max {positives.max()})'
            if len(self.img_paths)
            else '0 images kept'
        ]
        for reason, paths in self.dropped.items():
            lines.append(f'{len(paths)} images dropped: {reason}')
        return '; '.join(lines)


def require_path(path: str, kind: str, layout: str) -> str:
    """Check that a file or folder of a benchmark's layout exists.

    Args:
        path (str): The path to check.
        kind (str): ``'dir'`` for a folder, anything else for a file.
        layout (str): The key in :data:`LAYOUTS` whose expected layout the
            error shows.

    Returns:
        str: ``path``.

    Raises:
        FileNotFoundError: ``path`` does not exist; the message shows the
            expected layout and how to point a config at the data.
    """
    exists = osp.isdir(path) if kind == 'dir' else osp.isfile(path)
    if not exists:
        raise FileNotFoundError(
            f'{path} does not exist. Expected layout:\n{LAYOUTS[layout]}\n'
            'Point a config at your copy with --data-root DIR (tools/train.py '
            "and tools/test.py), or set the dataset's data_root."
        )
    return path


def check_split(split: str, allowed) -> None:
    """Check that ``split`` is one of ``allowed``.

    Args:
        split (str): The split asked for.
        allowed (tuple[str]): The splits the reader or dataset takes.

    Raises:
        ValueError: ``split`` is not in ``allowed``.
    """
    if split not in allowed:
        raise ValueError(f'split must be one of {allowed}, got {split!r}')


def read_columns(path: str, num_columns: int, layout: str) -> List[List[str]]:
    """The whitespace-separated columns of every non-blank line of a text
    file of a benchmark's layout.

    Args:
        path (str): The text file.
        num_columns (int): The fewest columns a line may have.
        layout (str): The key in :data:`LAYOUTS` shown when ``path`` is
            missing.

    Returns:
        list[list[str]]: The columns of each non-blank line, in file order
        (extra columns kept).

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: A line has fewer than ``num_columns`` columns; the
            error names the file and the line.
    """
    rows = []
    with open(require_path(path, 'file', layout)) as f:
        for line_no, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) < num_columns:
                raise ValueError(
                    f'{path}:{line_no}: expected {num_columns} '
                    f'columns, got {line.rstrip()!r}'
                )
            rows.append(parts)
    return rows
