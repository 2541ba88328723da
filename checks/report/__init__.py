"""Report writers. Each takes the report dict (written as verification.json) and the output folder,
and returns the path it wrote. ``WRITERS`` lists them in order.

All of them render one model (``checks.report.model.build``), built once per report.
"""
from . import html, junit, markdown

WRITERS: list = [markdown.write, html.write, junit.write]
