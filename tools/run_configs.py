"""Train configs over several seeds and print a table of test mAP.

Each run keeps its best-val checkpoint and evaluates it on the test set.
Started again with the same arguments, it skips the runs that finished and
resumes an interrupted one from its latest checkpoint.

    python tools/run_configs.py \
        configs/full/full_resnet18-half_1xb64_mnist-mosaic.py \
        configs/an/an_resnet18-half_1xb64_mnist-mosaic.py \
        configs/gr/gr_resnet18-half_1xb64_mnist-mosaic.py \
        --seeds 0 1 2 --work-dir work_dirs/demo
"""

import argparse
import json
import os.path as osp
import time

from mmengine.config import DictAction

import mmspml  # noqa: F401
from mmspml.apis import format_table, method_by_dataset, run_configs, summarize
from mmspml.utils import write_atomically
from mmspml.utils.config_names import parse_config_name


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='+', help='config files')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0])
    parser.add_argument('--work-dir', default='work_dirs/run_configs')
    parser.add_argument(
        '--metrics', nargs='+', default=['spml/mAP'], help='test metrics'
    )
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of every config',
    )
    return parser.parse_args()


def main():
    args = parse_args()
    start = time.time()
    results = run_configs(
        args.configs, args.seeds, args.work_dir, args.cfg_options
    )
    elapsed = time.time() - start
    rows = summarize(results, args.metrics)
    table = format_table(rows, 'markdown')
    matrix = method_by_dataset(rows, f'test {args.metrics[0]}')
    # Complete files or none: a kill never leaves half a results file.
    out = osp.join(args.work_dir, 'results')
    write_atomically(out + '.json', json.dumps(results, indent=2))
    write_atomically(out + '.csv', format_table(rows, 'csv'))
    write_atomically(out + '.md', table + '\n' + matrix)
    spread = (
        f'seed {args.seeds[0]}'
        if len(args.seeds) == 1
        else f'mean ± std over seeds {args.seeds}'
    )
    print(
        f'\nTest metrics of the best-val checkpoint and best val mAP, '
        f'{spread} ({elapsed / 60:.1f} min, written to '
        f'{args.work_dir}/results.{{md,csv,json}}):\n'
    )
    print(table)
    if len({parse_config_name(row['method'])['dataset'] for row in rows}) > 1:
        print(f'test {args.metrics[0]}, method x dataset:\n')
        print(matrix)


if __name__ == '__main__':
    main()
