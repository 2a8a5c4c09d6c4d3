"""The search space: every key and spec is checked before any trial."""

import json
import sys

import pytest
from mmengine.config import Config

from mmspml.tuning import (
    GR_DEFAULT_SPACE,
    SearchSpaceError,
    check_space,
    default_space,
    load_space,
    lookup,
    overrides,
)
from mmspml.tuning.config_keys import config_text
from mmspml.utils.config_names import load_config
from tests.helpers.paths import config_file


@pytest.fixture(scope='module')
def gr_cfg():
    return load_config(config_file('gr', 'demo'))


def check(space, cfg):
    with pytest.raises(SearchSpaceError) as err:
        check_space(space, cfg)
    return str(err.value)


def test_unknown_key_names_it_and_the_nearest(gr_cfg):
    spec = dict(type='float', low=0.1, high=1)
    message = check({'model.head.loss.q_poss': spec}, gr_cfg)
    assert "'model.head.loss.q_poss'" in message
    assert "nearest existing key is 'model.head.loss.q_pos'" in message
    message = check({'optim_wrapper.optimizer.lrr': spec}, gr_cfg)
    assert "'optim_wrapper.optimizer.lr'" in message


def test_index_out_of_range(gr_cfg):
    spec = dict(type='float', low=0.1, high=1)
    message = check({'model.head.loss.beta.4': spec}, gr_cfg)
    assert 'index 4 is out of range' in message
    assert 'model.head.loss.beta has 4 items' in message
    message = check({'model.head.loss.alpha.x': spec}, gr_cfg)
    assert 'is a list; expected an index' in message


@pytest.mark.parametrize(
    'spec,expected',
    [
        (dict(type='uniform', low=0, high=1), 'type float, int or'),
        (dict(type='float', low=1, high=0.5), 'low 1 is above high 0.5'),
        (dict(type='float', low=0, high=1, log=True), 'log scale needs'),
        (dict(type='float', high=1), 'needs a float "low"'),
        (dict(type='int', low=0.5, high=3), 'needs a int "low"'),
        (dict(type='categorical', choices=[]), 'non-empty list'),
        (dict(type='float', low=0, high=1, lg=1), "unknown field(s) ['lg']"),
        ([0, 1], 'expected a mapping'),
    ],
)
def test_bad_distribution_spec(gr_cfg, spec, expected):
    message = check({'model.head.loss.q_pos': spec}, gr_cfg)
    assert 'model.head.loss.q_pos' in message
    assert expected in message


def test_gr_default_space_resolves_class_defaults(gr_cfg):
    # The GR configs write only type='GRLoss': beta and alpha come from the
    # class defaults.
    space = default_space(gr_cfg)
    assert space == GR_DEFAULT_SPACE
    current = check_space(space, gr_cfg)
    assert current['model.head.loss.beta.1'] == 2.0
    assert current['model.head.loss.alpha.3'] == 0.5
    assert current['optim_wrapper.optimizer.lr'] == 1e-3
    for key, spec in space.items():
        assert spec['low'] <= current[key] <= spec['high'], key


def test_other_losses_need_a_space():
    cfg = load_config(config_file('an', 'demo'))
    with pytest.raises(SearchSpaceError, match='pass --space FILE'):
        default_space(cfg)


def test_space_files(tmp_path):
    good = {'model.head.loss.q_pos': dict(type='float', low=0.01, high=1)}
    (tmp_path / 's.json').write_text(json.dumps(good))
    assert load_space(str(tmp_path / 's.json')) == good
    (tmp_path / 's.yaml').write_text(
        'model.head.loss.schedule: {type: categorical, '
        'choices: [reference, exact]}\n'
    )
    space = load_space(str(tmp_path / 's.yaml'))
    assert space['model.head.loss.schedule']['choices'] == [
        'reference',
        'exact',
    ]
    (tmp_path / 'bad.yaml').write_text('a: [1, 2\n')
    with pytest.raises(SearchSpaceError, match='bad.yaml: cannot parse'):
        load_space(str(tmp_path / 'bad.yaml'))
    (tmp_path / 'list.yaml').write_text('- 1\n')
    with pytest.raises(SearchSpaceError, match='non-empty mapping'):
        load_space(str(tmp_path / 'list.yaml'))
    (tmp_path / 's.txt').write_text('{}')
    with pytest.raises(SearchSpaceError, match='.yaml, .yml or .json'):
        load_space(str(tmp_path / 's.txt'))
    with pytest.raises(FileNotFoundError, match='--space'):
        load_space(str(tmp_path / 'missing.yaml'))


def test_best_config_sets_values_and_keeps_the_rest(gr_cfg, tmp_path):
    values = {
        'model.head.loss.beta.1': 3.0,
        'model.head.loss.beta.3': -1.0,
        'model.head.loss.q_pos': 0.2,
        'optim_wrapper.optimizer.lr': 2e-3,
    }
    path = tmp_path / 'best.py'
    path.write_text(
        config_text(config_file('gr', 'demo'), overrides(gr_cfg, values))
    )
    best = Config.fromfile(str(path))
    for key, value in values.items():
        assert lookup(best, key) == value
    assert list(best.model.head.loss.beta) == [0.0, 3.0, -2.0, -1.0]
    expected = gr_cfg.to_dict()
    expected['model']['head']['loss'].update(
        beta=[0.0, 3.0, -2.0, -1.0], q_pos=0.2
    )
    expected['optim_wrapper']['optimizer']['lr'] = 2e-3
    got = best.to_dict()
    got.pop('_base_', None)
    assert got == expected


def test_yaml_exponent_without_a_dot_is_explained(tmp_path, gr_cfg):
    (tmp_path / 's.yaml').write_text(
        'optim_wrapper.optimizer.lr: {type: float, low: 1e-4, high: 1.0e-2}\n'
    )
    with pytest.raises(SearchSpaceError, match='write 1.0e-4'):
        load_space(str(tmp_path / 's.yaml'))


def test_without_optuna_the_error_says_how_to_install(monkeypatch):
    from mmspml.engine.hooks import OptunaPruningHook
    from mmspml.tuning import import_optuna

    monkeypatch.setitem(sys.modules, 'optuna', None)
    with pytest.raises(ImportError, match='requirements/tune.txt'):
        import_optuna()
    with pytest.raises(KeyError, match='added by tools/tune.py'):
        OptunaPruningHook(trial='optuna-trial:0:0')
