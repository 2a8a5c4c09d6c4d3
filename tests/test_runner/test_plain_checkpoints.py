"""mmspml's checkpoints are plain data: they load with torch's
weights_only=True and no allow-list, in a process without mmspml too;
log buffers and numpy values come back exactly; old files are refused with
the two ways out; importing mmspml changes nothing in the process."""

import collections
import json
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

from mmspml.engine.runner import (
    FORMAT_KEY,
    FORMAT_VERSION,
    CheckpointError,
    UnsafeCheckpointError,
    load_checkpoint_file,
    plain_checkpoint,
    to_plain,
)
from mmspml.engine.runner.checkpoint import (
    check_resume_state,
    route_pretrained_through_safe_loading,
)
from tests.helpers.checkpoints import RunsACommand, save_as_mmengine_does
from tests.helpers.paths import REPO


def hub_checkpoint(name='test_plain_checkpoints'):
    hub = MessageHub.get_instance(name)
    hub.update_scalar('train/loss', torch.tensor(0.5))
    hub.update_scalar('train/loss', 0.25, count=2)
    hub.update_scalar('train/lr', np.float32(1e-3))
    hub.update_info('eta', np.float64(3.0))
    hub.update_info('best_score', 91.5)
    hub.update_info('keep_ckpt_ids', [1, 2])
    state = collections.OrderedDict(w=torch.arange(6.0).reshape(2, 3))
    state._metadata = {'': {'version': 2}}
    return {
        'meta': {
            'epoch': 2,
            'iter': 10,
            'seed': 0,
            'dataset_meta': {'classes': ('a', 'b')},
            'counts': np.array([[1, 2], [3, 4]], dtype=np.int16),
            'mask': np.array([True, False]),
            'scalar32': np.float32(0.1),
            'shape': (2, 3),
            'ids': {1, 2},
        },
        'state_dict': state,
        'message_hub': hub.state_dict(),
    }


def assert_same(a, b, where='checkpoint'):
    assert type(a) is type(b), (where, type(a), type(b))
    if isinstance(a, dict):
        assert list(a) == list(b), where
        for key in a:
            assert_same(a[key], b[key], f'{where}[{key!r}]')
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f'{where}[{i}]')
    elif isinstance(a, HistoryBuffer):
        for x, y in zip(a.data, b.data):
            assert x.dtype == y.dtype and np.array_equal(x, y), where
        assert a.max_length == b.max_length, where
    elif isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and np.array_equal(a, b), where
    elif isinstance(a, torch.Tensor):
        assert torch.equal(a, b), where
    else:
        assert a == b, where


def test_a_plain_checkpoint_needs_no_allow_list_and_rebuilds_exactly(tmp_path):
    saved = hub_checkpoint()
    path = tmp_path / 'plain.pth'
    torch.save(plain_checkpoint(saved), path)
    assert (
        torch.serialization.get_unsafe_globals_in_checkpoint(str(path)) == []
    )
    raw = torch.load(path, weights_only=True)  # torch's own list only
    assert raw['meta'][FORMAT_KEY] == FORMAT_VERSION
    assert isinstance(raw['message_hub']['log_scalars']['train/loss'], dict)
    loaded = load_checkpoint_file(path)
    meta = loaded['meta']
    assert meta.pop(FORMAT_KEY) == FORMAT_VERSION
    assert_same(saved, loaded)
    assert loaded['state_dict']._metadata == {'': {'version': 2}}
    # float32 histories stay float32 (a deepcopy of the hub no longer
    # goes through a reducer that made them float64).
    lr = loaded['message_hub']['log_scalars']['train/lr']
    assert (
        lr.data[0].dtype
        == saved['message_hub']['log_scalars']['train/lr'].data[0].dtype
    )


def test_empty_buffers_and_numpy_keys_round_trip(tmp_path):
    checkpoint = {
        'meta': {
            'name': np.str_('gr'),
            'ids': {np.int64(3)},
            'by_id': {np.int64(2): 'x'},
        },
        'message_hub': {
            'log_scalars': {'train/empty': HistoryBuffer()},
            'runtime_info': {},
            'resumed_keys': {},
        },
        'state_dict': {'w': torch.ones(1)},
    }
    path = tmp_path / 'empty.pth'
    torch.save(plain_checkpoint(checkpoint), path)
    loaded = load_checkpoint_file(path)
    empty = loaded['message_hub']['log_scalars']['train/empty']
    assert isinstance(empty, HistoryBuffer) and len(empty.data[0]) == 0
    assert loaded['meta']['name'] == 'gr' and loaded['meta']['ids'] == {3}
    assert loaded['meta']['by_id'] == {2: 'x'}


def test_saving_changes_no_live_object_and_names_what_cannot_be_plain():
    saved = hub_checkpoint('test_plain_live')
    info = saved['message_hub']['runtime_info']
    before = dict(info)
    plain_checkpoint(saved)
    assert info == before and isinstance(info['eta'], np.float64)
    with pytest.raises(
        TypeError,
        match=r"checkpoint\['meta'\]\['names'\]"
        r': a numpy array of dtype object',
    ):
        to_plain({'meta': {'names': np.array(['a', None], dtype=object)}})
    with pytest.raises(
        TypeError,
        match=r"checkpoint\['x'\]: "
        r'.*RunsACommand cannot be saved as plain data',
    ):
        to_plain({'x': RunsACommand('m')})


def test_an_old_checkpoint_is_refused_with_the_two_ways_out(tmp_path):
    plain = tmp_path / 'plain.pth'
    torch.save(plain_checkpoint(hub_checkpoint('test_plain_old')), plain)
    old = tmp_path / 'old.pth'
    save_as_mmengine_does(str(plain), str(old))
    with pytest.raises(UnsafeCheckpointError) as refused:
        load_checkpoint_file(old)
    message = str(refused.value)
    assert message.startswith(f'{old}: holds ')
    assert 'HistoryBuffer' in message or 'numpy' in message
    assert 'tools/convert_checkpoint.py' in message
    assert '--trust-checkpoint' in message and 'trusted://' in message
    assert isinstance(refused.value, pickle.UnpicklingError)
    trusted = load_checkpoint_file(old, trust=True)
    assert isinstance(
        trusted['message_hub']['log_scalars']['train/loss'], HistoryBuffer
    )
    # The converter: the trusted old file, rewritten plain, loads safely
    # and holds the same.
    new = tmp_path / 'new.pth'
    out = subprocess.run(
        [sys.executable, 'tools/convert_checkpoint.py', str(old), str(new)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f'Wrote {new}' in out
    assert torch.serialization.get_unsafe_globals_in_checkpoint(str(new)) == []
    assert_same(
        load_checkpoint_file(old, trust=True),
        {k: v for k, v in load_checkpoint_file(new).items()},
        'converted',
    )


def test_a_file_that_runs_code_is_refused_even_over_https(
    tmp_path, monkeypatch
):
    """http(s) checkpoints come from torch.hub's cache (where MMEngine
    puts them) and are loaded like local files, not with torch.hub's
    full-unpickling default."""
    monkeypatch.setenv('TORCH_HOME', str(tmp_path))
    cache = tmp_path / 'hub' / 'checkpoints'
    cache.mkdir(parents=True)
    marker = tmp_path / 'pwned'
    torch.save({'meta': RunsACommand(marker)}, cache / 'evil.pth')
    torch.save({'state_dict': {'w': torch.ones(2)}}, cache / 'plain.pth')
    with pytest.raises(
        UnsafeCheckpointError, match='evil.pth: holds posix.system'
    ):
        load_checkpoint_file('https://example.invalid/evil.pth')
    assert not marker.exists()
    plain = load_checkpoint_file('https://example.invalid/plain.pth')
    assert torch.equal(plain['state_dict']['w'], torch.ones(2))
    with pytest.raises(CheckpointError, match='empty'):
        (tmp_path / 'zero.pth').write_bytes(b'')
        load_checkpoint_file(tmp_path / 'zero.pth')


def test_pretrained_checkpoints_are_routed_through_safe_loading():
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Linear(2, 2))
    model[0].init_cfg = dict(
        type='Pretrained', checkpoint='torchvision://resnet50'
    )
    model[1].init_cfg = [
        dict(type='Pretrained', checkpoint='w.pth'),
        dict(type='Pretrained', checkpoint='trusted://t.pth'),
        dict(type='Pretrained', checkpoint='s3://b/w.pth'),
        dict(type='Pretrained', checkpoint='mmcls://vgg11'),
        dict(type='Kaiming'),
    ]
    changed = route_pretrained_through_safe_loading(model)
    assert changed == [
        ('0', 'torchvision://resnet50'),
        ('1', 'w.pth'),
        ('1', 'mmcls://vgg11'),
    ]
    assert model[0].init_cfg['checkpoint'] == 'safe://torchvision://resnet50'
    assert [c.get('checkpoint') for c in model[1].init_cfg] == [
        'safe://w.pth',
        'trusted://t.pth',
        's3://b/w.pth',
        'safe://mmcls://vgg11',
        None,
    ]
    # mmcls:// (MMEngine downloads it with full unpickling) is refused, and
    # a trusted:// path that reaches the reader from data opts in nothing.
    with pytest.raises(
        CheckpointError,
        match=r'mmcls://vgg11: safe loading '
        r'reads local files, http\(s\)',
    ):
        load_checkpoint_file('mmcls://vgg11')
    with pytest.raises(
        CheckpointError, match='trusted:// prefix is for init_cfg Pretrained'
    ):
        load_checkpoint_file('trusted:///tmp/x.pth')


IMPORT_PROBE = r"""
import copyreg, json, os, sys, warnings
import torch, torch.serialization
import mmengine.runner.checkpoint as ckpt
from mmengine.runner import CheckpointLoader
# What mmspml builds on, imported first: their own imports add safe globals
# (torch._dynamo's); only what mmspml adds is measured.
import mmpretrain.apis, mmpretrain.datasets, mmpretrain.engine
import mmpretrain.evaluation, mmpretrain.models, mmpretrain.visualization

def snapshot():
    return dict(
        safe_globals=sorted(map(str, torch.serialization.get_safe_globals())),
        copyreg=sorted(map(str, copyreg.dispatch_table)),
        load_url=repr(ckpt.load_url),
        loaders={k: f'{v.__module__}.{v.__name__}'
                 for k, v in CheckpointLoader._schemes.items()},
        warning_filters=len(warnings.filters),
        environ=sorted(os.environ))

before = snapshot()
import mmspml
after = snapshot()
print(json.dumps(dict(before=before, after=after)))
"""


def test_importing_mmspml_changes_nothing_but_the_registries(capsys):
    """torch's safe globals, copyreg's dispatch table, MMEngine's loaders
    (two new prefixes only), warning filters and the environment are the
    same after ``import mmspml`` as before it (a fresh process that has
    imported MMEngine and MMPretrain)."""
    out = subprocess.run(
        [sys.executable, '-c', IMPORT_PROBE],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    probe = json.loads(out.strip().splitlines()[-1])
    before, after = probe['before'], probe['after']
    with capsys.disabled():
        for key in before:
            what = (
                len(before[key])
                if isinstance(before[key], (list, dict))
                else before[key]
            )
            now = (
                len(after[key])
                if isinstance(after[key], (list, dict))
                else after[key]
            )
            print(f'\n  import mmspml: {key}: {what} -> {now}', end='')
    added = {
        k: v for k, v in after['loaders'].items() if k not in before['loaders']
    }
    assert sorted(added) == ['safe://', 'trusted://']
    after['loaders'] = {
        k: v for k, v in after['loaders'].items() if k not in added
    }
    assert after == before


PLAIN_MMENGINE = r"""
import sys
import torch
from mmengine.runner import load_checkpoint
model = torch.nn.Module()
model.w = torch.nn.Parameter(torch.zeros(2, 3))
checkpoint = load_checkpoint(model, sys.argv[1])
assert 'mmspml' not in sys.modules
print(model.w.sum().item(), checkpoint['meta']['mmspml_checkpoint_format'])
"""


def test_plain_mmengine_loads_an_mmspml_checkpoint_without_mmspml(tmp_path):
    path = tmp_path / 'plain.pth'
    checkpoint = hub_checkpoint('test_plain_mmengine')
    checkpoint['state_dict'] = {'w': torch.ones(2, 3)}
    torch.save(plain_checkpoint(checkpoint), path)
    out = subprocess.run(
        [sys.executable, '-c', PLAIN_MMENGINE, str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.split()[-2:] == ['6.0', '1']


def test_the_two_prefixes_load_through_mmengine(tmp_path):
    """``safe://`` (what SPMLRunner gives Pretrained checkpoints) refuses an
    old file; ``trusted://`` (the explicit opt-in) loads it."""
    from mmengine.runner import load_checkpoint

    plain = tmp_path / 'plain.pth'
    checkpoint = hub_checkpoint('test_plain_prefixes')
    checkpoint['state_dict'] = {
        'weight': torch.full((2, 2), 3.0),
        'bias': torch.ones(2),
    }
    torch.save(plain_checkpoint(checkpoint), plain)
    old = tmp_path / 'old.pth'
    save_as_mmengine_does(str(plain), str(old))
    model = torch.nn.Linear(2, 2)
    with pytest.raises(UnsafeCheckpointError, match=f'{old}: holds '):
        load_checkpoint(model, f'safe://{old}')
    load_checkpoint(model, f'trusted://{old}')
    assert torch.equal(model.weight, torch.full((2, 2), 3.0))
    model = torch.nn.Linear(2, 2)
    load_checkpoint(model, f'safe://{plain}')
    assert torch.equal(model.bias, torch.ones(2))


def test_resuming_never_deletes_or_loads_a_path_outside_the_run(tmp_path):
    """MMEngine's checkpoint hook deletes ``best_ckpt`` when a better epoch
    comes: a path outside the run is forgotten, one with a scheme refused,
    Python source in meta.config refused."""

    class Logger:
        messages = []

        def warning(self, message):
            self.messages.append(message)

    outside = tmp_path / 'precious.txt'
    outside.write_text('keep me')
    work = tmp_path / 'work'
    work.mkdir()

    def checkpoint(**info):
        return {
            'meta': {'epoch': 1, 'iter': 1},
            'message_hub': {
                'log_scalars': {},
                'resumed_keys': {},
                'runtime_info': dict(info),
            },
        }

    logger = Logger()
    ckpt = checkpoint(
        best_ckpt=str(outside),
        best_score=1.0,
        last_ckpt=str(work / 'epoch_1.pth'),
    )
    check_resume_state(
        ckpt, str(work / 'epoch_1.pth'), str(work), False, logger
    )
    info = ckpt['message_hub']['runtime_info']
    assert 'best_ckpt' not in info and info['last_ckpt'] == str(
        work / 'epoch_1.pth'
    )
    assert 'ignored runtime_info' in logger.messages[0]
    with pytest.raises(
        CheckpointError,
        match=r"runtime_info\['best_ckpt'\] "
        r"is 'trusted:///x.pth'",
    ):
        check_resume_state(
            checkpoint(best_ckpt='trusted:///x.pth'),
            str(work / 'e.pth'),
            str(work),
            False,
            logger,
        )
    bad = checkpoint()
    bad['meta']['config'] = "__import__('os').system('id')"
    with pytest.raises(CheckpointError, match='meta.config is Python'):
        check_resume_state(bad, str(work / 'e.pth'), str(work), False, logger)
    assert outside.read_text() == 'keep me'
