"""Load every file of a folder through every checkpoint entry point, in one
process, and write one JSON line per try.

    python -m tests.helpers.corpus_driver CONFIG FOLDER OUT.jsonl WORK_DIR

Each entry point calls what the tool or the Runner calls, on a model built
once from CONFIG:

- ``test``: ``SPMLRunner.load_checkpoint`` (``tools/test.py``, ``mim test``
  and ``TestBestCheckpointHook``);
- ``load_from``: ``SPMLRunner.load_or_resume`` with ``load_from``;
- ``resume``: ``SPMLRunner.load_or_resume`` with ``--resume FILE``;
- ``predict``: ``SPMLInferencer(cfg, FILE)`` (``tools/predict.py``,
  ``calibrate_thresholds.py``);
- ``export``: ``build_classifier`` of ``tools/deployment/export_onnx.py``;
- ``pretrained``: ``init_cfg=dict(type='Pretrained', checkpoint=FILE)`` on
  the backbone, weights initialised as ``SPMLRunner`` does;
- ``url``: the same with an https URL, served from torch.hub's cache.

Files of ``RESUME_ONLY`` (harmful only where a checkpoint is resumed
from) are tried through ``resume`` alone. A try that raises is recorded as
refused with its message; one that
returns is recorded as loaded. Each line is flushed before the next try, so
a crash (a signal) shows which file caused it.
"""

import copy
import importlib.util
import json
import os
import os.path as osp
import shutil
import sys
import traceback

from mmengine.config import Config

import mmspml  # noqa: F401
from mmspml.apis import SPMLInferencer
from mmspml.engine.runner import SPMLRunner
from mmspml.models.utils import pretrained_hint
from tests.helpers.hostile_checkpoints import RESUME_ONLY
from tests.helpers.paths import REPO

ENTRY_POINTS = (
    'test',
    'load_from',
    'resume',
    'predict',
    'export',
    'pretrained',
    'url',
)


def export_tool():
    spec = importlib.util.spec_from_file_location(
        'export_onnx', osp.join(REPO, 'tools', 'deployment', 'export_onnx.py')
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    config, folder, out, work_dir = sys.argv[1:5]
    cfg = Config.fromfile(config)
    cfg.work_dir = work_dir
    cfg.launcher = 'none'
    runner = SPMLRunner.from_cfg(copy.deepcopy(cfg))
    build_classifier = export_tool().build_classifier
    hub = osp.join(work_dir, 'torch_home')
    os.environ['TORCH_HOME'] = hub
    cache = osp.join(hub, 'hub', 'checkpoints')
    os.makedirs(cache, exist_ok=True)

    def pretrained(checkpoint):
        model_cfg = copy.deepcopy(cfg.model)
        model_cfg.backbone.init_cfg = dict(
            type='Pretrained', checkpoint=checkpoint, prefix='backbone.'
        )
        model = runner.build_model(model_cfg)
        with pretrained_hint(model):
            model.init_weights()

    def try_file(entry, path):
        if entry == 'test':
            runner.load_checkpoint(path)
        elif entry in ('load_from', 'resume'):
            runner._has_loaded = False
            runner._load_from = path
            runner._resume = entry == 'resume'
            runner.load_or_resume()
        elif entry == 'predict':
            SPMLInferencer(cfg, path, device='cpu')
        elif entry == 'export':
            build_classifier(cfg, path)
        elif entry == 'pretrained':
            pretrained(path)
        elif entry == 'url':
            shutil.copy(path, osp.join(cache, osp.basename(path)))
            pretrained(
                'https://example.invalid/checkpoints/' + osp.basename(path)
            )

    names = sorted(n for n in os.listdir(folder) if n.endswith('.pth'))
    with open(out, 'w') as f:
        for entry in sys.argv[5:] or ENTRY_POINTS:
            for name in names:
                if name[:-4] in RESUME_ONLY and entry != 'resume':
                    continue
                record = dict(entry=entry, file=name)
                f.write(json.dumps(dict(record, started=True)) + '\n')
                f.flush()
                try:
                    try_file(entry, osp.join(folder, name))
                    record['outcome'] = 'loaded'
                except BaseException as err:  # noqa: B902 (SystemExit too)
                    record['outcome'] = 'refused'
                    record['error'] = f'{type(err).__name__}: {err}'
                    record['traceback'] = traceback.format_exc()[-1500:]
                f.write(json.dumps(record) + '\n')
                f.flush()


if __name__ == '__main__':
    main()
