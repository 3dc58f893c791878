r"""Which notebook cells grading may skip: the given experiments that no graded code depends on.

A notebook's *experiments* (sweeps, training runs for plots, timing demos) are given code: the
packager records a hash of each such cell of the master (:func:`source_hash`). While grading, a
cell of the submission whose hash is recorded — the student left it as given — is skipped, unless
something that does run may depend on it:

* a cell that runs (every other cell: the setup cell, the student's cells, changed cells) or a
  check (through the notebook names its test functions take) reads a global name that the
  experiment assigns, imports or defines; or
* the experiment may mutate an object that such code reads: it stores into an attribute or item
  of it (``x.a = ..``, ``x[i] = ..``), passes it to a call (``train(model)``), or calls one of its
  methods (``model.fit()``) — except *inert* names: bound only by ``def``/``class``/``import`` or
  to constants (``EPOCHS, LR = 2000, 1e-2``) in the cells that run.

Reads are computed with :mod:`symtable` (a function body's *global* names, not its locals), so a
student function that uses ``x`` as a parameter does not depend on an experiment's ``x``. The
rule is applied until nothing changes (an experiment that must run adds its own reads). What it
does not see: code that reaches globals dynamically (``globals()["x"]``, ``eval``) and the global
random state an experiment advances; the checks reseed every generator before each rung, so the
graded functions see the same random state either way.
"""
from __future__ import annotations

import ast
import hashlib
import symtable
from dataclasses import dataclass, field
from typing import Iterable, Optional


def normalized(source: str) -> str:
    """The cell's code without trailing whitespace on its lines or blank lines around it."""
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def source_hash(source: str) -> str:
    return hashlib.sha256(normalized(source).encode("utf-8")).hexdigest()


@dataclass
class CellNames:
    """The global names a cell binds, may mutate, and reads."""

    binds: set = field(default_factory=set)        # assigned, imported, defined at module level
    inert: set = field(default_factory=set)        # bound only by def / class / import / constants
    mutates: set = field(default_factory=set)
    reads: set = field(default_factory=set)


def _global_reads(table: symtable.SymbolTable) -> set:
    """Names a (nested) scope reads from the module's globals."""
    names = set()
    for symbol in table.get_symbols():
        if table.get_type() == "module":
            if symbol.is_referenced():
                names.add(symbol.get_name())
        elif symbol.is_global() and symbol.is_referenced():
            names.add(symbol.get_name())
    for child in table.get_children():
        names |= _global_reads(child)
    return names


def _global_binds(table: symtable.SymbolTable) -> set:
    """Names declared ``global`` and assigned inside functions of the cell."""
    names = set()
    for child in table.get_children():
        for symbol in child.get_symbols():
            if symbol.is_declared_global() and symbol.is_assigned():
                names.add(symbol.get_name())
        names |= _global_binds(child)
    return names


def _root_name(node: ast.AST) -> Optional[str]:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _mutated(tree: ast.AST) -> set:
    names = set()
    for node in ast.walk(tree):
        targets: Iterable[ast.AST] = ()
        if isinstance(node, (ast.Assign, ast.Delete)):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            for part in ast.walk(target):
                if isinstance(part, (ast.Attribute, ast.Subscript)):
                    names.add(_root_name(part))
        if isinstance(node, ast.Call):
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                names.add(_root_name(arg))
            if isinstance(node.func, ast.Attribute):
                names.add(_root_name(node.func.value))
    names.discard(None)
    return names


def _is_constant(node: ast.AST) -> bool:
    """A literal number/string/bool/None, or a tuple, sign or arithmetic of such."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Tuple):
        return all(_is_constant(e) for e in node.elts)
    if isinstance(node, ast.UnaryOp):
        return _is_constant(node.operand)
    if isinstance(node, ast.BinOp):
        return _is_constant(node.left) and _is_constant(node.right)
    return False


def _constant_targets(node: ast.AST) -> set:
    """Names an assignment statement binds to constants (``a, b = 1, 2.0``)."""
    if isinstance(node, ast.Assign) and _is_constant(node.value):
        return {n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    if isinstance(node, ast.AnnAssign) and node.value is not None and _is_constant(node.value):
        return {node.target.id} if isinstance(node.target, ast.Name) else set()
    return set()


def cell_names(source: str) -> Optional[CellNames]:
    """The names of one cell, or None when it is not valid Python."""
    try:
        tree = ast.parse(source)
        table = symtable.symtable(source, "<cell>", "exec")
    except (SyntaxError, ValueError):
        return None
    binds, inert = set(), set()
    for symbol in table.get_symbols():
        if symbol.is_assigned() or symbol.is_imported():
            binds.add(symbol.get_name())
    plain = set()   # names bound in some other way somewhere in the cell
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For, ast.With, ast.NamedExpr, ast.comprehension)):
            stored = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
            plain |= stored - (_constant_targets(node) if node in tree.body else set())
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            inert.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            inert |= {(a.asname or a.name).split(".")[0] for a in node.names}
        inert |= _constant_targets(node)
    binds |= _global_binds(table)
    return CellNames(binds, inert - plain, _mutated(tree), _global_reads(table))


def cells_to_skip(cells: list, experiment_hashes: Iterable[str], needed: Iterable[str]) -> set:
    """Indices of the cells that grading may skip (see module doc).

    Args:
        cells: the submission's code-cell sources, in order.
        experiment_hashes: :func:`source_hash` of the master's given experiment cells.
        needed: notebook names the checks read (their test functions' parameters).
    """
    experiments = set(experiment_hashes)
    candidates = {i for i, source in enumerate(cells) if source.strip() and source_hash(source) in experiments}
    names = {i: cell_names(source) for i, source in enumerate(cells)}
    running = set(range(len(cells))) - candidates
    changed = True
    while changed:
        known = [names[i] for i in running if names[i] is not None]
        reads = set(needed).union(*(cell.reads for cell in known))
        inert = set().union(*(cell.inert for cell in known)) - set().union(*(cell.binds - cell.inert for cell in known))
        changed = False
        for i in sorted(candidates - running):
            cell = names[i]
            if cell is None or (cell.binds | (cell.mutates - inert)) & reads:
                running.add(i)
                changed = True
                break
    return candidates - running
