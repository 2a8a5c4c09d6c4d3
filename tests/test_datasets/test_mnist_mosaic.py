"""The embedded demo: deterministic, correctly labelled, disjoint sources."""

import json
import os.path as osp

import numpy as np
from PIL import Image

from mmspml.datasets import MNISTMosaicDataset, make_mnist_mosaics
from mmspml.datasets.mnist_mosaic import load_mnist_digits


def read(root, split):
    with open(osp.join(root, f'{split}.json')) as f:
        return json.load(f)['data_list']


def test_mosaics_are_labelled_by_the_digits_they_show(tmp_path):
    root = str(tmp_path / 'demo')
    make_mnist_mosaics(root, num_train=60, num_test=20, seed=1)
    digits, targets = load_mnist_digits()
    train, test = read(root, 'train'), read(root, 'test')
    assert (len(train), len(test)) == (60, 20)
    for item in train[:10] + test[:10]:
        src = item['mnist_digits']
        assert 1 <= len(src) <= 4
        assert item['gt_label'] == sorted(set(targets[src].tolist()))
        image = np.asarray(Image.open(osp.join(root, item['img_path'])))
        assert image.shape == (56, 56)
        # Each placed digit appears as one of the four 28 x 28 cells.
        cells = [
            image[r : r + 28, c : c + 28] for r in (0, 28) for c in (0, 28)
        ]
        for s in src:
            assert any(np.array_equal(cell, digits[s]) for cell in cells)
    train_src = {d for item in train for d in item['mnist_digits']}
    test_src = {d for item in test for d in item['mnist_digits']}
    assert not train_src & test_src


def test_build_is_deterministic(tmp_path):
    make_mnist_mosaics(str(tmp_path / 'a'), num_train=30, num_test=10)
    make_mnist_mosaics(str(tmp_path / 'b'), num_train=30, num_test=10)
    assert read(tmp_path / 'a', 'train') == read(tmp_path / 'b', 'train')
    a = np.asarray(Image.open(tmp_path / 'a' / 'images/test/00007.png'))
    b = np.asarray(Image.open(tmp_path / 'b' / 'images/test/00007.png'))
    assert np.array_equal(a, b)


def test_dataset_reads_the_built_demo(tmp_path):
    root = str(tmp_path / 'demo')
    make_mnist_mosaics(root, num_train=30, num_test=10)
    dataset = MNISTMosaicDataset(data_root=root, split='test')
    assert len(dataset) == 10
    assert dataset.metainfo['classes'][3] == 'three'
    assert dataset.get_cat_ids(4) == read(root, 'test')[4]['gt_label']
