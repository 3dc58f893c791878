from otter.test_files import test_case

OK_FORMAT = False

name = "sawtooth_q7"
points = 2

@test_case(points=None, hidden=False)
def test_count_pieces_line(count_pieces):
    from autograder.assignments.sawtooth.public import count_pieces_line
    count_pieces_line(count_pieces)

