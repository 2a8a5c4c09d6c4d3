"""An MMEngine Runner whose console output starts with what helps, whose
checkpoints are plain data that load without running code, and survive a
kill or a full disk."""

import copy
import logging
import os
import os.path as osp
import re
from collections import OrderedDict

import torch
from mmengine.dist import is_main_process, master_only
from mmengine.hooks import LoggerHook
from mmengine.registry import RUNNERS
from mmengine.runner import EpochBasedTrainLoop, Runner, load_state_dict

from mmspml.engine.hooks.requirements import (
    check_loss_epochs,
    check_loss_hooks,
)
from mmspml.models.utils import pretrained_hint
from mmspml.utils import (
    latest_complete_checkpoint,
    no_space_error,
    unwrap_model,
    use_channels_last,
)
from mmspml.utils.upstream import guard_protected_uses

from .checkpoint import (
    check_checkpoint_layout,
    check_resume_state,
    load_checkpoint_file,
    plain_checkpoint,
    remove_partial_checkpoints,
    replace_atomically,
    route_pretrained_through_safe_loading,
)
from .work_dir import WorkDirLock, is_rank_zero

# Console records that are noise for a user; the log file keeps them all.
_QUIET_PREFIXES = (
    'Config:\n',
    'Hooks will be executed in the following order',
    '"FileClient" will be deprecated',
    '"HardDiskBackend" is the alias',
    '`save_param_scheduler` is True but',
    'An `SPMLRunner` instance is built from registry',
)


# The keys of MMEngine's own default hooks, the only ones its
# register_default_hooks lets a config set to None.
_MMENGINE_DEFAULT_HOOKS = (
    'runtime_info',
    'timer',
    'sampler_seed',
    'logger',
    'param_scheduler',
    'checkpoint',
)

# Fewer train log lines than this per epoch: the LoggerHook's interval is
# lowered so that a short epoch still shows its progress.
_MIN_LOG_LINES_PER_EPOCH = 3


class _ConsoleNoiseFilter(logging.Filter):
    """Drop the environment dump, the config, the hook table and a few
    deprecation notices from the console (not from the log file)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if (
            'System environment:' in message
            and 'Runtime environment:' in message
        ):
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
    - Checkpoints are written as plain data (log buffers and numpy values
      as tagged lists and bytes, :func:`~mmspml.engine.runner.checkpoint.
      plain_checkpoint`), after every hook's ``before_save_checkpoint``, so
      that they load with ``torch.load(weights_only=True)`` and no
      allow-list. ``load_from``, ``--resume``, ``TestBestCheckpointHook``
      and every ``init_cfg=dict(type='Pretrained')`` (local files and
      downloads) load through :func:`~mmspml.engine.runner.checkpoint.
      load_checkpoint_file`; a refused file names its type and the two
      ways out. ``trust_checkpoint = True`` in the config (the tools'
      ``--trust-checkpoint``) loads ``load_from`` / ``--resume`` with full
      unpickling, for files you trust.
    - The hooks an SPML loss needs cannot go missing quietly: mmspml's
      runtime names them in ``default_hooks`` (``spml_loss_epoch``, ...),
      where a config's own ``custom_hooks`` leaves them alone, and any
      ``default_hooks`` key may be set to None to drop it (MMEngine allows
      that only for its own keys). Training refuses to start when a loss
      lacks a hook it needs, and stops when an epoch after the first starts
      with an epoch-dependent loss still at an old epoch
      (:mod:`mmspml.engine.hooks.requirements`).
    - On a full disk a checkpoint write stops with ``OSError`` "no space
      left on <dir>", removes its partial file and leaves the previous
      checkpoint as the resume point; ``--resume`` removes partial files
      of a killed write before anything else is written.
    - A config without a test set (no ``test_dataloader``) trains: the
      ``test_cfg`` of the schedule bases (and any ``test_evaluator``) is
      dropped instead of MMEngine refusing the three half-set
      (:meth:`from_cfg`).
    - A short epoch shows its progress: when ``default_hooks.logger.
      interval`` would log fewer than 3 lines an epoch, it is lowered to
      a quarter of the epoch (at least 1), once, with a log line.
    - One run per work dir: rank 0 holds a :class:`~mmspml.engine.runner.
      work_dir.WorkDirLock` on ``<work_dir>/.train.lock`` while
      :meth:`train` runs (a runner built to resume takes it when built,
      before it removes partial files), so a second run into the same work
      dir stops at once with the pid and host of the first.

    Everything else is MMEngine's Runner. Configs select it with
    ``runner_type = 'SPMLRunner'`` (``configs/_base_/default_runtime.py``).

    Args:
        *args: The positional arguments of
            :class:`mmengine.runner.Runner`.
        **kwargs: The keyword arguments of
            :class:`mmengine.runner.Runner` (``model``, ``work_dir``,
            ``resume``...); with ``resume`` and an existing ``work_dir``,
            rank 0 first takes the work dir's lock and removes the partial
            checkpoints there.
    """

    def __init__(self, *args, **kwargs):
        # The overrides of protected Runner methods below are safe on the
        # verified releases; on others, this checks them first.
        guard_protected_uses()
        work_dir, resume = kwargs.get('work_dir'), kwargs.get('resume')
        self._removed_partial = []
        self._work_dir_lock = WorkDirLock(work_dir) if work_dir else None
        # Before MMEngine writes its log and config into the work dir: on a
        # disk that a failed write filled, this frees the space first. The
        # lock first: a partial file may be another run's write.
        if (
            resume
            and self._work_dir_lock is not None
            and osp.isdir(work_dir)
            and is_rank_zero(kwargs.get('launcher', 'none'))
        ):
            self._work_dir_lock.acquire()
            self._removed_partial = remove_partial_checkpoints(work_dir)
        self._resuming = None
        try:
            super().__init__(*args, **kwargs)
        except BaseException:
            if self._work_dir_lock is not None:
                self._work_dir_lock.release()
            raise

    @classmethod
    def from_cfg(cls, cfg) -> 'SPMLRunner':
        """Build the runner from ``cfg`` as MMEngine does, except that a
        config without ``test_dataloader`` trains: its ``test_cfg`` (which
        the schedule bases set) and ``test_evaluator`` are dropped, since
        MMEngine wants the three all set or all None.

        Args:
            cfg (Config | dict): The config.

        Returns:
            SPMLRunner: The runner.
        """
        if cfg.get('test_dataloader') is None and (
            cfg.get('test_cfg') is not None
            or cfg.get('test_evaluator') is not None
        ):
            cfg = copy.deepcopy(cfg)
            cfg['test_cfg'] = cfg['test_evaluator'] = None
        return super().from_cfg(cfg)

    def train(self):
        """Train as MMEngine does, holding the work dir's lock on rank 0
        (released when training ends or fails).

        Returns:
            nn.Module: The trained model.

        Raises:
            ConfigError: Another run holds the work dir's lock.
        """
        if self._work_dir_lock is not None and is_main_process():
            self._work_dir_lock.acquire()
        try:
            return super().train()
        finally:
            if self._work_dir_lock is not None:
                self._work_dir_lock.release()

    @property
    def trust_checkpoint(self) -> bool:
        """``trust_checkpoint`` of the config: full unpickling for
        ``load_from`` and ``--resume`` (runs code from the file)."""
        return bool(self.cfg.get('trust_checkpoint', False))

    def build_model(self, model):
        model = super().build_model(model)
        route_pretrained_through_safe_loading(model)
        return model

    def register_default_hooks(self, hooks=None) -> None:
        """Register the default hooks, as MMEngine does, except that a key
        set to None is dropped whatever its name (mmspml's named loss hooks
        and MMPretrain's ``visualization`` included)."""
        if hooks is not None:
            hooks = {
                name: hook
                for name, hook in hooks.items()
                if hook is not None or name in _MMENGINE_DEFAULT_HOOKS
            }
        super().register_default_hooks(hooks)

    def call_hook(self, fn_name: str, **kwargs) -> None:
        super().call_hook(fn_name, **kwargs)
        if fn_name == 'before_train':
            check_loss_hooks(self.model, self.hooks)
            self._fit_log_interval()
        elif fn_name == 'before_train_epoch':
            check_loss_epochs(self.model, self.epoch)
        elif fn_name == 'before_save_checkpoint':
            # After every hook added its part: the file is plain data.
            checkpoint = kwargs['checkpoint']
            plain = plain_checkpoint(checkpoint)
            checkpoint.clear()
            checkpoint.update(plain)

    def _fit_log_interval(self) -> None:
        """Lower the LoggerHook's interval to a quarter of an epoch when it
        would log fewer than ``_MIN_LOG_LINES_PER_EPOCH`` lines an epoch
        (the default 20 shows nothing until a 9-iteration epoch ends)."""
        if not isinstance(self.train_loop, EpochBasedTrainLoop):
            return
        iters = len(self.train_dataloader)
        for hook in self.hooks:
            if not isinstance(hook, LoggerHook):
                continue
            interval = max(1, iters // 4)
            if (
                iters // hook.interval < _MIN_LOG_LINES_PER_EPOCH
                and interval < hook.interval
            ):
                self.logger.info(
                    f'Logging every {interval} iterations instead of '
                    f'{hook.interval} (default_hooks.logger.interval): an '
                    f'epoch has only {iters} iterations.'
                )
                hook.interval = interval

    def build_logger(self, log_level='INFO', log_file=None, **kwargs):
        logger = super().build_logger(log_level, log_file, **kwargs)
        for handler in logger.handlers:
            if not isinstance(handler, logging.FileHandler) and not any(
                isinstance(f, _ConsoleNoiseFilter) for f in handler.filters
            ):
                handler.addFilter(_ConsoleNoiseFilter())
        return logger

    def wrap_model(self, model_wrapper_cfg, model):
        if self.cfg.get('channels_last', False):
            use_channels_last(model)
        return super().wrap_model(model_wrapper_cfg, model)

    @master_only
    def save_checkpoint(self, out_dir, filename, *args, **kwargs):
        if '://' in str(out_dir):  # a remote backend: as MMEngine does
            return super().save_checkpoint(out_dir, filename, *args, **kwargs)
        os.makedirs(out_dir, exist_ok=True)
        tmp_name = f'.{filename}.tmp'
        tmp_path = osp.join(out_dir, tmp_name)
        try:
            super().save_checkpoint(out_dir, tmp_name, *args, **kwargs)
            replace_atomically(tmp_path, osp.join(out_dir, filename))
        except BaseException as err:
            if osp.exists(tmp_path):
                os.remove(tmp_path)
            full = no_space_error(err, out_dir, filename)
            if full is None:
                raise
            previous = latest_complete_checkpoint(out_dir)
            raise OSError(
                full.errno,
                f'{full.strerror}; '
                + (
                    f'the resume point is still {previous}'
                    if previous
                    else 'no earlier checkpoint exists'
                )
                + '. Free space, then run again with --resume.',
            ) from err

    def load_or_resume(self) -> None:
        if self._resume and is_main_process():
            # Partial files of a write that was killed: never loaded.
            stale = self._removed_partial + remove_partial_checkpoints(
                self.work_dir
            )
            for path in stale:
                self.logger.info(f'Removed the partial checkpoint {path}.')
            self._removed_partial = []
        if self._resume and self._load_from is None and not self._has_loaded:
            self._load_from = latest_complete_checkpoint(self.work_dir)
            if self._load_from is None:
                self.logger.warning(
                    f'--resume: no checkpoint in {self.work_dir}; training '
                    'starts from scratch.'
                )
        super().load_or_resume()

    def resume(self, filename, *args, **kwargs) -> None:
        self._resuming = filename
        try:
            super().resume(filename, *args, **kwargs)
        finally:
            self._resuming = None

    def load_checkpoint(
        self,
        filename: str,
        map_location='cpu',
        strict: bool = False,
        revise_keys: list = [(r'^module.', '')],  # noqa: B006 (MMEngine's)
    ):
        """Load ``filename`` into the model, as MMEngine's
        :meth:`~mmengine.runner.Runner.load_checkpoint` does, reading it
        with :func:`~mmspml.engine.runner.checkpoint.load_checkpoint_file`
        (``trust=`` the config's ``trust_checkpoint``)."""
        checkpoint = load_checkpoint_file(
            filename, map_location, trust=self.trust_checkpoint
        )
        check_checkpoint_layout(
            checkpoint, filename, resume=self._resuming is not None
        )
        if self._resuming is not None:
            check_resume_state(
                checkpoint,
                filename,
                self.work_dir,
                self.trust_checkpoint,
                self.logger,
            )
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        state = checkpoint.get('state_dict', checkpoint)
        metadata = getattr(state, '_metadata', None)
        for pattern, replacement in revise_keys:
            state = OrderedDict(
                (re.sub(pattern, replacement, k), v) for k, v in state.items()
            )
        if metadata is not None:
            state._metadata = metadata
        load_state_dict(unwrap_model(self.model), state, strict)
        self._has_loaded = True  # MMEngine's load_or_resume reads it
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint

    def _init_model_weights(self) -> None:
        with pretrained_hint(unwrap_model(self.model)):
            super()._init_model_weights()

    def _log_env(self, env_cfg: dict) -> None:
        super()._log_env(env_cfg)  # to the log file only
        if torch.cuda.is_available():
            device = f'{torch.cuda.device_count()} CUDA device(s)'
        else:
            device = 'CPU (no CUDA device)'
        processes = f'{self.world_size} process' + (
            'es' if self.world_size > 1 else ''
        )
        if self.distributed:
            processes += (
                f' ({self.launcher}, {torch.distributed.get_backend()})'
            )
        self.logger.info(
            f'{self.experiment_name}: torch {torch.__version__} on {device}, '
            f'{processes}, seed {self.seed}; environment, config and hook '
            f'order are in {self.logger.log_file}'
        )
