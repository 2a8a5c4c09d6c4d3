"""TestBestCheckpointHook without validation: a message, not a crash."""

from types import SimpleNamespace

import pytest
from mmengine.logging import MessageHub

from mmspml.engine import TestBestCheckpointHook


def runner(val_loop):
    return SimpleNamespace(
        val_loop=val_loop,
        message_hub=MessageHub.get_instance('test_best_ckpt_hook'),
    )


def test_without_validation_it_says_so_and_tests_nothing(monkeypatch):
    from mmspml.engine.hooks import test_best_checkpoint_hook as module

    said = []
    monkeypatch.setattr(
        module, 'print_log', lambda msg, **kwargs: said.append(msg)
    )
    TestBestCheckpointHook().after_train(runner(val_loop=None))
    assert len(said) == 1 and 'training ran without validation' in said[0]


def test_with_validation_but_no_best_checkpoint_it_raises():
    with pytest.raises(RuntimeError, match='no best checkpoint was saved'):
        TestBestCheckpointHook().after_train(runner(val_loop=object()))
