"""Per-sample state of an SPML loss, kept as buffers of the loss.

State is keyed by the training-set index that
:class:`~mmspml.datasets.SinglePositiveDataset` gives each sample. As
buffers it is saved in every checkpoint with the model and restored on
``--resume``; it is kept identical on every DDP rank because each change is
gathered from all ranks and applied everywhere in the same order (DDP's
start-up broadcast leaves it unchanged, and ``SPMLSyncBuffersHook`` does not
average it).
"""
from typing import Dict, Optional, Tuple

import numpy as np
import torch


def dense_observed(observed_labels) -> torch.Tensor:
    """The N x C float tensor of observed positives, from a dense matrix or
    a :class:`~mmspml.datasets.SparseLabels` (built without a dense copy)."""
    if hasattr(observed_labels, 'indptr'):
        labels = observed_labels
        dense = torch.zeros(labels.shape, dtype=torch.float32)
        rows = np.repeat(np.arange(len(labels)), np.diff(labels.indptr))
        cols = labels.indices.astype(np.int64)
        if labels.states is not None:  # observed negatives stay 0
            positive = labels.states == 1  # SparseLabels' POSITIVE
            rows, cols = rows[positive], cols[positive]
        dense[torch.from_numpy(rows), torch.from_numpy(cols)] = 1
        return dense
    return torch.as_tensor(np.asarray(observed_labels), dtype=torch.float32)


class SampleStateMixin:
    """Mixin for :class:`~mmspml.models.losses.SPMLLoss` subclasses whose
    state is indexed by training sample (ROLE, EM + APL, LL-Cp).

    A subclass names its buffers in ``state_names`` and allocates them in
    :meth:`new_state`; the mixin implements the contract's
    :meth:`init_sample_state`, sets ``requires_index``, and restores the
    buffers from a checkpoint even before they are set up (a resume loads
    the checkpoint before training starts). Put the mixin first among the
    bases: ``class ROLELoss(SampleStateMixin, SPMLLoss)``.

    The state is N x C float32 per buffer (ROLE keeps three, EM + APL two,
    LL-Cp one): 4 GB per buffer for a million images of 1,000 classes
    (``docs/loss_contract.md``). With ``state_device='cpu'`` it stays in
    host memory when the model moves to a GPU; each step then copies the
    batch's rows over (a host-device sync per step).

    Args:
        state_device (str, optional): ``'cpu'`` keeps the state in host
            memory; None keeps it with the model. Defaults to None.
    """
    requires_index = True
    state_names: Tuple[str, ...] = ()

    def __init__(self, state_device: Optional[str] = None, **kwargs):
        if state_device not in (None, 'cpu'):
            raise ValueError(f"{type(self).__name__}: state_device must be "
                             f"None or 'cpu', got {state_device!r}")
        super().__init__(**kwargs)
        self.state_device = state_device
        self._state_ready = False

    def _apply(self, fn, *args, **kwargs):
        """``model.to(...)``/``.cuda()`` leave the state where it is when
        ``state_device`` is set."""
        if self.state_device is None or not self._state_ready:
            return super()._apply(fn, *args, **kwargs)
        kept = {name: self._buffers.pop(name) for name in self.state_names}
        try:
            return super()._apply(fn, *args, **kwargs)
        finally:
            self._buffers.update(kept)

    def state_rows(self, name: str, sample_idx: torch.Tensor,
                   device) -> torch.Tensor:
        """Rows ``sample_idx`` of the state ``name``, on ``device``."""
        state = self.state_on(device)[name]
        return state[sample_idx.to(state.device)].to(device)

    def to_state_device(self, *tensors: torch.Tensor) -> tuple:
        """``tensors`` moved to the device the state is on."""
        device = next(iter(self.state_on(None).values())).device
        return tuple(t.to(device) for t in tensors)

    def new_state(self, observed: torch.Tensor) -> Dict[str, torch.Tensor]:
        """The initial state (every name of ``state_names``) for the N x C
        float tensor of observed labels."""
        raise NotImplementedError

    def init_sample_state(self, observed_labels: np.ndarray) -> None:
        """Allocate the state for this training set, or keep the state a
        checkpoint restored after checking that it fits."""
        observed = dense_observed(observed_labels)
        fresh = self.new_state(observed)
        if self._state_ready:
            self._check_shapes(self.state, 'the checkpoint', fresh,
                               'this training set')
            return
        for name, value in fresh.items():
            self.register_buffer(name, value.float())
        self._state_ready = True

    @property
    def state(self) -> Dict[str, torch.Tensor]:
        """The state buffers by name (empty before set-up)."""
        if not self._state_ready:
            return {}
        return {name: getattr(self, name) for name in self.state_names}

    def state_on(self, device) -> Dict[str, torch.Tensor]:
        """The state, with a clear error when it was never set up."""
        if not self._state_ready:
            raise RuntimeError(
                f'{type(self).__name__}: per-sample state not set up; '
                "training must run with the LossSampleStateHook (it is in "
                "configs/_base_/default_runtime.py's custom_hooks).")
        return self.state

    def _check_shapes(self, have: dict, have_from: str, want: dict,
                      want_from: str) -> None:
        for name in self.state_names:
            a, b = tuple(have[name].shape), tuple(want[name].shape)
            if a != b:
                raise ValueError(
                    f'{type(self).__name__}: the loss state {name!r} has '
                    f'shape {a} in {have_from} but {b} in {want_from}; was '
                    'the checkpoint saved for another dataset?')

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        saved = {
            name: state_dict[prefix + name]
            for name in self.state_names if prefix + name in state_dict
        }
        if saved and len(saved) != len(self.state_names):
            missing = sorted(set(self.state_names) - set(saved))
            raise ValueError(
                f'{type(self).__name__}: the checkpoint holds only part of '
                f'the loss state (missing {missing}).')
        if saved and self._state_ready:
            self._check_shapes(saved, 'the checkpoint', self.state,
                               'this training set')
        elif saved:
            # A resume loads the checkpoint before training sets the state
            # up: allocate it here, the parent copies the values in.
            for name, value in saved.items():
                self.register_buffer(
                    name, torch.zeros(value.shape, dtype=torch.float32))
            self._state_ready = True
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
