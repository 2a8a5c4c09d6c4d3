"""Labels of N images over C classes, stored per image (compressed rows).

A dense N x C matrix costs N * C bytes even though an image has a handful of
positives: 1 GB for a million images of 1,000 classes, 10 GB at 10,000.
:class:`SparseLabels` keeps, per image, the sorted class indices that are
*known*, and optionally the state of each: with ``states=None`` every stored
entry is a positive (full labels, single positives); partial labels will
store positives and observed negatives with their state, and everything not
stored is unknown.
"""

import itertools
from typing import Callable, Iterable, Optional, Sequence

import numpy as np

#: States of a stored entry. Entries that are not stored are unknown.
POSITIVE = 1
NEGATIVE = 0


class SparseLabels:
    """N x C labels as compressed rows (CSR).

    Row ``i`` holds the class indices ``indices[indptr[i]:indptr[i + 1]]``,
    sorted and unique; ``states`` (int8, same length as ``indices``) gives
    each stored entry's state (:data:`POSITIVE` or :data:`NEGATIVE`), and
    None means every stored entry is positive.

    Args:
        indptr (np.ndarray): N + 1 row offsets into ``indices``.
        indices (np.ndarray): Class index of every stored entry.
        num_classes (int): C.
        states (np.ndarray, optional): State of every stored entry.
            Defaults to None (all positive).
    """

    def __init__(
        self,
        indptr: np.ndarray,
        indices: np.ndarray,
        num_classes: int,
        states: Optional[np.ndarray] = None,
    ):
        self.indptr = np.asarray(indptr, dtype=np.int64)
        self.indices = np.asarray(indices, dtype=np.int32)
        self.num_classes = int(num_classes)
        self.states = (
            None if states is None else np.asarray(states, dtype=np.int8)
        )

    # -- building ---------------------------------------------------------
    @classmethod
    def from_lists(
        cls,
        rows: Sequence[Iterable[int]],
        num_classes: int,
        where: str = 'labels',
        describe_row: Optional[Callable[[int], str]] = None,
    ) -> 'SparseLabels':
        """Positives from one list of class indices per image (an mmpretrain
        ``gt_label``); duplicates within a list count once.

        An index outside ``[0, num_classes)`` raises a ``ValueError`` naming
        ``where`` and the row (``describe_row(row)`` when given, e.g. with
        its image).

        Args:
            rows (Sequence[Iterable[int]]): One list of positive class
                indices per image (sized: ``len`` is taken of each).
            num_classes (int): C.
            where (str): The name of the labels in the error. Defaults to
                ``'labels'``.
            describe_row (Callable[[int], str], optional): Names a row in
                the error. Defaults to None (``'row <i>'``).

        Returns:
            SparseLabels: The positives, each row sorted and unique.

        Raises:
            ValueError: An index outside ``[0, num_classes)``.
        """
        lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        indices = np.fromiter(
            itertools.chain.from_iterable(rows),
            dtype=np.int64,
            count=int(indptr[-1]),
        )
        bad = np.flatnonzero((indices < 0) | (indices >= num_classes))
        if bad.size:
            row = int(np.searchsorted(indptr, bad[0], side='right') - 1)
            name = describe_row(row) if describe_row else f'row {row}'
            raise ValueError(
                f'{where}: {name} has gt_label '
                f'{indices[bad[0]]} outside [0, {num_classes}) in '
                f'{indices[indptr[row] : indptr[row + 1]].tolist()}; the '
                f'metainfo lists {num_classes} classes.'
            )
        return cls._canonical(indptr, indices, num_classes)

    @classmethod
    def from_dense(cls, matrix: np.ndarray) -> 'SparseLabels':
        """Positives of an N x C 0/1 matrix.

        Args:
            matrix (np.ndarray): N x C labels; the entries equal to 1 are
                the positives, all others are not stored.

        Returns:
            SparseLabels: The positives of every row.
        """
        matrix = np.asarray(matrix)
        rows, cols = np.nonzero(matrix == 1)
        indptr = np.zeros(matrix.shape[0] + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=matrix.shape[0]), out=indptr[1:])
        return cls(indptr, cols, matrix.shape[1])

    @classmethod
    def from_single(
        cls, positive: np.ndarray, num_classes: int
    ) -> 'SparseLabels':
        """One positive per image: ``positive[i]`` is image i's class.

        Args:
            positive (np.ndarray): The class index of every image, e.g. the
                single-positive draw of :func:`draw_single_positive`.
            num_classes (int): C.

        Returns:
            SparseLabels: N rows with one positive each.
        """
        positive = np.asarray(positive)
        return cls(np.arange(len(positive) + 1), positive, num_classes)

    @classmethod
    def from_observed(
        cls, positives: 'SparseLabels', negatives: 'SparseLabels'
    ) -> 'SparseLabels':
        """Partial labels: each row's observed positives and verified
        negatives, stored with their states (everything else unknown).

        Args:
            positives (SparseLabels): The observed positives.
            negatives (SparseLabels): The verified negatives, the same rows
                and classes, disjoint from the positives row by row.

        Returns:
            SparseLabels: Both, each row sorted by class, ``states``
            POSITIVE or NEGATIVE.
        """
        num = len(positives)
        row_of = np.concatenate(
            [
                np.repeat(np.arange(num), np.diff(positives.indptr)),
                np.repeat(np.arange(num), np.diff(negatives.indptr)),
            ]
        )
        indices = np.concatenate([positives.indices, negatives.indices])
        states = np.concatenate(
            [
                np.full(len(positives.indices), POSITIVE, np.int8),
                np.full(len(negatives.indices), NEGATIVE, np.int8),
            ]
        )
        order = np.lexsort((indices, row_of))
        indptr = np.zeros(num + 1, dtype=np.int64)
        np.cumsum(np.bincount(row_of, minlength=num), out=indptr[1:])
        return cls(
            indptr, indices[order], positives.num_classes, states[order]
        )

    @classmethod
    def _canonical(cls, indptr, indices, num_classes) -> 'SparseLabels':
        """Sort each row and drop repeated indices (a no-op, and cheap, for
        the usual already sorted rows)."""
        row_of = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
        same_row = row_of[1:] == row_of[:-1]
        steps = np.diff(indices)
        if (steps[same_row] > 0).all():
            return cls(indptr, indices, num_classes)
        order = np.lexsort((indices, row_of))
        indices, row_of = indices[order], row_of[order]
        keep = np.ones(len(indices), dtype=bool)
        keep[1:] = (indices[1:] != indices[:-1]) | (row_of[1:] != row_of[:-1])
        indices, row_of = indices[keep], row_of[keep]
        indptr = np.zeros_like(indptr)
        np.cumsum(
            np.bincount(row_of, minlength=len(indptr) - 1), out=indptr[1:]
        )
        return cls(indptr, indices, num_classes)

    # -- reading ----------------------------------------------------------
    def __len__(self) -> int:
        return len(self.indptr) - 1

    @property
    def shape(self) -> tuple:
        return (len(self), self.num_classes)

    @property
    def nbytes(self) -> int:
        return (
            self.indptr.nbytes
            + self.indices.nbytes
            + (0 if self.states is None else self.states.nbytes)
        )

    def counts(self) -> np.ndarray:
        """Number of positives of every image.

        Returns:
            np.ndarray: N counts (int64); observed negatives are not
            counted.
        """
        if self.states is None:
            return np.diff(self.indptr)
        row_of = np.repeat(np.arange(len(self)), np.diff(self.indptr))
        return np.bincount(
            row_of[self.states == POSITIVE], minlength=len(self)
        )

    def positives(self, row: int) -> np.ndarray:
        """Sorted class indices of the positives of image ``row``.

        Args:
            row (int): The image.

        Returns:
            np.ndarray: Its positive class indices (int32), a view when
            ``states`` is None.
        """
        start, end = self.indptr[row], self.indptr[row + 1]
        if self.states is None:
            return self.indices[start:end]
        return self.indices[start:end][self.states[start:end] == POSITIVE]

    def take(self, rows: np.ndarray) -> 'SparseLabels':
        """The labels of ``rows`` (an index array), in that order.

        Args:
            rows (np.ndarray): The images to keep; repeats are allowed.

        Returns:
            SparseLabels: ``len(rows)`` rows over the same C classes, with
            their states.
        """
        rows = np.asarray(rows, dtype=np.int64)
        starts, lengths = self.indptr[rows], np.diff(self.indptr)[rows]
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        # Position of every kept entry in the old indices.
        gather = np.arange(indptr[-1]) - np.repeat(
            indptr[:-1] - starts, lengths
        )
        return SparseLabels(
            indptr,
            self.indices[gather],
            self.num_classes,
            None if self.states is None else self.states[gather],
        )

    def to_dense(
        self,
        dtype=np.uint8,
        rows: Optional[np.ndarray] = None,
        unknown: int = 0,
        negative: int = 0,
    ) -> np.ndarray:
        """A dense matrix of these labels (or of ``rows`` only): 1 for a
        positive, ``negative`` for an observed negative, ``unknown``
        elsewhere. Costs N x C of ``dtype``: for small sets and batches.

        Args:
            dtype (np.dtype): The matrix's dtype. Defaults to ``np.uint8``.
            rows (np.ndarray, optional): Only these images, in that order
                (see :meth:`take`). Defaults to None (all images).
            unknown (int): The value of an entry that is not stored.
                Defaults to 0.
            negative (int): The value of an observed negative. Defaults
                to 0.

        Returns:
            np.ndarray: The N x C (or ``len(rows)`` x C) matrix.
        """
        labels = self if rows is None else self.take(rows)
        dense = np.full(labels.shape, unknown, dtype=dtype)
        row_of = np.repeat(np.arange(len(labels)), np.diff(labels.indptr))
        states = (
            np.full(len(labels.indices), POSITIVE, dtype=np.int8)
            if labels.states is None
            else labels.states
        )
        dense[row_of, labels.indices] = np.where(
            states == POSITIVE, 1, negative
        )
        return dense

    def __eq__(self, other) -> bool:
        if not isinstance(other, SparseLabels):
            return NotImplemented
        same_states = (self.states is None and other.states is None) or (
            self.states is not None
            and other.states is not None
            and np.array_equal(self.states, other.states)
        )
        return (
            self.num_classes == other.num_classes
            and np.array_equal(self.indptr, other.indptr)
            and np.array_equal(self.indices, other.indices)
            and same_states
        )

    __hash__ = None

    def __repr__(self) -> str:
        return (
            f'SparseLabels({len(self)} images x {self.num_classes} '
            f'classes, {len(self.indices)} stored entries, '
            f'{self.nbytes / 2**20:.1f} MiB)'
        )
