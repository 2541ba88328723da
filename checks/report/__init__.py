"""Report writers. Each takes the report model (the dict written as verification.json) and the
output folder, and returns the path it wrote. ``WRITERS`` lists them in order."""
WRITERS: list = []
