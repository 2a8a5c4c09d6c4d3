"""A user's own partially labelled photos, rebuilt from the demo: image
files and an ``image,label,confidence`` CSV with one positive per image (its
largest digit, as a person labels the largest object) and verified
negatives for a third of the images; no full labels anywhere a tool can
read them. The full labels stay with the caller, to answer suggestions as
the person would and to check figures."""

import csv
import json
import os
import os.path as osp
import shutil

import numpy as np

from mmspml.datasets import make_mnist_mosaics


def _rows(data_list, prefix, rng, negatives):
    """CSV rows of one split: the largest digit's class, and ``negatives``
    absent classes for every third image."""
    rows = []
    for i, info in enumerate(data_list):
        image = osp.join(prefix, osp.basename(info['img_path']))
        largest = max(info['instances'], key=lambda inst: inst['area'])
        rows.append((image, largest['label'], 1))
        if i % 3 == 0:
            absent = sorted(set(range(10)) - set(info['gt_label']))
            for label in rng.choice(absent, negatives, replace=False):
                rows.append((image, int(label), 0))
    return rows


def make_own_photos(
    root: str,
    num_train: int = 160,
    num_test: int = 60,
    num_new: int = 4,
    negatives: int = 2,
    seed: int = 0,
) -> dict:
    """Write ``root/{classes.txt, labels.csv, test_labels.csv}``,
    ``root/photos/`` (train images), ``root/held_out/`` (test images) and
    ``root/new/`` (a few unlabelled images).

    Args:
        root (str): The folder to create.
        num_train (int): Labelled photos. Defaults to 160.
        num_test (int): Held-out labelled photos. Defaults to 60.
        num_new (int): Unlabelled photos to predict. Defaults to 4.
        negatives (int): Verified negatives of every third image. Defaults
            to 2.
        seed (int): Seed of the negatives. Defaults to 0.

    Returns:
        dict: ``{'classes': [...], 'full': {image path in the CSV: sorted
        full positives}}``, the labels no tool sees.
    """
    mosaics = root + '.mosaics'
    make_mnist_mosaics(mosaics, num_train=num_train, num_test=num_test)
    os.makedirs(root)
    rng = np.random.default_rng(seed)
    full = {}
    for split, folder, csv_name in (
        ('train', 'photos', 'labels.csv'),
        ('test', 'held_out', 'test_labels.csv'),
    ):
        with open(osp.join(mosaics, f'{split}.json')) as f:
            data = json.load(f)
        classes = data['metainfo']['classes']
        shutil.copytree(
            osp.join(mosaics, 'images', split), osp.join(root, folder)
        )
        rows = _rows(data['data_list'], folder, rng, negatives)
        with open(osp.join(root, csv_name), 'w', newline='') as f:
            writer = csv.writer(f)
            writer.writerow(['image', 'label', 'confidence'])
            writer.writerows((img, classes[c], conf) for img, c, conf in rows)
        for info in data['data_list']:
            name = osp.join(folder, osp.basename(info['img_path']))
            full[name] = sorted(info['gt_label'])
    os.makedirs(osp.join(root, 'new'))
    for name in sorted(os.listdir(osp.join(root, 'held_out')))[:num_new]:
        shutil.copy(osp.join(root, 'held_out', name), osp.join(root, 'new'))
    with open(osp.join(root, 'classes.txt'), 'w') as f:
        f.write('\n'.join(classes) + '\n')
    shutil.rmtree(mosaics)
    return dict(classes=classes, full=full)
