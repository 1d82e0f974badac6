import shutil
import subprocess

import pandas as pd
import pytest

from imbdiff.bench import Store, load_suite, parse_suite, report, run
from imbdiff.cli import main

PAPER_LIKE = """\
name = "lreddpm-paper"
protocol = "holdout"
seeds = [0, 1]
classifiers = ["decision_tree", "logistic_regression"]
datasets = ["yeast3", "ecoli4", "glass6"]
keep_samples = true
published = "lreddpm-paper"

[[methods]]
method = "none"

[[methods]]
method = "adasyn"

[[methods]]
method = "borderline"
per_dataset = { glass6 = { k_neighbors = 4 } }
note = "glass6 runs with fewer neighbours."

[[methods]]
method = "smote"
params = { k_neighbors = 20 }
"""


@pytest.fixture(scope="module")
def paper_store(tmp_path_factory):
    store = tmp_path_factory.mktemp("paper") / "paper.sqlite"
    run(parse_suite(PAPER_LIKE), store)
    return store


def test_report_tables_ranks_and_failures(paper_store, tmp_path):
    files = report(paper_store, tmp_path / "out")
    text = files["markdown"].read_text()
    for needle in ("yeast3", "ecoli4", "adasyn", "borderline", "none"):
        assert needle in text
    # A method that runs otherwise on one dataset says how and why.
    assert "glass6: k_neighbors=4" in text
    assert "glass6 runs with fewer neighbours." in text
    budgets = text[text.index("## Budgets") : text.index("## F1 (f1)")]
    borderline = next(line for line in budgets.splitlines() if "| borderline |" in line)
    # The general parameters are not glass6's.
    assert "k_neighbors=4" not in borderline.split("glass6:")[0]
    # Budgets first, every metric with its classifiers, ranks with the tests.
    assert text.index("## Budgets") < text.index("## F1 (f1)")
    assert "decision_tree: mean ± std" in text
    assert "logistic_regression: average ranks" in text
    assert "2 datasets with every method (ecoli4 left out)" in text
    assert "Friedman chi2" in text
    assert "critical difference" in text
    assert "**" in text  # the best of each row in bold
    for title in ("Jensen-Shannon", "Wasserstein", "MMD (linear kernel)"):
        assert title in text
    assert "synthetic rows: share that copy a training row" in text
    assert "No method is flagged as copying" in text
    assert "## Run times" in text
    # Who ran the store, where, and for how long.
    assert "## Runs" in text
    assert "(library call)" in text
    assert "summed cell time" in text
    assert "cores" in text
    configuration = parse_suite(PAPER_LIKE).configuration_hash()
    said = f"configuration with this version's defaults: `{configuration}`"
    assert said + "; every run ran it." in text
    assert "Cells: 22 finished, 2 failed of the grid's 24." in text
    export = pd.read_csv(files["results"])
    assert export["cell"].nunique() == 24
    assert set(export.loc[export["status"] == "failed", "label"]) == {"smote"}
    assert "yeast3: real minority" in text  # region composition, Figure 5
    assert "yeast3: adasyn" in text
    # ecoli4's 16 training minority rows are too few for 20 neighbours.
    assert "## Failed cells" in text
    assert "| ecoli4 | smote |" in text
    # The paper's values beside ours on the dataset both have (yeast3).
    assert "## Beside the LReDDPM paper" in text
    assert "Table 5: f1, decision_tree: ours (paper)" in text


def test_report_html_is_self_contained_with_pictures(paper_store, tmp_path):
    files = report(paper_store, tmp_path / "out")
    assert files["gmean_bars.png"].read_bytes()[:4] == b"\x89PNG"
    assert files["regions.png"].read_bytes()[:4] == b"\x89PNG"
    # One t-SNE map per dataset, from the synthetic rows the store kept.
    for dataset in ("yeast3", "ecoli4", "glass6"):
        assert files[f"tsne_{dataset}.png"].read_bytes()[:4] == b"\x89PNG"
    page = files["html"].read_text()
    assert "data:image/png;base64," in page
    assert "src='gmean_bars.png'" not in page
    assert page.count("<table>") >= 10


def test_cli_bench_and_report(tiny_suite_file, tmp_path, capsys):
    store = tmp_path / "tiny.sqlite"
    assert main(["bench", "--suite", str(tiny_suite_file), "--store", str(store)]) == 0
    assert "tiny: 12 cells done, 0 failed" in capsys.readouterr().out
    assert main(["report", str(store), "-o", str(tmp_path / "report")]) == 0
    assert (tmp_path / "report" / "report.html").is_file()
    assert main(["report", str(tmp_path / "nothing.sqlite"), "-o", "x"]) == 1
    assert "no store at" in capsys.readouterr().err
    wrong = tmp_path / "wrong.toml"
    wrong.write_text(tiny_suite_file.read_text().replace('"glass4"', '"glass44"'))
    assert main(["bench", "--suite", str(wrong), "--store", str(store)]) == 1
    assert "line 5: unknown dataset 'glass44'" in capsys.readouterr().err


COPYING = """\
name = "copying"
protocol = "holdout"
seeds = [0]
classifiers = ["decision_tree"]
datasets = ["yeast3"]

[[methods]]
method = "random"

[[methods]]
method = "smote"
"""


def test_memorisation_flags_a_sampler_that_copies(tmp_path):
    # Random oversampling duplicates training rows: every synthetic row is a copy.
    frame = run(parse_suite(COPYING), tmp_path / "copying.sqlite")
    shares = frame[frame["metric"] == "synthetic_exact_copy_share"]
    share = shares.set_index("label")["value"]
    assert share["random"] == 1.0
    assert share["smote"] < 0.1
    dcr = frame[frame["metric"] == "synthetic_dcr_median"].set_index("label")["value"]
    assert dcr["random"] == 0.0
    assert dcr["smote"] > 0.0
    text = report(tmp_path / "copying.sqlite", tmp_path / "out")["markdown"].read_text()
    flagged = "**Flagged as copying**: random: 100% of its synthetic rows copy"
    assert flagged in text
    assert "smote:" not in text.split("Flagged as copying")[1].split("\n")[0]


def test_cv_suite_report_sits_beside_the_semres_summary(tmp_path):
    suite = parse_suite(
        """\
name = "semres"
protocol = "cv"
folds = 2
seeds = [0]
classifiers = ["decision_tree", "gaussian_nb"]
datasets = ["ecoli4"]
published = "semres"

[[methods]]
method = "none"

[[methods]]
method = "smote"
"""
    )
    frame = run(suite, tmp_path / "semres.sqlite")
    assert sorted(frame["fold"].unique()) == [0, 1]
    text = report(tmp_path / "semres.sqlite", tmp_path / "out")["markdown"]
    text = text.read_text()
    assert "stratified 2-fold cross-validation" in text
    assert "## Beside the SEMRes-DDPM summary" in text
    assert "| f1 |" in text
    assert "0.7059" in text


def _published_suite(folder, published: str) -> str:
    return f"""\
name = "mine"
protocol = "holdout"
seeds = [0]
classifiers = ["decision_tree"]
datasets = ["ecoli4"]

{published}

[[methods]]
method = "none"

[[methods]]
method = "smote"
label = "<i>smote</i>"
"""


def test_a_suite_names_its_papers_numbers_without_code(tmp_path):
    (tmp_path / "averages.csv").write_text(
        "metric,method,value\nf1,TheirNet,50.0\nauc,TheirNet,75.0\n"
    )
    (tmp_path / "results.csv").write_text(
        "table,metric,classifier,method,dataset,mean\n"
        "Table 1,f1,decision_tree,Baseline,ecoli4,42.5\n"
        "Table 1,f1,decision_tree,Other,ecoli4,40.0\n"
    )
    text = _published_suite(
        tmp_path,
        '[published]\ntitle = "Beside their paper"\ntext = "Theirs & ours."\n'
        'scale = 100\naverages = "averages.csv"\nresults = "results.csv"\n'
        'methods = { Baseline = "none" }',
    )
    suite = parse_suite(text, folder=tmp_path)
    # The store keeps the values with the suite: its report needs no file.
    assert suite.definition()["published"]["averages"][0]["value"] == 50.0
    (tmp_path / "averages.csv").unlink()
    run(suite, tmp_path / "mine.sqlite")
    files = report(tmp_path / "mine.sqlite", tmp_path / "out")
    markdown = files["markdown"].read_text()
    section = markdown[markdown.index("## Beside their paper") :]
    assert "Theirs & ours." in section
    assert "| none | <i>smote</i> | TheirNet (published) |" in section
    assert "| f1 |" in section
    assert "| 50.00 |" in section
    # Per dataset, ours x 100 (the paper's) for the methods both have.
    assert "*Table 1: f1, decision_tree: ours (paper)*" in section
    assert " (42.50) |" in section
    assert "40.00" not in section
    page = files["html"].read_text()
    # Every text is escaped in the HTML page: a label is not markup.
    assert "&lt;i&gt;smote&lt;/i&gt;" in page
    assert "<i>smote</i>" not in page
    assert "Theirs &amp; ours." in page


def test_published_values_of_a_shipped_suite_and_errors_that_name_the_line(
    tmp_path,
):
    suite = parse_suite(_published_suite(tmp_path, 'published = "semres"'))
    assert suite.published["title"] == "Beside the SEMRes-DDPM summary"
    with pytest.raises(ValueError, match="line 7: published names 'nope'"):
        parse_suite(_published_suite(tmp_path, 'published = "nope"'))
    with pytest.raises(ValueError, match="line 8: published: unknown key 'titel'"):
        parse_suite(_published_suite(tmp_path, "[published]\ntitel = 'T'"))
    files = {
        "ranks.csv": "name,js\nA,1.5\n",
        "mmd.csv": "method,js,mmd\nA,1.5,2\n",
        "empty.csv": "metric,method,value\n",
        "text.csv": "metric,method,value\nf1,A,0.5\nauc,A,-\n",
        "twice.csv": "metric,method,value\nf1,A,0.5\nf1,A,0.6\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    cases = {
        'distance_ranks = "ranks.csv"': "has no column 'method'",
        'distance_ranks = "mmd.csv"': "has a column 'mmd'; beside 'method'",
        'averages = "empty.csv"': "'empty.csv' has no row",
        'averages = "text.csv"': "'text.csv', line 3: value is not a number",
        'averages = "twice.csv"': "'twice.csv', line 3: a second row",
        'averages = "missing.csv"': "averages: cannot read 'missing.csv'",
        "scale = nan": "scale must be a positive number",
        'methods = { A = "smoth" }': "methods maps to 'smoth', which is no method",
    }
    for setting, message in cases.items():
        # A header written with spaces and a comment is still found.
        text = _published_suite(
            tmp_path, f'[ published ]  # theirs\ntitle = "T"\n{setting}'
        )
        with pytest.raises(ValueError, match=f"line 9: published: .*{message}"):
            parse_suite(text, folder=tmp_path)


def test_a_copy_of_a_shipped_suite_finds_its_papers_files(tmp_path):
    from importlib import resources

    shipped = resources.files("imbdiff.bench") / "suites" / "semres.toml"
    copy = tmp_path / "my-semres.toml"
    copy.write_text(shipped.read_text().replace('name = "semres"', 'name = "mine"'))
    suite = load_suite(copy)
    assert suite.published["averages"][0]["method"] == "SEMRes-DDPM"


def test_a_store_from_before_published_values_takes_the_shipped_suites(
    tmp_path,
):
    import json

    store = tmp_path / "old.sqlite"
    run(parse_suite(COPYING.replace('name = "copying"', 'name = "semres"')), store)
    opened = Store.open(store)
    definition = json.loads(opened.meta()["definition"])
    assert definition.pop("published") is None
    text = report(store, tmp_path / "new")["markdown"].read_text()
    assert "## Beside the SEMRes-DDPM summary" not in text
    # As a store written before suites carried their published values.
    opened.set_meta("definition", json.dumps(definition))
    text = report(store, tmp_path / "old")["markdown"].read_text()
    assert "## Beside the SEMRes-DDPM summary" in text
    assert "| 0.7059 |" in text


def test_picture_file_names_of_datasets_given_as_files():
    from imbdiff.bench._report._figures import _file_name

    assert _file_name("ecoli4") == "ecoli4"
    a, b = _file_name("a/data.csv"), _file_name("/b/data.csv")
    assert a.startswith("data.csv_")
    assert b.startswith("data.csv_")
    assert a != b
    assert "/" not in a + b


def test_runs_name_their_configuration_and_commit():
    from imbdiff.bench._report._sections import runs_section

    def entry(configuration, **machine):
        return {
            "started_at": "2026-01-01T00:00:00+00:00",
            "command": None,
            "jobs": 1,
            "threads": 1,
            "cells_done": 1,
            "cells_failed": 0,
            "finished": True,
            "wall_seconds": 1.0,
            "cell_seconds": 1.0,
            "configuration": configuration,
            "machine": {"imbdiff": "9.9", **machine},
        }

    commit = "c0ffee" * 7
    runs = [entry("aaa", commit=commit + "+changes"), entry("bbb"), entry(None)]
    section = runs_section(runs, "aaa")
    assert "`aaa`; run(s) 2, 3 ran another configuration" in section.text
    assert "The tables show only this configuration's cells." in section.text
    table = section.tables[0][1]
    assert list(table["configuration (commit)"]) == [
        "`aaa` (`c0ffeec0ffee`+changes)",
        "`bbb`",
        "-",
    ]
    alone = runs_section(runs[:1], "aaa").text
    assert "every run ran it. Run a single cell" in alone
    # No suite definition: no sentence, and no gap where it would be.
    assert "imbdiff 9.9. Run a single cell" in runs_section(runs, None).text


def _git(folder, *args):
    subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_source_commit_of_a_checkout(tmp_path):
    from imbdiff.bench._run_record import source_commit

    repo = tmp_path / "repo"
    package = repo / "src" / "imbdiff"
    package.mkdir(parents=True)
    (package / "_version.py").write_text("__version__ = '1'\n")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one")
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True
    ).stdout.strip()
    assert source_commit(package) == head
    (package / "new.py").write_text("")  # a file not committed yet
    assert source_commit(package) == head + "+changes"

    # A copy installed in another project's ignored folder is not that
    # project's commit.
    installed = repo / ".venv" / "imbdiff"
    installed.mkdir(parents=True)
    (repo / ".gitignore").write_text(".venv/\n")
    (installed / "_version.py").write_text("__version__ = '1'\n")
    assert source_commit(installed) is None
    assert source_commit(tmp_path) is None  # outside any checkout


def test_ranks_of_the_mean_over_every_classifier(paper_store, tmp_path):
    files = report(paper_store, tmp_path / "out")
    text = files["markdown"].read_text()
    f1 = text[text.index("## F1 (f1)") : text.index("## AUC (auc)")]
    caption = "every classifier: average ranks of each dataset's mean over the 2"
    assert caption in f1
    table = f1[f1.index(caption) :].split("\n\n")[1].splitlines()
    labels = [c.strip() for c in table[0].strip("|").split("|")][1:]
    printed = [float(c.strip(" *")) for c in table[2].strip("|").split("|")[1:]]
    # By hand from the export: each classifier's mean over the seeds, their
    # mean per dataset, ranks per dataset (ties averaged) over the datasets
    # where every method has a score.
    export = pd.read_csv(files["results"])
    scores = export[(export["metric"] == "f1") & (export["status"] == "done")]
    per = scores.groupby(["dataset", "label", "classifier"])["value"].mean()
    means = per.groupby(["dataset", "label"]).mean().unstack("label").dropna()
    expected = means.rank(axis=1, ascending=False).mean()
    assert printed == pytest.approx([expected[label] for label in labels], abs=5e-3)


def test_a_method_without_every_classifier_is_left_out_of_the_pooled_ranks():
    from imbdiff.bench._report._sections import _over_classifiers_ranks

    rows = pd.DataFrame(
        {
            "dataset": ["d1"] * 5 + ["d2"] * 5,
            "label": ["a", "a", "b", "b", "c"] * 2,
            "classifier": ["x", "y", "x", "y", "x"] * 2,
            "value": [0.9, 0.7, 0.5, 0.6, 0.99, 0.1, 0.3, 0.2, 0.4, 0.99],
        }
    )
    # "d": a method whose every cell failed, so it has no score at all.
    caption, ranks, _ = _over_classifiers_ranks(rows, ["a", "b", "c", "d"])
    assert "left out, as not scored with every classifier: c, d" in caption
    assert list(ranks.columns) == ["a", "b"]
    assert list(ranks.loc["average rank"]) == ["1.50", "1.50"]
