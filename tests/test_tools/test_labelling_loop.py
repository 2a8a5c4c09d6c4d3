"""One labelling round through the tools on tiny data: the single positives
a config trains on are exported as a partial-label file, a model trained on
that file suggests pairs, an annotator (the full labels here) answers them,
and the answers are merged back, the previous file kept."""

import csv
import json

import pytest

from tests.helpers.runner_utils import python, write_tiny_config

pytestmark = pytest.mark.slow

OBSERVED = """
_base_ = ['{tiny}']
train_dataloader = dict(dataset=dict(
    _delete_=True, type='PartialLabelDataset', known_frac='dataset',
    split='train', dataset=dict(
        type='SPMLMultiLabelDataset', data_root='{data}',
        ann_file='observed.json',
        pipeline=[dict(type='SPMLLoadImageFromFile'),
                  dict(type='PackInputs')])))
train_cfg = dict(max_epochs=1)
custom_hooks = []
"""


def test_export_suggest_answer_merge(tmp_path):
    tiny = write_tiny_config(tmp_path, num_train=60, num_test=10)
    data = tmp_path / 'mnist_mosaic'
    out = python(
        'tools/dataset_converters/export_observed_labels.py',
        str(tiny),
        str(data / 'observed.json'),
    )
    assert 'Wrote the observed labels of 60 images' in out
    observed = json.loads((data / 'observed.json').read_text())
    assert all(
        len(r['gt_label']) == 1 and r['neg_label'] == []
        for r in observed['data_list']
    )
    config = tmp_path / 'observed.py'
    config.write_text(OBSERVED.format(tiny=tiny, data=data))
    python('tools/train.py', str(config), '--work-dir', str(tmp_path / 'w'))
    out = python(
        'tools/suggest_labels.py',
        str(config),
        str(tmp_path / 'w'),
        '--num',
        '20',
        '--out',
        str(tmp_path / 's.csv'),
    )
    assert 'Wrote 20 suggestions' in out
    full = {
        r['img_path']: r['gt_label']
        for r in json.loads((data / 'train.json').read_text())['data_list']
    }
    classes = observed['metainfo']['classes']
    with open(tmp_path / 's.csv', newline='') as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 20 and len({r['class'] for r in rows}) == 10
    for row in rows:  # the annotator: the full labels
        row['answer'] = int(classes.index(row['class']) in full[row['image']])
    with open(tmp_path / 'a.csv', 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    out = python(
        'tools/merge_labels.py',
        str(data / 'observed.json'),
        str(tmp_path / 'a.csv'),
    )
    assert 'Merged 20 answers' in out and 'observed.json.bak' in out
    merged = {
        r['img_path']: r
        for r in json.loads((data / 'observed.json').read_text())['data_list']
    }
    for row in rows:
        cls = classes.index(row['class'])
        key = 'gt_label' if row['answer'] else 'neg_label'
        assert cls in merged[row['image']][key]
    assert (data / 'observed.json.bak').read_text() == json.dumps(
        observed
    ) + '\n'
    # Merging again contradicts nothing: every answer is already there.
    out = python(
        'tools/merge_labels.py',
        str(data / 'observed.json'),
        str(tmp_path / 'a.csv'),
        '--out',
        str(tmp_path / 'x.json'),
    )
    assert '0 positives and 0 verified negatives added, 20 already' in out
