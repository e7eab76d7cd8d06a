"""The report's baselines section: hand-designed and classical models, their settings, and a
note for each baseline that beats the found network."""

from graphnas.report import RunReport, render_html


def _page(baselines, classical=None, beaten_by=()) -> str:
    return render_html(RunReport("unit", "-mse", [], final_scores={"test_metric": 0.5},
                                 baselines=baselines, test_metric_name="mse",
                                 classical=classical or {}, beaten_by=beaten_by))


def test_classical_models_are_named_with_their_setting_and_marked_when_they_win():
    page = _page({"ridge": 0.4, "gradient_boosting": 0.6},
                 {"ridge": {"setting": {"alpha": 10.0}, "valid_metric": 0.45, "rows": 100,
                            "seconds": 0.1}, "gradient_boosting": {}}, ["ridge"])
    assert "against classical baselines" in page and "hand-designed" not in page
    assert "note: ridge beats the found network (0.4 vs 0.5 test mse)" in page
    assert "gradient_boosting beats" not in page and "&quot;alpha&quot;: 10.0" in page


def test_hand_designed_only_keeps_its_title_and_no_note():
    page = _page({"cnn": 0.6})
    assert "against hand-designed baselines" in page and "note:" not in page
    assert "Classical models" not in page
    both = _page({"cnn": 0.6, "ridge": 0.4}, {"ridge": {}})
    assert "against hand-designed and classical baselines" in both
