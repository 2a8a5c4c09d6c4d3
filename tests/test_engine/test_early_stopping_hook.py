"""MetricDropEarlyStoppingHook: the protocol's early stop at a 2-point val
mAP drop."""

from types import SimpleNamespace

import pytest
from mmengine.logging import MessageHub

from mmspml.engine import MetricDropEarlyStoppingHook


def fake_runner(best_score=None):
    hub = MessageHub.get_instance('test_protocol_hooks')
    hub.runtime_info.pop('best_score', None)
    if best_score is not None:
        hub.update_info('best_score', best_score)
    return SimpleNamespace(
        message_hub=hub, train_loop=SimpleNamespace(stop_training=False)
    )


def test_stops_only_when_more_than_max_drop_below_the_best():
    hook = MetricDropEarlyStoppingHook(max_drop=2.0)
    runner = fake_runner()
    for value in (60.0, 70.0, 68.5, 68.0):  # 68.0 is exactly 2 below
        hook.after_val_epoch(runner, {'spml/mAP': value})
        assert not runner.train_loop.stop_training
    hook.after_val_epoch(runner, {'spml/mAP': 67.9})
    assert runner.train_loop.stop_training


def test_best_survives_a_resume_through_the_checkpoint_hook_score():
    hook = MetricDropEarlyStoppingHook()  # a fresh hook after --resume
    runner = fake_runner(best_score=80.0)
    hook.after_val_epoch(runner, {'spml/mAP': 77.5})
    assert runner.train_loop.stop_training


def test_missing_metric_is_explained():
    with pytest.raises(KeyError, match="'spml/mAP'.*mAP"):
        MetricDropEarlyStoppingHook().after_val_epoch(
            fake_runner(), {'mAP': 50.0}
        )
