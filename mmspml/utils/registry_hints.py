"""Say which registered names are close when a config's ``type`` is not
registered (``GRLos`` -> ``GRLoss``)."""

import contextlib
import difflib
import re

from mmengine.registry import Registry

_NOT_REGISTERED = re.compile(
    r'(?P<name>[\w.-]+) is not in the (?:\w+::)?'
    r'(?P<registry>[\w ]+?) registry'
)


def _registries(name: str):
    """Every Registry called ``name`` in mmengine's and mmpretrain's
    registry modules (mmpretrain's are children of mmengine's)."""
    import mmengine.registry as root
    import mmpretrain.registry as child

    for module in (child, root):
        for value in vars(module).values():
            if isinstance(value, Registry) and value.name == name:
                yield value


def close_registered_names(name: str, registry: str, limit: int = 3):
    """Registered names of ``registry`` (e.g. ``'model'``) close to
    ``name``.

    Args:
        name (str): The name that is not registered.
        registry (str): The registry's name; every registry of that name in
            mmpretrain and mmengine (and its parent) is searched.
        limit (int): The most names given. Defaults to 3.

    Returns:
        list[str]: The close names (``difflib`` similarity of at least
        0.6), closest first; empty when none is close.
    """
    known = set()
    for reg in _registries(registry):
        known.update(reg.module_dict)
        if reg.parent is not None:
            known.update(reg.parent.module_dict)
    return difflib.get_close_matches(name, sorted(known), n=limit, cutoff=0.6)


@contextlib.contextmanager
def suggest_registered_names():
    """Re-raise MMEngine's "X is not in the ... registry" ``KeyError`` with
    the closest registered names.

    Any other error, another ``KeyError`` included, passes through
    unchanged.

    Yields:
        None: The block (a build from a config) runs once.

    Raises:
        KeyError: The block raised MMEngine's "not in the registry" error;
            the new message names the close registered names (or says
            there are none) and quotes MMEngine's.
    """
    try:
        yield
    except KeyError as err:
        message = str(err.args[0]) if err.args else ''
        match = _NOT_REGISTERED.search(message)
        if not match:
            raise
        close = close_registered_names(match['name'], match['registry'])
        hint = (
            f'did you mean {" or ".join(repr(c) for c in close)}?'
            if close
            else 'no registered name is close to it.'
        )
        raise KeyError(
            f'{match["name"]!r} is not a registered '
            f'{match["registry"]} type: {hint} (configs need '
            "custom_imports=dict(imports=['mmspml']) for mmspml's "
            f'types.) MMEngine said: {message}'
        ) from None
