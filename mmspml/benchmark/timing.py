"""Timing helpers of the benchmarks: device synchronisation, seconds per
call, per-iteration and per-hook times of a Runner."""

import contextlib
import platform
import time
from collections import defaultdict

import torch
from mmengine.hooks import Hook

from mmspml.utils import unwrap_model

from .reference_loop import masked_gr_loss, one_positive_target


class StepTimer(Hook):
    """Times the iterations after ``warmup`` (from the end of one
    ``after_train_iter`` to the end of the last one) and the gaps between
    iterations (data fetch plus ``before_train_iter`` hooks).

    The measured span is in ``start`` / ``end`` (seconds of
    ``time.perf_counter``), the summed gaps in ``gaps``; ``measuring`` is
    True while the span runs.

    Args:
        warmup (int): The iterations before the measurement starts; it
            starts at the end of iteration ``warmup``.
        total (int): The iteration at whose end the measurement stops.
        sync (Callable): Waits for the device (:func:`make_sync`), called
            at the start and the end of the measurement.
    """

    priority = 'LOWEST'

    def __init__(self, warmup: int, total: int, sync):
        self.warmup, self.total, self.sync = warmup, total, sync
        self.measuring = False
        self.start = self.end = self.last = None
        self.gaps = 0.0

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if self.measuring:
            self.gaps += time.perf_counter() - self.last

    def after_train_iter(
        self, runner, batch_idx, data_batch=None, outputs=None
    ):
        if batch_idx + 1 == self.warmup:
            self.sync()
            self.start = self.last = time.perf_counter()
            self.measuring = True
        elif self.measuring:
            if batch_idx + 1 == self.total:
                self.sync()
                self.end = time.perf_counter()
                self.measuring = False
            self.last = time.perf_counter()


def time_hooks(runner, timer, sync):
    """Replace ``runner.call_hook``: while ``timer`` measures, each hook
    call's host time is added to the returned dict under (stage, hook).

    Args:
        runner (Runner): The runner whose ``call_hook`` is replaced.
        timer (StepTimer): The timer registered on ``runner``; hooks are
            timed only while it measures, and its own calls are not
            timed.
        sync (Callable): Waits for the device (:func:`make_sync`), called
            before each timed hook stage.

    Returns:
        defaultdict: Seconds keyed by ``(fn_name, hook class name)``, e.g.
        ``('after_train_iter', 'LoggerHook')``, filled while the runner
        trains.
    """
    spent = defaultdict(float)
    call_hook = runner.call_hook

    def timed_call_hook(fn_name, **kwargs):
        if not timer.measuring:
            return call_hook(fn_name, **kwargs)
        sync()
        for hook in runner.hooks:
            if hook is timer:
                getattr(hook, fn_name)(runner, **kwargs)
            elif hasattr(hook, fn_name):
                start = time.perf_counter()
                getattr(hook, fn_name)(runner, **kwargs)
                spent[fn_name, type(hook).__name__] += (
                    time.perf_counter() - start
                )

    runner.call_hook = timed_call_hook
    return spent


def make_sync(device):
    """A function that waits for the device's queued work.

    Args:
        device (str): ``'cuda'`` or ``'cpu'``.

    Returns:
        Callable: ``torch.cuda.synchronize`` for ``'cuda'``, else a
        function that does nothing.
    """
    if device == 'cuda':
        return torch.cuda.synchronize
    return lambda: None


def time_loop(step, iters, warmup, sync):
    """Seconds per call of ``step`` over ``iters - warmup`` calls.

    Args:
        step (Callable): The call to time, without arguments.
        iters (int): All the calls, warm-up included.
        warmup (int): The first calls, not timed.
        sync (Callable): Waits for the device (:func:`make_sync`), called
            before and after the timed calls.

    Returns:
        float: The mean seconds of one timed call.
    """
    for _ in range(warmup):
        step()
    sync()
    start = time.perf_counter()
    for _ in range(iters - warmup):
        step()
    sync()
    return (time.perf_counter() - start) / (iters - warmup)


def device_name(device):
    """The device's name for the benchmark's report.

    Args:
        device (str): ``'cuda'`` or ``'cpu'``.

    Returns:
        str: The CUDA device's name, or the CPU's model name (from
        ``/proc/cpuinfo`` where there is one) and torch's thread count.
    """
    if device == 'cuda':
        return torch.cuda.get_device_name()
    name = platform.processor() or 'CPU'
    with contextlib.suppress(OSError):
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    name = line.split(':', 1)[1].strip()
                    break
    threads = torch.get_num_threads()
    return f'{name}, {threads} thread{"s" if threads > 1 else ""}'


def time_losses(runner, params, batch, num_classes, device, reps, sync):
    """Seconds of one forward + backward of the runner's loss module (as
    the head calls it) and of the masked loss, on (batch, classes)
    logits.

    Args:
        runner (Runner): The runner whose head's ``loss_module`` is timed.
        params (dict): The keyword arguments of :func:`masked_gr_loss`
            (``w``, ``b``, ``mu``, ``sigma``, ``q2``, ``q3``, ``eps``).
        batch (int): The number of rows of the logits.
        num_classes (int): The number of classes of the logits.
        device (str): Where the logits and target live.
        reps (int): The timed calls of each loss, after
            ``min(10, reps)`` warm-up calls.
        sync (Callable): Waits for the device (:func:`make_sync`).

    Returns:
        tuple[float, float]: Seconds per call of the runner's loss module
        and of :func:`masked_gr_loss`.
    """
    loss_module = unwrap_model(runner.model).head.loss_module
    torch.manual_seed(0)
    logits = torch.randn(batch, num_classes, device=device, requires_grad=True)
    target = one_positive_target(batch, num_classes, device)

    def ours():
        logits.grad = None
        loss_module(logits, target, avg_factor=batch).backward()

    def masked():
        logits.grad = None
        masked_gr_loss(logits, target, **params).backward()

    warmup = min(10, reps)
    return (
        time_loop(ours, reps + warmup, warmup, sync),
        time_loop(masked, reps + warmup, warmup, sync),
    )
