"""OpenImages image-level labels read from the official files
(SPMLOpenImages), the .npz cache next to the CSV, the errors of a bad file,
and the image,label,confidence converter
(tools/dataset_converters/labels_csv_to_json.py)."""

import json
import os
import os.path as osp
import runpy
import sys

import numpy as np
import pytest

from mmspml.datasets import (
    PartialLabelDataset,
    SinglePositiveDataset,
    SPMLMultiLabelDataset,
    SPMLOpenImages,
    labels_csv_to_annotations,
    load_openimages_labels,
    openimages_cache,
    read_class_list,
)
from mmspml.datasets.openimages_cache import openimages_cache_path
from tests.helpers.paths import REPO
from tests.helpers.runner_utils import python

# The readers import pyarrow only when they parse a CSV.
pytest.importorskip(
    'pyarrow',
    reason='pyarrow is not installed: pip install -r requirements/tests.txt',
)

HEADER = 'ImageID,Source,LabelName,Confidence'
# Trainable classes in file order (not sorted: the file's order counts).
TRAINABLE = ['/m/0c', '/m/0a', '/m/0d', '/m/0b']
DESCRIPTIONS = [
    'LabelName,DisplayName',
    '/m/0a,Cat',
    '/m/0b,Dog',
    '/m/0c,Jaguar',
    '/m/0d,Jaguar',
    '/m/0x,"Not, trainable"',
]
ROWS = [
    ('f00d', 'verification', '/m/0a', '1'),
    ('f00d', 'verification', '/m/0c', '0'),
    ('0abc', 'crowdsource-verified', '/m/0b', '1'),
    ('0abc', 'verification', '/m/0x', '1'),  # not trainable
    ('0abc', 'verification', '/m/0d', '0'),
    ('f00d', 'verification', '/m/0a', '1'),  # the same answer again
    ('77ee', 'verification', '/m/0y', '0'),  # no trainable label at all
    ('5555', 'verification', '/m/0d', '0'),  # verified negatives only
    ('5555', 'verification', '/m/0b', '0'),
    ('9a9a', 'verification', '/m/0c', '1'),
    ('9a9a', 'verification', '/m/0a', '1'),
    ('9a9a', 'verification', '/m/0x', '0'),
]


def write_openimages(root, rows=ROWS, header=HEADER, text=None):
    """The official files of a tiny OpenImages under ``root``; returns the
    labels CSV's path."""
    os.makedirs(root, exist_ok=True)
    with open(osp.join(root, 'oidv6-classes-trainable.txt'), 'w') as f:
        f.write('\n'.join(TRAINABLE) + '\n')
    with open(osp.join(root, 'oidv6-class-descriptions.csv'), 'w') as f:
        f.write('\n'.join(DESCRIPTIONS) + '\n')
    path = osp.join(root, 'train-annotations-human-imagelabels.csv')
    if text is None:
        text = '\n'.join([header] + [','.join(r) for r in rows]) + '\n'
    with open(path, 'w') as f:
        f.write(text)
    return path


def observed_by_hand(rows, classes):
    """Image -> {class index: 1 or -1} of the trainable rows, in plain
    Python: the reference the reader must match."""
    observed = {}
    for image, _, label, confidence in rows:
        if label in classes:
            answer = 1 if confidence == '1' else -1
            observed.setdefault(image, {})[classes.index(label)] = answer
    return observed


def build(root, **kwargs):
    return SPMLOpenImages(
        data_root=str(root),
        ann_file='train-annotations-human-imagelabels.csv',
        img_prefix='train',
        **kwargs,
    )


def test_the_reader_gives_the_labels_of_the_equivalent_json(tmp_path):
    write_openimages(tmp_path)
    dataset = build(tmp_path)
    observed = observed_by_hand(ROWS, TRAINABLE)
    images = sorted(observed)
    assert dataset.image_ids.astype(str).tolist() == images
    assert dataset.data_list == []  # no dict per row is kept
    assert dataset.metainfo['classes'] == (
        'Jaguar (/m/0c)',
        'Cat',
        'Jaguar (/m/0d)',
        'Dog',
    )
    assert dataset.metainfo['label_names'] == tuple(TRAINABLE)
    # The same labels written as mmspml's annotation json.
    data_list = [
        dict(
            img_path=f'train/{image}.jpg',
            gt_label=sorted(c for c, a in observed[image].items() if a == 1),
            neg_label=sorted(c for c, a in observed[image].items() if a == -1),
        )
        for image in images
    ]
    (tmp_path / 'train.json').write_text(
        json.dumps(dict(metainfo=dict(classes=TRAINABLE), data_list=data_list))
    )
    from_json = SPMLMultiLabelDataset(
        data_root=str(tmp_path), ann_file='train.json'
    )
    assert dataset.partial_labels == from_json.partial_labels
    assert dataset.gt_labels == from_json.gt_labels
    assert dataset.neg_labels == from_json.neg_labels
    for idx in range(len(images)):
        ours, theirs = dataset.get_data_info(idx), from_json.get_data_info(idx)
        assert ours['img_path'] == theirs['img_path']
        assert ours['gt_label'] == theirs['gt_label']
        assert ours['gt_score'].dtype == np.float32
        assert ours['gt_score'].tolist() == theirs['gt_score'].tolist()
    # And through the wrapper a config uses.
    wrapped = [
        PartialLabelDataset(
            dict(cfg, pipeline=[dict(type='PackInputs')]),
            known_frac='dataset',
        )
        for cfg in (
            dict(
                type='SPMLOpenImages',
                data_root=str(tmp_path),
                ann_file='train-annotations-human-imagelabels.csv',
                img_prefix='train',
            ),
            dict(
                type='SPMLMultiLabelDataset',
                data_root=str(tmp_path),
                ann_file='train.json',
            ),
        )
    ]
    assert wrapped[0].observed == wrapped[1].observed
    sample = wrapped[0][3]['data_samples']
    assert sample.gt_score.tolist() == (
        wrapped[1].get_data_info(3)['gt_score'].tolist()
    )


def test_unknown_classes_are_skipped_and_counted(tmp_path):
    path = write_openimages(tmp_path)
    table, from_cache = load_openimages_labels(path, TRAINABLE, cache=False)
    assert not from_cache
    assert not osp.exists(openimages_cache_path(path))
    assert (table.rows, table.skipped_rows, table.unknown_classes) == (
        12,
        3,
        2,
    )
    assert (table.dropped_images, table.repeated_rows) == (1, 1)
    assert '77ee' not in table.image_names()
    assert 'skipped 3 rows of 2 classes not in the class list' in (
        table.summary()
    )


def test_the_cache_is_used_then_rebuilt_when_the_csv_changes(
    tmp_path, monkeypatch
):
    path = write_openimages(tmp_path)
    first = build(tmp_path)
    assert not first.from_cache and osp.isfile(openimages_cache_path(path))

    def no_parse(*args, **kwargs):
        raise AssertionError('the CSV was parsed again')

    monkeypatch.setattr(openimages_cache, 'read_label_csv', no_parse)
    # pyarrow is not even needed to load from the cache.
    monkeypatch.setitem(sys.modules, 'pyarrow', None)
    second = build(tmp_path)
    assert second.from_cache
    assert second.partial_labels == first.partial_labels
    assert (second.image_ids == first.image_ids).all()
    assert second.metainfo == first.metainfo
    monkeypatch.undo()

    # Same size, other content and mtime: parsed again.
    changed = [r if r[0] != '5555' else r[:3] + ('1',) for r in ROWS]
    write_openimages(tmp_path, rows=changed)
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    third = build(tmp_path)
    assert not third.from_cache
    assert third.get_data_info(1)['gt_label'] == [2, 3]  # 5555
    assert build(tmp_path).from_cache
    # Another class list does not use the cache of the old one.
    with open(osp.join(tmp_path, 'oidv6-classes-trainable.txt'), 'w') as f:
        f.write('/m/0a\n/m/0b\n')
    fewer = build(tmp_path)
    assert not fewer.from_cache and fewer.partial_labels.num_classes == 2


def test_pyarrow_is_asked_for_by_name_when_missing(tmp_path, monkeypatch):
    write_openimages(tmp_path)
    monkeypatch.setitem(sys.modules, 'pyarrow', None)
    with pytest.raises(ImportError, match='pip install -r requirements/'):
        build(tmp_path, cache=False)


def test_indices_and_subsets_keep_labels_and_images_together(tmp_path):
    write_openimages(tmp_path)
    full = build(tmp_path)
    first_two = build(tmp_path, indices=2)
    assert len(first_two) == 2
    assert first_two.partial_labels == full.partial_labels.take([0, 1])
    subset = full.get_subset([3, 0])
    assert subset.image_ids.astype(str).tolist() == ['f00d', '0abc']
    assert subset.get_data_info(0)['gt_score'].tolist() == (
        full.get_data_info(3)['gt_score'].tolist()
    )
    assert len(full) == 4  # unchanged


def lines(*rows, header=HEADER):
    return '\n'.join((header,) + rows) + '\n'


@pytest.mark.parametrize(
    'text,match',
    [
        (
            lines('a,v,/m/0a,1', 'b,v,/m/0b,0', 'b,v,/m/0c,2'),
            r"line 4: Confidence '2' is not 1 or 0",
        ),
        (
            lines('a,v,/m/0a,1', '', 'b,v,/m/0b,0', 'b,v,/m/0c,0.5'),
            r"line 5: Confidence '0.5' is not 1 or 0",
        ),
        (
            lines('a,v,/m/0a', header='ImageID,Source,LabelName'),
            r"line 1: the header .* has no column 'Confidence'",
        ),
        (
            lines('f00d,v,/m/0a,1', 'a,v,/m/0b,0', 'f00d,x,/m/0a,0'),
            r"line 4: ImageID 'f00d' and LabelName '/m/0a' have Confidence "
            r'0, but line 2 gave them 1',
        ),
        (lines(), r'no rows after the header \(line 1\)'),
        ('', 'the file is empty'),
        (
            lines('a,v,/m/0z,1', 'b,v,/m/0y,0'),
            'none of its 2 rows has a LabelName of the class list',
        ),
        (lines('a,v,/m/0a,1', 'b,v,/m/0b'), r"line 3 \('b,v,/m/0b'\)"),
    ],
)
def test_a_bad_labels_csv_names_the_file_and_line(tmp_path, text, match):
    path = write_openimages(tmp_path, text=text)
    with pytest.raises(ValueError, match=match) as info:
        build(tmp_path)
    assert path in str(info.value)
    assert not osp.exists(openimages_cache_path(path))


@pytest.mark.parametrize(
    'missing',
    [
        'train-annotations-human-imagelabels.csv',
        'oidv6-classes-trainable.txt',
        'oidv6-class-descriptions.csv',
    ],
)
def test_a_missing_file_is_named_with_the_expected_layout(tmp_path, missing):
    write_openimages(tmp_path)
    os.remove(tmp_path / missing)
    with pytest.raises(FileNotFoundError) as info:
        build(tmp_path)
    message = str(info.value)
    assert str(tmp_path / missing) in message
    assert 'Expected layout' in message
    assert 'oidv6-classes-trainable.txt' in message
    assert '<img_prefix>/<ImageID>.jpg' in message


# -- the image,label,confidence converter ---------------------------------
CONVERTER = osp.join(
    REPO, 'tools', 'dataset_converters', 'labels_csv_to_json.py'
)


def write_labels_csv(folder, *rows):
    (folder / 'classes.txt').write_text('cat\ndog\n\ncar\n')
    path = folder / 'labels.csv'
    path.write_text(lines(*rows, header='image,label,confidence'))
    return str(path)


@pytest.mark.parametrize(
    'rows,match',
    [
        (
            ('a.jpg,cat,1', 'a.jpg,dog,-1'),
            r"line 3: confidence '-1' is not 1 or 0 .*write 0 for a "
            'verified negative',
        ),
        (('a.jpg,zebra,1',), r"line 2: label 'zebra' is not in the class"),
        (
            ('a.jpg,cat,1', 'b.jpg,cat,1', 'a.jpg,cat,0'),
            r"line 4: image 'a.jpg' and label 'cat' have confidence 0, but "
            'line 2 gave them 1',
        ),
        ((), r'no rows after the header \(line 1\)'),
    ],
)
def test_the_converter_names_the_file_and_line_of_a_bad_row(
    tmp_path, rows, match
):
    path = write_labels_csv(tmp_path, *rows)
    with pytest.raises(ValueError, match=match) as info:
        labels_csv_to_annotations(path, str(tmp_path / 'classes.txt'))
    assert path in str(info.value)


def test_the_converter_round_trip_and_missing_images(tmp_path, monkeypatch):
    rows = (
        'b.jpg,dog,1',
        'a.jpg,cat,0',
        'a.jpg,car,1',
        'b.jpg,dog,1',
        'gone.jpg,car,0',
        'b.jpg,cat,0',
    )
    path = write_labels_csv(tmp_path, *rows)
    (tmp_path / 'imgs').mkdir()
    for name in ('a.jpg', 'b.jpg'):
        (tmp_path / 'imgs' / name).write_bytes(b'')
    out = tmp_path / 'out.json'
    common = [
        CONVERTER,
        path,
        str(out),
        '--classes',
        str(tmp_path / 'classes.txt'),
        '--img-prefix',
        'imgs',
        '--data-root',
        str(tmp_path),
    ]
    # Refused without --skip-missing (the tool in this process).
    monkeypatch.setattr(sys, 'argv', common)
    with pytest.raises(SystemExit) as info:
        runpy.run_path(CONVERTER, run_name='__main__')
    assert f'{path}: 1 of 3 images are not under' in str(info.value.code)
    assert "['imgs/gone.jpg']" in str(info.value.code)
    assert not out.exists()
    # Converted with it, in a subprocess as a user runs it.
    output = python(*common, '--skip-missing')
    assert 'Left out 1 images' in output and 'imgs/gone.jpg' in output
    ann = json.loads(out.read_text())
    assert ann['metainfo']['classes'] == ['cat', 'dog', 'car']
    assert ann['data_list'] == [
        dict(img_path='imgs/b.jpg', gt_label=[1], neg_label=[0]),
        dict(img_path='imgs/a.jpg', gt_label=[2], neg_label=[0]),
    ]
    dataset = SPMLMultiLabelDataset(data_root=str(tmp_path), ann_file=str(out))
    assert dataset.partial_labels.to_dense(
        dtype=np.int8, negative=-1
    ).tolist() == [[-1, 1, 0], [-1, 0, 1]]


def test_image_paths_are_those_of_the_samples(tmp_path):
    write_openimages(tmp_path)
    dataset = build(tmp_path)
    paths = [dataset.get_data_info(i)['img_path'] for i in range(4)]
    assert dataset.image_paths() == paths
    assert dataset.image_paths([3, 0]) == [paths[3], paths[0]]
    # Its verified negatives are not dropped silently by single positives.
    with pytest.raises(
        ValueError, match=r'4 verified negatives \(neg_label\) in 3 of 4 im'
    ):
        SinglePositiveDataset(dataset)


@pytest.mark.parametrize(
    'name,suggested',
    [('dgo', "did you mean 'dog'?"), ('Car', "did you mean 'car'?")],
)
def test_an_unknown_class_names_the_closest_ones(tmp_path, name, suggested):
    path = write_labels_csv(tmp_path, 'a.jpg,cat,1', f'b.jpg,{name},0')
    with pytest.raises(ValueError) as info:
        labels_csv_to_annotations(path, str(tmp_path / 'classes.txt'))
    assert str(info.value) == (
        f"{path}: line 3: label '{name}' is not in the class list (3 "
        f'classes); {suggested}'
    )
    path = write_labels_csv(tmp_path, 'a.jpg,zebra,1')
    with pytest.raises(ValueError) as info:
        labels_csv_to_annotations(path, str(tmp_path / 'classes.txt'))
    assert 'did you mean' not in str(info.value)


@pytest.mark.parametrize(
    'text,why',
    [
        (
            'image,label,confidence\na.jpg,cat,1\nb.jpg,dog,0\n',
            "its first line 'image,label,confidence' is a CSV header "
            "(column 'image')",
        ),
        ('cat,dog,car\n', 'every line has 3 comma-separated fields'),
        (
            '/m/0a,Cat\n/m/0b,"Dog, domestic"\n',
            'every line has 2 comma-separated fields',
        ),
    ],
)
def test_a_class_list_that_is_a_csv_is_refused(tmp_path, text, why):
    path = write_labels_csv(tmp_path, 'a.jpg,cat,1')
    (tmp_path / 'classes.csv').write_text(text)
    with pytest.raises(ValueError) as info:
        labels_csv_to_annotations(path, str(tmp_path / 'classes.csv'))
    message = str(info.value)
    assert message.startswith(
        f'{tmp_path / "classes.csv"}: looks like a CSV, not a class list: '
        + why
    )
    assert message.endswith(
        'Expected a text file with one class name per line and no header.'
    )
    assert '\n' not in message
    # Names with a comma are fine when not every line is a row of fields.
    (tmp_path / 'classes.txt').write_text('cat\nHot dog, sausage\ndog\n')
    assert read_class_list(str(tmp_path / 'classes.txt'))[1] == (
        'Hot dog, sausage'
    )


def test_the_labels_csv_as_its_own_class_list_is_refused(
    tmp_path, monkeypatch
):
    path = write_labels_csv(tmp_path, 'a.jpg,cat,1', 'b.jpg,dog,0')
    out = tmp_path / 'out.json'
    monkeypatch.setattr(
        sys, 'argv', [CONVERTER, path, str(out), '--classes', path]
    )
    with pytest.raises(SystemExit) as info:
        runpy.run_path(CONVERTER, run_name='__main__')
    assert str(info.value.code) == (
        f'labels_csv_to_json.py: error: {path}: the class list is the '
        'labels CSV itself; expected a text file with one class name per '
        'line (--classes CLASSES.txt)'
    )
    assert not out.exists()
