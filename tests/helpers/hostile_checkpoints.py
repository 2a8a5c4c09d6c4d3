"""A corpus of crafted checkpoints: none may load, none may crash the
process, each error must name the file.

:func:`write_corpus` writes every file into a folder, from a real plain
checkpoint (for the files that start from one) and from pickles built here
by hand: the attacks on allow-listed numpy and MMEngine types that safe
loading with an allow-list was open to, what torch's own weights-only
allow-list still lets through (attributes on tensors and OrderedDicts,
tensor views outside their storage, tensor subclasses), containers that
are nested, shared, cyclic or huge, files that are empty, truncated or
zips with tricks, and mmspml's own tagged records with lies in them.
"""

import collections
import io
import os
import os.path as osp
import pickle
import zipfile

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

MARKER = 'HOSTILE_CHECKPOINT_RAN'
# Files that are harmful only where a checkpoint is resumed from (what
# Runner.resume and the hooks read of the message hub and meta); elsewhere
# they are ordinary weights.
RESUME_ONLY = frozenset(
    {
        'resume_meta_config_runs_code',
        'resume_best_ckpt_trusted_prefix',
        'resume_best_score_not_a_number',
        'resume_seed_too_large',
        'resume_message_hub_empty',
        'resume_optimizer_empty',
        'resume_scheduler_sets_optimizer',
    }
)
# Real checkpoints that must load everywhere (the controls).
GOOD = frozenset({'good_plain', 'good_with_empty_log_buffer'})


class Reduce:
    """Pickles as ``fn(*args)`` (then BUILD with ``state`` if given): the
    opcodes a crafted file is made of."""

    def __init__(self, fn, args=(), state=None):
        self.fn, self.args, self.state = fn, args, state

    def __reduce__(self):
        if self.state is None:
            return self.fn, self.args
        return self.fn, self.args, self.state


def typed_storage(tensor):
    return torch.storage.TypedStorage(
        wrap_storage=tensor.untyped_storage(),
        dtype=tensor.dtype,
        _internal=True,
    )


def array_interface(address=0x1000, nbytes=4096):
    """What numpy turns into an array over ``nbytes`` at ``address``."""
    return {
        'data': (address, False),
        'shape': (nbytes,),
        'typestr': '|u1',
        'version': 3,
    }


def tensor_v2(storage, offset, size, stride):
    return Reduce(
        torch._utils._rebuild_tensor_v2,
        (storage, offset, size, stride, False, collections.OrderedDict()),
    )


def with_weights(good, **changes):
    """``good`` with entries replaced: ``meta__x=v`` sets meta['x']."""
    checkpoint = dict(good)
    checkpoint['meta'] = dict(good['meta'])
    for key, value in changes.items():
        if key.startswith('meta__'):
            checkpoint['meta'][key[6:]] = value
        else:
            checkpoint[key] = value
    return checkpoint


def torch_file(obj, **kwargs) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer, **kwargs)
    return buffer.getvalue()


def rezip(data: bytes, edit) -> bytes:
    """The zip ``data`` with its members passed through ``edit(name,
    payload) -> [(name, payload, compression)]``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w') as target:
        for info in source.infolist():
            for name, payload, method in edit(
                info.filename, source.read(info)
            ):
                target.writestr(
                    zipfile.ZipInfo(name), payload, compress_type=method
                )
    return out.getvalue()


def nested_lists(depth):
    """``[[[...]]]`` ``depth`` deep, as raw pickle opcodes (the pickler
    itself would recurse)."""
    body = b'\x80\x02' + b']' * depth + b'a' * (depth - 1) + b'.'
    return body


def plain_pickle_zip(pickle_bytes: bytes, template: bytes) -> bytes:
    """A torch zip whose data.pkl is ``pickle_bytes``."""
    return rezip(
        template,
        lambda name, payload: [
            (
                name,
                pickle_bytes if name.endswith('/data.pkl') else payload,
                zipfile.ZIP_STORED,
            )
        ],
    )


def write_corpus(folder: str, good_path: str) -> dict:
    """Write the corpus into ``folder``; returns ``{name: path}``.

    ``good_path`` is a checkpoint written by mmspml (plain format); files
    derived from it keep its weights, so only the crafted part can be why
    they fail.
    """
    os.makedirs(folder, exist_ok=True)
    with open(good_path, 'rb') as f:
        good_bytes = f.read()
    good = torch.load(good_path, weights_only=True)
    marker = osp.join(folder, MARKER)
    weights = torch.ones(4)
    storage = typed_storage(weights)
    files = {}

    def add(name, data):
        path = osp.join(folder, name + '.pth')
        with open(path, 'wb') as f:
            f.write(data if isinstance(data, bytes) else torch_file(data))
        files[name] = path

    # -- what an allow-list of numpy and MMEngine types let through -------
    add(
        'history_buffer_array_interface',
        with_weights(
            good,
            message_hub={
                'log_scalars': {
                    'train/loss': Reduce(
                        HistoryBuffer,
                        (),
                        {
                            '__array_interface__': array_interface(),
                            '_log_history': Reduce(HistoryBuffer, ()),
                        },
                    )
                },
                'runtime_info': {},
                'resumed_keys': {},
            },
        ),
    )
    add(
        'ndarray_object_pointer',
        with_weights(
            good,
            meta__dataset_meta={
                'classes': Reduce(np.ndarray, ((1,), np.dtype('O'), b'A' * 8))
            },
        ),
    )
    add(
        'numpy_reconstruct_object_dtype',
        with_weights(
            good,
            meta__note=Reduce(
                np.core.multiarray._reconstruct
                if hasattr(np, 'core')
                else np._core.multiarray._reconstruct,
                (np.ndarray, (0,), b'b'),
                (1, (1,), np.dtype('O'), False, b'B' * 8),
            ),
        ),
    )
    add(
        'numpy_dtype_build_flags',
        with_weights(
            good,
            meta__note=Reduce(
                np.dtype,
                ('V8', False, True),
                (3, '|', None, ('x',), {'x': (np.dtype('O'), 0)}, 8, 1, 0x3F),
            ),
        ),
    )
    add(
        'numpy_scalar_forged',
        with_weights(
            good,
            meta__eta=Reduce(
                np._core.multiarray.scalar, (np.dtype('O'), b'C' * 8)
            ),
        ),
    )
    add(
        'getattr_chain',
        with_weights(good, meta__note=Reduce(getattr, (HistoryBuffer, 'min'))),
    )
    add(
        'runs_a_shell_command',
        with_weights(good, meta__note=Reduce(os.system, (f'touch {marker}',))),
    )
    add(
        'legacy_format_shell_command',
        torch_file(
            with_weights(
                good, meta__note=Reduce(os.system, (f'touch {marker}',))
            ),
            _use_new_zipfile_serialization=False,
        ),
    )
    # -- what torch's own weights-only list lets through ---------------------
    add(
        'ordereddict_array_interface',
        with_weights(
            good,
            state_dict=Reduce(
                collections.OrderedDict,
                (),
                {'__array_interface__': array_interface()},
            ),
        ),
    )
    add(
        'state_dict_metadata_lie',
        with_weights(
            good,
            state_dict=Reduce(
                collections.OrderedDict,
                (list(good['state_dict'].items()),),
                {'_metadata': {'backbone.bn1': {'version': 'not an int'}}},
            ),
        ),
    )
    add(
        'tensor_with_array_interface',
        with_weights(
            good,
            meta__dataset_meta={
                'classes': Reduce(
                    torch._tensor._rebuild_from_type_v2,
                    (
                        torch._utils._rebuild_tensor_v2,
                        torch.Tensor,
                        (
                            storage,
                            0,
                            (4,),
                            (1,),
                            False,
                            collections.OrderedDict(),
                        ),
                        {'__array_interface__': array_interface()},
                    ),
                )
            },
        ),
    )
    add(
        'parameter_with_state',
        with_weights(
            good,
            meta__note=Reduce(
                torch._utils._rebuild_parameter_with_state,
                (
                    weights,
                    False,
                    collections.OrderedDict(),
                    {'__array_interface__': array_interface(), 'tolist': 1},
                ),
            ),
        ),
    )
    add(
        'tensor_view_past_storage',
        with_weights(
            good, meta__note=tensor_v2(storage, 1 << 20, (16,), (1,))
        ),
    )
    add(
        'tensor_huge_stride',
        with_weights(good, meta__note=tensor_v2(storage, 0, (2,), (1 << 60,))),
    )
    add(
        'tensor_negative_stride',
        with_weights(good, meta__note=tensor_v2(storage, 3, (4,), (-1,))),
    )
    add(
        'tensor_subclass',
        with_weights(
            good,
            meta__note=Reduce(
                torch._tensor._rebuild_from_type_v2,
                (
                    torch._utils._rebuild_tensor_v2,
                    torch.FloatTensor,
                    (storage, 0, (4,), (1,), False, collections.OrderedDict()),
                    {},
                ),
            ),
        ),
    )
    add(
        'meta_tensor_weights',
        with_weights(
            good,
            state_dict={
                k: torch.empty(v.shape, device='meta')
                for k, v in good['state_dict'].items()
            },
        ),
    )
    add(
        'sparse_tensor_bad_indices',
        with_weights(
            good,
            meta__note=Reduce(
                torch._utils._rebuild_sparse_tensor,
                (
                    torch.sparse_coo,
                    (2, 2),
                    (torch.tensor([[0, 99], [0, 99]]), torch.ones(2)),
                ),
            ),
        ),
    )
    add(
        'wrapper_subclass_no_storage',
        with_weights(
            good,
            meta__note=Reduce(
                torch._utils._rebuild_wrapper_subclass,
                (
                    torch.Tensor,
                    torch.float32,
                    (1 << 20,),
                    (1,),
                    0,
                    torch.strided,
                    torch.device('cpu'),
                    False,
                ),
            ),
        ),
    )
    # -- containers ----------------------------------------------------------
    add(
        'nested_100k_levels',
        plain_pickle_zip(nested_lists(100_000), good_bytes),
    )
    shared = []
    for _ in range(70):
        shared = [shared, shared]
    add('shared_lists_2_pow_70', with_weights(good, meta__note=shared))
    cycle = []
    cycle.append(cycle)
    add('reference_cycle', with_weights(good, meta__note=cycle))
    add(
        'state_dict_is_a_huge_list',
        with_weights(good, state_dict=[None] * 2_000_000),
    )
    add(
        'state_dict_key_not_a_string',
        with_weights(good, state_dict={7: weights}),
    )
    add('not_a_dict', torch_file([1, 2, 3]))
    add(
        'classes_not_strings',
        with_weights(good, meta__dataset_meta={'classes': 12345}),
    )
    # -- files ---------------------------------------------------------------
    add('empty_0_bytes', b'')
    add('truncated_half', good_bytes[: len(good_bytes) // 2])
    add('truncated_last_byte', good_bytes[:-1])
    add('text_file', b'this is not a checkpoint\n' * 10)
    add('random_bytes', np.random.default_rng(0).bytes(4096))
    add(
        'zip_without_data_pkl',
        rezip(
            good_bytes,
            lambda name, payload: (
                [(name, payload, zipfile.ZIP_STORED)]
                if not name.endswith('data.pkl')
                else []
            ),
        ),
    )
    add(
        'zip_deflated_bomb',
        rezip(
            good_bytes,
            lambda name, payload: [
                (
                    name,
                    payload + b'\0' * (256 << 20)
                    if name.endswith('/data/0')
                    else payload,
                    zipfile.ZIP_DEFLATED,
                )
            ],
        ),
    )
    add(
        'zip_storage_record_too_short',
        rezip(
            good_bytes,
            lambda name, payload: [
                (
                    name,
                    payload[:3]
                    if '/data/' in name
                    and not name.endswith('serialization_id')
                    else payload,
                    zipfile.ZIP_STORED,
                )
            ],
        ),
    )
    add(
        'zip_duplicate_data_pkl',
        rezip(
            good_bytes,
            lambda name, payload: (
                [(name, payload, zipfile.ZIP_STORED)]
                + (
                    [
                        (
                            name,
                            pickle.dumps({'state_dict': 1}),
                            zipfile.ZIP_STORED,
                        )
                    ]
                    if name.endswith('data.pkl')
                    else []
                )
            ),
        ),
    )
    add(
        'zip_path_traversal',
        rezip(
            good_bytes,
            lambda name, payload: [
                (
                    name.replace('archive/', '../../archive/'),
                    payload,
                    zipfile.ZIP_STORED,
                )
            ],
        ),
    )
    # -- what resuming reads -------------------------------------------------
    hub = good['message_hub']

    def with_info(**info):
        return dict(hub, runtime_info=dict(hub['runtime_info'], **info))

    add(
        'resume_meta_config_runs_code',
        with_weights(
            good, meta__config=f"x = __import__('os').system('touch {marker}')"
        ),
    )
    add(
        'resume_best_ckpt_trusted_prefix',
        with_weights(
            good,
            message_hub=with_info(
                best_ckpt='trusted://'
                + osp.join(folder, 'runs_a_shell_command.pth'),
                best_score=1e9,
            ),
        ),
    )
    add(
        'resume_best_score_not_a_number',
        with_weights(good, message_hub=with_info(best_score='high')),
    )
    add('resume_seed_too_large', with_weights(good, meta__seed=2**70))
    add('resume_message_hub_empty', with_weights(good, message_hub={}))
    add('resume_optimizer_empty', with_weights(good, optimizer={}))
    add(
        'resume_scheduler_sets_optimizer',
        with_weights(
            good, param_schedulers=[{'optimizer': 'not an optimizer'}]
        ),
    )
    # -- found by review ----------------------------------------------------
    add(
        'counter_hiding_its_items',
        with_weights(
            good,
            meta__note=Reduce(
                collections.Counter,
                (
                    {
                        'x': Reduce(
                            torch._tensor._rebuild_from_type_v2,
                            (
                                torch._utils._rebuild_tensor_v2,
                                torch.Tensor,
                                (
                                    storage,
                                    0,
                                    (4,),
                                    (1,),
                                    False,
                                    collections.OrderedDict(),
                                ),
                                {'__array_interface__': array_interface()},
                            ),
                        )
                    },
                ),
                {'items': set()},
            ),
        ),
    )
    add(
        'tuple_key_holding_a_tensor',
        with_weights(good, meta__note={(weights,): 0}),
    )
    deep_key = b'\x80\x02}' + b')' + b'\x85' * 1_000_000 + b'K\x00s.'
    add(
        'tuple_key_nested_a_million_deep',
        plain_pickle_zip(deep_key, good_bytes),
    )
    add(
        'pickle_cut_mid_opcode', plain_pickle_zip(b'\x80\x02J\x01', good_bytes)
    )
    shared_data = bytearray(1 << 20)
    add(
        'records_sharing_one_buffer',
        with_weights(
            good,
            meta__note=[
                {
                    '__mmspml_type__': 'ndarray',
                    'dtype': '|u1',
                    'shape': [1 << 20],
                    'data': shared_data,
                }
                for _ in range(300)
            ],
        ),
    )
    # -- mmspml's own tagged records, with lies ------------------------------
    record = {
        '__mmspml_type__': 'ndarray',
        'dtype': '|O',
        'shape': [1],
        'data': b'D' * 8,
    }
    add('record_object_dtype', with_weights(good, meta__note=record))
    add(
        'record_dimension_overflow',
        with_weights(
            good,
            meta__note={
                '__mmspml_type__': 'ndarray',
                'dtype': '<f8',
                'shape': [0, 1 << 70],
                'data': bytearray(),
            },
        ),
    )
    add(
        'record_shape_larger_than_data',
        with_weights(
            good,
            meta__note={
                '__mmspml_type__': 'ndarray',
                'dtype': '<f8',
                'shape': [1 << 40, 1 << 20],
                'data': b'E' * 8,
            },
        ),
    )
    add(
        'record_history_buffer_lengths_differ',
        with_weights(
            good,
            message_hub={
                'log_scalars': {
                    'train/loss': {
                        '__mmspml_type__': 'HistoryBuffer',
                        'log_history': {
                            '__mmspml_type__': 'ndarray',
                            'dtype': '<f8',
                            'shape': [2],
                            'data': b'F' * 16,
                        },
                        'count_history': {
                            '__mmspml_type__': 'ndarray',
                            'dtype': '<i8',
                            'shape': [1],
                            'data': b'G' * 8,
                        },
                        'max_length': 10,
                    }
                },
                'runtime_info': {},
                'resumed_keys': {},
            },
        ),
    )
    add(
        'record_unknown_tag',
        with_weights(
            good, meta__note={'__mmspml_type__': 'os.system', 'data': 'id'}
        ),
    )
    add(
        'format_version_from_the_future',
        with_weights(good, meta__mmspml_checkpoint_format=99),
    )
    # -- a control: an empty log buffer is written as an empty bytearray
    # (b'' would pickle through builtins.bytes, which torch refuses).
    add(
        'good_with_empty_log_buffer',
        with_weights(
            good,
            message_hub=dict(
                hub,
                log_scalars=dict(
                    hub['log_scalars'],
                    **{
                        'train/empty': {
                            '__mmspml_type__': 'HistoryBuffer',
                            'max_length': 10,
                            'log_history': {
                                '__mmspml_type__': 'ndarray',
                                'dtype': '<f8',
                                'shape': [0],
                                'data': bytearray(),
                            },
                            'count_history': {
                                '__mmspml_type__': 'ndarray',
                                'dtype': '<i8',
                                'shape': [0],
                                'data': bytearray(),
                            },
                        }
                    },
                ),
            ),
        ),
    )
    return files
