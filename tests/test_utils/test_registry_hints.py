"""A type that is not registered is answered with the close registered
names."""

import pytest
from mmpretrain.registry import MODELS

import mmspml  # noqa: F401
from mmspml.utils import suggest_registered_names


def test_a_misspelt_loss_suggests_the_registered_one():
    with pytest.raises(KeyError, match="'GRLos'.*did you mean 'GRLoss'"):
        with suggest_registered_names():
            MODELS.build(dict(type='GRLos'))


def test_nested_builds_are_recognised():
    head = dict(
        type='SPMLLinearClsHead',
        num_classes=3,
        in_channels=4,
        loss=dict(type='ROLELos', expected_num_pos=1.0),
    )
    with pytest.raises(KeyError, match="did you mean 'ROLELoss'"):
        with suggest_registered_names():
            MODELS.build(head)


def test_no_close_name_and_other_key_errors():
    with pytest.raises(KeyError, match='no registered name is close'):
        with suggest_registered_names():
            MODELS.build(dict(type='Zzzzzzzz'))
    with pytest.raises(KeyError, match="^'plain'$"):
        with suggest_registered_names():
            raise KeyError('plain')
