from otter.test_files import test_case

OK_FORMAT = False

name = "mimic_q3"
points = 2

@test_case(points=None, hidden=False)
def test_width_small(width_for_budget):
    from autograder.assignments.mimic.public import width_small
    width_small(width_for_budget)

