r"""Mutants of a question's reference code, made by cosmic-ray's mutation operators.

For each solution cell of a question in the master notebook, every operator of cosmic-ray's
``core`` provider is applied at every position it can mutate (cosmic-ray's own
:class:`cosmic_ray.mutating.MutationVisitor`, one mutation per mutant). Only mutants whose changed lines
lie in the student-written part of the cell (between ``# BEGIN SOLUTION``/``# END SOLUTION``) are
kept: a mutated docstring or signature is not a mistake a student can make.

Left out: ``VariableReplacer`` and ``VariableInserter``, which need a cause/effect variable pair
chosen by hand (they model data dependencies for causal testing, not mistakes), and operators
that find no position. Every mutant has a stable id: a hash of its question, function, operator
and changed text (an ordinal tells identical changes apart), so a baseline survives edits
elsewhere in the notebook.
"""
from __future__ import annotations

import ast
import difflib
import hashlib
from dataclasses import dataclass
from functools import lru_cache

from autograder.packaging.cells import MasterCell, solution_lines


@dataclass(frozen=True)
class Mutant:
    question: str
    cell: int            # index of the mutated cell in the master notebook
    function: str        # the function whose body changed
    operator: str        # cosmic-ray operator name, e.g. core/NumberReplacer
    line: int            # first changed line, 1-based within the cell
    before: str
    after: str
    source: str          # the whole mutated cell
    ident: str = ""

    def describe(self) -> str:
        """One line: where, what changed, by which operator."""
        return f"{self.function}, line {self.line}: `{self.before}` -> `{self.after}`  [{self.operator.split('/')[-1]}]"


@lru_cache(maxsize=1)
def operators() -> tuple:
    """``(name, operator)`` for every core operator that needs no arguments."""
    import cosmic_ray.plugins as plugins

    found = []
    for name in plugins.operator_names():
        if not name.startswith("core/"):
            continue
        cls = plugins.get_operator(name)
        if cls.arguments():
            continue
        found.append((name, cls()))
    return tuple(found)


def _changes(original: str, mutated: str) -> list:
    """``(first line, lines before, lines after)`` for each changed block (1-based lines)."""
    a, b = original.splitlines(), mutated.splitlines()
    out = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag != "equal":
            out.append((i1 + 1, a[i1:i2], b[j1:j2]))
    return out


def _function_spans(tree: ast.AST) -> list:
    """``(first line, last line, name)`` of every function in ``tree``, innermost last among
    nested ones (sorted by first line)."""
    return sorted((node.lineno, node.end_lineno, node.name) for node in ast.walk(tree)
                  if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)))


def _enclosing_function(spans: list, line: int) -> str:
    """The innermost function (of :func:`_function_spans`) containing ``line``, or ``<module>``."""
    best = "<module>"
    for first, last, name in spans:
        if first > line:
            break
        if line <= last:
            best = name
    return best


@lru_cache(maxsize=32)
def _mutations(source: str) -> tuple:
    """``(operator name, occurrence, mutated source)`` for every position of every operator, each
    made by cosmic-ray's own :class:`~cosmic_ray.mutating.MutationVisitor` exactly as
    :func:`cosmic_ray.mutating.mutate_code` makes it, except that the source is parsed once:
    each mutation walks a fresh copy of the parse tree unpickled from one snapshot (parso's own
    cache stores trees the same way), about 6x cheaper than parsing the cell again. Cached per
    source: the quick baseline tests look up a few mutants of the same cells more than once."""
    import pickle

    from cosmic_ray.ast import get_ast
    from cosmic_ray.mutating import MutationVisitor

    snapshot = pickle.dumps(get_ast(source), protocol=pickle.HIGHEST_PROTOCOL)
    found = []
    for name, operator in operators():
        occurrence = 0
        while True:
            visitor = MutationVisitor(occurrence, operator)
            try:
                mutated_tree = visitor.walk(pickle.loads(snapshot))
            except Exception:  # an operator that cannot handle this code
                break
            if not visitor.mutation_applied:
                break
            found.append((name, occurrence, mutated_tree.get_code()))
            occurrence += 1
    return tuple(found)


def mutants_of(cells: list, question: str) -> list:
    """Every kept mutant of ``question``'s solution cells (see module doc), in a stable order."""
    found, seen = [], {}
    for cell in cells:
        if not (isinstance(cell, MasterCell) and cell.role == "solution" and cell.question == question):
            continue
        region = solution_lines(cell.source)
        spans = _function_spans(ast.parse(cell.source))
        for name, _, mutated in _mutations(cell.source):
            if mutated == cell.source:
                continue
            changes = _changes(cell.source, mutated)
            touched = {start + k for start, before, _ in changes for k in range(max(len(before), 1))}
            if not changes or not touched <= region:
                continue
            try:
                ast.parse(mutated)
            except SyntaxError:
                continue
            start = changes[0][0]
            before = " / ".join(line.strip() for _, lines, _ in changes for line in lines)
            after = " / ".join(line.strip() for _, _, lines in changes for line in lines)
            function = _enclosing_function(spans, start)
            key = f"{question}|{function}|{name}|{before}|{after}"
            seen[key] = seen.get(key, 0) + 1
            ident = hashlib.sha1(f"{key}|{seen[key]}".encode()).hexdigest()[:12]
            found.append(Mutant(question, cell.index, function, name, start, before, after, mutated, ident))
    return found
