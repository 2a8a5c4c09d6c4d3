"""Reading an annotation file: JSON, or YAML without what can run code or
expand without bound (the checks of what it holds are in
:mod:`.annotation_checks`)."""

import json
import os.path as osp
from typing import Any

from mmengine import fileio

from mmspml.utils.fileio import first_line, unique_keys

ANNOTATION_FORMATS = ('.json', '.yaml', '.yml')


def read_annotation_file(path: str) -> Any:
    """The contents of a JSON (or YAML, read with ``yaml.safe_load``)
    annotation file; local or on any MMEngine file backend.

    Formats that can run code when they are read are refused: a pickle
    (``.pkl``) with how to convert a file you trust, YAML tags that build
    Python objects (``!!python/...``) by the safe loader. A file that cannot
    be parsed (e.g. a truncated json) raises a ``ValueError`` naming it.

    Args:
        path (str): The annotation file, ``.json``, ``.yaml`` or ``.yml``;
            a local path or a URI of an MMEngine file backend.

    Returns:
        Any: The parsed contents, as :func:`check_annotations` takes them.

    Raises:
        ValueError: A pickle or another unknown extension, a JSON object
            with a key twice, a YAML alias, a file nested too deeply, or
            a file that cannot be parsed.
        FileNotFoundError: There is no file at ``path``.
    """
    suffix = osp.splitext(str(path))[1].lower()
    if suffix in ('.pkl', '.pickle'):
        raise ValueError(
            f'{path}: pickle annotation files can run code when they are '
            'read, so mmspml does not read them. Convert a file you trust '
            'once: python tools/dataset_converters/annotations_to_json.py '
            f'{path} {osp.splitext(str(path))[0]}.json'
        )
    if suffix not in ANNOTATION_FORMATS:
        raise ValueError(
            f'{path}: annotation files are JSON (.json) or YAML (.yaml, '
            f'.yml); got {suffix or "no extension"!r}.'
        )
    try:
        text = fileio.get_text(path)
    except FileNotFoundError:
        raise FileNotFoundError(
            f'annotation file {path!r} not found'
        ) from None
    try:
        if suffix == '.json':
            return json.loads(text, object_pairs_hook=unique_keys)
        return _yaml_without_aliases(text)
    except RecursionError:
        raise ValueError(
            f'{path}: the annotation file is nested too deeply '
            'to be an annotation file.'
        ) from None
    except Exception as err:
        where = (
            f' at line {err.lineno}, column {err.colno}'
            if isinstance(err, json.JSONDecodeError)
            else ''
        )
        raise ValueError(
            f'{path}: cannot parse the annotation file{where}: '
            f'{type(err).__name__}: {first_line(str(err), 200)}. Is it '
            f'truncated or not valid {suffix[1:].upper()}?'
        ) from None


def _yaml_without_aliases(text: str) -> Any:
    """``yaml.safe_load`` that refuses aliases (``*name``): a few hundred
    bytes of aliases can expand to gigabytes of label lists."""
    import yaml

    class Loader(yaml.SafeLoader):
        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise yaml.YAMLError(
                    f'an alias (*{event.anchor}) at line '
                    f'{event.start_mark.line + 1}: annotation files write '
                    'every value out'
                )
            return super().compose_node(parent, index)

    return yaml.load(text, Loader=Loader)  # noqa: S506 (a SafeLoader)
