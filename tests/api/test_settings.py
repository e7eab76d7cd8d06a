"""Search settings from files and flags."""

import pytest

import graphnas
from graphnas.api.progress import SearchProgress
from graphnas.methods.finalists import NoResult
from graphnas.methods.settings import SearchSettings, load_settings, parse_duration
from graphnas.store import read_trials


@pytest.mark.parametrize("text,seconds", [("90", 90), ("90s", 90), ("20m", 1200),
                                          ("1.5h", 5400), (30, 30.0), (None, None)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


def test_bad_duration():
    with pytest.raises(ValueError, match="bad duration '20 minutes'"):
        parse_duration("20 minutes")


@pytest.mark.parametrize("suffix,text", [
    (".toml", 'task = "adding"\nbudget = "5m"\nseed = 3\n[space_options]\nn_nodes = 4\n'),
    (".yaml", "task: adding\nbudget: 5m\nseed: 3\nspace_options:\n  n_nodes: 4\n"),
])
def test_settings_files(tmp_path, suffix, text):
    p = tmp_path / f"s{suffix}"
    p.write_text(text)
    s = SearchSettings.from_dict(load_settings(p)).validate()
    assert (s.task, s.budget, s.seed, s.space_options) == ("adding", 300.0, 3, {"n_nodes": 4})


def test_unknown_setting_is_named(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text("stratgy = 'random'\n")
    with pytest.raises(ValueError, match="unknown setting.*stratgy"):
        SearchSettings.from_dict(load_settings(p), str(p))


def test_malformed_file(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text("task = \n")
    with pytest.raises(ValueError, match="malformed settings file"):
        load_settings(p)


def test_switches_must_be_true_or_false():
    with pytest.raises(ValueError, match="stop_at_chance must be true or false, got 'no'"):
        SearchSettings.from_dict({"stop_at_chance": "no"}).validate()
    with pytest.raises(ValueError, match="baselines must be true or false"):
        SearchSettings.from_dict({"baselines": 1}).validate()
    assert SearchSettings.from_dict({"stop_at_chance": False}).validate().stop_at_chance is False


def test_task_or_data():
    assert SearchSettings().validate().task == "mnist1d"
    with pytest.raises(ValueError, match="not both"):
        SearchSettings(task="adding", data="x.csv").validate()
    with pytest.raises(ValueError, match="give a budget"):
        SearchSettings(trials=None, budget=None).validate()


def test_plain_progress_lines(capsys):
    with SearchProgress("plain", metric="accuracy") as p:
        p.state.trials = 10
        p.update(done=1, best=0.5, in_flight=1)
    err = capsys.readouterr().err
    assert "trials 1/10 done" in err and "best accuracy 0.5000" in err


def test_progress_shows_the_metric_not_the_score(capsys):
    with SearchProgress("plain", metric="mse") as p:
        p.update(done=1, best=-0.0125)  # a regression's score is -mse
    assert "best mse 0.0125" in capsys.readouterr().err


def test_the_retraining_fits_in_what_the_budget_has_left():
    from graphnas.methods.retrain import FINISH_SECONDS, MIN_RETRAIN_SHARE
    from graphnas.methods.retrain import retrain_budget as _retrain_budget

    s = SearchSettings(budget=600, retrain_steps=3000)
    assert _retrain_budget(s, 420.0).seconds == pytest.approx(180 - FINISH_SECONDS)
    assert _retrain_budget(s, 420.0).steps == 3000
    assert _retrain_budget(s, 700.0).seconds == pytest.approx(600 * MIN_RETRAIN_SHARE)
    assert _retrain_budget(SearchSettings(budget=None, trials=5), 1e6).seconds is None


def test_a_trial_time_limit_scales_with_the_steps_and_fails_trials_past_it(tmp_path):
    assert SearchSettings(trial_steps=300).time_limit(300) == 150.0
    assert SearchSettings(trial_steps=100).time_limit(100) == 60.0
    given = SearchSettings(trial_steps=100, trial_limit=20.0)
    assert given.time_limit(100) == 20.0 and given.time_limit(400) == 80.0
    assert given.time_limit(50) == 20.0
    with pytest.raises(NoResult, match="every trial failed"):
        graphnas.search(task="digits", space="macro", strategy="random", trials=1,
                        trial_steps=2000, trial_limit=0.5, retrain_steps=5, baselines=False,
                        finalists=0, workers=1, out=str(tmp_path / "r"), progress="quiet")
    (trial,) = read_trials(tmp_path / "r")
    assert trial.state.value == "failed" and "time limit: 0.5 s reached" in trial.error
