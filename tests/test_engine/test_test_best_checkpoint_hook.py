"""TestBestCheckpointHook without validation or without a test set: a
message, not a crash."""

from types import SimpleNamespace

import pytest
from mmengine.logging import MessageHub

from mmspml.engine import TestBestCheckpointHook

# A test loop that is never run: the hooks' checks stop before it.
TEST_LOOP = object()


def runner(val_loop, test_loop=TEST_LOOP):
    return SimpleNamespace(
        val_loop=val_loop,
        test_loop=test_loop,
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


def test_without_a_test_set_it_says_so_and_tests_nothing(monkeypatch):
    from mmspml.engine.hooks import test_best_checkpoint_hook as module

    said = []
    monkeypatch.setattr(
        module, 'print_log', lambda msg, **kwargs: said.append(msg)
    )
    hub = MessageHub.get_instance('test_best_ckpt_hook')
    hub.update_info('best_ckpt', 'best_spml_mAP_epoch_1.pth')
    # A runner that would fail on load_checkpoint or a test loop.
    TestBestCheckpointHook().after_train(
        runner(val_loop=object(), test_loop=None)
    )
    assert len(said) == 1 and 'the config has no test set' in said[0]
    assert 'add test_dataloader and test_evaluator' in said[0]
