"""GR's soft pseudo-label k(p), re-weighting v(p) and the gradient per entry
over p, for a GR config at chosen epochs (the paper's gradient analysis).

    python tools/analysis/plot_gr_curves.py \
        configs/gr/gr_resnet50_1xb8_coco2014-448px.py \
        [--epochs 1 4 8] [--out gr_curves.png] [--dump gr_curves.json]

The loss is built from the config's ``model.head.loss`` and put at each
epoch of ``train_cfg.max_epochs`` with its own schedule (``set_epoch``).
The gradient is d loss / d s of one entry (s the logit, p = sigmoid(s)),
by autograd through the loss, for an unannotated entry (target 0) and for
an observed positive (target 1); the loss's reduction is undone (one entry
of a 1 x 1 batch).
"""

import argparse
import json

import torch
from mmpretrain.registry import MODELS

import mmspml  # noqa: F401  (registers the losses)
from mmspml.models.losses import GRLoss
from mmspml.utils.config_names import load_config


def gr_curves(
    loss: GRLoss, epoch: int, max_epochs: int, num: int = 199
) -> dict:
    """k(p), v(p) and the gradient of one entry over p at ``epoch``."""
    loss.set_epoch(epoch, max_epochs)
    prob = torch.linspace(0.005, 0.995, num, dtype=torch.float64)
    logits = torch.logit(prob).clone().requires_grad_(True)
    grads = {}
    for name, target in (('unannotated', 0.0), ('positive', 1.0)):
        if logits.grad is not None:
            logits.grad = None
        values = loss.entry_loss(
            logits[:, None], torch.full((num, 1), target, dtype=torch.float64)
        )
        values.sum().backward()
        grads[name] = logits.grad.detach().clone()
    return dict(
        epoch=epoch,
        p=prob.tolist(),
        k=loss.k(prob).tolist(),
        v=loss.v(prob).tolist(),
        grad_unannotated=grads['unannotated'].tolist(),
        grad_positive=grads['positive'].tolist(),
        params=dict(w=loss.w, b=loss.b, mu=loss.mu, sigma=loss.sigma),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument(
        '--epochs',
        type=int,
        nargs='+',
        help='default: the first, middle and last epoch',
    )
    parser.add_argument('--out', default='gr_curves.png')
    parser.add_argument('--dump', help='also write the curves as JSON')
    args = parser.parse_args()
    cfg = load_config(args.config)
    loss = MODELS.build(cfg.model.head.loss)
    if not isinstance(loss, GRLoss):
        raise SystemExit(
            f'{args.config}: model.head.loss is '
            f'{type(loss).__name__}; this tool draws GRLoss.'
        )
    if loss.learnable_k:
        raise SystemExit(
            f'{args.config}: GRLoss(learnable_k=True) learns k while it '
            'trains, so a config alone has no k curve to draw; the '
            'diagnostics hook draws the learned k (mean over classes) of a '
            'training run (docs/gr_loss.md)'
        )
    max_epochs = cfg.train_cfg.max_epochs
    epochs = args.epochs or sorted({1, (max_epochs + 1) // 2, max_epochs})
    bad = [e for e in epochs if not 1 <= e <= max_epochs]
    if bad:
        raise SystemExit(
            f'--epochs {bad}: the config trains epochs 1 to {max_epochs}'
        )
    curves = [gr_curves(loss, e, max_epochs) for e in epochs]

    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), dpi=100)
    for c in curves:
        label = f'epoch {c["epoch"]}'
        axes[0].plot(c['p'], c['k'], label=label)
        axes[1].plot(c['p'], c['v'], label=label)
        (line,) = axes[2].plot(c['p'], c['grad_unannotated'], label=label)
        axes[2].plot(c['p'], c['grad_positive'], ':', color=line.get_color())
    for ax, title in zip(
        axes,
        (
            'soft pseudo-label k(p)',
            'weight v(p)',
            'd loss / d logit (solid: unannotated, dotted: positive)',
        ),
    ):
        ax.set_title(title, fontsize=9)
        ax.set_xlabel('p')
        ax.grid(alpha=0.3)
    axes[2].axhline(0, color='k', lw=0.5)
    axes[0].legend(fontsize=8)
    fig.suptitle(f'{args.config} (of {max_epochs} epochs)', fontsize=9)
    fig.tight_layout()
    fig.savefig(args.out)
    print(f'wrote {args.out}')
    if args.dump:
        with open(args.dump, 'w') as f:
            json.dump(curves, f)
        print(f'wrote {args.dump}')


if __name__ == '__main__':
    main()
