"""The search space: dotted config keys mapped to distributions.

A space file (YAML or JSON) maps each key to a spec::

    model.head.loss.q_pos: {type: float, low: 0.001, high: 0.5, log: true}
    model.head.loss.beta.1: {type: float, low: 0.5, high: 4}
    train_dataloader.batch_size: {type: int, low: 16, high: 64, step: 16}
    model.head.loss.schedule: {type: categorical, choices: [reference, exact]}

An integer component indexes a list or tuple (``beta.1`` is ``wT`` of GR's
``[w0, wT, b0, bT]``). A key that the config leaves to the default of the
class its dict builds (``GRLoss``'s ``beta`` when the config writes only
``type='GRLoss'``) is valid too: its value starts from that default.
"""

import json
import math
import os.path as osp
from typing import Any, Dict, Optional

from mmengine.config import Config

from .config_keys import lookup

SPEC_FIELDS = dict(
    float={'type', 'low', 'high', 'log', 'step'},
    int={'type', 'low', 'high', 'log', 'step'},
    categorical={'type', 'choices'},
)

# GR's schedules, q values and the learning rate, around their defaults
# (beta [0, 2, -2, -2], alpha [0.5, 2, 0.8, 0.5], q_pos 0.01, q_neg 1,
# the demo's lr 1e-3); docs/tuning.md explains each range.
GR_DEFAULT_SPACE = {
    'model.head.loss.beta.1': dict(type='float', low=0.5, high=4.0),
    'model.head.loss.beta.3': dict(type='float', low=-4.0, high=0.0),
    'model.head.loss.alpha.0': dict(type='float', low=0.2, high=0.8),
    'model.head.loss.alpha.2': dict(type='float', low=0.5, high=0.95),
    'model.head.loss.alpha.3': dict(type='float', low=0.1, high=1.5),
    'model.head.loss.q_pos': dict(type='float', low=0.001, high=0.5, log=True),
    'model.head.loss.q_neg': dict(type='float', low=0.2, high=1.0),
    'optim_wrapper.optimizer.lr': dict(
        type='float', low=1e-4, high=3e-3, log=True
    ),
}


class SearchSpaceError(ValueError):
    """A search space that cannot be used: an unknown key, an index out of
    range or a bad distribution spec. The message names the file and key.

    Args:
        message (str): What is wrong and what was expected.
    """

    def __init__(self, message: str):
        super().__init__(message)


def load_space(path: str) -> Dict[str, dict]:
    """Read a space file: YAML (``.yaml``, ``.yml``) or JSON (``.json``).

    Args:
        path (str): The file.

    Returns:
        dict: Dotted key -> distribution spec, checked by
        :func:`check_spec`.

    Raises:
        FileNotFoundError: No such file.
        SearchSpaceError: The file is not a mapping of keys to specs.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'--space {path}: no such file')
    ext = osp.splitext(path)[1].lower()
    with open(path) as f:
        text = f.read()
    try:
        if ext == '.json':
            data = json.loads(text)
        elif ext in ('.yaml', '.yml'):
            import yaml

            data = yaml.safe_load(text)
        else:
            raise SearchSpaceError(
                f'--space {path}: expected a .yaml, .yml or .json file'
            )
    except (ValueError, ImportError) as err:
        if isinstance(err, SearchSpaceError):
            raise
        raise SearchSpaceError(f'--space {path}: cannot parse: {err}') from err
    except Exception as err:  # yaml.YAMLError
        raise SearchSpaceError(f'--space {path}: cannot parse: {err}') from err
    if not isinstance(data, dict) or not data:
        raise SearchSpaceError(
            f'--space {path}: expected a non-empty mapping of dotted config '
            'keys to distributions, e.g. "model.head.loss.q_pos: {type: '
            'float, low: 0.001, high: 0.5, log: true}"'
        )
    for key, spec in data.items():
        check_spec(str(key), spec, path)
    return {str(k): dict(v) for k, v in data.items()}


def check_spec(key: str, spec: Any, source: str = 'space') -> None:
    """Check one distribution spec.

    Args:
        key (str): Its dotted config key (for the message).
        spec (Any): The spec: a dict with ``type`` float / int (``low``,
            ``high``, optional ``log`` and ``step``) or categorical
            (``choices``).
        source (str): Where the spec comes from, for the message. Defaults
            to ``'space'``.

    Raises:
        SearchSpaceError: The spec is not one of those.
    """
    where = f'{source}: {key}'
    if not isinstance(spec, dict) or spec.get('type') not in SPEC_FIELDS:
        raise SearchSpaceError(
            f'{where}: expected a mapping with type float, int or '
            f'categorical; got {spec!r}'
        )
    kind = spec['type']
    extra = set(spec) - SPEC_FIELDS[kind]
    if extra:
        raise SearchSpaceError(
            f'{where}: unknown field(s) {sorted(extra)} for type {kind}; '
            f'expected {sorted(SPEC_FIELDS[kind])}'
        )
    if kind == 'categorical':
        choices = spec.get('choices')
        if not isinstance(choices, list) or not choices:
            raise SearchSpaceError(
                f'{where}: categorical needs a non-empty list "choices"; got '
                f'{choices!r}'
            )
        return
    number = int if kind == 'int' else (int, float)
    for field in ('low', 'high'):
        value = spec.get(field)
        if isinstance(value, bool) or not isinstance(value, number):
            hint = (
                ' (YAML reads 1e-4 as text: write 1.0e-4)'
                if isinstance(value, str)
                else ''
            )
            raise SearchSpaceError(
                f'{where}: {kind} needs a {kind} "{field}"; got {value!r}'
                + hint
            )
        if not math.isfinite(value):
            raise SearchSpaceError(f'{where}: {field} must be finite')
    if spec['low'] > spec['high']:
        raise SearchSpaceError(
            f'{where}: low {spec["low"]} is above high {spec["high"]}'
        )
    if spec.get('log', False) not in (True, False):
        raise SearchSpaceError(f'{where}: log must be true or false')
    if spec.get('log') and spec['low'] <= 0:
        raise SearchSpaceError(
            f'{where}: a log scale needs low > 0; got {spec["low"]}'
        )
    step = spec.get('step')
    if step is not None:
        if isinstance(step, bool) or not isinstance(step, number) or step <= 0:
            raise SearchSpaceError(
                f'{where}: step must be a positive {kind}; got {step!r}'
            )
        if spec.get('log'):
            raise SearchSpaceError(f'{where}: step and log exclude each other')


def default_space(cfg: Config) -> Dict[str, dict]:
    """The built-in space of the config's loss (GR only).

    Args:
        cfg (Config): The loaded config.

    Returns:
        dict: A copy of :data:`GR_DEFAULT_SPACE`.

    Raises:
        SearchSpaceError: The loss is not GR: it has no built-in space.
    """
    loss = cfg.get('model', {}).get('head', {}).get('loss', {}) or {}
    loss_type = loss.get('type') if isinstance(loss, dict) else None
    if loss_type == 'GRLoss':
        return {k: dict(v) for k, v in GR_DEFAULT_SPACE.items()}
    raise SearchSpaceError(
        f'No built-in search space for model.head.loss.type {loss_type!r} '
        '(only GRLoss has one); pass --space FILE (docs/tuning.md)'
    )


def check_space(
    space: Dict[str, dict], cfg: Config, source: str = 'space'
) -> Dict[str, Any]:
    """Check every key of ``space`` against ``cfg`` and every spec.

    Args:
        space (dict): Dotted key -> distribution spec.
        cfg (Config): The config the trials will run.
        source (str): Where the space comes from, for the messages.
            Defaults to ``'space'``.

    Returns:
        dict: Dotted key -> its current value (the config's, or the default
        of the class its dict builds).

    Raises:
        SearchSpaceError: A bad spec, a key that does not exist (the message
            names the nearest existing key) or an index out of range.
    """
    current = {}
    for key, spec in space.items():
        check_spec(key, spec, source)
        try:
            current[key] = lookup(cfg, key)
        except KeyError as err:
            raise SearchSpaceError(f'{source}: {err.args[0]}') from err
    return current


def suggest(trial, space: Dict[str, dict]) -> Dict[str, Any]:
    """Draw the values of one trial.

    Args:
        trial (optuna.trial.Trial): The trial.
        space (dict): Dotted key -> distribution spec.

    Returns:
        dict: Dotted key -> the trial's value (plain Python types).
    """
    values = {}
    for key, spec in space.items():
        kind = spec['type']
        if kind == 'categorical':
            values[key] = trial.suggest_categorical(key, spec['choices'])
            continue
        options = dict(log=bool(spec.get('log', False)))
        if spec.get('step') is not None:
            options['step'] = spec['step']
        if kind == 'int':
            values[key] = int(
                trial.suggest_int(key, spec['low'], spec['high'], **options)
            )
        else:
            values[key] = float(
                trial.suggest_float(
                    key, float(spec['low']), float(spec['high']), **options
                )
            )
    return values


def describe_space(space: Dict[str, dict], source: Optional[str]) -> str:
    """One line per key, for the log.

    Args:
        space (dict): Dotted key -> distribution spec.
        source (str, optional): The space file, or None for the built-in
            one.

    Returns:
        str: The text.
    """
    lines = [f'Search space ({source or "built-in GR space"}):']
    for key, spec in space.items():
        rest = {k: v for k, v in spec.items() if k != 'type'}
        lines.append(f'  {key}: {spec["type"]} {rest}')
    return '\n'.join(lines)
