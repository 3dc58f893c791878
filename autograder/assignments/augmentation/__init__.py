r"""Assignment `augmentation`: a case study on (toy) animal faces: statistics, a TorchVision v2
augmentation pipeline, seeded loaders, an MLP and its first-layer weights as images.

Grading settings read by the packager (see autograder/grading/suite.py, ``Limits``). The notebook
itself (data, an augmented training run of 10 epochs, the plots) runs in about 10 s on one thread;
the slowest questions take 2-3 s for the reference through the sandbox (the transform questions
make 200 calls each, make_loaders is run three times, the classifier is trained once for 8 epochs);
60 s per question leaves room for slower but correct code on a loaded grading machine.
"""
LIMITS = {"cell_s": 60.0, "notebook_s": 240.0, "question_s": 60.0, "max_restarts": 3}
HIDDEN_VISIBILITY = "after_published"
