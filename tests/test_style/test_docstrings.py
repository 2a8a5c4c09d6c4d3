"""Every public function, method and class of the package documents what it
takes and gives (Google style, as MMEngine and MMPretrain write it):

- a docstring;
- ``Args:`` naming every parameter (``*args`` / ``**kwargs`` too), for a
  class those of its ``__init__``;
- ``Returns:`` (or ``Yields:``) when it returns a value.

A method that overrides one of a base class (MMEngine's hooks, ``forward``,
a dataset's ``load_data_list``...) keeps the contract its base documents
and is not checked again. Private names (``_x``) are not checked.
"""

import ast
import importlib
import inspect
import pkgutil
import re
import sys
import textwrap

import pytest

import mmspml


def public_modules():
    for info in pkgutil.walk_packages(mmspml.__path__, 'mmspml.'):
        if not any(part.startswith('_') for part in info.name.split('.')):
            yield importlib.import_module(info.name)


def own_members(module):
    """Public functions and classes defined in ``module`` (not imported)."""
    for name, obj in vars(module).items():
        if (
            name.startswith('_')
            or getattr(obj, '__module__', None) != module.__name__
        ):
            continue
        if inspect.isfunction(obj) or inspect.isclass(obj):
            yield name, obj


def parameters(func):
    """Names a docstring must describe (no self / cls)."""
    names = []
    for param in inspect.signature(func).parameters.values():
        if param.name in ('self', 'cls'):
            continue
        prefix = {param.VAR_POSITIONAL: '*', param.VAR_KEYWORD: '**'}.get(
            param.kind, ''
        )
        names.append(prefix + param.name)
    return names


def returns_value(func):
    """Whether the function's own body returns a value or yields."""
    try:
        source = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError):
        return False
    tree = ast.parse(source).body[0]

    def walk(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(
                child,
                (
                    ast.FunctionDef,
                    ast.AsyncFunctionDef,
                    ast.Lambda,
                    ast.ClassDef,
                ),
            ):
                continue
            if isinstance(child, (ast.Yield, ast.YieldFrom)):
                return True
            if (
                isinstance(child, ast.Return)
                and child.value is not None
                and not (
                    isinstance(child.value, ast.Constant)
                    and child.value.value is None
                )
            ):
                return True
            if walk(child):
                return True
        return False

    return walk(tree)


def args_section(doc):
    match = re.search(
        r'^\s*Args:\s*$(.*?)(?=^\s*[A-Z][A-Za-z ]*:\s*$|\Z)', doc, re.M | re.S
    )
    return match.group(1) if match else None


def problems_of(where, func, doc, check_returns=True):
    found = []
    if not doc:
        return [f'{where}: no docstring']
    names = parameters(func)
    if names:
        section = args_section(doc)
        if section is None:
            found.append(f'{where}: no Args: for {names}')
        else:
            missing = [
                n
                for n in names
                if not re.search(rf'^\s*{re.escape(n)}\b', section, re.M)
            ]
            if missing:
                found.append(f'{where}: Args: lacks {missing}')
    if (
        check_returns
        and returns_value(func)
        and not re.search(r'^\s*(Returns|Yields):', doc, re.M)
    ):
        found.append(f'{where}: no Returns:')
    return found


def inherited(cls, name):
    return any(name in vars(base) for base in cls.__mro__[1:])


def docstring_problems():
    problems = []
    for module in public_modules():
        for name, obj in own_members(module):
            where = f'{module.__name__}.{name}'
            if inspect.isfunction(obj):
                problems += problems_of(where, obj, obj.__doc__)
                continue
            init = vars(obj).get('__init__')
            if (
                init is not None
                and not inherited(obj, '__init__')
                or init is not None
                and obj.__doc__
            ):
                problems += problems_of(
                    where, init, obj.__doc__, check_returns=False
                )
            elif not obj.__doc__:
                problems.append(f'{where}: no docstring')
            for attr, value in vars(obj).items():
                if attr.startswith('_') or inherited(obj, attr):
                    continue
                func = (
                    value.__func__
                    if isinstance(value, (staticmethod, classmethod))
                    else value
                )
                if inspect.isfunction(func):
                    problems += problems_of(
                        f'{where}.{attr}', func, func.__doc__
                    )
    return problems


def test_every_public_docstring_has_args_and_returns():
    problems = docstring_problems()
    assert not problems, (
        f'{len(problems)} docstrings to complete:\n' + '\n'.join(problems)
    )


@pytest.mark.parametrize(
    'source,expected',
    [
        (
            'def f(a, b):\n    """Add.\n\n    Args:\n        a (int): x.\n'
            '    """\n    return a + b\n',
            ["Args: lacks ['b']", 'no Returns:'],
        ),
        (
            'def f(*args, **kwargs):\n    """Call.\n\n    Args:\n'
            '        *args: x.\n        **kwargs: y.\n    """\n',
            [],
        ),
        ('def f(a):\n    return a\n', ['no docstring']),
        (
            'def f():\n    """Numbers.\n\n    Yields:\n        int: 1.\n'
            '    """\n    yield 1\n',
            [],
        ),
    ],
)
def test_the_check_finds_what_is_missing(
    source, expected, tmp_path, monkeypatch
):
    (tmp_path / 'docstring_sample.py').write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, 'docstring_sample', raising=False)
    func = importlib.import_module('docstring_sample').f
    found = problems_of('f', func, func.__doc__)
    assert [p.split(': ', 1)[1] for p in found] == expected
