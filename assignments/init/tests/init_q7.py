from otter.test_files import test_case

OK_FORMAT = False

name = "init_q7"
points = 2

@test_case(points=None, hidden=False)
def test_scan_shape(scan_init):
    from autograder.assignments.init.public import scan_shape
    scan_shape(scan_init)

