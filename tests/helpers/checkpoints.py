"""Checkpoints that safe loading must refuse."""
import copyreg
import os

import torch
from mmengine.logging import HistoryBuffer


class RunsACommand:
    """A pickle that runs a shell command (``touch marker``) when loaded."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


def save_as_mmengine_does(checkpoint, path):
    """``torch.save`` with MMEngine's own pickling of ``HistoryBuffer``
    (through ``builtins.getattr``), as before mmspml's shim."""
    reducer = copyreg.dispatch_table.pop(HistoryBuffer)
    try:
        torch.save(checkpoint, path)
    finally:
        copyreg.pickle(HistoryBuffer, reducer)
