"""SinglePositiveDataset: the draw, the split, the labels it carries, and
clear errors for bad input."""

import os.path as osp

import numpy as np
import pytest
from mmpretrain.registry import DATASETS

import mmspml  # noqa: F401
from mmspml.datasets import split_train_val
from tests.helpers.data import cole_observe_single_positive, random_labels


def build(source, **kwargs):
    return DATASETS.build(
        dict(type='SinglePositiveDataset', dataset=source, **kwargs)
    )


def test_train_and_val_follow_the_protocol(multilabel_dataset):
    labels = random_labels(40, 6, seed=1)
    source = multilabel_dataset(labels)
    observed = cole_observe_single_positive(labels, 1200)
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
    observed = cole_observe_single_positive(labels, 1200)
    for idx in (0, 5, 11):
        sample = dataset[idx]['data_samples']
        assert (
            sample.gt_label.tolist() == np.flatnonzero(observed[idx]).tolist()
        )
        assert (
            sample.full_gt_label.tolist()
            == np.flatnonzero(labels[idx]).tolist()
        )
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
    with pytest.raises(
        ValueError,
        match=r'ann.json.*2 of 10 images have no positive.*'
        r"img_0003.png.*on_no_positive='drop'",
    ):
        build(source)


def test_dropped_images_are_left_out_before_the_draw(multilabel_dataset):
    labels = random_labels(10, 4, empty_rows=[3, 8])
    dataset = build(multilabel_dataset(labels), on_no_positive='drop')
    kept = np.array([0, 1, 2, 4, 5, 6, 7, 9])
    np.testing.assert_array_equal(dataset.rows, kept)
    np.testing.assert_array_equal(
        dataset.observed_labels,
        cole_observe_single_positive(labels[kept], 1200),
    )


def test_label_out_of_range_names_the_image(multilabel_dataset, tmp_path):
    labels = random_labels(6, 4)
    source = multilabel_dataset(labels)
    # Declare fewer classes than the labels use.
    source['metainfo'] = dict(classes=['a', 'b'])
    with pytest.raises(ValueError, match=r'img_0000.png.*outside \[0, 2\)'):
        build(source)


def test_corrupt_image_names_the_file(multilabel_dataset, tmp_path):
    dataset = build(multilabel_dataset(random_labels(4, 3)))
    with open(osp.join(tmp_path, 'img_0002.png'), 'wb') as f:
        f.write(b'not a png')
    with pytest.raises(RuntimeError, match=r'img_0002.png.*corrupt'):
        dataset[2]


def test_missing_annotation_file_names_the_path(tmp_path):
    source = dict(
        type='SPMLMultiLabelDataset',
        data_root=str(tmp_path),
        ann_file='missing.json',
    )
    with pytest.raises(FileNotFoundError, match='missing.json'):
        build(source)


def test_bad_arguments_are_rejected(multilabel_dataset):
    source = multilabel_dataset(random_labels(4, 3))
    for kwargs, word in (
        (dict(split='test'), 'split'),
        (dict(labels='observed'), 'labels'),
        (dict(on_no_positive='skip'), 'on_no_positive'),
    ):
        with pytest.raises(ValueError, match=word):
            build(source, **kwargs)


def test_train_and_val_share_one_parse_and_draw(
    multilabel_dataset, monkeypatch
):
    from mmspml.datasets import SPMLMultiLabelDataset

    calls = []
    original = SPMLMultiLabelDataset.load_data_list

    def counted(self):
        calls.append(self.ann_file)
        return original(self)

    monkeypatch.setattr(SPMLMultiLabelDataset, 'load_data_list', counted)
    labels = random_labels(40, 6, seed=1)
    source = multilabel_dataset(labels)
    val_source = dict(
        source,
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='Resize', scale=8),
            dict(type='PackInputs'),
        ],
    )
    train = build(source, split='train')
    val = build(val_source, split='val')
    assert len(calls) == 1
    assert train.source is val.source
    # Each wrapper runs its own pipeline on the shared rows.
    assert train[0]['inputs'].shape == (3, 16, 16)
    assert val[0]['inputs'].shape == (3, 8, 8)
    # Another seed is another draw of the same file: parsed again.
    other = build(source, split='train', seed=7)
    assert other.source is not train.source and len(calls) == 2


def test_a_rewritten_annotation_file_is_read_again(multilabel_dataset):
    first = build(multilabel_dataset(random_labels(20, 4, seed=1)))
    second = build(multilabel_dataset(random_labels(30, 4, seed=2)))
    assert first.source is not second.source
    assert (len(first), len(second)) == (20, 30)


def test_coco_json_is_parsed_once_for_train_and_val(tmp_path, monkeypatch):
    from mmspml.datasets import SPMLCOCO
    from tests.helpers import benchmark_fixtures as fx

    fx.random_coco(str(tmp_path), 30, num_classes=5)
    calls = []
    loader = SPMLCOCO.loader

    def counted(root, split):
        calls.append(split)
        return loader(root, split)

    monkeypatch.setattr(SPMLCOCO, 'loader', staticmethod(counted))
    coco = dict(type='SPMLCOCO', data_root=str(tmp_path), split='train')
    train, val = build(coco, split='train'), build(coco, split='val')
    assert calls == ['train']
    assert len(train) + len(val) == len(train.source.rows)
    assert not set(train.rows) & set(val.rows)


def test_indices_that_reorder_rows_keep_each_image_s_labels(
    multilabel_dataset,
):
    """MMEngine's ``indices`` reorders rows after the labels are indexed:
    they are indexed again, so no image gets another image's labels."""
    labels = random_labels(6, 4, seed=3)
    source = dict(multilabel_dataset(labels), indices=[5, 0, 3, 1, 4, 2])
    dataset = build(source)
    inner = dataset.dataset
    for row in range(6):
        assert inner.gt_labels.positives(row).tolist() == inner.get_cat_ids(
            row
        )
    np.testing.assert_array_equal(
        dataset.full_labels, labels[[5, 0, 3, 1, 4, 2]]
    )


def test_a_same_size_rewrite_is_read_again(multilabel_dataset, tmp_path):
    labels = random_labels(20, 4, seed=1)
    first = build(multilabel_dataset(labels))
    swapped = labels[:, [1, 0, 2, 3]]  # same file size, other labels
    second = build(multilabel_dataset(swapped))
    assert first.source is not second.source
    np.testing.assert_array_equal(second.full_labels, swapped)


class ObservedSource:
    """A multi-label dataset that provides its own observed positives."""

    metainfo = dict(classes=('a', 'b', 'c'))
    pipeline = None

    def __init__(self, observed):
        self.observed = observed

    def __len__(self):
        return len(self.observed)

    def get_cat_ids(self, row):
        return [0, 1]

    def get_data_info(self, row):
        return dict(
            img_path=f'img{row}.jpg', observed_label=self.observed[row]
        )


def test_observed_dataset_positive_out_of_range_names_the_row():
    from mmspml.datasets import SinglePositiveDataset

    dataset = SinglePositiveDataset(
        ObservedSource([[0], [1]]), observed='dataset'
    )
    assert dataset.observed.indices.tolist() == [0, 1]
    for bad in (3, -1):
        with pytest.raises(
            ValueError,
            match=rf"row 1 \(image 'img1.jpg'\) is {bad}, "
            r'not a class index in \[0, 3\)',
        ):
            SinglePositiveDataset(
                ObservedSource([[0], [bad]]), observed='dataset'
            )
