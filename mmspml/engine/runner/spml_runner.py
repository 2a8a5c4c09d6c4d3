"""An MMEngine Runner whose console output starts with what helps."""
import logging

import torch
from mmengine.model import is_model_wrapper
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmspml.models.utils import pretrained_hint

# Console records that are noise for a user; the log file keeps them all.
_QUIET_PREFIXES = (
    'Config:\n',
    'Hooks will be executed in the following order',
    '"FileClient" will be deprecated',
    '"HardDiskBackend" is the alias',
    '`save_param_scheduler` is True but',
    'An `SPMLRunner` instance is built from registry',
)


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
    """:class:`mmengine.runner.Runner` with a short console preamble and a
    hint when pretrained weights cannot be loaded.

    The full environment, the config and the hook order still go to the
    log file in the work dir; the console gets one line with the device,
    the number of processes, the seed and where the log file is. A failure
    to load ``Pretrained`` weights says how to use a local file. Everything
    else is MMEngine's Runner. Configs select it with
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

    def _init_model_weights(self) -> None:
        model = self.model.module if is_model_wrapper(self.model) else \
            self.model
        with pretrained_hint(model):
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
