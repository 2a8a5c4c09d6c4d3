"""Optuna is optional: import it only where a study runs."""


def import_optuna():
    """Import Optuna, or say how to install it.

    Returns:
        module: The ``optuna`` module.

    Raises:
        ImportError: Optuna is not installed.
    """
    try:
        import optuna
    except ImportError as err:
        raise ImportError(
            'Hyper-parameter tuning needs Optuna, which is not installed: '
            'pip install -r requirements/tune.txt (or pip install '
            "'mmspml[tune]')."
        ) from err
    return optuna
