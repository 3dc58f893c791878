r"""Assignment `augmentation`: a case study on (toy) animal faces: statistics, a TorchVision v2
augmentation pipeline of the student's choice (graded by a face classifier: labels must survive),
seeded loaders, an MLP and its first-layer weights as images, and what augmentation does to the gap
between training and validation accuracy.

Grading settings read by the packager (see autograder/grading/suite.py, ``Limits``). With the
experiment cells skipped, the reference's checks take about 3 CPU seconds in all: the slowest
question is augmentation_q7 (six small training runs, about 1 s), then the loaders (make_loaders
three times) and the training question. 60 s per question leaves room for slower but correct code
on a loaded grading machine.

``SUBSTITUTES``: while a question's checks run, these notebook names are the reference functions
(no double jeopardy: a wrong ``train_transform`` costs question 2 only, not also the loaders and the
augmentation experiment that call it).
"""
LIMITS = {"cell_s": 60.0, "notebook_s": 240.0, "question_s": 60.0, "max_restarts": 3}
HIDDEN_VISIBILITY = "after_published"
SUBSTITUTES = {
    "augmentation_q4": ("channel_mean_std", "train_transform", "eval_transform"),
    "augmentation_q7": ("channel_mean_std", "train_transform", "eval_transform", "mlp_classifier", "evaluate",
                        "train_classifier"),
}
