"""The HTML report: self-contained, shows every section, and renders in headless Chromium."""

import re
import shutil
import subprocess

import pytest

from graphnas.graph import load_example
from graphnas.report import RunReport, TrialRow, pareto_front, render_html, write_report
from graphnas.report.plots import Point


def _report() -> RunReport:
    names = ["gru", "lstm", "cnn1d", "mlp"]
    trials = [
        TrialRow(i, "failed" if i == 3 else "complete", None if i == 3 else 0.5 + 0.05 * i,
                 1000 * (i + 1), 5.0 * i, "explore" if i < 6 else "exploit",
                 load_example(names[i % 4]), f"{i:040x}", "NaN loss" if i == 3 else "")
        for i in range(9)
    ]
    return RunReport("unit", "accuracy", trials, {"task": "mnist1d"},
                     [("explore", 0, 30, "REINFORCE"), ("exploit", 30, 45, "DARTS")],
                     load_example("gru"), {"valid_metric": 0.9, "test_metric": 0.88},
                     {"cnn": 0.8, "gru": 0.85}, "accuracy")


def test_page_has_every_section_and_no_external_resources():
    page = render_html(_report())
    for title in ["Best so far against time", "Pareto front", "Phases of the strategy",
                  "Final architecture", "hand-designed baselines", "Top architectures",
                  "Trials", "Settings"]:
        assert title in page
    assert page.count("<svg") >= 5
    assert not re.search(r"(src|href)=[\"']?(https?:|/|file:)", page)
    assert "NaN loss" in page and "REINFORCE" in page


def test_pareto_front():
    pts = [Point(0, 0.5, 100), Point(0, 0.7, 200), Point(0, 0.6, 300), Point(0, 0.9, 1000),
           Point(0, None, 10)]
    assert [(p.params, p.score) for p in pareto_front(pts)] == [(100, 0.5), (200, 0.7),
                                                                 (1000, 0.9)]


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium not installed")
def test_renders_in_headless_chromium(tmp_path):
    page = write_report(_report(), tmp_path / "report.html")
    shot = tmp_path / "shot.png"
    base = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([*base, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=120)
    assert "graphnas run: unit" in dom.stdout and dom.stdout.count("<svg") >= 5
    subprocess.run([*base, f"--screenshot={shot}", "--window-size=1200,1600", page.as_uri()],
                   capture_output=True, timeout=120, check=False)
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000  # a real, non-blank page


def test_several_objectives_draw_the_front_with_each_member_linked_to_its_drawing():
    from dataclasses import replace

    r = _report()
    rows = [replace(t, values=None if t.score is None else (t.score, float(t.params)))
            for t in r.trials]
    page = render_html(replace(r, trials=rows, objectives=("score", "params"), front=(0, 8)))
    assert "Pareto front (score, params)" in page
    for i in (0, 8):
        assert f'href="#front-{i}"' in page  # the plot's point
        assert f"id='front-{i}'" in page and f"href='pareto/{i}.json'" in page
    assert 'href="#front-4"' not in page  # off the front: a grey dot, no link
    assert not re.search(r"(src|href)=[\"']?(https?:|/|file:)", page)
    assert "Pareto front (score" not in render_html(r)  # one objective: no such section


def test_inherited_weights_and_species_are_shown():
    from dataclasses import replace

    r = _report()
    trials = [replace(t, parent=t.id - 1, exact=t.id % 2 == 0) if t.id > 4 else t
              for t in r.trials]
    page = render_html(replace(r, trials=trials,
                               inheritance={"trained": 9, "inherited": 4, "exact": 2},
                               species=[{"id": 3, "members": 5, "best": 0.9, "improved": 7}]))
    assert "Inherited weights and species" in page and "4 of 9 trained trials" in page
    assert "<th>weights from</th>" in page and "<td>5=</td>" in page and "<td>6</td>" in page
    assert "improved at result" in page
    assert "weights from" not in render_html(r)  # absent where nothing inherited
