"""Every bad input raises an error that names the file, the row and what was
expected: annotation files, images and Cole et al.'s labels_obs files."""

import json
import logging
import os
import os.path as osp
import re

import numpy as np
import pytest
from mmengine.logging import MMLogger
from mmpretrain.registry import DATASETS

import mmspml  # noqa: F401
from mmspml.datasets import load_formatted
from tests.helpers import benchmark_fixtures as fx
from tests.helpers.data import cole_observe_single_positive, random_labels

# --------------------------------------------------------------------------
# MMPretrain annotation files (SPMLMultiLabelDataset)


@pytest.fixture
def annotation(multilabel_dataset, tmp_path):
    """Factory: ``annotation(edit)`` writes a valid 6-image, 3-class dataset,
    lets ``edit(ann)`` change the parsed json and returns the config."""

    def make(edit):
        source = multilabel_dataset(np.eye(6, 3, dtype=np.uint8))
        path = osp.join(tmp_path, source['ann_file'])
        with open(path) as f:
            ann = json.load(f)
        edit(ann)
        with open(path, 'w') as f:
            json.dump(ann, f)
        return source

    return make


def raises(error, source, *parts):
    """Build ``source``; assert it raises ``error`` whose message contains
    every one of ``parts`` (literally, in order); return the message."""
    with pytest.raises(error) as info:
        DATASETS.build(source)
    message = str(info.value)
    assert re.search('.*'.join(re.escape(p) for p in parts), message, re.S), (
        message
    )
    return message


def test_truncated_json_names_the_file(multilabel_dataset, tmp_path):
    source = multilabel_dataset(np.eye(6, 3, dtype=np.uint8))
    path = osp.join(tmp_path, 'ann.json')
    text = open(path).read()
    open(path, 'w').write(text[: len(text) // 2])
    raises(
        ValueError,
        source,
        path,
        'cannot parse the annotation file',
        'line 1, column',
        'truncated or not valid JSON',
    )


def test_data_list_not_a_list(annotation, tmp_path):
    source = annotation(lambda a: a.update(data_list={'img_path': 'x.png'}))
    raises(
        TypeError,
        source,
        osp.join(tmp_path, 'ann.json'),
        'data_list must be a list, got dict',
        "{'img_path': 'x.png'}",
    )


def test_entry_not_a_dict(annotation, tmp_path):
    source = annotation(lambda a: a['data_list'].__setitem__(4, 'x.png'))
    raises(
        TypeError,
        source,
        osp.join(tmp_path, 'ann.json'),
        'data_list[4]',
        'must be a dict with "img_path" and "gt_label"',
        "'x.png'",
    )


def test_entry_without_img_path(annotation, tmp_path):
    source = annotation(lambda a: a['data_list'][2].pop('img_path'))
    raises(
        ValueError,
        source,
        osp.join(tmp_path, 'ann.json'),
        'data_list[2] has no "img_path"',
        "{'gt_label': [2]}",
    )


def test_img_path_not_a_string(annotation, tmp_path):
    source = annotation(
        lambda a: a['data_list'][1].update(img_path=['img_0001.png'])
    )
    raises(
        TypeError,
        source,
        osp.join(tmp_path, 'ann.json'),
        'data_list[1]',
        'img_path must be a non-empty string',
        "['img_0001.png']",
    )


def test_entry_without_gt_label(annotation, tmp_path):
    source = annotation(lambda a: a['data_list'][3].pop('gt_label'))
    raises(
        ValueError,
        source,
        osp.join(tmp_path, 'ann.json'),
        'data_list[3] has no "gt_label"',
        'img_0003.png',
    )


@pytest.mark.parametrize(
    'gt_label,value',
    [
        ('0,1', "'0,1' (str)"),
        (1, '1 (int)'),
        ([0, 1.0], '1.0 (float)'),
        ([[0, 1]], '[0, 1] (list)'),
        ([True], 'True (bool)'),
    ],
)
def test_gt_label_not_a_list_of_ints(annotation, tmp_path, gt_label, value):
    source = annotation(lambda a: a['data_list'][5].update(gt_label=gt_label))
    raises(
        TypeError,
        source,
        osp.join(tmp_path, 'ann.json'),
        'data_list[5]',
        "(image 'img_0005.png')",
        'gt_label must be a list of class indices (integers in [0, 3))',
        f'got {value}',
    )


def test_duplicate_image_names_both_rows(annotation, tmp_path):
    source = annotation(
        lambda a: a['data_list'][4].update(img_path='./img_0001.png')
    )
    raises(
        ValueError,
        source,
        osp.join(tmp_path, 'ann.json'),
        'data_list[4]',
        "img_path './img_0001.png' is also data_list[1]",
        'list each image once',
    )


def test_class_index_outside_the_classes(annotation, tmp_path):
    source = annotation(lambda a: a['data_list'][2].update(gt_label=[0, 3]))
    raises(
        ValueError,
        source,
        osp.join(tmp_path, 'ann.json'),
        'data_list[2]',
        "(image 'img_0002.png')",
        'gt_label 3 in [0, 3] is outside [0, 3)',
        'the metainfo lists 3 classes',
    )


def test_negative_class_index(annotation, tmp_path):
    source = annotation(lambda a: a['data_list'][0].update(gt_label=[-1]))
    raises(
        ValueError,
        source,
        osp.join(tmp_path, 'ann.json'),
        'data_list[0]',
        'gt_label -1 in [-1] is outside [0, 3)',
    )


def test_class_name_in_gt_label_says_its_index(annotation, tmp_path):
    source = annotation(lambda a: a['data_list'][3].update(gt_label=['c1']))
    raises(
        TypeError,
        source,
        osp.join(tmp_path, 'ann.json'),
        'data_list[3]',
        'gt_label holds class indices, not class names',
        "'c1' is index 1 in the metainfo classes",
    )


def test_unknown_class_name_in_gt_label(annotation, tmp_path):
    source = annotation(lambda a: a['data_list'][3].update(gt_label=['dog']))
    raises(
        TypeError,
        source,
        osp.join(tmp_path, 'ann.json'),
        'data_list[3]',
        'gt_label holds class indices, not class names',
        "'dog' is not in the metainfo classes either",
    )


def test_valid_file_loads_unchanged(multilabel_dataset):
    labels = random_labels(8, 4, seed=3)
    dataset = DATASETS.build(multilabel_dataset(labels))
    assert len(dataset) == 8 and dataset.skipped_images == []
    for row in range(8):
        assert dataset.get_cat_ids(row) == np.flatnonzero(labels[row]).tolist()


# --------------------------------------------------------------------------
# Images


def truncate(path):
    data = open(path, 'rb').read()
    open(path, 'wb').write(data[: len(data) // 2])


def test_truncated_png_names_the_file(multilabel_dataset, tmp_path):
    dataset = DATASETS.build(multilabel_dataset(random_labels(4, 3)))
    truncate(osp.join(tmp_path, 'img_0001.png'))
    with pytest.raises(RuntimeError) as info:
        dataset[1]
    message = str(info.value)
    assert "ann.json'): could not load sample 1" in message
    assert 'img_0001.png' in message and 'missing or corrupt' in message


def test_missing_image_names_the_file(multilabel_dataset, tmp_path):
    dataset = DATASETS.build(multilabel_dataset(random_labels(4, 3)))
    os.remove(osp.join(tmp_path, 'img_0003.png'))
    with pytest.raises(RuntimeError) as info:
        dataset[3]
    message = str(info.value)
    assert "ann.json'): could not load sample 3" in message
    assert 'img_0003.png' in message and 'FileNotFoundError' in message


class Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_skip_leaves_out_bad_images_before_the_draw(
    multilabel_dataset, tmp_path
):
    labels = random_labels(10, 4, seed=4)
    source = multilabel_dataset(labels)
    source['on_bad_image'] = 'skip'
    truncate(osp.join(tmp_path, 'img_0002.png'))
    open(osp.join(tmp_path, 'img_0005.png'), 'wb').write(b'not a png')
    os.remove(osp.join(tmp_path, 'img_0007.png'))
    logger = MMLogger.get_current_instance()
    records = Records()
    logger.addHandler(records)
    try:
        wrapped = DATASETS.build(
            dict(type='SinglePositiveDataset', dataset=source)
        )
    finally:
        logger.removeHandler(records)
    kept = [0, 1, 3, 4, 6, 8, 9]
    dataset = wrapped.dataset
    assert len(dataset) == 7 and len(wrapped) == 7
    assert [dataset.get_data_info(i)['img_path'] for i in range(7)] == [
        osp.join(tmp_path, f'img_{i:04d}.png') for i in kept
    ]
    np.testing.assert_array_equal(wrapped.full_labels, labels[kept])
    np.testing.assert_array_equal(
        wrapped.observed_labels,
        cole_observe_single_positive(labels[kept], 1200),
    )
    bad = [osp.join(tmp_path, f'img_{i:04d}.png') for i in (2, 5, 7)]
    assert [path for path, _ in dataset.skipped_images] == bad
    reasons = [reason for _, reason in dataset.skipped_images]
    assert reasons[0].startswith('corrupt or truncated image (OSError')
    assert reasons[1].startswith('not an image')
    assert reasons[2] == 'file not found'
    skipped = [m for m in records.messages if 'skipped image' in m]
    assert len(skipped) == 3
    for line, path, reason in zip(skipped, bad, reasons):
        assert repr(path) in line and reason in line
    assert any(
        "on_bad_image='skip' left out 3 of 10 images" in m
        for m in records.messages
    )
    assert wrapped[6]['inputs'].shape == (3, 16, 16)


def test_on_bad_image_must_be_error_or_skip(multilabel_dataset):
    source = multilabel_dataset(random_labels(4, 3))
    source['on_bad_image'] = 'drop'
    raises(
        ValueError, source, "on_bad_image must be 'error' or 'skip'", "'drop'"
    )


# --------------------------------------------------------------------------
# Cole et al.'s labels_obs (SPMLFormatted / load_formatted)

LABELS = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 1], [0, 0, 1]])
OBSERVED = np.array([[0, 0, 1], [0, 1, 0], [1, 0, 0], [0, 0, 1]])
IMAGES = [f'im{i}.jpg' for i in range(4)]


def obs_path(root):
    return osp.join(root, 'formatted_train_labels_obs.npy')


def load_with(root, observed):
    fx.write_formatted(str(root), 'train', IMAGES, LABELS, observed)
    return load_formatted(str(root), 'train')


def test_labels_obs_with_too_few_rows(tmp_path):
    with pytest.raises(ValueError) as info:
        load_with(tmp_path, OBSERVED[:3])
    assert str(info.value) == (
        f'{obs_path(tmp_path)}: expected one row per image of '
        f'{osp.join(tmp_path, "formatted_train_images.npy")} (4 x 3), got '
        'shape (3, 3)'
    )


def test_labels_obs_with_too_many_columns(tmp_path):
    with pytest.raises(ValueError) as info:
        load_with(tmp_path, np.pad(OBSERVED, ((0, 0), (0, 1))))
    assert str(info.value) == (
        f'{obs_path(tmp_path)}: has 4 columns but '
        f'{osp.join(tmp_path, "formatted_train_labels.npy")} has 3 (one '
        'column per class)'
    )


def test_labels_obs_value_other_than_minus_one_zero_one(tmp_path):
    observed = OBSERVED.copy()
    observed[2, 1] = 2
    with pytest.raises(ValueError) as info:
        load_with(tmp_path, observed)
    assert str(info.value).startswith(
        f"{obs_path(tmp_path)}: row 2 (image 'im2.jpg'), column 1 is 2; "
        'expected 1 (observed positive), 0 (unobserved) or -1'
    )


def test_labels_obs_accepts_observed_negatives(tmp_path):
    # Cole et al.'s generator writes -1 for observed negatives (--num-neg).
    table = load_with(tmp_path, np.where(LABELS == 0, -1, OBSERVED))
    np.testing.assert_array_equal(table.observed, OBSERVED)


def test_labels_obs_positive_not_in_labels(tmp_path):
    observed = OBSERVED.copy()
    observed[3] = [0, 1, 0]
    with pytest.raises(ValueError) as info:
        load_with(tmp_path, observed)
    assert str(info.value) == (
        f"{obs_path(tmp_path)}: row 3 (image 'im3.jpg') observes class 1 as "
        'positive, but it is not a positive in row 3 of '
        f'{osp.join(tmp_path, "formatted_train_labels.npy")}'
    )


@pytest.mark.parametrize('row_values,count', [([0, 0, 0], 0), ([1, 0, 1], 2)])
def test_observed_dataset_needs_one_positive_per_row(
    tmp_path, row_values, count
):
    observed = OBSERVED.copy()
    observed[2] = row_values
    fx.write_formatted(str(tmp_path), 'train', IMAGES, LABELS, observed)
    source = dict(type='SPMLFormatted', data_root=str(tmp_path))
    raises(
        ValueError,
        dict(type='SinglePositiveDataset', observed='dataset', dataset=source),
        "observed='dataset' needs exactly one observed positive per image",
        f"row 2 (image '{osp.join(tmp_path, 'im2.jpg')}') has {count}: "
        f'{np.flatnonzero(row_values).tolist()}',
        f'(observed labels from {obs_path(tmp_path)})',
    )
