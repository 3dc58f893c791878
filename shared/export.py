r"""The notebook's Submission cell: ``export_submission(grader, "sawtooth")``.

It writes, next to the saved notebook ``<A>.ipynb``:

* ``<A>_<timestamp>.zip``: otter's export (the notebook; the autograder reads only its code cells),
  with the two files below inside it too, so a TA who opens the zip can read the written answers;
* ``<A>_written.html``: the written (manually graded) questions and the answers under them, cut
  out of the notebook by otter's ``<!-- BEGIN QUESTION -->`` / ``<!-- END QUESTION -->`` markers and
  rendered by nbconvert (no LaTeX needed; opens in any browser, prints to PDF);
* ``<A>_written.pdf``: otter's PDF of the same cells (``otter.export``, LaTeX via pandoc and xelatex)
  where this computer has both; on most laptops it does not, and the HTML is the fallback.

It prints which file to upload where. On Colab, where a notebook cannot read its own file, it prints
the menu commands instead. While grading (the sandbox sets ``GD_GRADING``) it does nothing.
"""
from __future__ import annotations

import html
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any, Optional

_BEGIN = re.compile(r"<!--\s*BEGIN QUESTION\s*-->", re.I)
_END = re.compile(r"<!--\s*END QUESTION\s*-->", re.I)


def written_cells(notebook: dict) -> list:
    r"""The cells of the written questions: from a cell holding ``<!-- BEGIN QUESTION -->`` (from
    that marker on) to the next ``<!-- END QUESTION -->`` (up to it), the answer cells in between.

    Args:
        notebook: a parsed notebook (nbformat 4 dict or NotebookNode).
    Returns:
        list of cell dicts (copies, sources as strings), in notebook order.
    """
    cells, inside = [], False
    for cell in notebook.get("cells", []):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        begin, end = _BEGIN.search(source), _END.search(source)
        if not inside and begin is None:
            continue
        if not inside:
            source, inside = source[begin.end():], True
            end = _END.search(source)
        if end is not None:
            source, inside = source[:end.start()], False
        if source.strip():
            cells.append({**cell, "source": source.strip("\n")})
    return cells


def written_answers_html(notebook_path: Path, out_path: Path, title: str) -> Optional[Path]:
    r"""Write the written questions and answers of ``notebook_path`` as a standalone HTML page.

    Returns:
        ``out_path``, or None when the notebook has no written questions.
    """
    import nbformat
    from nbconvert import HTMLExporter

    notebook = nbformat.read(str(notebook_path), as_version=4)
    cells = written_cells(notebook)
    if not cells:
        return None
    page_cells = [nbformat.v4.new_markdown_cell(f"# {html.escape(title)}")]
    for cell in cells:
        if "otter_answer_cell" in cell.get("metadata", {}).get("tags", []):
            page_cells.append(nbformat.v4.new_markdown_cell("---\n**Answer:**"))
        page_cells.append(nbformat.from_dict(cell))
    page = nbformat.v4.new_notebook(cells=page_cells, metadata=notebook.get("metadata", {}))
    exporter = HTMLExporter()
    exporter.exclude_input_prompt = exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(page, resources={"metadata": {"name": title}})
    Path(out_path).write_text(body, encoding="utf-8")
    return Path(out_path)


def written_answers_pdf(notebook_path: Path, out_path: Path) -> Optional[Path]:
    r"""otter's PDF of the written questions (LaTeX exporter, filtered to the question markers).

    Returns:
        ``out_path``, or None where pandoc or xelatex is missing or the export fails.
    """
    if not (shutil.which("pandoc") and shutil.which("xelatex")):
        return None
    try:
        from otter.export import export_notebook

        export_notebook(str(notebook_path), dest=str(out_path), filtering=True, pagebreaks=True)
    except Exception as error:  # LaTeX errors in an answer, missing fonts, ...
        print(f"(No PDF: {type(error).__name__}: {str(error)[:200]})")
        return None
    return Path(out_path) if Path(out_path).is_file() else None


def _on_colab() -> bool:
    return "google.colab" in sys.modules


def export_submission(grader: Any, assignment: str, folder: Optional[os.PathLike] = None) -> Optional[Path]:
    r"""Write the submission zip (and the written answers, when the notebook has any) and say
    which file to upload where.

    Args:
        grader: the notebook's ``otter.Notebook``.
        assignment: the assignment's name; the notebook is ``<assignment>.ipynb`` in ``folder``.
        folder: where the notebook is saved; default the working directory (Jupyter's notebook folder).
    Returns:
        the path of the zip, or None when nothing was written (Colab, grading, no saved notebook).
    """
    if os.environ.get("GD_GRADING"):
        return None
    code, written = f'"{assignment}"', f'"{assignment} (written)"'
    if _on_colab():
        print(f"On Colab: File > Download > Download .ipynb, and upload that file to the Gradescope "
              f"assignment {code}. Written answers: File > Print > Save as PDF, and upload the PDF to {written}.")
        return None
    folder = Path(folder) if folder is not None else Path.cwd()
    notebook = folder / f"{assignment}.ipynb"
    if not notebook.is_file():
        print(f"No saved notebook {notebook}: save this notebook as {assignment}.ipynb in {folder} "
              "(File > Save Notebook As) and run this cell again.")
        return None
    files = []
    page = written_answers_html(notebook, folder / f"{assignment}_written.html", f"{assignment}: written answers")
    pdf = written_answers_pdf(notebook, folder / f"{assignment}_written.pdf") if page else None
    files = [p.name for p in (page, pdf) if p is not None]
    before = set(folder.glob(f"{assignment}_*.zip"))
    cwd = os.getcwd()
    try:
        os.chdir(folder)  # otter stores paths as given: keep them relative in the zip
        grader.export(f"{assignment}.ipynb", pdf=False, files=files)
    finally:
        os.chdir(cwd)
    made = sorted(set(folder.glob(f"{assignment}_*.zip")) - before, key=lambda p: p.stat().st_mtime)
    archive = made[-1] if made else None
    lines = [f"Upload {archive.name if archive else 'the zip'} (or just {notebook.name}) to the Gradescope "
             f"assignment {code}."]
    if pdf is not None:
        lines.append(f"Upload {pdf.name} (your written answers) to {written}.")
    elif page is not None:
        lines.append(f"Your written answers are in {page.name} (also inside the zip). This computer cannot "
                     f"make a PDF (no pandoc/xelatex): open {page.name} in your browser, print it to a PDF "
                     f"(Ctrl+P, Save as PDF) and upload that PDF to {written}.")
    print("\n".join(lines))
    return archive
