"""tools/tune.py checks the metric every trial is scored by from the config
alone: a mistake costs no trial and leaves no study behind."""

import os.path as osp

import pytest

from mmspml.tuning import prepare, tune
from mmspml.utils import ConfigError
from tests.helpers.paths import config_file

pytest.importorskip('optuna', reason='pip install -r requirements/tune.txt')


def write_config(tmp_path, extra):
    path = tmp_path / 'observed.py'
    path.write_text(f"_base_ = ['{config_file('gr', 'demo')}']\n{extra}")
    return str(path)


OBSERVED = (
    "val_evaluator = dict(type='SPMLAveragePrecision', mode='observed')\n"
)


@pytest.mark.parametrize(
    'metric,extra,message',
    [
        # Without --metric: the default spml/mAP, and the runtime base's
        # save_best, on a val set with only observed labels.
        (
            None,
            OBSERVED,
            "--metric='spml/mAP', default_hooks.checkpoint.save_best="
            "'spml/mAP' are not metrics the val evaluator reports: "
            "SPMLAveragePrecision(mode='observed') reports spml/mAP_observed",
        ),
        (
            'spml/mAP_observed',
            OBSERVED,
            "default_hooks.checkpoint.save_best='spml/mAP' is not a metric",
        ),
        (
            'spml/map',
            '',
            "--metric='spml/map' is not a metric the val evaluator reports: "
            "SPMLAveragePrecision(mode='full') reports spml/mAP, ",
        ),
        (
            None,
            'val_dataloader = None\nval_evaluator = None\nval_cfg = None\n',
            "--metric 'spml/mAP': trials are scored on validation, and the "
            'config has no val_dataloader, val_evaluator, val_cfg',
        ),
    ],
)
def test_a_metric_validation_will_not_report_stops_before_any_trial(
    tmp_path, metric, extra, message
):
    work_dir = tmp_path / 'tune'
    kwargs = dict(metric=metric) if metric else {}
    with pytest.raises(ConfigError) as err:
        tune(
            write_config(tmp_path, extra),
            work_dir=str(work_dir),
            n_trials=1,
            **kwargs,
        )
    assert str(err.value).startswith(message)
    assert not osp.exists(work_dir)  # no study, no trial, no retry queued


def test_reported_names_pass_the_check(tmp_path):
    config = write_config(
        tmp_path,
        OBSERVED + "default_hooks = dict(checkpoint=dict(save_best='auto'))\n",
    )
    cfg, space = prepare(config, metric='spml/mAP_observed')
    assert cfg.val_evaluator.mode == 'observed' and space
