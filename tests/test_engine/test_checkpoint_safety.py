"""The pieces that make checkpoints survive a kill: old files are removed
only after the new one is written, --resume finds the newest complete
checkpoint, and the resumed epoch is validated again."""

from collections import deque
from types import SimpleNamespace

import pytest

from mmspml.engine import AtomicCheckpointHook, ResumeValidationHook
from mmspml.utils import latest_complete_checkpoint


def test_resume_follows_the_pointer_or_the_newest_complete_file(tmp_path):
    assert latest_complete_checkpoint(str(tmp_path)) is None
    for epoch in (1, 2, 10):
        (tmp_path / f'epoch_{epoch}.pth').write_bytes(b'x')
    (tmp_path / '.epoch_11.pth.tmp').write_bytes(b'half')
    pointer = tmp_path / 'last_checkpoint'
    # No pointer, an empty one (killed while rewritten), a stale one.
    for text in (None, '', str(tmp_path / 'epoch_11.pth')):
        if text is not None:
            pointer.write_text(text)
        assert latest_complete_checkpoint(str(tmp_path)) == str(
            tmp_path / 'epoch_10.pth'
        )
    pointer.write_text(str(tmp_path / 'epoch_2.pth'))
    assert latest_complete_checkpoint(str(tmp_path)) == str(
        tmp_path / 'epoch_2.pth'
    )
    pointer.write_text('s3://bucket/run/epoch_3.pth')  # remote: trusted
    assert (
        latest_complete_checkpoint(str(tmp_path))
        == 's3://bucket/run/epoch_3.pth'
    )


def test_a_stale_pointer_without_checkpoints_is_an_error(tmp_path):
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_3.pth'))
    with pytest.raises(FileNotFoundError, match='epoch_3.pth.*--resume'):
        latest_complete_checkpoint(str(tmp_path))


class RecordingBackend:
    def __init__(self, log):
        self.log = log

    def remove(self, path):
        self.log.append(('remove', path))

    def isfile(self, path):
        return True

    def join_path(self, *parts):
        return '/'.join(parts)


def test_old_checkpoints_are_removed_only_after_the_new_one(tmp_path):
    log = []
    hook = AtomicCheckpointHook(interval=1, max_keep_ckpts=1)
    hook.out_dir, hook.file_backend = 'out', RecordingBackend(log)
    hook.keep_ckpt_ids = deque([1], maxlen=1)  # epoch_1.pth exists
    runner = SimpleNamespace(
        work_dir=str(tmp_path),
        epoch=1,
        iter=20,
        max_epochs=3,
        logger=SimpleNamespace(info=lambda *a: None),
        message_hub=SimpleNamespace(update_info=lambda *a: None),
        save_checkpoint=lambda out_dir, name, *a, **k: log.append(
            ('save', f'{out_dir}/{name}')
        ),
    )
    hook.after_train_epoch(runner)  # the end of the second epoch
    # MMEngine's own order would be: remove epoch_1, then save epoch_2.
    assert log == [('save', 'out/epoch_2.pth'), ('remove', 'out/epoch_1.pth')]
    assert (tmp_path / 'last_checkpoint').read_text() == 'out/epoch_2.pth'
    assert isinstance(hook.file_backend, RecordingBackend)


@pytest.mark.parametrize('epoch,validated', [(0, False), (3, True)])
def test_a_resumed_epoch_is_validated_again(epoch, validated):
    runs = []
    runner = SimpleNamespace(
        epoch=epoch,
        max_epochs=6,
        train_loop=SimpleNamespace(val_begin=1, val_interval=1),
        val_loop=SimpleNamespace(run=lambda: runs.append(epoch)),
    )
    ResumeValidationHook().before_train(runner)
    assert runs == ([epoch] if validated else [])
