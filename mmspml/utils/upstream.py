"""The protected names of MMEngine, MMPretrain and torch that mmspml still
relies on, where no public extension point does the job, and the check
that they are still there (``docs/compatibility.md``).

Each entry names the upstream object, the attribute mmspml reads or
overrides, what for, and the releases it was verified on. The test
``tests/test_utils/test_upstream.py`` fails when one of them disappears or
changes its signature, so an upstream release that breaks mmspml is caught
by the test suite rather than by a user.
"""

import inspect
import warnings
from typing import Dict, List, NamedTuple, Optional, Tuple

# The oldest and newest releases the protected uses below were verified on
# (requirements/oldest.txt and requirements/constraints.txt).
VERIFIED_RELEASES: Dict[str, Tuple[str, str]] = {
    'mmengine': ('0.10.0', '0.10.7'),
    'mmpretrain': ('1.1.0', '1.2.0'),
    'torch': ('2.9.1', '2.14.1'),
}


class ProtectedUse(NamedTuple):
    """One protected upstream name that mmspml uses.

    Args:
        owner (str): Dotted path of the upstream class.
        name (str): The attribute or method.
        kind (str): ``'override'`` (mmspml defines it in a subclass) or
            ``'read'`` (mmspml reads or sets it).
        why (str): What mmspml needs it for.
        params (tuple, optional): For a method, its parameter names as
            verified. Defaults to None (an attribute).
    """

    owner: str
    name: str
    kind: str
    why: str
    params: Optional[Tuple[str, ...]] = None


PROTECTED_USES = (
    ProtectedUse(
        'mmengine.runner.Runner',
        '_init_model_weights',
        'override',
        'turn a failed pretrained download into a hint',
        ('self',),
    ),
    ProtectedUse(
        'mmengine.runner.Runner',
        '_log_env',
        'override',
        'one console line instead of the environment dump',
        ('self', 'env_cfg'),
    ),
    ProtectedUse(
        'mmengine.runner.Runner',
        '_has_loaded',
        'read',
        'load_checkpoint tells load_or_resume it has loaded',
    ),
    ProtectedUse(
        'mmengine.runner.Runner',
        '_resume',
        'read',
        '--resume without a checkpoint picks the newest complete',
    ),
    ProtectedUse(
        'mmengine.runner.Runner',
        '_load_from',
        'read',
        '--resume without a checkpoint picks the newest complete',
    ),
    ProtectedUse(
        'mmengine.infer.BaseInferencer',
        '_init_pipeline',
        'override',
        'the abstract method subclasses implement',
        ('self', 'cfg'),
    ),
    ProtectedUse(
        'mmengine.infer.BaseInferencer',
        '_inputs_to_list',
        'override',
        'accept numpy images and paths alike',
        ('self', 'inputs'),
    ),
    ProtectedUse(
        'mmengine.infer.BaseInferencer',
        '_dispatch_kwargs',
        'read',
        'split keyword arguments as the parent does',
        ('self', 'kwargs'),
    ),
    ProtectedUse(
        'mmengine.dataset.BaseDataset',
        '_metainfo',
        'read',
        'class names found in the annotation file',
    ),
    ProtectedUse(
        'mmengine.dataset.BaseDataset',
        '_fully_initialized',
        'read',
        'lazy_init datasets',
    ),
    ProtectedUse(
        'mmengine.dataset.BaseDataset',
        '_indices',
        'read',
        'the indices option of a dataset',
    ),
    ProtectedUse(
        'mmpretrain.models.utils.ClsDataPreprocessor',
        '_enable_normalize',
        'read',
        'the ONNX graph normalises exactly when the preprocessor does',
    ),
)


def _resolve(dotted: str):
    module, _, name = dotted.rpartition('.')
    return getattr(__import__(module, fromlist=[name]), name)


def _instance_attributes(cls) -> set:
    """Attribute names ``cls.__init__`` (and the methods it defines) sets
    on ``self``, read from the source."""
    names = set()
    for klass in cls.__mro__:
        try:
            source = inspect.getsource(klass)
        except (OSError, TypeError):
            continue
        for part in source.split('self.')[1:]:
            word = ''
            for char in part:
                if not (char.isalnum() or char == '_'):
                    break
                word += char
            names.add(word)
    return names


def check_protected_uses() -> List[str]:
    """What no longer holds of :data:`PROTECTED_USES` in the installed
    releases.

    Returns:
        list[str]: One line per missing name or changed signature (empty
        when everything is as verified).
    """
    problems = []
    for use in PROTECTED_USES:
        owner = _resolve(use.owner)
        where = f'{use.owner}.{use.name}'
        if use.params is not None:
            method = getattr(owner, use.name, None)
            if method is None:
                problems.append(f'{where} is gone')
                continue
            params = tuple(
                p.name
                for p in inspect.signature(method).parameters.values()
                if p.kind is not p.VAR_KEYWORD
                or use.name == '_dispatch_kwargs'
            )
            if params != use.params:
                problems.append(
                    f'{where} takes {params}, verified with {use.params}'
                )
        elif not hasattr(
            owner, use.name
        ) and use.name not in _instance_attributes(owner):
            problems.append(f'{where} is no longer set by {use.owner}')
    return problems


def _release(version: str) -> Tuple[int, ...]:
    """``'2.14.1+cu130'`` -> ``(2, 14, 1)``."""
    parts = []
    for part in version.split('+')[0].split('.')[:3]:
        digits = ''.join(c for c in part if c.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def unverified_releases() -> List[str]:
    """The installed packages of :data:`VERIFIED_RELEASES` whose version is
    outside the verified range.

    Returns:
        list[str]: ``'<package> <version> (verified <oldest>-<newest>)'``
        for each, empty when every installed release was verified.
    """
    found = []
    for package, (oldest, newest) in VERIFIED_RELEASES.items():
        version = __import__(package).__version__
        if not _release(oldest) <= _release(version) <= _release(newest):
            found.append(f'{package} {version} (verified {oldest}-{newest})')
    return found


_GUARDED = []


def guard_protected_uses() -> None:
    """The version check behind every protected upstream name mmspml uses.

    On the verified releases it does nothing. On other releases it checks
    :data:`PROTECTED_USES` once per process: when one is gone or changed
    its signature, mmspml stops with an error that names it, rather than
    failing later inside MMEngine; otherwise it warns once that the
    releases were not verified.

    Raises:
        RuntimeError: An unverified release changed a protected name mmspml
            relies on.
    """
    if _GUARDED:
        return
    outside = unverified_releases()
    if outside:
        problems = check_protected_uses()
        if problems:
            raise RuntimeError(
                'mmspml relies on protected names of '
                + ', '.join(outside)
                + ' that changed: '
                + '; '.join(problems)
                + '. Install the versions of requirements/constraints.txt '
                '(docs/compatibility.md).'
            )
        warnings.warn(
            'mmspml was not verified with '
            + ', '.join(outside)
            + '; the protected upstream names it uses are still there '
            '(docs/compatibility.md).',
            stacklevel=2,
        )
    _GUARDED.append(True)
