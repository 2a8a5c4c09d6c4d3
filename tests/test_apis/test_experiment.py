"""The multi-seed summary tables."""

import pytest

from mmspml.apis import format_table, method_by_dataset, summarize


def runs(*maps, config=None):
    return [
        dict(
            best_val=m + 1,
            test={'spml/mAP': m},
            **(dict(config=config) if config else {}),
        )
        for m in maps
    ]


def test_summary_mean_and_sample_std():
    rows = summarize(
        {
            'gr_demo': runs(90.0, 92.0, 94.0, config='configs/gr.py'),
            'an_demo': runs(80.0),
        }
    )
    assert rows[0]['test spml/mAP'] == pytest.approx((92.0, 2.0))
    assert rows[0]['val spml/mAP'] == pytest.approx((93.0, 2.0))
    assert rows[1]['test spml/mAP'] == (80.0, None)
    md = format_table(rows).splitlines()
    # The README's columns; a single run shows no spread.
    assert md[0] == '| method | config | test mAP | val mAP |'
    assert md[2] == (
        '| gr_demo | `configs/gr.py` | 92.00 ± 2.00 | 93.00 ± 2.00 |'
    )
    assert md[3] == '| an_demo | `an_demo` | 80.00 | 81.00 |'
    csv = format_table(rows, 'csv').splitlines()
    assert csv[0] == (
        'method,config,runs,test spml/mAP mean,'
        'test spml/mAP std,val spml/mAP mean,val spml/mAP std'
    )
    assert csv[1] == 'gr_demo,configs/gr.py,3,92.0000,2.0000,93.0000,2.0000'
    assert csv[2] == 'an_demo,an_demo,1,80.0000,,81.0000,'


def test_method_by_dataset_pivots_config_names():
    rows = summarize(
        {
            'gr_resnet50_1xb8_voc2012-448px': runs(89.0, 91.0),
            'an_resnet50_1xb8_voc2012-448px': runs(85.0),
            'gr_resnet50_1xb8_coco2014-448px': runs(73.0),
            'gr_swin-tiny_1xb8_coco2014-448px': runs(75.0),
            'emapl_resnet50_1xb8_voc2012-448px': runs(88.0),
            'gr_resnet50_1xb32-bf16_voc2012-448px': runs(90.0),
            'my_config_voc2012-448px': runs(80.0),
        }
    )
    table = method_by_dataset(rows).splitlines()
    assert table[0] == '| method | voc2012-448px | coco2014-448px |'
    # Two GR configs on COCO differ in the backbone only: it is named.
    assert table[2] == '| gr resnet50 | 90.00 ± 1.41 | 73.00 |'
    assert table[3] == '| an | 85.00 |  |'
    assert table[4] == '| gr swin-tiny |  | 75.00 |'
    assert table[5] == '| emapl | 88.00 |  |'
    assert table[6] == '| gr (bf16) | 90.00 |  |'
    assert table[7] == '| my_config | 80.00 |  |'


@pytest.mark.slow
def test_train_and_test_reuses_the_test_best_checkpoint_hook(
    tmp_path, monkeypatch
):
    from mmengine.config import Config
    from mmengine.runner import Runner

    from mmspml.apis import train_and_test
    from tests.helpers.runner_utils import write_tiny_config

    cfg = Config.fromfile(
        str(write_tiny_config(tmp_path, num_train=60, num_test=20))
    )
    cfg.train_cfg.max_epochs = 1
    cfg.custom_hooks = cfg.custom_hooks + [dict(type='TestBestCheckpointHook')]

    def no_second_test(self):
        raise AssertionError('the best checkpoint was tested twice')

    monkeypatch.setattr(Runner, 'test', no_second_test)
    result = train_and_test(cfg, str(tmp_path / 'work'), seed=0)
    assert 0 < result['test']['spml/mAP'] <= 100
    assert result['best_ckpt'].endswith('best_spml_mAP_epoch_1.pth')


def test_a_metric_with_an_interval_gets_an_interval_column():
    runs_with_interval = [
        dict(
            best_val=90.0,
            test={
                'spml/mAP': m,
                'spml/mAP_low': m - 2,
                'spml/mAP_high': m + 1,
            },
        )
        for m in (90.0, 92.0)
    ]
    rows = summarize({'gr_demo': runs_with_interval, 'an_demo': runs(80.0)})
    assert rows[0]['test spml/mAP 95% interval'] == pytest.approx((89.0, 92.0))
    assert 'test spml/mAP 95% interval' not in rows[1]
    md = format_table(rows[:1]).splitlines()
    assert md[0] == (
        '| method | config | test mAP | test mAP 95% interval | val mAP |'
    )
    assert md[2].split(' | ')[2:4] == ['91.00 ± 1.41', '89.00-92.00']
    csv = format_table(rows[:1], 'csv').splitlines()
    assert (
        'test spml/mAP 95% interval low,test spml/mAP 95% interval high'
        in (csv[0])
    )
    assert csv[1].startswith(
        'gr_demo,gr_demo,2,91.0000,1.4142,89.0000,92.0000'
    )
