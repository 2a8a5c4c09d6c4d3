"""tools/predict.py and tools/analysis/calibrate_thresholds.py end to end
on a model trained by a real Runner: the JSON holds every class, the drawn
images are written, the scores give the Runner's test metrics,
calibrated thresholds are accepted by the predictor and a thresholds file
for other classes is refused with a message naming it."""

import json

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import RUNNERS

from mmspml.datasets.mnist_mosaic import DIGIT_CLASSES
from mmspml.evaluation import SPMLAveragePrecision
from tests.helpers.runner_utils import python, write_tiny_config

pytestmark = pytest.mark.slow  # a real Runner, tools in subprocesses


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """Two epochs of the tiny demo with a real Runner, and the test metrics
    of its final model (``epoch_2.pth``), as tools/test.py computes them."""
    tmp = tmp_path_factory.mktemp('predict')
    config = write_tiny_config(tmp, num_train=80, num_test=24)
    cfg = Config.fromfile(str(config))
    cfg.work_dir = str(tmp / 'work')
    cfg.train_cfg.max_epochs = 2
    runner = RUNNERS.build(cfg)
    runner.train()
    metrics = runner.test()
    return dict(
        tmp=tmp,
        config=str(config),
        work_dir=cfg.work_dir,
        final=str(tmp / 'work' / 'epoch_2.pth'),
        metrics=metrics,
        data=tmp / 'mnist_mosaic',
    )


def read_json(path):
    with open(path) as f:
        return json.load(f)


def scores_of(records):
    return np.array([[r['scores'][c] for c in DIGIT_CLASSES] for r in records])


def test_predict_writes_all_classes_drawn_images_and_test_time_scores(trained):
    tmp, data = trained['tmp'], trained['data']
    out, show = tmp / 'pred.json', tmp / 'show'
    python(
        'tools/predict.py',
        trained['config'],
        trained['final'],
        str(data / 'images' / 'test'),
        '--out',
        str(out),
        '--show-dir',
        str(show),
        '--batch-size',
        '5',
    )
    records = read_json(out)
    assert len(records) == 24
    assert all(list(r['scores']) == list(DIGIT_CLASSES) for r in records)
    scores = scores_of(records)
    for record, row in zip(records, scores):
        labels = [c for c, s in record['scores'].items() if s >= 0.5]
        assert sorted(record['labels']) == sorted(labels)
        assert list(
            row[[DIGIT_CLASSES.index(c) for c in record['labels']]]
        ) == sorted(row[row >= 0.5], reverse=True)
    assert sorted(p.name for p in show.iterdir()) == [
        f'{i:05d}.png' for i in range(24)
    ]
    # The scores are the test-time scores: they give tools/test.py's mAP.
    test_json = read_json(data / 'test.json')['data_list']
    assert [r['img_path'].split('/')[-1] for r in records] == [
        d['img_path'].split('/')[-1] for d in test_json
    ]
    targets = np.zeros_like(scores, dtype=int)
    for row, item in zip(targets, test_json):
        row[item['gt_label']] = 1
    metrics = trained['metrics']
    ours = SPMLAveragePrecision.calculate(scores, targets)
    for key in ('mAP', 'OF1', 'CF1'):
        assert ours[key] == pytest.approx(metrics[f'spml/{key}'], abs=1e-4)


def test_calibrated_thresholds_are_what_predict_applies(trained):
    tmp, data = trained['tmp'], trained['data']
    thresholds = tmp / 'thr.json'
    log = python(
        'tools/analysis/calibrate_thresholds.py',
        trained['config'],
        trained['work_dir'],
        '--split',
        'val',
        '--eval-split',
        'test',
        '--out',
        str(thresholds),
    )
    assert 'best_spml_mAP_epoch_' in log  # the work dir's best checkpoint
    assert 'IN-SAMPLE' in log and 'held out' in log
    record = read_json(thresholds)
    assert record['mode'] == 'f1' and record['split'] == 'val'
    assert record['classes'] == list(DIGIT_CLASSES)
    assert len(record['thresholds']) == 10
    assert record['num_fallback'] == len(record['fallback_classes'])
    out = tmp / 'calibrated.json'
    python(
        'tools/predict.py',
        trained['config'],
        trained['work_dir'],
        str(data / 'images' / 'test'),
        '--thresholds',
        str(thresholds),
        '--out',
        str(out),
    )
    thr = dict(zip(record['classes'], record['thresholds']))
    for item in read_json(out):
        assert sorted(item['labels']) == sorted(
            c for c, s in item['scores'].items() if s >= thr[c]
        )


def test_expected_count_mode_gives_k_labels_per_image(trained):
    tmp = trained['tmp']
    thresholds = tmp / 'count.json'
    log = python(
        'tools/analysis/calibrate_thresholds.py',
        trained['config'],
        trained['work_dir'],
        '--split',
        'val',
        '--mode',
        'expected-count',
        '--expected-positives',
        '2',
        '--out',
        str(thresholds),
    )
    assert 'Precision cannot be known without negatives' in log
    record = read_json(thresholds)
    assert record['mode'] == 'expected-count'
    assert len(set(record['thresholds'])) == 1
    assert record['labels_per_image'] >= 2
    assert record['labels_per_image'] == pytest.approx(2, abs=0.1)


def test_a_thresholds_file_for_other_classes_fails_with_its_name(trained):
    tmp = trained['tmp']
    wrong = tmp / 'wrong.json'
    wrong.write_text(
        json.dumps(dict(classes=list(DIGIT_CLASSES[:9]), thresholds=[0.5] * 9))
    )
    log = python(
        'tools/predict.py',
        trained['config'],
        trained['work_dir'],
        str(trained['data'] / 'images' / 'test' / '00000.png'),
        '--thresholds',
        str(wrong),
        ok=False,
    )
    assert (
        f'thresholds file {wrong} holds 9 classes but the model '
        'predicts 10' in log
    )


def test_bad_images_are_named_and_stop_or_are_skipped(trained):
    import shutil

    from tests.helpers.data import write_png_header_only

    tmp, data = trained['tmp'], trained['data']
    folder = tmp / 'mixed'
    folder.mkdir()
    shutil.copy(data / 'images' / 'test' / '00000.png', folder / 'a.png')
    (folder / 'b_empty.png').write_bytes(b'')
    (folder / 'c_text.png').write_text('a text file named .png\n')
    write_png_header_only(folder / 'd_bomb.png', 30000, 30000)
    out = python(
        'tools/predict.py',
        trained['config'],
        trained['final'],
        str(folder),
        ok=False,
    )
    assert (
        f'tools/predict.py: error: {folder / "b_empty.png"}: the file '
        'is empty (0 bytes)'
    ) in out
    out = python(
        'tools/predict.py',
        trained['config'],
        trained['final'],
        str(folder),
        '--bad-images',
        'skip',
        '--out',
        str(tmp / 'mixed.json'),
    )
    assert f'Skipped {folder / "c_text.png"}: not an image' in out
    assert (
        f'Skipped {folder / "d_bomb.png"}: the image has 900000000 '
        'pixels, more than the limit of 100000000'
    ) in out
    assert 'Skipped 3 of 4 inputs.' in out
    records = read_json(tmp / 'mixed.json')
    assert [r['img_path'] for r in records] == [str(folder / 'a.png')]
