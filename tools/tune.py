"""Search hyper-parameters of a config with Optuna (docs/tuning.md).

python tools/tune.py configs/gr/gr_resnet18-half_1xb64_mnist-mosaic.py
    [--space space.yaml] [--n-trials N] [--timeout S]
    [--metric spml/mAP] [--pruner median|hyperband|none]
    [--sampler tpe|random] [--storage URL] [--study-name NAME]
    [--work-dir DIR] [--seed 0] [--cfg-options key=value ...]

Run the same command again to resume the study; run it in several
processes (or machines, with a shared --storage) to share the trials.
"""

import argparse
import sys

from mmengine.config import DictAction

import mmspml  # noqa: F401  (registers mmspml's modules)
from mmspml.utils import stop_with_message, suggest_registered_names


def parse_args(argv=None):
    """Read the command line.

    Args:
        argv (list[str], optional): Arguments; None reads ``sys.argv``.

    Returns:
        argparse.Namespace: The arguments.
    """
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='the config file to tune')
    parser.add_argument(
        '--space',
        help='YAML or JSON file: dotted config key -> distribution. '
        'Without it, the built-in space of a GR config',
    )
    parser.add_argument(
        '--n-trials',
        type=int,
        help='trials this process runs (default 20 unless --timeout)',
    )
    parser.add_argument(
        '--timeout', type=float, help='start no trial after SECONDS'
    )
    parser.add_argument(
        '--metric',
        default='spml/mAP',
        help='validation metric to maximize (spml/mAP_observed when the '
        'val set has only observed labels)',
    )
    parser.add_argument(
        '--pruner', choices=['median', 'hyperband', 'none'], default='median'
    )
    parser.add_argument('--sampler', choices=['tpe', 'random'], default='tpe')
    parser.add_argument(
        '--storage',
        help='Optuna storage: sqlite:///FILE, postgresql://..., '
        'mysql://... or journal:FILE (default sqlite:///WORK_DIR/study.db)',
    )
    parser.add_argument('--study-name', help="default: the config's file name")
    parser.add_argument(
        '--work-dir', help='default: work_dirs/tune_<config name>'
    )
    parser.add_argument(
        '--seed',
        type=int,
        default=0,
        help='seed of every trial (randomness.seed) and of the sampler',
    )
    parser.add_argument(
        '--no-baseline',
        action='store_true',
        help="in a new study, do not run the config's own values first",
    )
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings before tuning, e.g. '
        'train_cfg.max_epochs=4',
    )
    args = parser.parse_args(argv)
    if args.n_trials is None and args.timeout is None:
        args.n_trials = 20
    if args.n_trials is not None and args.n_trials < 1:
        parser.error(f'--n-trials must be 1 or more, got {args.n_trials}')
    return args


def main(argv=None):
    """Run the study.

    Args:
        argv (list[str], optional): Arguments; None reads ``sys.argv``.
    """
    args = parse_args(argv)
    from mmspml.tuning import SearchSpaceError, StorageError, tune

    with suggest_registered_names(), stop_with_message('tools/tune.py'):
        try:
            tune(
                args.config,
                space_path=args.space,
                work_dir=args.work_dir,
                n_trials=args.n_trials,
                timeout=args.timeout,
                metric=args.metric,
                storage=args.storage,
                study_name=args.study_name,
                sampler=args.sampler,
                pruner=args.pruner,
                seed=args.seed,
                cfg_options=args.cfg_options,
                baseline=not args.no_baseline,
            )
        except (SearchSpaceError, StorageError, ImportError) as err:
            sys.exit(f'tools/tune.py: error: {err}')


if __name__ == '__main__':
    main()
