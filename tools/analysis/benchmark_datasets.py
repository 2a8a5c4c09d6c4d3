"""Time and size the train and val SinglePositiveDataset wrappers of one large
annotation file, built together as a config builds them.

    python tools/analysis/benchmark_datasets.py [--images 1000000]
        [--classes 1000] [--work-dir /tmp/mmspml_bench] [--inner TYPE]

A synthetic mmpretrain multi-label annotation file (``--images`` rows, 1 to
``--max-labels`` positives each, classes uniform, seeded) is written to
``--work-dir`` unless it is there already. The two wrappers are then built
in a fresh Python process, so its peak memory (``ru_maxrss``) is theirs; the
script prints the wall time, the peak memory above the interpreter with
mmspml imported, and a digest of the drawn single positives, which must not
change between versions of the code.
"""

import argparse
import hashlib
import json
import os
import os.path as osp
import subprocess
import sys
import time

CHILD = r"""
import hashlib, json, resource, sys, time
import numpy as np
import mmspml  # noqa: F401  (registers the datasets)
from mmpretrain.registry import DATASETS

ann_file, inner = sys.argv[1], sys.argv[2]
def rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
base = rss_mib()
inner_cfg = dict(type=inner, ann_file=ann_file, data_root='',
                 pipeline=[dict(type='LoadImageFromFile')])
start = time.perf_counter()
train = DATASETS.build(dict(type='SinglePositiveDataset', dataset=inner_cfg,
                            split='train'))
after_train = time.perf_counter() - start
val = DATASETS.build(dict(type='SinglePositiveDataset', dataset=inner_cfg,
                          split='val'))
total = time.perf_counter() - start
peak = rss_mib()

def positives(ds):
    if hasattr(getattr(ds, 'observed', None), 'indices'):  # sparse labels
        return ds.observed.indices.astype(np.int64)
    return np.asarray(ds.observed_labels).argmax(axis=1).astype(np.int64)

digest = hashlib.sha256()
for ds in (train, val):
    digest.update(np.asarray(ds.rows, dtype=np.int64).tobytes())
    digest.update(positives(ds).tobytes())
print(json.dumps(dict(train=len(train), val=len(val), train_s=after_train,
                      total_s=total, base_mib=base, peak_mib=peak,
                      digest=digest.hexdigest()[:16])))
"""


def write_annotations(path, images, classes, max_labels, seed=0):
    """A seeded synthetic annotation file in mmpretrain's format."""
    import numpy as np

    rng = np.random.default_rng(seed)
    counts = rng.integers(1, max_labels + 1, size=images)
    with open(path + '.tmp', 'w') as f:
        f.write('{"metainfo": {"classes": ')
        f.write(json.dumps([f'class_{c}' for c in range(classes)]))
        f.write('}, "data_list": [')
        for i, count in enumerate(counts):
            labels = np.sort(rng.choice(classes, size=count, replace=False))
            f.write(
                ('' if i == 0 else ', ')
                + json.dumps(
                    dict(
                        img_path=f'images/{i:08d}.jpg',
                        gt_label=labels.tolist(),
                    )
                )
            )
        f.write(']}')
    os.replace(path + '.tmp', path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--images', type=int, default=1_000_000)
    parser.add_argument('--classes', type=int, default=1000)
    parser.add_argument('--max-labels', type=int, default=7)
    parser.add_argument('--work-dir', default='/tmp/mmspml_bench')
    parser.add_argument(
        '--inner',
        default='SPMLMultiLabelDataset',
        help='dataset type of the annotation file',
    )
    parser.add_argument('--repeats', type=int, default=1)
    args = parser.parse_args()

    os.makedirs(args.work_dir, exist_ok=True)
    ann_file = osp.join(
        args.work_dir,
        f'ann_{args.images}x{args.classes}_max{args.max_labels}.json',
    )
    if not osp.isfile(ann_file):
        start = time.perf_counter()
        write_annotations(ann_file, args.images, args.classes, args.max_labels)
        print(f'wrote {ann_file} in {time.perf_counter() - start:.1f} s')
    with open(ann_file, 'rb') as f:
        file_digest = hashlib.sha256(f.read()).hexdigest()[:16]
    print(
        f'annotation file: {ann_file} ({osp.getsize(ann_file) / 2**20:.0f} '
        f'MiB, sha256 {file_digest}); {args.images} images x '
        f'{args.classes} classes; dataset {args.inner}'
    )
    for _ in range(args.repeats):
        out = subprocess.run(
            [sys.executable, '-c', CHILD, ann_file, args.inner],
            check=True,
            capture_output=True,
            text=True,
            cwd=args.work_dir,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        above = result['peak_mib'] - result['base_mib']
        print(
            f'train {result["train"]} + val {result["val"]} wrappers: '
            f'{result["total_s"]:.1f} s (train alone '
            f'{result["train_s"]:.1f} s), peak memory '
            f'{result["peak_mib"]:.0f} MiB ({above:.0f} '
            f'MiB above the {result["base_mib"]:.0f} MiB of the imports); '
            f'draw digest {result["digest"]}'
        )


if __name__ == '__main__':
    main()
