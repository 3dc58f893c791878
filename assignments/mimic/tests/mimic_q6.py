from otter.test_files import test_case

OK_FORMAT = False

name = "mimic_q6"
points = 2

@test_case(points=None, hidden=False)
def test_depth_sweep_runs(depth_sweep):
    from autograder.assignments.mimic.public import depth_sweep_runs
    depth_sweep_runs(depth_sweep)

