"""Importing mmspml keeps checkpoint loading safe: a checkpoint that would
run code is refused, what MMEngine saves loads with weights_only=True, and
full unpickling is an explicit opt-in."""
import pickle

import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner import CheckpointLoader

import mmspml  # noqa: F401
from mmspml.utils import explain_refused_checkpoint
from mmspml.utils.compat import TRUST_ENV
from tests.helpers.checkpoints import RunsACommand, save_as_mmengine_does


def test_a_checkpoint_that_runs_code_is_refused(tmp_path):
    marker = tmp_path / 'pwned'
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'meta': RunsACommand(marker)}, path)
    with pytest.raises(pickle.UnpicklingError, match='system'):
        CheckpointLoader.load_checkpoint(str(path))
    with pytest.raises(pickle.UnpicklingError,
                       match='evil.pth: safe loading .*refused .*system.*'
                       '--trust-checkpoint'):
        with explain_refused_checkpoint(str(path)):
            CheckpointLoader.load_checkpoint(str(path))
    assert not marker.exists()


def message_hub_checkpoint():
    hub = MessageHub.get_instance('test_safe_checkpoints')
    hub.update_scalar('train/loss', torch.tensor(0.5))
    hub.update_scalar('train/loss', 0.25, count=2)
    hub.update_info('eta', torch.tensor(3.0).numpy().astype('float64')[()])
    hub.update_info('best_score', 91.5)
    return {'state_dict': {'w': torch.ones(2)},
            'message_hub': hub.state_dict()}


def test_what_mmengine_saves_loads_safely_and_unchanged(tmp_path):
    path = tmp_path / 'ok.pth'
    saved = message_hub_checkpoint()
    torch.save(saved, path)
    assert torch.serialization.get_unsafe_globals_in_checkpoint(
        str(path)) == []
    loaded = CheckpointLoader.load_checkpoint(str(path))
    buffer = loaded['message_hub']['log_scalars']['train/loss']
    original = saved['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    assert buffer.data[0].tolist() == original.data[0].tolist()
    assert buffer.data[1].tolist() == original.data[1].tolist()
    assert buffer.mean() == original.mean() and buffer.max_length == \
        original.max_length
    assert loaded['message_hub']['runtime_info']['eta'] == 3.0


def test_old_checkpoints_need_the_explicit_opt_in(tmp_path, monkeypatch):
    """MMEngine's own pickling of HistoryBuffer (before mmspml) uses
    builtins.getattr, which safe loading refuses."""
    path = tmp_path / 'old.pth'
    save_as_mmengine_does(message_hub_checkpoint(), path)
    with pytest.raises(pickle.UnpicklingError, match='getattr'):
        with explain_refused_checkpoint(str(path)):
            CheckpointLoader.load_checkpoint(str(path))
    monkeypatch.setenv(TRUST_ENV, '1')
    loaded = CheckpointLoader.load_checkpoint(str(path))
    assert loaded['message_hub']['runtime_info']['best_score'] == 91.5


def test_downloaded_checkpoints_are_loaded_safely_too(tmp_path, monkeypatch):
    """http(s), torchvision:// and open-mmlab:// go through torch.hub,
    whose own default is full unpickling."""
    monkeypatch.setenv('TORCH_HOME', str(tmp_path))
    cache = tmp_path / 'hub' / 'checkpoints'
    cache.mkdir(parents=True)
    marker = tmp_path / 'pwned'
    torch.save({'meta': RunsACommand(marker)}, cache / 'evil.pth')
    torch.save({'state_dict': {'w': torch.ones(2)}}, cache / 'plain.pth')
    with pytest.raises(pickle.UnpicklingError,
                       match='evil.pth: safe loading .*refused .*system'):
        CheckpointLoader.load_checkpoint('https://example.invalid/evil.pth')
    assert not marker.exists()
    plain = CheckpointLoader.load_checkpoint(
        'https://example.invalid/plain.pth')
    assert torch.equal(plain['state_dict']['w'], torch.ones(2))
