"""Dotted keys of a config: look one up, list them all, set tuned values.

``model.head.loss.beta.1`` walks dicts by name and lists by index. A name
that the config does not write but the class its dict builds takes as an
argument with a default (``beta`` of ``dict(type='GRLoss')``) resolves to
that default.
"""

import copy
import difflib
import inspect
import pprint
from typing import Any, Dict, List, Tuple

from mmengine.config import Config

_MISSING = object()


def _plain(value: Any) -> Any:
    """Config dicts and tuples as plain dicts and lists."""
    if isinstance(value, Config):
        value = value.to_dict()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _registries(first: str) -> list:
    from mmpretrain import registry

    names = dict(
        model=['MODELS'],
        optim_wrapper=['OPTIMIZERS', 'OPTIM_WRAPPERS'],
        param_scheduler=['PARAM_SCHEDULERS'],
    ).get(first, [])
    names += [
        'MODELS',
        'DATASETS',
        'TRANSFORMS',
        'DATA_SAMPLERS',
        'HOOKS',
        'METRICS',
        'OPTIMIZERS',
        'OPTIM_WRAPPERS',
        'PARAM_SCHEDULERS',
    ]
    return [getattr(registry, n) for n in names if hasattr(registry, n)]


def class_defaults(node: dict, first: str) -> Dict[str, Any]:
    """The arguments with defaults of the class that ``node`` builds.

    Args:
        node (dict): A config dict; only one with a ``type`` builds a class.
        first (str): The top-level key it sits under (``model`` looks in
            MODELS first).

    Returns:
        dict: Argument name -> default; empty when ``node`` has no type or
        its type is not registered.
    """
    kind = node.get('type') if isinstance(node, dict) else None
    if kind is None:
        return {}
    found = kind if not isinstance(kind, str) else None
    if found is None:
        import mmspml  # noqa: F401  (registers mmspml's classes)

        for registry in _registries(first):
            try:
                found = registry.get(kind)
            except Exception:  # a registry that cannot import its scope
                found = None
            if found is not None:
                break
    if found is None:
        return {}
    try:
        target = found.__init__ if inspect.isclass(found) else found
        params = inspect.signature(target).parameters.values()
    except (TypeError, ValueError):
        return {}
    return {
        p.name: p.default
        for p in params
        if p.default is not inspect.Parameter.empty
    }


def all_keys(cfg: Any, prefix: str = '') -> List[str]:
    """Every dotted key of ``cfg``: dict entries and list items, inner
    nodes included.

    Args:
        cfg (Any): A config, dict or list.
        prefix (str): Dotted path of ``cfg``. Defaults to ''.

    Returns:
        list[str]: The keys.
    """
    node = cfg.to_dict() if isinstance(cfg, Config) else cfg
    keys = []
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, (list, tuple)):
        items = enumerate(node)
    else:
        return keys
    for name, value in items:
        key = f'{prefix}{name}'
        keys.append(key)
        keys += all_keys(value, key + '.')
    return keys


def _unknown(cfg: Config, key: str, node: dict, where: str) -> str:
    first = key.split('.')[0]
    candidates = all_keys(cfg) + [
        f'{where}.{name}' if where else name
        for name in class_defaults(node, first)
    ]
    near = difflib.get_close_matches(key, candidates, n=1, cutoff=0.3)
    hint = f'; the nearest existing key is {near[0]!r}' if near else ''
    return f'{key!r} is not a key of the config{hint}'


def _walk(cfg: Config, key: str) -> List[Tuple[str, Any]]:
    """The (dotted path, value) of every node along ``key``."""
    parts = key.split('.')
    node = cfg.to_dict() if isinstance(cfg, Config) else cfg
    path, seen = '', [('', node)]
    for part in parts:
        where = path
        path = f'{path}.{part}' if path else part
        if isinstance(node, dict):
            if part in node:
                node = node[part]
            else:
                found = class_defaults(node, parts[0]).get(part, _MISSING)
                if found is _MISSING:
                    raise KeyError(_unknown(cfg, key, node, where))
                node = found
        elif isinstance(node, (list, tuple)):
            if not part.isdigit():
                raise KeyError(
                    f'{key!r}: {where} is a list; expected an index from 0 '
                    f'to {len(node) - 1}, got {part!r}'
                )
            if int(part) >= len(node):
                raise KeyError(
                    f'{key!r}: index {part} is out of range: {where} has '
                    f'{len(node)} items (0 to {len(node) - 1})'
                )
            node = node[int(part)]
        else:
            raise KeyError(
                f'{key!r}: {where} is the value {node!r}, not a dict or list'
            )
        seen.append((path, node))
    return seen


def lookup(cfg: Config, key: str) -> Any:
    """The value of a dotted key.

    Args:
        cfg (Config): The config.
        key (str): A dotted key such as ``model.head.loss.beta.1``.

    Returns:
        Any: Its value (the class default when the config leaves it out).

    Raises:
        KeyError: The key does not exist (the message names the nearest
            key), an index is out of range, or the key names a dict.
    """
    value = _walk(cfg, key)[-1][1]
    if isinstance(value, dict):
        raise KeyError(
            f'{key!r} is a dict, not a value; name one of its keys, e.g. '
            f'{key}.{next(iter(value), "...")}'
        )
    return value


def overrides(cfg: Config, values: Dict[str, Any]) -> Dict[str, Any]:
    """The flat overrides that set ``values``: a key inside a list becomes
    the whole list (from the config or the class default) with its tuned
    items replaced, as a config's ``_base_`` merge replaces lists whole.

    Args:
        cfg (Config): The config.
        values (dict): Dotted key -> value.

    Returns:
        dict: Dotted key (no list index) -> value, for
        ``Config.merge_from_dict``.
    """
    flat: Dict[str, Any] = {}
    for key, value in values.items():
        nodes = _walk(cfg, key)
        lists = [
            i
            for i, (_, n) in enumerate(nodes[:-1])
            if isinstance(n, (list, tuple))
        ]
        if not lists:
            flat[key] = value
            continue
        first = min(lists)
        path = nodes[first][0]
        whole = flat.setdefault(path, _plain(copy.deepcopy(nodes[first][1])))
        rest = key[len(path) + 1 :].split('.')
        target = whole
        for part in rest[:-1]:
            target = target[int(part) if isinstance(target, list) else part]
        last = rest[-1]
        target[int(last) if isinstance(target, list) else last] = value
    return flat


def nested(flat: Dict[str, Any]) -> Dict[str, Any]:
    """Flat dotted overrides as nested dicts.

    Args:
        flat (dict): Dotted key -> value, as :func:`overrides` gives.

    Returns:
        dict: The same settings nested by key component.
    """
    tree: Dict[str, Any] = {}
    for key, value in flat.items():
        node = tree
        parts = key.split('.')
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = _plain(value)
    return tree


def config_text(base: str, flat: Dict[str, Any], header: str = '') -> str:
    """A config file that inherits ``base`` and sets ``flat``.

    Args:
        base (str): Absolute path of the config to inherit.
        flat (dict): Dotted overrides, as :func:`overrides` gives.
        header (str): Comment lines to start with. Defaults to ''.

    Returns:
        str: The file's text.
    """
    lines = [f'# {line}' for line in header.splitlines()]
    lines.append(f'_base_ = [{base!r}]')
    for name, value in nested(flat).items():
        text = pprint.pformat(value, width=72, sort_dicts=False)
        lines.append(f'{name} = {text}')
    return '\n'.join(lines) + '\n'
