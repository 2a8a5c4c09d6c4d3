"""MMPretrain's progress bar, usable outside a terminal."""

from mmpretrain.utils import track
from mmpretrain.utils.progress import global_live


def progress(sequence, description: str, total: int):
    """MMPretrain's progress bar (rich) over ``sequence``; ends its line
    when the output is not a terminal (rich does it only for terminals).

    Args:
        sequence (Iterable): What to iterate over.
        description (str): The bar's label.
        total (int): The number of items, for the bar's length.

    Yields:
        The items of ``sequence``.
    """
    yield from track(sequence, description, total=total)
    if not global_live.console.is_terminal:
        global_live.console.line()
