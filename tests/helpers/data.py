"""Small multi-label datasets the tests write, and a tiny model."""

import json
import os.path as osp

import numpy as np


def write_multilabel_dataset(root, labels, classes=None, size=16, seed=0):
    """Write random PNG images and a MultiLabelDataset json for the N x C
    0/1 matrix ``labels``; return the json path."""
    from PIL import Image

    rng = np.random.RandomState(seed)
    labels = np.asarray(labels)
    classes = classes or [f'c{i}' for i in range(labels.shape[1])]
    data_list = []
    for i, row in enumerate(labels):
        rel = f'img_{i:04d}.png'
        Image.fromarray(rng.randint(0, 255, (size, size, 3), np.uint8)).save(
            osp.join(root, rel)
        )
        data_list.append(
            dict(img_path=rel, gt_label=np.flatnonzero(row).tolist())
        )
    path = osp.join(root, 'ann.json')
    with open(path, 'w') as f:
        json.dump(dict(metainfo=dict(classes=classes), data_list=data_list), f)
    return path


def random_labels(num, num_classes, seed=0, empty_rows=()):
    """An N x C 0/1 matrix with at least one positive per row except
    ``empty_rows``."""
    rng = np.random.RandomState(seed)
    labels = (rng.rand(num, num_classes) < 0.3).astype(np.uint8)
    labels[np.arange(num), rng.randint(0, num_classes, num)] = 1
    labels[list(empty_rows)] = 0
    return labels


def cole_observe_single_positive(labels, seed):
    """The protocol written out independently, in Cole et al.'s -1/+1 form."""
    signed = np.where(labels == 1, 1.0, -1.0)
    rng = np.random.RandomState(seed)
    observed = np.zeros_like(signed)
    for i in range(len(signed)):
        pos = np.nonzero(signed[i] == 1.0)[0]
        rng.shuffle(pos)
        observed[i, pos[:1]] = 1.0
        neg = np.nonzero(signed[i] == -1.0)[0]
        rng.shuffle(neg)
        observed[i, neg[:0]] = -1.0
    return (observed == 1).astype(labels.dtype)


def write_png_header_only(path, width, height):
    """A PNG that claims ``width`` x ``height`` pixels in a few bytes (a
    valid signature and IHDR, no image data): what a decompression bomb's
    header looks like to a loader."""
    import struct
    import zlib

    def chunk(kind, payload):
        return (
            struct.pack('>I', len(payload))
            + kind
            + payload
            + struct.pack('>I', zlib.crc32(kind + payload) & 0xFFFFFFFF)
        )

    ihdr = struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0)
    with open(path, 'wb') as f:
        f.write(
            b'\x89PNG\r\n\x1a\n'
            + chunk(b'IHDR', ihdr)
            + chunk(b'IDAT', zlib.compress(b'\0' * 64))
            + chunk(b'IEND', b'')
        )


def tiny_classifier(num_classes: int, loss: dict):
    """A quarter-width ResNet-18 classifier with an SPMLLinearClsHead, for
    tests that need a real model and no data."""
    from mmpretrain.registry import MODELS

    return MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=dict(
                type='ResNet',
                depth=18,
                stem_channels=8,
                base_channels=8,
                out_indices=(3,),
            ),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(
                type='SPMLLinearClsHead',
                num_classes=num_classes,
                in_channels=64,
                loss=loss,
            ),
        )
    )
