r"""The committed record of how sharp each question's checks are: ``autograder/assignments/<a>/mutants.json``.

Per question: mutants generated, killed, timed out, survived, shown equivalent, the kill rate

    kill rate = (killed + timed out) / (generated - equivalent - accepted),

where *accepted* survivors are reviewed by a person and carry a one-line reason why the mutant is
really a correct answer (e.g. ``max(x, 0)`` vs ``max(x, -0.0)``); a survivor without a reason is
a weakness of the checks, and so is one still marked ``UNREVIEWED``. A reviewed survivor whose
reason starts with ``MISSED`` is a real wrong answer that the checks knowingly let through (the
reason says why no affordable check sees it): it is not new, but it stays in the kill rate's
denominator. After editing reasons, ``--recount`` rewrites the stored kill rates from them.
``sample`` lists killed mutants that the quick test re-grades.

A run is *worse* than the baseline when a question's kill rate drops or a mutant survives that is
not an accepted survivor.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

TARGET_KILL_RATE = 0.90
UNREVIEWED = "UNREVIEWED"
MISSED = "MISSED"
SAMPLE_PER_QUESTION = 2


@dataclass
class QuestionRecord:
    generated: int = 0
    killed: int = 0
    timed_out: int = 0
    survived: dict = field(default_factory=dict)      # ident -> one-line description
    equivalent: dict = field(default_factory=dict)    # ident -> one-line description
    accepted: dict = field(default_factory=dict)      # ident -> {"mutant": ..., "reason": ...}
    sample: list = field(default_factory=list)

    @property
    def kill_rate(self) -> float:
        accepted = sum(1 for ident in self.survived if ident in self.accepted
                       and not self.accepted[ident].get("reason", "").startswith((MISSED, UNREVIEWED)))
        judged = self.generated - len(self.equivalent) - accepted
        return 1.0 if judged <= 0 else (self.killed + self.timed_out) / judged

    @property
    def new_survivors(self) -> dict:
        return {i: d for i, d in self.survived.items()
                if i not in self.accepted or self.accepted[i].get("reason", "").startswith(UNREVIEWED)}


def kill_rate_of(entry: dict) -> float:
    """The kill rate a stored baseline entry implies (its ``kill_rate`` field must equal it)."""
    record = QuestionRecord(generated=entry["generated"], killed=entry["killed"], timed_out=entry["timed_out"],
                            survived={i: a["mutant"] for i, a in entry["accepted"].items()},
                            equivalent=dict(entry["equivalent"]), accepted=entry["accepted"])
    return round(record.kill_rate, 4)


def path_of(repo: Path, assignment: str) -> Path:
    return repo / "autograder" / "assignments" / assignment / "mutants.json"


def load(path: Path) -> dict:
    """question -> stored dict (empty when there is no baseline yet)."""
    if not path.exists():
        return {}
    return json.loads(path.read_text()).get("questions", {})


def compare(record: QuestionRecord, stored: dict) -> list:
    """Why ``record`` is worse than the stored baseline of its question (empty: not worse)."""
    problems = []
    if stored and round(record.kill_rate, 4) < stored.get("kill_rate", 0.0):   # stored rates are rounded
        problems.append(f"kill rate {record.kill_rate:.1%} < baseline {stored['kill_rate']:.1%}")
    for ident, text in sorted(record.new_survivors.items()):
        problems.append(f"new survivor {ident}: {text}")
    return problems


def to_json(record: QuestionRecord, stored: dict) -> dict:
    """The baseline entry for ``record``: reasons of persisting accepted survivors are kept, new
    survivors are marked UNREVIEWED for a person to judge."""
    old = stored.get("accepted", {})
    accepted = {i: old.get(i, {"mutant": d, "reason": f"{UNREVIEWED}: does this mutant deserve full marks?"})
                for i, d in sorted(record.survived.items())}
    record.accepted = accepted
    return {"generated": record.generated, "killed": record.killed, "timed_out": record.timed_out,
            "survived": len(record.survived), "equivalent_count": len(record.equivalent),
            "kill_rate": round(record.kill_rate, 4), "accepted": accepted,
            "equivalent": dict(sorted(record.equivalent.items())), "sample": sorted(record.sample)}


def write(path: Path, assignment: str, questions: dict) -> None:
    path.write_text(json.dumps({"assignment": assignment, "note": "written by `make mutants A=%s UPDATE=1`; "
                                "review every UNREVIEWED reason" % assignment,
                                "target_kill_rate": TARGET_KILL_RATE, "questions": questions},
                               indent=1, sort_keys=True) + "\n")


def table(repo: Path, assignments: list) -> str:
    r"""The README's "How sharp are the graders" table, rendered from the committed baselines: one row
    per question (mutants generated, killed, timed out, survivors accepted as correct, survivors
    that are real misses, equivalent, kill rate) and one total row per assignment. Assignments
    without a baseline get a row saying so."""
    lines = ["| assignment | question | mutants | killed | timed out | accepted | missed | equivalent | kill rate |",
             "|---|---|---|---|---|---|---|---|---|"]
    for assignment in assignments:
        questions = load(path_of(repo, assignment))
        if not questions:
            lines.append(f"| `{assignment}` | (no baseline) | | | | | | | |")
            continue
        total = dict.fromkeys(("generated", "killed", "timed_out", "accepted", "missed", "equivalent"), 0)
        for q, entry in sorted(questions.items(), key=lambda item: _question_order(item[0])):
            missed = sum(1 for a in entry["accepted"].values() if a.get("reason", "").startswith((MISSED, UNREVIEWED)))
            row = {"generated": entry["generated"], "killed": entry["killed"], "timed_out": entry["timed_out"],
                   "accepted": len(entry["accepted"]) - missed, "missed": missed,
                   "equivalent": entry.get("equivalent_count", len(entry["equivalent"]))}
            for key in total:
                total[key] += row[key]
            lines.append(f"| `{assignment}` | {q} | " + " | ".join(str(row[k]) for k in total)
                         + f" | {entry['kill_rate']:.1%} |")
        judged = total["generated"] - total["equivalent"] - total["accepted"]
        rate = 1.0 if judged <= 0 else (total["killed"] + total["timed_out"]) / judged
        lines.append(f"| `{assignment}` | **all** | " + " | ".join(str(total[k]) for k in total) + f" | **{rate:.1%}** |")
    return "\n".join(lines)


def _question_order(name: str) -> tuple:
    """``sawtooth_q2b`` sorts after ``sawtooth_q2`` and before ``sawtooth_q10``."""
    import re

    match = re.search(r"_q(\d+)(\w*)$", name)
    return (int(match.group(1)), match.group(2)) if match else (10**6, name)


def recount(path: Path) -> dict:
    """Rewrite each question's stored kill rate from its reviewed reasons; question -> kill rate."""
    data = json.loads(path.read_text())
    for entry in data["questions"].values():
        entry["kill_rate"] = kill_rate_of(entry)
    write(path, data["assignment"], data["questions"])
    return {q: entry["kill_rate"] for q, entry in data["questions"].items()}
