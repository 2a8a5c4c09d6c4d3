"""Images/s of the 448 px training pipeline in one data-loader worker, and
the time share of each of its transforms, on real JPEG files.

    python tools/analysis/benchmark_pipeline.py [--images DIR] [--num 64]
        [--repeats 3] [--config configs/_base_/datasets/spml_448.py]
        [--target 1000]

The pipeline is the config's ``train_pipeline`` (for the SPML recipe:
LoadImageFromFile, Resize to 448 x 448, RandomFlip, PackInputs), built from
mmpretrain's TRANSFORMS as the datasets build it. It runs single-process,
set up as a DataLoader worker is (one torch thread; OpenCV at
``env_cfg.mp_cfg.opencv_num_threads`` = 0, MMEngine's default), over the
first ``--num`` JPEG files of ``--images`` in name order or, without it,
over ``--num`` random-content 640 x 480 JPEGs (smooth colour fields plus
noise, quality 90) written to a temporary folder.

One untimed pass warms the page cache and lazy imports; then ``--repeats``
passes of the composed pipeline give the images/s, and ``--repeats`` more,
each transform timed on its own, give each stage's time per image and share
(decode is LoadImageFromFile: file read plus JPEG decode). ``--target``
adds how many such workers a training step at that many images/s needs.
"""

import argparse
import glob
import math
import os
import os.path as osp
import platform
import tempfile
import time

import cv2
import numpy as np
import torch
from mmengine.config import Config
from PIL import Image

import mmspml  # noqa: F401  (registers mmspml's modules and shims)
from mmspml.datasets.single_positive import build_pipeline

STAGES = dict(
    LoadImageFromFile='decode',
    Resize='resize',
    RandomFlip='flip',
    PackInputs='pack',
)


def write_jpegs(folder, num, width=640, height=480, seed=0):
    """``num`` random-content JPEGs (quality 90) of ``width`` x ``height``:
    smooth colour fields with pixel noise, so the files have about the
    size of photos of that resolution rather than of pure noise."""
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(num):
        coarse = rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)
        image = np.asarray(
            Image.fromarray(coarse).resize((width, height), Image.BICUBIC),
            dtype=np.float32,
        )
        image += rng.normal(0, 12, image.shape)
        path = osp.join(folder, f'{i:05d}.jpg')
        Image.fromarray(image.clip(0, 255).astype(np.uint8)).save(
            path, quality=90
        )
        paths.append(path)
    return paths


def find_jpegs(folder, num):
    paths = sorted(
        p
        for p in glob.glob(osp.join(folder, '**', '*'), recursive=True)
        if p.lower().endswith(('.jpg', '.jpeg'))
    )
    if not paths:
        raise SystemExit(f'--images {folder}: no .jpg or .jpeg files')
    return paths[:num]


def cpu_name():
    name = platform.processor() or 'CPU'
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return name


def describe(transform_cfg):
    args = ', '.join(
        f'{k}={v}' for k, v in transform_cfg.items() if k != 'type'
    )
    return f'{transform_cfg["type"]}({args})'


def sample_infos(paths):
    """What a dataset passes its pipeline: path, labels and index."""
    return [
        dict(img_path=p, gt_label=[i % 80], sample_idx=i)
        for i, p in enumerate(paths)
    ]


def time_composed(pipeline, infos, repeats):
    start = time.perf_counter()
    for _ in range(repeats):
        for info in infos:
            pipeline(dict(info))
    return (time.perf_counter() - start) / (repeats * len(infos))


def time_stages(transforms, infos, repeats):
    spent = [0.0] * len(transforms)
    for _ in range(repeats):
        for info in infos:
            results = dict(info)
            for i, transform in enumerate(transforms):
                start = time.perf_counter()
                results = transform(results)
                spent[i] += time.perf_counter() - start
    return [s / (repeats * len(infos)) for s in spent]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--images', help='folder of JPEG files')
    parser.add_argument(
        '--num',
        type=int,
        default=64,
        help='number of images (generated, or the first ones of --images)',
    )
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument(
        '--config',
        default='configs/_base_/datasets/spml_448.py',
        help='a config with a train_pipeline',
    )
    parser.add_argument(
        '--target', type=float, help='images/s of a training step to feed'
    )
    args = parser.parse_args()

    # As in a DataLoader worker forked by MMEngine's runner.
    torch.set_num_threads(1)
    cv2.setNumThreads(0)
    pipeline_cfg = Config.fromfile(args.config).train_pipeline
    pipeline = build_pipeline(pipeline_cfg)
    with tempfile.TemporaryDirectory(prefix='mmspml_jpegs_') as tmp:
        if args.images:
            paths, source = find_jpegs(args.images, args.num), args.images
        else:
            paths, source = write_jpegs(tmp, args.num), 'generated'
        infos = sample_infos(paths)
        warm = [pipeline(dict(info)) for info in infos]  # untimed pass
        shapes = [r['data_samples'].ori_shape for r in warm]
        kib = sum(os.path.getsize(p) for p in paths) / len(paths) / 1024
        per_image = time_composed(pipeline, infos, args.repeats)
        stages = time_stages(pipeline.transforms, infos, args.repeats)

    height = sum(s[0] for s in shapes) / len(shapes)
    width = sum(s[1] for s in shapes) / len(shapes)
    print(
        f'device: {cpu_name()}, 1 worker (torch 1 thread, OpenCV '
        f'threads 0) | torch {torch.__version__}, OpenCV {cv2.__version__}'
    )
    print(
        f'images: {len(paths)} JPEGs ({source}), mean {width:.0f} x '
        f'{height:.0f} px, {kib:.0f} KiB; {args.repeats} timed passes '
        f'after 1 warm-up'
    )
    print(f'pipeline: {args.config} train_pipeline')
    print()
    print('| stage | transform | ms/img | share |')
    print('|---|---|---:|---:|')
    total = sum(stages)
    for cfg, seconds in zip(pipeline_cfg, stages):
        stage = STAGES.get(cfg['type'], cfg['type'])
        print(
            f'| {stage} | {describe(cfg)} | {1e3 * seconds:.2f} | '
            f'{100 * seconds / total:.1f}% |'
        )
    print(f'| all, one at a time | | {1e3 * total:.2f} | 100% |')
    print()
    print(
        f'full pipeline: {1e3 * per_image:.2f} ms/img = '
        f'{1 / per_image:.1f} img/s per worker'
    )
    if args.target:
        print(
            f'workers to feed {args.target:g} img/s: '
            f'{math.ceil(args.target * per_image)}'
        )


if __name__ == '__main__':
    main()
