"""Checkpoints that safe loading must refuse."""

import os

import torch

from mmspml.engine.runner import load_checkpoint_file


class RunsACommand:
    """A pickle that runs a shell command (``touch marker``) when loaded."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {self.marker}',)


def save_as_mmengine_does(plain_path, path):
    """The mmspml checkpoint ``plain_path`` written as plain MMEngine (or
    mmspml before its plain format) writes it: ``HistoryBuffer`` objects and
    numpy scalars pickled as they are."""
    torch.save(load_checkpoint_file(plain_path), path)
