# Submission (do not edit): save the notebook first, then run this cell.
from shared.export import export_submission

export_submission(grader, "${assignment}")
