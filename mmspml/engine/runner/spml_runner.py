"""An MMEngine Runner whose console output starts with what helps and
whose checkpoints survive a kill."""
import glob
import logging
import os
import os.path as osp

import torch
from mmengine.dist import is_main_process, master_only
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmspml.models.utils import pretrained_hint
from mmspml.utils import (explain_refused_checkpoint,
                          latest_complete_checkpoint, unwrap_model,
                          use_channels_last)

# Console records that are noise for a user; the log file keeps them all.
_QUIET_PREFIXES = (
    'Config:\n',
    'Hooks will be executed in the following order',
    '"FileClient" will be deprecated',
    '"HardDiskBackend" is the alias',
    '`save_param_scheduler` is True but',
    'An `SPMLRunner` instance is built from registry',
)


def replace_atomically(tmp_path: str, path: str) -> None:
    """Flush ``tmp_path`` to disk and rename it to ``path``; the folder
    entry is flushed too, so the rename survives a crash."""
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp_path, path)
    dir_fd = os.open(osp.dirname(osp.abspath(path)), os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class _ConsoleNoiseFilter(logging.Filter):
    """Drop the environment dump, the config, the hook table and a few
    deprecation notices from the console (not from the log file)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if 'System environment:' in message and \
                'Runtime environment:' in message:
            return False
        return not message.startswith(_QUIET_PREFIXES)


# Registered in MMEngine's root registry so that ``runner_type =
# 'SPMLRunner'`` builds from mmpretrain's tools/train.py as well as ours.
@RUNNERS.register_module()
class SPMLRunner(Runner):
    """:class:`mmengine.runner.Runner` with a short console preamble,
    checkpoints written atomically, and errors that say what to do.

    - The full environment, the config and the hook order go to the log
      file in the work dir; the console gets one line with the device, the
      number of processes, the seed and where the log file is.
    - Every checkpoint is written to a temporary file in its folder, flushed
      and renamed into place, so no file named ``*.pth`` is ever partly
      written; ``--resume`` takes the checkpoint ``last_checkpoint`` names,
      or the newest complete one when that pointer is missing or stale.
      With :class:`~mmspml.engine.AtomicCheckpointHook` a kill at any moment
      leaves a checkpoint to resume from (``docs/checkpoints.md``).
    - With ``channels_last = True`` in the config, the model's weights and
      the backbone's input images use the channels-last memory format
      (:func:`~mmspml.utils.use_channels_last`, applied before DDP wraps
      the model).
    - A checkpoint that safe loading refuses names the refused type and the
      opt-in for trusted files; a failure to load ``Pretrained`` weights
      says how to use a local file.

    Everything else is MMEngine's Runner. Configs select it with
    ``runner_type = 'SPMLRunner'`` (``configs/_base_/default_runtime.py``).
    """

    def build_logger(self, log_level='INFO', log_file=None, **kwargs):
        logger = super().build_logger(log_level, log_file, **kwargs)
        for handler in logger.handlers:
            if not isinstance(handler, logging.FileHandler) and not any(
                    isinstance(f, _ConsoleNoiseFilter)
                    for f in handler.filters):
                handler.addFilter(_ConsoleNoiseFilter())
        return logger

    def wrap_model(self, model_wrapper_cfg, model):
        if self.cfg.get('channels_last', False):
            use_channels_last(model)
        return super().wrap_model(model_wrapper_cfg, model)

    @master_only
    def save_checkpoint(self, out_dir, filename, *args, **kwargs):
        if '://' in str(out_dir):  # a remote backend: as MMEngine does
            return super().save_checkpoint(out_dir, filename, *args,
                                           **kwargs)
        os.makedirs(out_dir, exist_ok=True)
        tmp_name = f'.{filename}.tmp'
        super().save_checkpoint(out_dir, tmp_name, *args, **kwargs)
        replace_atomically(
            osp.join(out_dir, tmp_name), osp.join(out_dir, filename))

    def load_or_resume(self) -> None:
        if self._resume and is_main_process():
            # Partial files of a write that was killed: never loaded.
            for stale in glob.glob(osp.join(self.work_dir, '.*.pth.tmp')):
                os.remove(stale)
                self.logger.info(f'Removed the partial checkpoint {stale}.')
        if self._resume and self._load_from is None and not self._has_loaded:
            self._load_from = latest_complete_checkpoint(self.work_dir)
            if self._load_from is None:
                self.logger.warning(
                    f'--resume: no checkpoint in {self.work_dir}; training '
                    'starts from scratch.')
        super().load_or_resume()

    def resume(self, filename, *args, **kwargs) -> None:
        with explain_refused_checkpoint(filename):
            super().resume(filename, *args, **kwargs)

    def load_checkpoint(self, filename, *args, **kwargs):
        with explain_refused_checkpoint(filename):
            return super().load_checkpoint(filename, *args, **kwargs)

    def _init_model_weights(self) -> None:
        with pretrained_hint(unwrap_model(self.model)):
            super()._init_model_weights()

    def _log_env(self, env_cfg: dict) -> None:
        super()._log_env(env_cfg)  # to the log file only
        if torch.cuda.is_available():
            device = f'{torch.cuda.device_count()} CUDA device(s)'
        else:
            device = 'CPU (no CUDA device)'
        processes = f'{self.world_size} process' + \
            ('es' if self.world_size > 1 else '')
        if self.distributed:
            processes += (f' ({self.launcher}, '
                          f'{torch.distributed.get_backend()})')
        self.logger.info(
            f'{self.experiment_name}: torch {torch.__version__} on {device}, '
            f'{processes}, seed {self.seed}; environment, config and hook '
            f'order are in {self.logger.log_file}')
