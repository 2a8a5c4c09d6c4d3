"""Where the weights of the label biases come from: each image's instances
(size, location), a per-class weight file (semantic), and a COCO instances
file added to an annotation file."""

import json
import math
import os.path as osp
from typing import Sequence

import numpy as np

from .labels import SparseLabels

#: The distance that an instance centred exactly on the image centre
#: counts as (the authors' value).
ZERO_DISTANCE = 0.0005


def instances_of(info: dict, where: str, row: int, need: Sequence[str]):
    """The checked ``instances`` of one image's data info.

    Args:
        info (dict): The image's data info (``instances``: a list of dicts
            with ``label`` and the keys in ``need``).
        where (str): The dataset's name in errors.
        row (int): The image's row in errors.
        need (Sequence[str]): Keys every instance must have (``'area'`` or
            ``'bbox'``).

    Returns:
        list[dict]: The instances.

    Raises:
        ValueError: The image has no ``instances`` or an instance lacks a
            key or has a bad value.
    """
    instances = info.get('instances')
    if not isinstance(instances, list):
        raise ValueError(
            f'{where}: image {info.get("img_path")!r} (row {row}) has no '
            "'instances' list; bias='size' and bias='location' need each "
            "image's instances (label, area, bbox). Add them to a COCO "
            'annotation file with tools/dataset_converters/'
            'add_coco_instances.py --instances instances_<split>.json, or '
            'rebuild the MNIST mosaic demo (its files list every digit).'
        )
    for instance in instances:
        for key in ('label', *need):
            if not isinstance(instance, dict) or key not in instance:
                raise ValueError(
                    f'{where}: an instance of image {info.get("img_path")!r}'
                    f' (row {row}) has no {key!r}: {instance!r}'
                )
    return instances


def _instance_weight(instance, info, bias, where, row) -> float:
    image = f'{where}: image {info.get("img_path")!r} (row {row})'
    if bias == 'size':
        try:
            value = float(instance['area'])
        except (TypeError, ValueError):
            value = math.nan
        if not math.isfinite(value) or value < 0:
            raise ValueError(
                f'{image} has an instance with area {instance["area"]!r}; '
                'expected a number >= 0'
            )
        return value
    for key in ('width', 'height'):
        if key not in info:
            raise ValueError(
                f"{image} has no '{key}'; bias='location' needs the image's "
                'width and height.'
            )
    try:
        x, y, w, h = (float(v) for v in instance['bbox'])
        cx, cy = float(info['width']) / 2, float(info['height']) / 2
    except (TypeError, ValueError):
        x = y = w = h = cx = cy = math.nan
    if not all(math.isfinite(v) for v in (x, y, w, h, cx, cy)):
        raise ValueError(
            f'{image}: an instance has bbox {instance["bbox"]!r} in an image '
            f'of width {info["width"]!r}, height {info["height"]!r}; '
            'expected [x, y, w, h] of 4 finite numbers and a numeric width '
            'and height'
        )
    d = math.hypot(x + w / 2 - cx, y + h / 2 - cy)
    return 1.0 / (d if d > 0 else ZERO_DISTANCE)


def instance_bias_weights(
    dataset, rows: np.ndarray, full: SparseLabels, bias: str, where: str
) -> np.ndarray:
    """Per-entry weights of ``full`` from each image's instances.

    Args:
        dataset: The wrapped dataset (``get_data_info(row)`` has
            ``instances``; ``width`` and ``height`` for ``'location'``).
        rows (np.ndarray): The dataset row of every row of ``full``.
        full (SparseLabels): The full labels of those rows.
        bias (str): ``'size'`` or ``'location'``.
        where (str): The dataset's name in errors.

    Returns:
        np.ndarray: The weight of every stored entry of ``full``.

    Raises:
        ValueError: Instances are missing or malformed, or an instance's
            class is not a positive of its image.
    """
    need = ('area',) if bias == 'size' else ('bbox',)
    weights = np.zeros(len(full.indices), dtype=np.float64)
    for i, row in enumerate(rows.tolist()):
        info = dataset.get_data_info(int(row))
        start, end = full.indptr[i], full.indptr[i + 1]
        classes = full.indices[start:end]
        for instance in instances_of(info, where, row, need):
            pos = np.searchsorted(classes, instance['label'])
            if pos >= len(classes) or classes[pos] != instance['label']:
                raise ValueError(
                    f'{where}: image {info.get("img_path")!r} (row {row}) '
                    f'has an instance of class {instance["label"]!r}, which '
                    f'is not among its labels {classes.tolist()}'
                )
            weights[start + pos] += _instance_weight(
                instance, info, bias, where, row
            )
    return weights


def semantic_weights(
    path: str, classes: Sequence[str], full: SparseLabels
) -> np.ndarray:
    """Per-entry weights of ``full`` from a per-class weight file; images
    whose positives all weigh 0 get weight 1 on each (a uniform draw among
    them, as the authors' code).

    Args:
        path (str): A JSON file: ``{class name: weight}`` for every class,
            or a list of one weight per class in class order.
        classes (Sequence[str]): The dataset's class names.
        full (SparseLabels): The full labels.

    Returns:
        np.ndarray: The weight of every stored entry of ``full``.

    Raises:
        ValueError: The file is missing, does not name every class, or has
            a NaN, infinite or negative weight.
    """
    if not path or not osp.isfile(path):
        raise ValueError(
            f"bias='semantic' needs bias_file, a JSON file of one weight per "
            f'class ({{"class name": weight}}); got {path!r}'
        )
    with open(path) as f:
        raw = json.load(f)
    if isinstance(raw, dict):
        missing = [c for c in classes if c not in raw]
        unknown = [c for c in raw if c not in set(classes)]
        if missing or unknown:
            raise ValueError(
                f'{path}: expected a weight for each of the {len(classes)} '
                f'classes; missing {missing[:10]}, unknown {unknown[:10]}'
            )
        raw = [raw[c] for c in classes]
    if not isinstance(raw, list) or len(raw) != len(classes):
        raise ValueError(
            f'{path}: expected {len(classes)} class weights (a dict by class '
            f'name or a list in class order), got {type(raw).__name__} of '
            f'length {len(raw)}'
        )
    try:
        per_class = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f'{path}: class weights must be numbers') from None
    bad = np.flatnonzero(~np.isfinite(per_class) | (per_class < 0))
    if bad.size:
        raise ValueError(
            f'{path}: class weights must be finite and >= 0; '
            f'{[classes[i] for i in bad[:10]]} are not'
        )
    weights = per_class[full.indices]
    rows = np.repeat(np.arange(len(full)), np.diff(full.indptr))
    totals = np.bincount(rows, weights=weights, minlength=len(full))
    weights[totals[rows] <= 0] = 1.0
    return weights


def add_coco_instances(ann: dict, coco: dict, classes: Sequence[str]):
    """Add a COCO instances file's boxes and areas to an mmpretrain-style
    annotation dict (``data_list`` of ``img_path`` / ``gt_label``), matching
    images by file name and classes by category name.

    Args:
        ann (dict): The annotation file's contents; changed in place: each
            entry gets ``instances`` (``label``, ``bbox``, ``area``),
            ``width`` and ``height``.
        coco (dict): A COCO ``instances_*.json`` (``images``,
            ``annotations``, ``categories``).
        classes (Sequence[str]): The annotation file's class names.

    Returns:
        int: The number of instances added.

    Raises:
        ValueError: A field is missing, a category has no class of that
            name, or an image of ``ann`` is not in ``coco`` (named).
    """
    for key in ('images', 'annotations', 'categories'):
        if key not in coco:
            raise ValueError(f'instances file: no {key!r} field')
    index = {name: i for i, name in enumerate(classes)}
    label_of = {}
    for cat in coco['categories']:
        if cat['name'] not in index:
            raise ValueError(
                f'instances file: category {cat["name"]!r} is not one of the '
                f'annotation file classes ({len(classes)}: '
                f'{list(classes)[:5]}...)'
            )
        label_of[cat['id']] = index[cat['name']]
    by_name = {osp.basename(img['file_name']): img for img in coco['images']}
    boxes = {}
    for a in coco['annotations']:
        missing = [
            k
            for k in ('image_id', 'category_id', 'bbox', 'area')
            if k not in a
        ]
        if missing or a['category_id'] not in label_of:
            raise ValueError(
                f'instances file: annotation {a.get("id")} has no '
                f'{missing or "known category_id"}'
            )
        try:
            bbox = [float(v) for v in a['bbox']]
            area = float(a['area'])
        except (TypeError, ValueError):
            bbox, area = [], math.nan
        if len(bbox) != 4 or not all(map(math.isfinite, [*bbox, area])):
            raise ValueError(
                f'instances file: annotation {a.get("id")} has bbox '
                f'{a["bbox"]!r}, area {a["area"]!r}; expected [x, y, w, h] '
                'and an area, all finite numbers'
            )
        boxes.setdefault(a['image_id'], []).append(
            dict(label=label_of[a['category_id']], bbox=bbox, area=area)
        )
    added = 0
    for info in ann['data_list']:
        img = by_name.get(osp.basename(info['img_path']))
        if img is None:
            raise ValueError(
                f'image {info["img_path"]!r} is not in the instances file '
                '(images are matched by file name)'
            )
        if 'width' not in img or 'height' not in img:
            raise ValueError(
                f'instances file: image {img.get("file_name")!r} has no '
                "'width' or 'height' (every COCO image entry has both)"
            )
        info['instances'] = boxes.get(img['id'], [])
        info['width'], info['height'] = img['width'], img['height']
        added += len(info['instances'])
    return added
