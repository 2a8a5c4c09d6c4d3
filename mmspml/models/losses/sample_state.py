"""Per-sample state of an SPML loss, kept as the loss's extra state.

State is keyed by the training-set index that
:class:`~mmspml.datasets.SinglePositiveDataset` gives each sample. It is not
a parameter or a buffer: it goes into every checkpoint through
``nn.Module.get_extra_state`` (key ``<loss>._extra_state``) and comes back
on ``--resume`` through ``set_extra_state``, but DDP never broadcasts it and
``SyncBuffersHook`` never averages it. It stays identical on every rank
because each change is gathered from all ranks and applied everywhere in
the same order.
"""

from typing import Any, Dict, Optional, Tuple

import numpy as np
import torch

#: Key of the state inside the dict that ``get_extra_state`` returns.
STATE_KEY = 'sample_state'


def dense_observed(observed_labels) -> torch.Tensor:
    """The N x C float tensor of observed labels in the losses' convention
    (1 = observed positive, -1 = observed negative, 0 = unannotated), from a
    dense matrix or a :class:`~mmspml.datasets.SparseLabels` (built without
    a dense copy).

    Args:
        observed_labels (SparseLabels | array-like): The training set's
            observed labels: a :class:`~mmspml.datasets.SparseLabels`
            (stored negatives become -1) or an N x C matrix of 1/0/-1.

    Returns:
        Tensor: N x C float32 of 1, -1 and 0.
    """
    if hasattr(observed_labels, 'indptr'):
        labels = observed_labels
        dense = torch.zeros(labels.shape, dtype=torch.float32)
        rows = np.repeat(np.arange(len(labels)), np.diff(labels.indptr))
        cols = labels.indices.astype(np.int64)
        values = np.ones(len(cols), dtype=np.float32)
        if labels.states is not None:
            values[labels.states != 1] = -1  # SparseLabels' NEGATIVE
        dense[torch.from_numpy(rows), torch.from_numpy(cols)] = (
            torch.from_numpy(values)
        )
        return dense
    return torch.as_tensor(np.asarray(observed_labels), dtype=torch.float32)


class SampleStateMixin:
    """Mixin for :class:`~mmspml.models.losses.SPMLLoss` subclasses whose
    state is indexed by training sample (ROLE, EM + APL, LL-Cp).

    A subclass names its tensors in ``state_names`` and allocates them in
    :meth:`new_state`; the mixin implements the contract's
    :meth:`init_sample_state`, sets ``requires_index``, and saves and
    restores the tensors as the module's extra state, even before they are
    set up (a resume loads the checkpoint before training starts).
    Checkpoints of mmspml 0.1, which kept the state as buffers, load too.
    Put the mixin first among the bases:
    ``class ROLELoss(SampleStateMixin, SPMLLoss)``.

    The state is N x C float32 per tensor (ROLE keeps three, EM + APL two,
    LL-Cp one): 4 GB per tensor for a million images of 1,000 classes
    (``docs/loss_contract.md``). It lives on the device of the logits it
    meets (moved there once, at the first step); with ``state_device='cpu'``
    it stays in host memory and each step copies the batch's rows over (a
    host-device sync per step).

    Args:
        state_device (str, optional): ``'cpu'`` keeps the state in host
            memory; None keeps it with the logits. Defaults to None.
        **kwargs: The other arguments of the loss, passed on to the next
            base (the :class:`~mmspml.models.losses.SPMLLoss` subclass).

    Raises:
        ValueError: ``state_device`` is neither None nor ``'cpu'``.
    """

    requires_index = True
    state_names: Tuple[str, ...] = ()

    def __init__(self, state_device: Optional[str] = None, **kwargs):
        if state_device not in (None, 'cpu'):
            raise ValueError(
                f'{type(self).__name__}: state_device must be '
                f"None or 'cpu', got {state_device!r}"
            )
        super().__init__(**kwargs)
        self.state_device = state_device
        self._sample_state: Dict[str, torch.Tensor] = {}
        self.register_load_state_dict_pre_hook(_state_from_buffers)

    def state_rows(
        self, name: str, sample_idx: torch.Tensor, device
    ) -> torch.Tensor:
        """Rows of one state tensor.

        Args:
            name (str): One of ``state_names``.
            sample_idx (Tensor): Training-set indices of the rows.
            device (torch.device): Where the rows are wanted.

        Returns:
            Tensor: The rows, on ``device``.
        """
        state = self.state_on(device)[name]
        return state[sample_idx.to(state.device)].to(device)

    def to_state_device(self, *tensors: torch.Tensor) -> tuple:
        """Move tensors to the state's device.

        Args:
            *tensors (Tensor): Tensors to move.

        Returns:
            tuple[Tensor]: ``tensors`` on the device the state is on.
        """
        device = next(iter(self.state_on(None).values())).device
        return tuple(t.to(device) for t in tensors)

    def new_state(self, observed: torch.Tensor) -> Dict[str, torch.Tensor]:
        """The initial state for a training set.

        Args:
            observed (Tensor): N x C float tensor of observed labels.

        Returns:
            dict[str, Tensor]: Every name of ``state_names``.
        """
        raise NotImplementedError

    def init_sample_state(self, observed_labels) -> None:
        """Allocate the state for this training set, or keep the state a
        checkpoint restored after checking that it fits.

        Args:
            observed_labels (SparseLabels | np.ndarray): The training set's
                observed labels.
        """
        observed = dense_observed(observed_labels)
        fresh = self.new_state(observed)
        if self._sample_state:
            self._check_shapes(
                self._sample_state,
                'the checkpoint',
                fresh,
                'this training set',
            )
            return
        self._sample_state = {
            name: fresh[name].float() for name in self.state_names
        }

    @property
    def state(self) -> Dict[str, torch.Tensor]:
        """The state tensors by name (empty before set-up)."""
        return dict(self._sample_state)

    def state_on(self, device) -> Dict[str, torch.Tensor]:
        """The state, on ``device`` unless ``state_device`` pins it.

        Args:
            device (torch.device, optional): The device of the logits; None
                leaves the state where it is.

        Returns:
            dict[str, Tensor]: The state tensors by name.

        Raises:
            RuntimeError: When the state was never set up.
        """
        if not self._sample_state:
            raise RuntimeError(
                f'{type(self).__name__}: per-sample state not set up; '
                "training must run with a LossSampleStateHook (mmspml's "
                'default runtime has it as default_hooks.spml_sample_state).'
            )
        if device is not None and self.state_device is None:
            device = torch.device(device)
            first = next(iter(self._sample_state.values()))
            if first.device != device:
                self._sample_state = {
                    name: value.to(device)
                    for name, value in self._sample_state.items()
                }
        return self._sample_state

    def get_extra_state(self) -> Dict[str, Any]:
        """What a checkpoint keeps of the loss besides its parameters.

        Returns:
            dict | Tensor: ``{'sample_state': {name: tensor}}``; before
            set-up an empty tensor, which MMEngine's weight broadcast under
            DDP (every ``state_dict`` value) can send.
        """
        if not self._sample_state:
            return torch.zeros(0)
        return {STATE_KEY: dict(self._sample_state)}

    def set_extra_state(self, state: Any) -> None:
        """Restore what :meth:`get_extra_state` saved.

        Args:
            state (dict): ``{'sample_state': {name: tensor}}``.

        Raises:
            ValueError: When the saved state is malformed, partial, or does
                not fit the state already set up.
        """
        if isinstance(state, torch.Tensor) and state.numel() == 0:
            return  # saved before the state was set up
        saved = state.get(STATE_KEY) if isinstance(state, dict) else None
        if not isinstance(saved, dict) or not all(
            isinstance(v, torch.Tensor) for v in saved.values()
        ):
            raise ValueError(
                f"{type(self).__name__}: the checkpoint's extra state must "
                f"be {{'{STATE_KEY}': {{name: tensor}}}}, got "
                f'{str(state)[:80]}'
            )
        if not saved:
            return  # saved before the state was set up
        if set(saved) != set(self.state_names):
            raise ValueError(
                f'{type(self).__name__}: the checkpoint holds the loss state '
                f'{sorted(saved)}, expected {sorted(self.state_names)}.'
            )
        if self._sample_state:
            self._check_shapes(
                saved,
                'the checkpoint',
                self._sample_state,
                'this training set',
            )
            for name, value in saved.items():
                self._sample_state[name].copy_(value)
        else:
            # A resume loads the checkpoint before training sets the state
            # up: keep a copy (the checkpoint dict may be reused).
            self._sample_state = {
                name: saved[name].detach().to(torch.float32, copy=True)
                for name in self.state_names
            }
        if self.state_device is not None:
            self._sample_state = {
                name: value.to(self.state_device)
                for name, value in self._sample_state.items()
            }

    def _check_shapes(
        self, have: dict, have_from: str, want: dict, want_from: str
    ) -> None:
        for name in self.state_names:
            a, b = tuple(have[name].shape), tuple(want[name].shape)
            if a != b:
                raise ValueError(
                    f'{type(self).__name__}: the loss state {name!r} has '
                    f'shape {a} in {have_from} but {b} in {want_from}; was '
                    'the checkpoint saved for another dataset?'
                )


def _state_from_buffers(module, state_dict, prefix, *args) -> None:
    """Load-state-dict pre-hook: turn the state buffers of an mmspml 0.1
    checkpoint (``<loss>.<name>``) into the extra state they are now."""
    names = [n for n in module.state_names if prefix + n in state_dict]
    if not names:
        return
    if len(names) != len(module.state_names):
        missing = sorted(set(module.state_names) - set(names))
        raise ValueError(
            f'{type(module).__name__}: the checkpoint holds only part of '
            f'the loss state (missing {missing}).'
        )
    state_dict[prefix + '_extra_state'] = {
        STATE_KEY: {n: state_dict.pop(prefix + n) for n in names}
    }
