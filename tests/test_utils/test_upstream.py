"""The protected upstream names mmspml relies on are all still there, with
the signatures they were verified with."""

import mmengine
import pytest

from mmspml.utils.upstream import (
    PROTECTED_USES,
    ProtectedUse,
    check_protected_uses,
)


def test_every_protected_upstream_name_is_as_verified():
    assert check_protected_uses() == [], mmengine.__version__


def test_the_check_catches_a_changed_signature(monkeypatch):
    changed = PROTECTED_USES + (
        ProtectedUse(
            'mmengine.runner.Runner',
            'load_or_resume',
            'override',
            'test',
            ('self', 'filename'),
        ),
        ProtectedUse(
            'mmengine.runner.Runner', '_no_such_attribute', 'read', 'test'
        ),
    )
    monkeypatch.setattr('mmspml.utils.upstream.PROTECTED_USES', changed)
    problems = check_protected_uses()
    assert problems == [
        "mmengine.runner.Runner.load_or_resume takes ('self',), verified "
        "with ('self', 'filename')",
        'mmengine.runner.Runner._no_such_attribute is no longer set by '
        'mmengine.runner.Runner',
    ]


def test_the_guard_checks_only_off_the_verified_releases(monkeypatch):
    from mmspml.utils import upstream

    monkeypatch.setattr(upstream, '_GUARDED', [])
    calls = []
    monkeypatch.setattr(
        upstream, 'check_protected_uses', lambda: calls.append(1) or []
    )
    upstream.guard_protected_uses()  # this stack was verified
    assert upstream.unverified_releases() == [] and calls == []

    monkeypatch.setattr(upstream, '_GUARDED', [])
    monkeypatch.setattr(mmengine, '__version__', '0.11.2')
    assert upstream.unverified_releases() == [
        'mmengine 0.11.2 (verified 0.10.0-0.10.7)'
    ]
    with pytest.warns(UserWarning, match='not verified with mmengine 0.11'):
        upstream.guard_protected_uses()
    assert calls == [1]


def test_the_guard_stops_when_an_unverified_release_changed_a_name(
    monkeypatch,
):
    from mmspml.utils import upstream

    monkeypatch.setattr(upstream, '_GUARDED', [])
    monkeypatch.setattr(mmengine, '__version__', '0.11.2')
    monkeypatch.setattr(
        upstream,
        'PROTECTED_USES',
        (
            ProtectedUse(
                'mmengine.runner.Runner',
                '_log_env',
                'override',
                'test',
                ('self', 'env_cfg', 'renamed'),
            ),
        ),
    )
    with pytest.raises(RuntimeError, match='_log_env takes .*constraints'):
        upstream.guard_protected_uses()
