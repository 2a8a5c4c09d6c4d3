"""Predicted labels (and scores) drawn on images with MMPretrain's
:class:`UniversalVisualizer` (headless: matplotlib's Agg canvas)."""

import os
import os.path as osp
from pathlib import Path
from typing import List, Optional, Sequence

import numpy as np

# Images whose short edge is smaller are enlarged for drawing, so that the
# drawn text is readable.
MIN_SHOW_SIZE = 224


def draw_predictions(
    visualizer,
    inputs: list,
    preds: list,
    classes: Sequence[str],
    start: int = 0,
    names: Optional[set] = None,
    keep: bool = True,
    show: bool = False,
    wait_time: float = 0,
    show_dir: Optional[str] = None,
    resize: Optional[int] = None,
    draw_score: bool = True,
) -> Optional[List[np.ndarray]]:
    """Draw each input with its predicted labels; write ``<name>.png`` files
    to ``show_dir`` and/or show them in a window.

    Args:
        visualizer (UniversalVisualizer): Draws the images.
        inputs (list): Image paths or BGR arrays (H x W or H x W x 3).
        preds (list[DataSample]): Their predictions (``pred_score``,
            ``pred_label``).
        classes (Sequence[str]): The class names.
        start (int): Index of the first input, which names an array's file
            (``<index>.png``). Defaults to 0.
        names (set, optional): File names already written in this call
            sequence; a name seen before gets ``_<index>`` appended. Updated
            in place. Defaults to None (a fresh set).
        keep (bool): Return the drawn images. Defaults to True.
        show (bool): Show each in a window. Defaults to False.
        wait_time (float): Seconds to show each. Defaults to 0.
        show_dir (str, optional): Folder to write to. Defaults to None.
        resize (int, optional): Short edge of the drawn images; by default
            images under :data:`MIN_SHOW_SIZE` px are enlarged to it.
        draw_score (bool): Draw the scores too. Defaults to True.

    Returns:
        list[np.ndarray] | None: The drawn RGB images when ``keep`` (an
        empty list otherwise); None when neither ``show`` nor ``show_dir``
        is given (nothing is drawn).
    """
    if not show and show_dir is None:
        return None
    import mmcv

    names = set() if names is None else names
    if show_dir is not None:
        os.makedirs(show_dir, exist_ok=True)
    drawn = []
    for i, (input_, sample) in enumerate(zip(inputs, preds), start):
        if isinstance(input_, str):
            image = mmcv.imread(input_)
            name = Path(input_).stem
        else:
            image = np.asarray(input_)
            if image.ndim == 2:
                image = np.repeat(image[..., None], 3, axis=2)
            name = f'{i:05d}'
        if name in names:
            name = f'{name}_{i}'
        names.add(name)
        size = resize
        if size is None and min(image.shape[:2]) < MIN_SHOW_SIZE:
            size = MIN_SHOW_SIZE
        out_file = (
            osp.join(show_dir, f'{name}.png') if show_dir is not None else None
        )
        visualizer.visualize_cls(
            np.ascontiguousarray(image[..., ::-1]),  # BGR -> RGB
            sample,
            classes=list(classes),
            resize=size,
            draw_gt=False,
            draw_pred=True,
            draw_score=draw_score,
            show=show,
            wait_time=wait_time,
            name=name,
            out_file=out_file,
        )
        if keep:
            drawn.append(visualizer.get_image())
    if show:
        visualizer.close()
    return drawn
