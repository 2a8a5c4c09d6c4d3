"""Every command of docs/own_data.md works as written, on a user's own
photos with partial labels rebuilt from the demo (one positive per image,
verified negatives for a third, no full labels where a tool can read them):
the CSV converted, a model trained and tested with its interval, thresholds
from verified negatives, new photos labelled, one labelling round merged
and trained on, a tuning study.

The commands run in a mirror of the repository whose example config is a
tiny version (32 px, 2 epochs, a quarter-width ResNet) of the real one;
``tools/`` is the repository's own.
"""

import csv
import json
import os
import os.path as osp
import re

import pytest

from tests.helpers.own_photos import make_own_photos
from tests.helpers.paths import REPO
from tests.test_tools.test_readme_commands import commands, run

pytestmark = pytest.mark.slow  # real trainings in subprocesses

CONFIG = 'configs/gr/gr_resnet18-half_1xb16_own-photos-partial.py'
TINY = """
_base_ = ['{config}']
small = [
    dict(type='SPMLLoadImageFromFile'),
    dict(type='Resize', scale=(32, 32)),
    dict(type='PackInputs'),
]
num_classes = 10
model = dict(
    backbone=dict(stem_channels=8, base_channels=8),
    head=dict(in_channels=64, num_classes=num_classes))
train_dataloader = dict(num_workers=0, persistent_workers=False,
                        dataset=dict(dataset=dict(pipeline=small)))
val_dataloader = dict(num_workers=0, persistent_workers=False,
                      dataset=dict(dataset=dict(pipeline=small)))
train_cfg = dict(max_epochs=2)
"""


def docs_block():
    with open(osp.join(REPO, 'docs', 'own_data.md')) as f:
        text = f.read()
    section = text[text.index('## The commands') :]
    return list(
        commands(re.search(r'```bash\n(.*?)```', section, re.S).group(1))
    )


def answer_suggestions(path, full, classes):
    """Fill the answer column as the person would: 1 when the class is in
    the photo."""
    with open(path, newline='') as f:
        rows = list(csv.DictReader(f))
    assert rows, 'no suggestions'
    for row in rows:
        present = classes.index(row['class']) in full[row['image']]
        row['answer'] = '1' if present else '0'
    with open(path, 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def test_own_data_commands_run_as_written(tmp_path):
    root = tmp_path / 'mirror'
    labels = make_own_photos(str(root / 'data' / 'my_photos'))
    os.symlink(osp.join(REPO, 'tools'), root / 'tools')
    config = root / CONFIG
    config.parent.mkdir(parents=True)
    config.write_text(TINY.format(config=osp.join(REPO, CONFIG)))
    block = docs_block()
    assert block[0] == 'source .venv/bin/activate'
    outputs = {}
    for command in block[1:]:
        if 'merge_labels.py' in command:
            answered = answer_suggestions(
                root / 'data/my_photos/suggestions.csv',
                labels['full'],
                labels['classes'],
            )
        outputs[command] = run(root, command)
    data = root / 'data' / 'my_photos'
    annotation = json.loads((data / 'labels.json').read_text())
    rows = annotation['data_list']
    assert len(rows) == 160 and annotation['metainfo']['classes'][0] == 'zero'
    with open(data / 'labels.csv') as f:
        judged = len(f.readlines()) - 1
    # Every CSV row and every answer is in the file once, and true.
    assert (
        sum(len(r['gt_label']) + len(r['neg_label']) for r in rows)
        == judged + answered
    )
    for r in rows:
        full = labels['full'][r['img_path']]
        assert set(r['gt_label']) <= set(full)
        assert not set(r['neg_label']) & set(full)
    test_out = next(v for k, v in outputs.items() if 'tools/test.py' in k)
    assert re.search(
        r'spml/mAP_observed \d+\.\d+  95% interval \[\d+\.\d+, \d+\.\d+\]  '
        r'chance level \d+\.\d+',
        test_out,
    ), test_out[-2000:]
    thresholds = json.loads(
        (root / 'work_dirs/my_photos/thresholds.json').read_text()
    )
    assert thresholds['labels'] == 'observed entries'
    predictions = json.loads(
        (root / 'work_dirs/my_photos/predictions.json').read_text()
    )
    assert len(predictions) == 4
    assert list((root / 'work_dirs/my_photos_round1').glob('best_*.pth'))
    trials = (root / 'work_dirs/my_photos_tune/trials.csv').read_text()
    assert 'user_attrs_best_low' in trials.splitlines()[0]
