"""SinglePositiveDataset: the draw, the split, the labels it carries, and
clear errors for bad input."""
import os.path as osp

import numpy as np
import pytest
from mmpretrain.registry import DATASETS

import mmspml  # noqa: F401
from mmspml.datasets import sample_single_positive, split_train_val
from tests.helpers.data import random_labels


def build(source, **kwargs):
    return DATASETS.build(
        dict(type='SinglePositiveDataset', dataset=source, **kwargs))


def test_train_and_val_follow_the_protocol(multilabel_dataset):
    labels = random_labels(40, 6, seed=1)
    source = multilabel_dataset(labels)
    observed = sample_single_positive(labels)
    train_idx, val_idx = split_train_val(40)
    train, val = build(source, split='train'), build(source, split='val')
    assert (len(train), len(val)) == (32, 8)
    np.testing.assert_array_equal(train.rows, train_idx)
    np.testing.assert_array_equal(val.rows, val_idx)
    np.testing.assert_array_equal(train.observed_labels, observed[train_idx])
    np.testing.assert_array_equal(train.full_labels, labels[train_idx])
    assert list(train.metainfo['classes']) == [f'c{i}' for i in range(6)]


def test_samples_carry_observed_and_full_labels(multilabel_dataset):
    labels = random_labels(12, 5, seed=2)
    dataset = build(multilabel_dataset(labels))
    observed = sample_single_positive(labels)
    for idx in (0, 5, 11):
        sample = dataset[idx]['data_samples']
        assert sample.gt_label.tolist() == np.flatnonzero(
            observed[idx]).tolist()
        assert sample.full_gt_label.tolist() == np.flatnonzero(
            labels[idx]).tolist()
        assert sample.sample_idx == idx
        assert dataset[idx]['inputs'].shape == (3, 16, 16)


def test_full_labels_mode_trains_on_all_positives(multilabel_dataset):
    labels = random_labels(20, 5, seed=3)
    dataset = build(multilabel_dataset(labels), labels='full', split='train')
    sample = dataset[3]['data_samples']
    row = dataset.rows[3]
    assert sample.gt_label.tolist() == np.flatnonzero(labels[row]).tolist()


def test_images_without_positive_raise_by_default(multilabel_dataset):
    labels = random_labels(10, 4, empty_rows=[3, 8])
    source = multilabel_dataset(labels)
    with pytest.raises(ValueError,
                       match=r"ann.json.*2 of 10 images have no positive.*"
                       r"img_0003.png.*on_no_positive='drop'"):
        build(source)


def test_dropped_images_are_left_out_before_the_draw(multilabel_dataset):
    labels = random_labels(10, 4, empty_rows=[3, 8])
    dataset = build(multilabel_dataset(labels), on_no_positive='drop')
    kept = np.array([0, 1, 2, 4, 5, 6, 7, 9])
    np.testing.assert_array_equal(dataset.rows, kept)
    np.testing.assert_array_equal(dataset.observed_labels,
                                  sample_single_positive(labels[kept]))


def test_label_out_of_range_names_the_image(multilabel_dataset, tmp_path):
    labels = random_labels(6, 4)
    source = multilabel_dataset(labels)
    # Declare fewer classes than the labels use.
    source['metainfo'] = dict(classes=['a', 'b'])
    with pytest.raises(ValueError, match=r"img_0000.png.*outside \[0, 2\)"):
        build(source)


def test_corrupt_image_names_the_file(multilabel_dataset, tmp_path):
    dataset = build(multilabel_dataset(random_labels(4, 3)))
    with open(osp.join(tmp_path, 'img_0002.png'), 'wb') as f:
        f.write(b'not a png')
    with pytest.raises(RuntimeError, match=r"img_0002.png.*corrupt"):
        dataset[2]


def test_missing_annotation_file_names_the_path(tmp_path):
    source = dict(type='SPMLMultiLabelDataset', data_root=str(tmp_path),
                  ann_file='missing.json')
    with pytest.raises(FileNotFoundError, match='missing.json'):
        build(source)


def test_bad_arguments_are_rejected(multilabel_dataset):
    source = multilabel_dataset(random_labels(4, 3))
    for kwargs, word in ((dict(split='test'), 'split'),
                         (dict(labels='observed'), 'labels'),
                         (dict(on_no_positive='skip'), 'on_no_positive')):
        with pytest.raises(ValueError, match=word):
            build(source, **kwargs)
