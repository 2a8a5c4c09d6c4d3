"""Reading large CSV files column by column with pyarrow (optional: it is
imported when a file is read): the header, the class list, dictionary-
encoded string columns, and the 1-based line of a row for error messages."""

import csv
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np

# pyarrow parses blocks of this size in parallel, each with its own
# dictionaries: larger blocks leave fewer to unify, smaller ones less memory
# in flight (4 MiB measured best of 1 to 64 on 2.5M rows).
_BLOCK_SIZE = 4 << 20


def import_pyarrow(what: str) -> tuple:
    """pyarrow and its ``csv`` and ``compute`` modules, or an error that
    says how to install them.

    Args:
        what (str): What needs pyarrow (e.g. a file), named in the error.

    Returns:
        tuple: ``(pyarrow, pyarrow.csv, pyarrow.compute)``.

    Raises:
        ImportError: pyarrow is not installed.
    """
    try:
        import pyarrow
        import pyarrow.compute
        import pyarrow.csv
    except ImportError as err:
        raise ImportError(
            f'{what}: reading a label CSV needs pyarrow, which is not '
            'installed: pip install -r requirements/optional.txt'
        ) from err
    return pyarrow, pyarrow.csv, pyarrow.compute


def read_class_list(path: str) -> List[str]:
    """Class names, one per line (blank lines skipped), in file order.

    Args:
        path (str): The text file.

    Returns:
        list[str]: The names, stripped of surrounding spaces.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: The file lists no class, looks like a CSV
            (:func:`refuse_a_table`), or lists a class twice (the error
            names both lines).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{path} does not exist; expected a class list, one class name '
            'per line'
        )
    with open(path, encoding='utf-8') as f:
        lines = [(no, line.strip()) for no, line in enumerate(f, 1)]
    lines = [(no, name) for no, name in lines if name]
    if not lines:
        raise ValueError(
            f'{path}: lists no class; expected one class name per line'
        )
    refuse_a_table(path, [name for _, name in lines])
    names, line_of = [], {}
    for line_no, name in lines:
        if name in line_of:
            raise ValueError(
                f'{path}: line {line_no}: class {name!r} is listed '
                f'again (first on line {line_of[name]}); a class list '
                'names each class once'
            )
        line_of[name] = line_no
        names.append(name)
    return names


# Column names of the label CSVs: a class list whose first line holds one
# is a CSV given in its place.
_CSV_COLUMNS = {'image', 'label', 'confidence', 'imageid', 'labelname'}


def refuse_a_table(path: str, lines: Sequence[str]) -> None:
    """Refuse a class list that is a CSV (a labels or descriptions file
    given in its place, or names written on one line): every line splits
    into the same number (2 or more) of comma-separated fields, or the first
    is a header naming a label CSV's columns.

    Args:
        path (str): The class list, named in the error.
        lines (Sequence[str]): Its non-blank lines, stripped.

    Raises:
        ValueError: The file looks like a CSV; says what a class list is.
    """
    widths = {len(row) for row in csv.reader(lines)}
    first = next(csv.reader(lines[:1]))
    columns = [f for f in first if f.strip().lower() in _CSV_COLUMNS]
    if len(first) < 2 or not (columns or len(widths) == 1):
        return
    shown = repr(lines[0] if len(lines[0]) <= 60 else lines[0][:57] + '...')
    why = (
        f'its first line {shown} is a CSV header (column {columns[0]!r})'
        if columns
        else f'every line has {len(first)} comma-separated fields (the '
        f'first: {shown})'
    )
    raise ValueError(
        f'{path}: looks like a CSV, not a class list: {why}. Expected a '
        'text file with one class name per line and no header.'
    )


def read_csv_header(path: str, columns: Sequence[str]) -> List[str]:
    """The column names of a CSV's first line, checked to hold ``columns``.

    Args:
        path (str): The CSV file.
        columns (Sequence[str]): The columns it must have.

    Returns:
        list[str]: The header's column names.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: The file is empty, or its header lacks one of
            ``columns`` (the error names line 1 and the columns expected).
    """
    expected = ','.join(columns)
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{path} does not exist; expected a CSV with a header line '
            f'{expected!r} and one row per image label'
        )
    with open(path, newline='', encoding='utf-8') as f:
        header = next(csv.reader(f), None)
    if not header:
        raise ValueError(
            f'{path}: the file is empty; expected a header line '
            f'{expected!r} and one row per image label'
        )
    header[0] = header[0].lstrip('\ufeff')
    missing = [c for c in columns if c not in header]
    if missing:
        raise ValueError(
            f'{path}: line 1: the header {",".join(header)!r} has no '
            f'column {", ".join(map(repr, missing))}; expected the '
            f'columns {expected!r}'
        )
    return header


def line_of_row(path: str, row: int) -> int:
    """The line number of a data row, as pyarrow counts rows (after the
    header, blank lines skipped); for error messages only (a Python loop
    over the file).

    Args:
        path (str): The CSV file.
        row (int): The 0-based data row.

    Returns:
        int: Its 1-based line number in the file.
    """
    seen = -1
    with open(path, 'rb') as f:
        next(f, None)
        for line_no, line in enumerate(f, 2):
            if line.rstrip(b'\r\n'):
                seen += 1
                if seen == row:
                    return line_no
    return row + 2


def first_malformed_line(path: str, num_columns: int) -> Optional[tuple]:
    """The first line whose number of fields is not ``num_columns``.

    Args:
        path (str): The CSV.
        num_columns (int): The number of fields every line should have.

    Returns:
        tuple | None: ``(line number, the line)``, or None when every line
        has ``num_columns`` fields.
    """
    with open(path, newline='', encoding='utf-8', errors='replace') as f:
        reader = csv.reader(f)
        for fields in reader:
            if fields and len(fields) != num_columns:
                return reader.line_num, ','.join(fields)
    return None


def read_dictionary_columns(path: str, columns: Sequence[str]) -> dict:
    """Each column of ``columns`` as ``(codes, values)``: an int32 array of
    dictionary codes (one per data row) and the pyarrow array of its
    distinct values, in order of first appearance.

    Args:
        path (str): The CSV, with a header naming ``columns``.
        columns (Sequence[str]): The columns to read.

    Returns:
        dict: Column name -> ``(codes, values)``.
    """
    header = read_csv_header(path, columns)
    pa, pcsv, _ = import_pyarrow(path)
    as_dictionary = pa.dictionary(pa.int32(), pa.string())
    try:
        table = pcsv.read_csv(
            path,
            read_options=pcsv.ReadOptions(block_size=_BLOCK_SIZE),
            convert_options=pcsv.ConvertOptions(
                include_columns=list(columns),
                column_types={name: as_dictionary for name in columns},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as err:
        bad = first_malformed_line(path, len(header))
        where = f'line {bad[0]} ({bad[1]!r}): ' if bad else ''
        raise ValueError(
            f'{path}: {where}cannot be read as CSV with the columns '
            f'{",".join(header)!r}: {err}'
        ) from err
    if table.num_rows == 0:
        raise ValueError(
            f'{path}: no rows after the header (line 1); expected one row '
            f'per image label with the columns {",".join(columns)!r}'
        )
    table = table.unify_dictionaries()
    result = {}
    for name in columns:
        chunks = [c for c in table.column(name).chunks if len(c)]
        codes = np.concatenate(
            [c.indices.to_numpy(zero_copy_only=False) for c in chunks]
        )
        result[name] = (codes, chunks[0].dictionary)
    return result


def strings_to_bytes(array) -> np.ndarray:
    """A pyarrow string array as a numpy ``S`` array (UTF-8 bytes, padded
    to the longest), without a Python string per value.

    Args:
        array (pyarrow.Array): A string array without nulls.

    Returns:
        np.ndarray: One ``bytes`` value per string.
    """
    buffers = array.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int32)[
        array.offset : array.offset + len(array) + 1
    ]
    data = np.frombuffer(buffers[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    lengths = np.diff(offsets)
    width = max(int(lengths.max(initial=0)), 1)
    if (lengths == width).all():
        return data.view(f'S{width}').copy()
    padded = np.zeros((len(array), width), dtype=np.uint8)
    rows = np.repeat(np.arange(len(array)), lengths)
    cols = np.arange(len(data)) - np.repeat(offsets[:-1] - offsets[0], lengths)
    padded[rows, cols] = data
    return padded.view(f'S{width}').ravel()
