"""Accuracy and speed of the generated Gumbel-softmax densities (``python -m bench``, ``make bench``)."""
