"""What the tools share: how they stop on an error the user must fix."""

import contextlib
import errno
import sys


class ConfigError(ValueError):
    """A config value that cannot work, found before the run needs it; the
    message names the config key and what would work instead."""


@contextlib.contextmanager
def stop_with_message(tool: str):
    """Turn the errors whose message already says what to fix (a refused,
    empty or corrupt checkpoint, a missing file, a full disk, a config
    mistake) into ``<tool>: error: <message>`` and exit status 1, without
    a traceback.

    Any other error, ``OSError`` included, passes through unchanged.

    Args:
        tool (str): The tool's name, to start the message with.

    Yields:
        None: The block runs once.

    Raises:
        SystemExit: The block raised a ``CheckpointError``, a
            :class:`ConfigError`, a ``FileNotFoundError`` or an ``OSError``
            of a full disk (``ENOSPC``).
    """
    from mmspml.engine.runner.checkpoint import CheckpointError

    try:
        yield
    except (CheckpointError, ConfigError, FileNotFoundError) as err:
        sys.exit(f'{tool}: error: {err}')
    except OSError as err:
        if err.errno != errno.ENOSPC:
            raise
        sys.exit(f'{tool}: error: {err.strerror or err}')
