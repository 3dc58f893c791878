r"""The README's "How sharp are the graders" table is the one the committed baselines give
(``make mutants-table`` prints it): a baseline updated without the README, or the reverse, fails."""
from __future__ import annotations

from autograder.mutation import baseline
from tests.support import ASSIGNMENTS, REPO



def test_readme_shows_the_table_of_the_committed_baselines():
    rendered = baseline.table(REPO, ASSIGNMENTS)
    assert "(no baseline)" not in rendered, "every assignment needs a reviewed mutation baseline"
    assert rendered in (REPO / "README.md").read_text(), (
        "README.md's 'How sharp are the graders' table is stale: paste the output of `make mutants-table`")


def test_table_counts_missed_survivors_against_the_kill_rate(tmp_path):
    """Check the renderer on a toy baseline: an accepted survivor leaves the denominator, a MISSED
    one stays in it, equivalents leave it."""
    folder = tmp_path / "autograder" / "assignments" / "toy"
    folder.mkdir(parents=True)
    accepted = {"a": {"mutant": "x", "reason": "a tie rule the contract allows"},
                "b": {"mutant": "y", "reason": "MISSED: no affordable check"}}
    entry = {"generated": 12, "killed": 9, "timed_out": 0, "accepted": accepted,
             "equivalent": {"e": "z"}, "equivalent_count": 1, "kill_rate": 0.9, "sample": []}
    baseline.write(folder / "mutants.json", "toy", {"toy_q2b": entry, "toy_q10": entry, "toy_q2": entry})
    lines = baseline.table(tmp_path, ["toy"]).splitlines()
    assert [line.split(" | ")[1] for line in lines[2:]] == ["toy_q2", "toy_q2b", "toy_q10", "**all**"]
    assert lines[2].endswith("| 12 | 9 | 0 | 1 | 1 | 1 | 90.0% |")
    assert lines[-1].endswith("| 36 | 27 | 0 | 3 | 3 | 3 | **90.0%** |")   # 27 / (36 - 3 - 3)
