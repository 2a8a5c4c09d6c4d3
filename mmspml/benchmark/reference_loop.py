"""The plain PyTorch training loop the benchmarks compare mmspml with,
written as the GR reference code (yan4xi1/GRLoss) trains: the model called
directly, Adam with two parameter groups, the loss with boolean masks."""

import torch
import torch.nn as nn
from mmpretrain.registry import MODELS

from mmspml.models.losses.gr_loss import reweight, soft_pseudo_label
from mmspml.utils import unwrap_model


def masked_gr_loss(logits, target, w, b, mu, sigma, q2=0.01, q3=1.0, eps=1e-7):
    """The GR loss written the direct way, as the reference code writes it:
    p = sigmoid(s), boolean masks, mean over all entries. The baseline that
    the benchmarks time :class:`~mmspml.models.losses.GRLoss` against; k
    and v come from the same functions the loss uses.

    Args:
        logits (Tensor): (N, C) logits.
        target (Tensor): (N, C) observed labels, 1 = observed positive.
        w (float): k's slope.
        b (float): k's offset.
        mu (float): v's centre.
        sigma (float): v's width.
        q2 (float): GCE exponent towards positive. Defaults to 0.01.
        q3 (float): GCE exponent towards negative. Defaults to 1.
        eps (float): Observed positives cost ``-log(p + eps)``. Defaults to
            1e-7 (the reference code's).

    Returns:
        Tensor: The mean loss, a scalar.
    """
    p = torch.sigmoid(logits)
    pd = p.detach()
    k = soft_pseudo_label(pd, w, b)
    v = reweight(pd, mu, sigma)
    loss = torch.zeros_like(p)
    pos, neg = target == 1, target == 0
    loss[pos] = -torch.log(p[pos] + eps)
    loss[neg] = v[neg] * (
        k[neg] * (1 - p[neg] ** q2) / q2
        + (1 - k[neg]) * (1 - (1 - p[neg]) ** q3) / q3
    )
    return loss.mean()


class PlainNet(nn.Module):
    """backbone -> neck -> fc of an mmpretrain classifier: what the
    classifier computes in training, called the way a plain loop calls a
    torchvision model.

    Args:
        classifier (nn.Module): A built mmpretrain classifier with a
            ``backbone``, a ``neck`` and a ``head.fc``; those modules are
            shared, not copied.
    """

    def __init__(self, classifier):
        super().__init__()
        self.backbone = classifier.backbone
        self.neck = classifier.neck
        self.fc = classifier.head.fc

    def forward(self, x):
        return self.fc(self.neck(self.backbone(x))[-1])


def build_plain_model(cfg, recipe, which):
    """The plain loop's model and its (backbone, head) parameter split.

    Args:
        cfg (Config): The runner config of :func:`prepare_config`.
        recipe (dict): The shared recipe of :func:`prepare_config`
            (``num_classes`` is read).
        which (str): ``'torchvision'`` for
            ``torchvision.models.resnet50`` (the config must be a
            ResNet-50), anything else (``'config'``) for the config's
            classifier as a :class:`PlainNet`.

    Returns:
        tuple: ``(model, rest, head)``: the model, the list of its
        parameters outside the head, and the list of the head's (the
        final ``fc``) parameters.

    Raises:
        ValueError: ``which`` is ``'torchvision'`` and the config's
            backbone is not a ResNet-50.
    """
    if which == 'torchvision':
        import torchvision

        backbone = cfg.model.backbone
        if backbone.get('type') != 'ResNet' or backbone.get('depth') != 50:
            raise ValueError(
                '--plain-model torchvision needs a ResNet-50 config, '
                f'got backbone {backbone.get("type")}'
                f'-{backbone.get("depth")}'
            )
        model = torchvision.models.resnet50(num_classes=recipe['num_classes'])
        head = model.fc
    else:
        classifier = MODELS.build(cfg.model)
        classifier.init_weights()
        model = PlainNet(classifier)
        head = model.fc
    head_ids = {id(p) for p in head.parameters()}
    rest = [p for p in model.parameters() if id(p) not in head_ids]
    return model, rest, list(head.parameters())


def build_plain_optimizer(cfg, recipe, rest, head):
    """The config's optimizer (Adam in the GR configs) with two groups,
    the head's lr the config's multiple of the base lr.

    Args:
        cfg (Config): The runner config of :func:`prepare_config`; its
            ``optim_wrapper.optimizer`` names a ``torch.optim`` class and
            its settings.
        recipe (dict): The shared recipe of :func:`prepare_config`
            (``head_lr_mult`` is read).
        rest (list[Parameter]): The parameters outside the head, trained
            at the base lr.
        head (list[Parameter]): The head's parameters, trained at
            ``head_lr_mult`` times the base lr.

    Returns:
        Optimizer: The ``torch.optim`` optimizer, ``rest`` first.
    """
    opt_cfg = dict(cfg.optim_wrapper.optimizer)
    opt_type = getattr(torch.optim, opt_cfg.pop('type'))
    lr = opt_cfg['lr']
    return opt_type(
        [dict(params=rest), dict(params=head, lr=lr * recipe['head_lr_mult'])],
        **opt_cfg,
    )


def optimizer_rows(model, optimizer):
    """Per parameter in model order: its shape and the optimizer's settings
    for it (the keys of ``optimizer.defaults``).

    Args:
        model (nn.Module): The trained model.
        optimizer (Optimizer): The optimizer that trains it.

    Returns:
        list[tuple]: One ``(shape, settings)`` per parameter; ``settings``
        is a sorted tuple of ``(key, value)`` pairs of the parameter's
        group, or None when no group holds the parameter.
    """
    groups = {}
    for group in optimizer.param_groups:
        settings = tuple((k, group[k]) for k in sorted(optimizer.defaults))
        for param in group['params']:
            groups[id(param)] = settings
    return [(tuple(p.shape), groups.get(id(p))) for p in model.parameters()]


def check_same_training(plain_rows, plain_opt_type, runner, channels_last):
    """Raise when the two paths do not train the same parameters with the
    same optimizer settings and weight layout.

    Args:
        plain_rows (list[tuple]): The plain loop's
            :func:`optimizer_rows`.
        plain_opt_type (type): The plain loop's optimizer class.
        runner (Runner): The runner that trained the other path.
        channels_last (bool): Whether the plain loop keeps its weights in
            ``channels_last`` layout.

    Returns:
        int: The number of parameter groups of the runner's optimizer.

    Raises:
        RuntimeError: The runner's weight layout, optimizer class, number
            of parameters or a parameter's shape or settings differ from
            the plain loop's.
    """
    model = unwrap_model(runner.model)
    weight = next(p for p in model.parameters() if p.dim() == 4)
    if (
        weight.is_contiguous(memory_format=torch.channels_last)
        != channels_last
    ):
        raise RuntimeError(
            f"the runner's weights are not in the layout "
            f'of the plain loop (channels_last='
            f'{channels_last})'
        )
    optimizer = runner.optim_wrapper.optimizer
    rows = optimizer_rows(model, optimizer)
    if type(optimizer) is not plain_opt_type:
        raise RuntimeError(
            f'optimizers differ: plain loop '
            f'{plain_opt_type.__name__}, runner '
            f'{type(optimizer).__name__}'
        )
    if len(rows) != len(plain_rows):
        raise RuntimeError(
            f'the plain loop trains {len(plain_rows)} '
            f'parameters, the runner {len(rows)}'
        )
    for i, (mine, theirs) in enumerate(zip(plain_rows, rows)):
        if mine != theirs:
            raise RuntimeError(
                f'parameter {i} differs: plain loop {mine}, runner {theirs}'
            )
    return len(optimizer.param_groups)


def one_positive_target(batch, num_classes, device):
    """A random single-positive target: one observed positive per row,
    drawn with the global torch generator, every other entry 0.

    Args:
        batch (int): The number of rows N.
        num_classes (int): The number of classes C.
        device (str | torch.device): Where the target lives.

    Returns:
        Tensor: An (N, C) float tensor of 0s with one 1 per row.
    """
    target = torch.zeros(batch, num_classes, device=device)
    target[torch.arange(batch), torch.randint(0, num_classes, (batch,))] = 1
    return target
