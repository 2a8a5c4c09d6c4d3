"""The keys a val evaluator reports, known before it runs: from built
metrics or from the evaluator's config."""

import logging

import pytest
from mmpretrain.evaluation import AveragePrecision

from mmspml.evaluation import SPMLAveragePrecision
from mmspml.evaluation.metric_keys import (
    check_metric_names,
    config_metrics,
    reported_keys,
)
from mmspml.utils import ConfigError


def test_keys_are_those_of_every_metric_with_its_prefix():
    full, observed = (
        SPMLAveragePrecision(),
        SPMLAveragePrecision(mode='observed', prefix='partial'),
    )
    keys = reported_keys([full, observed])
    assert keys == full.reported_keys() + observed.reported_keys()
    assert 'spml/mAP' in keys and 'partial/mAP_observed' in keys


def test_keys_are_unknown_for_another_metric_or_unknown_classes():
    assert reported_keys([SPMLAveragePrecision(), AveragePrecision()]) is None
    assert reported_keys([]) is None
    classwise = SPMLAveragePrecision(classwise=True)
    assert reported_keys([classwise]) is None  # AP/<class> needs classes
    classwise.dataset_meta = dict(classes=['cat', 'dog'])
    assert {'spml/AP/cat', 'spml/AP/dog'} <= set(reported_keys([classwise]))


@pytest.mark.parametrize(
    'evaluator',
    [
        dict(type='SPMLAveragePrecision', mode='observed'),
        [dict(type='SPMLAveragePrecision', mode='observed')],
        dict(metrics=[dict(type='SPMLAveragePrecision', mode='observed')]),
        dict(type=SPMLAveragePrecision, mode='observed'),
    ],
)
def test_every_form_of_an_evaluator_config_is_read(evaluator):
    (metric,) = config_metrics(evaluator)
    assert isinstance(metric, SPMLAveragePrecision)
    assert metric.mode == 'observed'


@pytest.mark.parametrize(
    'evaluator',
    [
        [dict(type='SPMLAveragePrecision'), dict(type='AveragePrecision')],
        dict(type='NoSuchMetric'),
        None,
    ],
)
def test_an_evaluator_config_with_other_metrics_is_not_built(evaluator):
    assert config_metrics(evaluator) is None


def test_unknown_keys_are_not_checked(monkeypatch):
    from mmspml.evaluation import metric_keys

    logged = []
    monkeypatch.setattr(
        metric_keys,
        'print_log',
        lambda msg, **kwargs: logged.append((msg, kwargs['level'])),
    )
    check_metric_names([('--metric', 'multi-label/mAP')], [AveragePrecision()])
    assert len(logged) == 1 and logged[0][1] == logging.DEBUG


def test_an_unreported_name_is_one_line_with_what_would_work():
    with pytest.raises(ConfigError) as err:
        check_metric_names(
            [('--metric', 'spml/mAP'), ('--other', 'spml/mAP_observed')],
            [SPMLAveragePrecision(mode='observed')],
        )
    message = str(err.value)
    assert message.startswith("--metric='spml/mAP' is not a metric")
    assert '--other' not in message and '\n' not in message
    assert message.endswith('; set it to one of those.')
