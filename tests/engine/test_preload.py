r"""``PRELOAD`` (autograder/assignments/<a>/__init__.py): modules the worker imports once the notebook
has run, charged to the notebook. Only modules whose top-level package the notebook imported are
loaded (a notebook that never imported torch does not get torch); the student's functions see them
loaded before the first question."""
from __future__ import annotations

from dataclasses import replace

from autograder.grading.engine import grade
from tests.engine.conftest import build_suite, returns_question

LOADED_TEST = returns_question("q1_loaded", "loaded", [True, False])

CELLS = ["import email\n",
         "def loaded():\n    import sys\n"
         "    return ['email.mime.text' in sys.modules, 'wsgiref' in sys.modules]\n"]


def test_preload_imports_only_under_packages_the_notebook_imported(engine_tmp, notebook):
    built = build_suite(engine_tmp / "preload", {"q1_loaded": LOADED_TEST})
    suite = replace(built.suite, preload=("email.mime.text", "wsgiref.simple_server"))
    report = grade(suite, notebook(CELLS), built.options)
    assert report.score == 1 and report.notes == [], {q.name: q.first_failure() for q in report.questions}


def test_without_preload_nothing_more_is_imported(engine_tmp, notebook):
    built = build_suite(engine_tmp / "no-preload", {"q1_loaded": LOADED_TEST})
    report = grade(built.suite, notebook(CELLS), built.options)
    assert report.score == 0 and "returned [False, False]" in report.questions[0].first_failure()


def test_a_broken_preload_costs_nothing(engine_tmp, notebook):
    built = build_suite(engine_tmp / "bad-preload", {"q1_loaded": LOADED_TEST})
    suite = replace(built.suite, preload=("email.no_such_module", "email.mime.text"))
    report = grade(suite, notebook(CELLS), built.options)
    assert report.notes == [] and report.score == 0   # the failed import stops the list: nothing else loaded
