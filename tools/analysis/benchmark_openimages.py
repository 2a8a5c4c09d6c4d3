"""Time and size SPMLOpenImages on synthetic files in the official OpenImages
format: parse time without the cache, load time from the cache, peak memory.

    python tools/analysis/benchmark_openimages.py --images 500000 1000000
        2000000 [--classes 9605] [--rows-per-image 5] [--work-dir DIR]

For every size, ``--work-dir`` gets (once; kept for the next run) a labels
CSV with the official columns ``ImageID,Source,LabelName,Confidence``
(random 16-hex ImageIDs in random order, each image's rows together, 1 to
``2 * --rows-per-image - 1`` rows per image, ~70% Confidence 1, about one
row in eleven of a LabelName that is not trainable), the trainable classes
and their descriptions. The dataset is then built twice, each time in a
fresh Python process of this script, so its peak memory (``ru_maxrss``) is
that size's alone: once without the cache (parse and write the cache), once
from the cache. Times are those of building the dataset, imports excluded;
the peak memory includes the imports (printed apart).
"""

import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

HEADER = b'ImageID,Source,LabelName,Confidence\n'
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def label_name(index: int, num_labels: int) -> str:
    """A LabelName like OpenImages' (``/m/0`` and hex digits).

    Args:
        index (int): The label.
        num_labels (int): How many labels there are (sets the width).

    Returns:
        str: E.g. ``'/m/00a3f'``.
    """
    width = max(4, len(f'{num_labels - 1:x}'))
    return f'/m/0{index:0{width}x}'


def write_openimages_files(
    folder: str, images: int, classes: int, rows_per_image: int, seed=0
) -> tuple:
    """Synthetic OpenImages label files; returns the CSV's path and rows."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pcsv

    os.makedirs(folder, exist_ok=True)
    num_labels = classes + classes // 10  # the last ones are not trainable
    names = [label_name(i, num_labels) for i in range(num_labels)]
    with open(osp.join(folder, 'oidv6-classes-trainable.txt'), 'w') as f:
        f.write('\n'.join(names[:classes]) + '\n')
    with open(osp.join(folder, 'oidv6-class-descriptions.csv'), 'w') as f:
        f.write('LabelName,DisplayName\n')
        f.writelines(f'{n},Class {i}\n' for i, n in enumerate(names))
    rng = np.random.default_rng(seed)
    hex_digits = np.frombuffer(b'0123456789abcdef', dtype=np.uint8)
    dictionary = pa.array(names)
    sources = pa.array(['verification', 'crowdsource-verified'])
    path = osp.join(folder, 'train-annotations-human-imagelabels.csv')
    rows = 0
    with open(path + '.tmp', 'wb') as f:
        f.write(HEADER)
        options = pcsv.WriteOptions(include_header=False, quoting_style='none')
        schema = pa.schema(
            [
                ('ImageID', pa.string()),
                ('Source', pa.dictionary(pa.int32(), pa.string())),
                ('LabelName', pa.dictionary(pa.int32(), pa.string())),
                ('Confidence', pa.int8()),
            ]
        )
        with pcsv.CSVWriter(f, schema, write_options=options) as writer:
            for start in range(0, images, 250_000):
                n = min(250_000, images - start)
                # 16 random hex digits per image.
                ids = hex_digits[rng.integers(0, 16, size=(n, 16))]
                counts = rng.integers(1, 2 * rows_per_image, size=n)
                # Distinct labels per image: a random start and stride.
                first = rng.integers(0, num_labels, size=n)
                stride = rng.integers(
                    1, max(2, num_labels // (2 * rows_per_image)), size=n
                )
                image_of = np.repeat(np.arange(n), counts)
                step = np.arange(len(image_of)) - np.repeat(
                    np.cumsum(counts) - counts, counts
                )
                labels = (first[image_of] + step * stride[image_of]) % (
                    num_labels
                )
                m = len(image_of)
                image_ids = ids[image_of].reshape(-1)
                table = pa.table(
                    [
                        pa.StringArray.from_buffers(
                            m,
                            pa.py_buffer(
                                np.arange(0, 16 * m + 1, 16, dtype=np.int32)
                            ),
                            pa.py_buffer(image_ids),
                        ),
                        pa.DictionaryArray.from_arrays(
                            pa.array(
                                rng.integers(0, 2, size=m, dtype=np.int32)
                            ),
                            sources,
                        ),
                        pa.DictionaryArray.from_arrays(
                            pa.array(labels.astype(np.int32)), dictionary
                        ),
                        pa.array((rng.random(m) < 0.7).astype(np.int8)),
                    ],
                    schema=schema,
                )
                writer.write_table(table)
                rows += m
    os.replace(path + '.tmp', path)
    return path, rows


CHILD = r"""
import json, resource, sys, time
import mmspml  # noqa: F401  (registers the datasets)
from mmspml.datasets import SPMLOpenImages

root, ann_file = sys.argv[1], sys.argv[2]
def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6
base = peak_mb()
start = time.perf_counter()
dataset = SPMLOpenImages(data_root=root, ann_file=ann_file,
                         img_prefix='train')
seconds = time.perf_counter() - start
info = dataset.get_data_info(len(dataset) - 1)
assert info['gt_score'].shape == (len(dataset.metainfo['classes']),)
print(json.dumps(dict(seconds=seconds, base_mb=base, peak_mb=peak_mb(),
                      images=len(dataset), from_cache=dataset.from_cache,
                      entries=len(dataset.partial_labels.indices))))
"""


def build_in_child(folder: str, csv_path: str) -> dict:
    """Build the dataset in a fresh process; its time and peak memory."""
    out = subprocess.run(
        [sys.executable, '-c', CHILD, folder, osp.basename(csv_path)],
        check=True,
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=REPO),
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--images', type=int, nargs='+', default=[500_000, 1_000_000]
    )
    parser.add_argument('--classes', type=int, default=9605)
    parser.add_argument('--rows-per-image', type=int, default=5)
    parser.add_argument('--work-dir', default='/tmp/mmspml_oi_bench')
    args = parser.parse_args()

    from mmspml.datasets.openimages_cache import openimages_cache_path

    results = []
    for images in args.images:
        folder = osp.join(
            args.work_dir,
            f'oi_{images}x{args.classes}_r{args.rows_per_image}',
        )
        csv_path = osp.join(folder, 'train-annotations-human-imagelabels.csv')
        rows_file = csv_path + '.rows'
        if not osp.isfile(rows_file):
            start = time.perf_counter()
            _, rows = write_openimages_files(
                folder, images, args.classes, args.rows_per_image
            )
            with open(rows_file, 'w') as f:
                f.write(str(rows))
            print(
                f'wrote {csv_path} ({rows} rows, '
                f'{osp.getsize(csv_path) / 1e6:.0f} MB) in '
                f'{time.perf_counter() - start:.1f} s',
                flush=True,
            )
        with open(rows_file) as f:
            rows = int(f.read())
        cache = openimages_cache_path(csv_path)
        if osp.exists(cache):
            os.remove(cache)
        parsed = build_in_child(folder, csv_path)
        cached = build_in_child(folder, csv_path)
        assert not parsed['from_cache'] and cached['from_cache']
        assert parsed['entries'] == cached['entries']
        results.append((images, rows, parsed, cached, osp.getsize(cache)))
        print(
            f'{images} images: parse {parsed["seconds"]:.1f} s, cache '
            f'{cached["seconds"]:.2f} s, peak {parsed["peak_mb"]:.0f} MB',
            flush=True,
        )

    print(
        f'\n{args.classes} trainable classes, ~{args.rows_per_image} rows '
        'per image; peak RSS includes the imports '
        f'({results[0][2]["base_mb"]:.0f} MB)\n'
    )
    print(
        '| images | rows | parse s | cache s | peak RSS MB | '
        'cache peak RSS MB | cache file MB | parse s per M rows |'
    )
    print('|---:|---:|---:|---:|---:|---:|---:|---:|')
    for images, rows, parsed, cached, size in results:
        print(
            f'| {images:,} | {rows:,} | {parsed["seconds"]:.1f} | '
            f'{cached["seconds"]:.2f} | {parsed["peak_mb"]:.0f} | '
            f'{cached["peak_mb"]:.0f} | {size / 1e6:.0f} | '
            f'{parsed["seconds"] / rows * 1e6:.2f} |'
        )


if __name__ == '__main__':
    main()
