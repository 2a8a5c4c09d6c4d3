"""The protected upstream names mmspml relies on are all still there, with
the signatures they were verified with."""
import mmengine

from mmspml.utils.upstream import (PROTECTED_USES, ProtectedUse,
                                   check_protected_uses)


def test_every_protected_upstream_name_is_as_verified():
    assert check_protected_uses() == [], mmengine.__version__


def test_the_check_catches_a_changed_signature(monkeypatch):
    changed = PROTECTED_USES + (ProtectedUse(
        'mmengine.runner.Runner', 'load_or_resume', 'override', 'test',
        ('self', 'filename')), ProtectedUse(
            'mmengine.runner.Runner', '_no_such_attribute', 'read', 'test'))
    monkeypatch.setattr('mmspml.utils.upstream.PROTECTED_USES', changed)
    problems = check_protected_uses()
    assert problems == [
        "mmengine.runner.Runner.load_or_resume takes ('self',), verified "
        "with ('self', 'filename')",
        'mmengine.runner.Runner._no_such_attribute is no longer set by '
        'mmengine.runner.Runner',
    ]
