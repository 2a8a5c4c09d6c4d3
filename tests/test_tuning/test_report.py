"""The outputs of a study: in trials.csv every trial's value is the best of
its validations, a pruned trial's too (docs/tuning.md)."""

import csv

import pytest

from mmspml.tuning.report import write_trials_csv

optuna = pytest.importorskip(
    'optuna', reason='pip install -r requirements/tune.txt'
)


def test_a_pruned_trials_value_is_its_best_validation(tmp_path):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction='maximize')
    pruned = study.ask()
    for epoch, value in enumerate([60.0, 72.5, 70.0], 1):
        pruned.report(value, epoch)
    study.tell(pruned, state=optuna.trial.TrialState.PRUNED)
    diverged = study.ask()
    for epoch, value in enumerate([40.0, float('nan')], 1):
        diverged.report(value, epoch)
    study.tell(diverged, state=optuna.trial.TrialState.PRUNED)
    never_validated = study.ask()
    study.tell(never_validated, state=optuna.trial.TrialState.PRUNED)
    complete = study.ask()
    complete.report(50.0, 1)
    study.tell(complete, 55.0)
    # Optuna keeps a pruned trial's last value (None when it is NaN).
    assert [t.value for t in study.trials[:2]] == [70.0, None]

    path = write_trials_csv(study, str(tmp_path / 'trials.csv'))
    with open(path) as f:
        rows = {int(row['number']): row for row in csv.DictReader(f)}
    assert [row['state'] for row in rows.values()] == (
        ['PRUNED'] * 3 + ['COMPLETE']
    )
    assert [row['value'] for row in rows.values()] == [
        '72.5',
        '40.0',
        '',  # pruned before any validation
        '55.0',
    ]


def test_trials_csv_has_the_interval_of_each_trials_best_epoch(tmp_path):
    from mmspml.engine.hooks import OptunaPruningHook

    class Loop:
        stop_training = False

    class Runner:
        train_loop = Loop()
        epoch = 0

    study = optuna.create_study(direction='maximize')
    trial = study.ask()
    hook = OptunaPruningHook(trial, monitor='spml/mAP_observed')
    runner = Runner()
    for epoch, (value, low, high) in enumerate(
        [(60.0, 50.0, 70.0), (75.0, 66.0, 83.0), (70.0, 61.0, 79.0)], 1
    ):
        runner.epoch = epoch
        hook.after_val_epoch(
            runner,
            {
                'spml/mAP_observed': value,
                'spml/mAP_observed_low': low,
                'spml/mAP_observed_high': high,
                'spml/mAP_observed_chance': 40.0,
            },
        )
    study.tell(trial, max(hook.history))
    path = write_trials_csv(study, str(tmp_path / 'trials.csv'))
    with open(path) as f:
        row = next(csv.DictReader(f))
    assert float(row['value']) == 75.0
    assert float(row['user_attrs_best_low']) == 66.0
    assert float(row['user_attrs_best_high']) == 83.0
    assert float(row['user_attrs_best_chance']) == 40.0
