"""Files a user downloads or is sent cannot run code or fail raw: pickle
and YAML annotation files, empty data lists, images that are empty, not
images, truncated or decompression bombs, JSON of the wrong shape."""

import json
import os.path as osp
import pickle

import numpy as np
import pytest
from mmpretrain.registry import DATASETS, TRANSFORMS

from mmspml.datasets import SPMLLoadImageFromFile, image_file_problem
from mmspml.utils import read_json
from tests.helpers.checkpoints import RunsACommand
from tests.helpers.data import (
    random_labels,
    write_multilabel_dataset,
    write_png_header_only,
)


def build(tmp_path, ann_file):
    return DATASETS.build(
        dict(
            type='SPMLMultiLabelDataset',
            data_root=str(tmp_path),
            ann_file=ann_file,
            pipeline=[],
        )
    )


def test_a_pickle_annotation_file_is_refused_unread(tmp_path):
    marker = tmp_path / 'pwned'
    with open(tmp_path / 'ann.pkl', 'wb') as f:
        pickle.dump({'data_list': [RunsACommand(marker)]}, f)
    with pytest.raises(
        ValueError,
        match=r'ann.pkl: pickle annotation files '
        r'can run code .*annotations_to_json.py',
    ):
        build(tmp_path, 'ann.pkl')
    assert not marker.exists()


def test_a_yaml_file_with_a_python_tag_does_not_run_it(tmp_path):
    marker = tmp_path / 'pwned'
    (tmp_path / 'ann.yaml').write_text(
        f"!!python/object/apply:os.system ['touch {marker}']\n"
    )
    with pytest.raises(
        ValueError,
        match=r'ann.yaml: cannot parse the '
        r'annotation file: ConstructorError',
    ):
        build(tmp_path, 'ann.yaml')
    assert not marker.exists()


def test_plain_yaml_and_json_annotation_files_read_the_same(tmp_path):
    import yaml

    ann = write_multilabel_dataset(str(tmp_path), random_labels(4, 3))
    with open(ann) as f:
        record = json.load(f)
    (tmp_path / 'ann.yml').write_text(yaml.safe_dump(record))
    from_json, from_yaml = (
        build(tmp_path, 'ann.json'),
        build(tmp_path, 'ann.yml'),
    )
    assert [from_json.get_data_info(i)['gt_label'] for i in range(4)] == [
        from_yaml.get_data_info(i)['gt_label'] for i in range(4)
    ]
    (tmp_path / 'ann.txt').write_text(json.dumps(record))
    with pytest.raises(
        ValueError,
        match=r'ann.txt: annotation files are '
        r"JSON .* or YAML .*got '.txt'",
    ):
        build(tmp_path, 'ann.txt')


def test_the_converter_rewrites_a_trusted_pickle_as_json(tmp_path):
    import subprocess
    import sys

    from tests.helpers.paths import REPO

    ann = write_multilabel_dataset(str(tmp_path), random_labels(3, 2))
    with open(ann) as f:
        record = json.load(f)
    record['data_list'][0]['gt_label'] = np.array([0, 1])  # numpy inside
    with open(tmp_path / 'old.pkl', 'wb') as f:
        pickle.dump(record, f)
    subprocess.run(
        [
            sys.executable,
            'tools/dataset_converters/annotations_to_json.py',
            str(tmp_path / 'old.pkl'),
            str(tmp_path / 'new.json'),
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    dataset = build(tmp_path, 'new.json')
    assert dataset.get_data_info(0)['gt_label'] == [0, 1]


def test_an_empty_data_list_is_named(tmp_path):
    (tmp_path / 'ann.json').write_text(
        json.dumps({'metainfo': {'classes': ['a', 'b']}, 'data_list': []})
    )
    with pytest.raises(ValueError, match=r'ann.json: data_list is empty'):
        build(tmp_path, 'ann.json')


def test_no_image_left_after_skipping_is_named(tmp_path):
    write_multilabel_dataset(str(tmp_path), random_labels(2, 2))
    for i in range(2):
        (tmp_path / f'img_{i:04d}.png').write_bytes(b'')
    with pytest.raises(
        ValueError,
        match=r'ann.json: no image is left to '
        r'use \(2 skipped as missing or corrupt\)',
    ):
        DATASETS.build(
            dict(
                type='SPMLMultiLabelDataset',
                data_root=str(tmp_path),
                ann_file='ann.json',
                pipeline=[],
                on_bad_image='skip',
            )
        )


@pytest.fixture
def images(tmp_path):
    write_multilabel_dataset(str(tmp_path), random_labels(1, 2))
    good = tmp_path / 'img_0000.png'
    (tmp_path / 'empty.png').write_bytes(b'')
    (tmp_path / 'text.png').write_text('not an image\n')
    (tmp_path / 'truncated.png').write_bytes(good.read_bytes()[:120])
    write_png_header_only(tmp_path / 'bomb.png', 30000, 30000)
    write_png_header_only(tmp_path / 'big.png', 12000, 10000)
    return tmp_path


def test_the_loader_names_every_bad_image_before_decoding(images):
    loader = TRANSFORMS.build(dict(type='SPMLLoadImageFromFile'))
    assert isinstance(loader, SPMLLoadImageFromFile)
    ok = loader(dict(img_path=str(images / 'img_0000.png')))
    assert ok['img'].shape == (16, 16, 3)
    for name, message in [
        ('empty.png', 'the file is empty'),
        ('text.png', 'not an image'),
        (
            'bomb.png',
            'the image has 900000000 pixels, more than the '
            r'limit of 100000000 \(max_pixels, about 2.5 GiB once '
            r'decoded\)',
        ),
        (
            'big.png',
            r'the image has 120000000 pixels \(12000 x 10000\), '
            'more than the limit of 100000000',
        ),
    ]:
        with pytest.raises(ValueError, match=f'{name}: {message}'):
            loader(dict(img_path=str(images / name)))
    # The bomb is refused from its header: 100 bytes, never decoded.
    assert osp.getsize(images / 'bomb.png') < 200
    unlimited = TRANSFORMS.build(
        dict(type='SPMLLoadImageFromFile', max_pixels=10**10)
    )
    with pytest.raises(
        ValueError, match='bomb.png: not an image, or a truncated one'
    ):
        unlimited(dict(img_path=str(images / 'bomb.png')))
    with pytest.raises(ValueError, match='max_pixels must be a positive'):
        SPMLLoadImageFromFile(max_pixels=0)


def test_a_format_whose_size_cannot_be_read_first_is_not_decoded(tmp_path):
    """cv2 decodes formats PIL does not know (PAM, HDR, PFM) up to a
    gigapixel: under a pixel limit they are refused, not decoded."""
    pam = tmp_path / 'a.pam'
    pam.write_bytes(
        b'P7\nWIDTH 2\nHEIGHT 2\nDEPTH 3\nMAXVAL 255\n'
        b'TUPLTYPE RGB\nENDHDR\n' + bytes(range(12))
    )
    with pytest.raises(
        ValueError,
        match=r'a.pam: not an image, or one in a '
        r'format whose size cannot be read before decoding',
    ):
        SPMLLoadImageFromFile()(dict(img_path=str(pam)))
    unchecked = SPMLLoadImageFromFile(max_pixels=None)
    assert unchecked(dict(img_path=str(pam)))['img'].shape == (2, 2, 3)


def test_yaml_aliases_duplicate_keys_and_bad_classes_are_refused(tmp_path):
    write_multilabel_dataset(str(tmp_path), random_labels(2, 3))
    rows = ''.join(
        f'- {{img_path: img_{i:04d}.png, gt_label: *L}}\n' for i in range(2)
    )
    (tmp_path / 'laughs.yaml').write_text(
        'metainfo: {classes: [a, b, c]}\nlabels: &L [0, 0, 0, 0]\n'
        f'data_list:\n{rows}'
    )
    with pytest.raises(
        ValueError,
        match=r'laughs.yaml: .*an alias \(\*L\) '
        r'at line 4',
    ):
        build(tmp_path, 'laughs.yaml')
    (tmp_path / 'twice.json').write_text(
        '{"metainfo": {"classes": ["a", "b"]}, "data_list": [{"img_path": '
        '"img_0000.png", "gt_label": [1], "gt_label": [0]}]}'
    )
    with pytest.raises(
        ValueError,
        match=r"twice.json: .*the key 'gt_label' "
        r'is given twice',
    ):
        build(tmp_path, 'twice.json')
    for classes, message in [
        ('"abc"', 'metainfo.classes must be a list of class names'),
        ('[1, 2, null]', 'metainfo.classes must be non-empty strings'),
        ('["a", "a", "b"]', r"metainfo.classes names \['a'\] more than once"),
    ]:
        (tmp_path / 'c.json').write_text(
            f'{{"metainfo": {{"classes": {classes}}}, "data_list": '
            '[{"img_path": "img_0000.png", "gt_label": [0]}]}'
        )
        with pytest.raises(
            (TypeError, ValueError), match=f'c.json: {message}'
        ):
            build(tmp_path, 'c.json')
    (tmp_path / 'none.json').write_text(
        '{"metainfo": {}, "data_list": [{"img_path": "img_0000.png", '
        '"gt_label": [0]}]}'
    )
    with pytest.raises(ValueError, match='none.json: no class names'):
        build(tmp_path, 'none.json')


def test_image_file_problem_catches_truncation(images):
    assert image_file_problem(str(images / 'img_0000.png')) is None
    assert image_file_problem(str(images / 'truncated.png')).startswith(
        'corrupt or truncated image'
    )
    assert image_file_problem(str(images / 'missing.png')) == 'file not found'
    assert image_file_problem(str(images / 'bomb.png'), 10**9) is not None


@pytest.mark.parametrize(
    'content,message',
    [
        ('[1, 2, 3]', 'the JSON holds list at the top, not an object'),
        ('{"a": ' * 100000 + '1' + '}' * 100000, 'JSON nested too deeply'),
        ('{"classes": [', r'not valid JSON \(line 1, column 14: Expecting'),
        (b'\x89PNG\r\n\x1a\n\x00\xff', 'a binary file, not JSON text'),
    ],
)
def test_json_files_of_the_wrong_shape_are_named(tmp_path, content, message):
    path = tmp_path / 'thresholds.png'
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(
        ValueError, match=f'thresholds.png: {message}.*a thresholds file'
    ):
        read_json(str(path), 'a thresholds file')


def test_a_thresholds_file_that_is_a_list_is_named(tmp_path):
    from mmspml.evaluation.thresholds_file import load_thresholds

    path = tmp_path / 't.json'
    path.write_text('[0.5, 0.5]')
    with pytest.raises(
        ValueError,
        match=r't.json: the JSON holds list at '
        r'the top, not an object; expected a thresholds file',
    ):
        load_thresholds(str(path), ['a', 'b'])
    for body, message in [
        (
            '{"classes": ["a"], "thresholds": [1' + '0' * 400 + ']}',
            "the threshold of class 'a' must be a finite number",
        ),
        (
            '{"classes": [["a"]], "thresholds": [0.5]}',
            'class names must be strings',
        ),
        (
            '{"classes": ["a"], "thresholds": [2.0]}',
            "the threshold of class 'a' is 2.0; scores are in",
        ),
        (
            '{"classes": ["a"], "thresholds": [1' + '0' * 5000 + ']}',
            'Exceeds the limit',
        ),
        (
            '{"classes": ["a"], "thresholds": [0.1], "thresholds": [0.9]}',
            "the key 'thresholds' is given twice",
        ),
    ]:
        path.write_text(body)
        with pytest.raises(ValueError, match=f't.json: .*{message}'):
            load_thresholds(str(path), ['a'])
