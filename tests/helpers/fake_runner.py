"""A stand-in for an MMEngine Runner: the few public attributes the
mmspml hooks read, around a tiny model whose head holds the loss."""

from types import SimpleNamespace

import torch.nn as nn


def make_model(loss):
    model = nn.Module()
    model.backbone = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    model.head = nn.Module()
    model.head.fc = nn.Linear(4, 2)
    model.head.loss_module = loss
    return model


def make_runner(loss, epoch=0, max_epochs=8, **kwargs):
    return SimpleNamespace(
        model=make_model(loss), epoch=epoch, max_epochs=max_epochs, **kwargs
    )
