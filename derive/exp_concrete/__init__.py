"""The second subject: the log-space (ExpConcrete) density of Gumbel-softmax and its base measure.

model.py: the symbols (x_1..x_{k-1} free, x_k and y_i = e^{x_i} derived); claims.py: the claims
anchored to note_copy.md; note.py: the subject's parts (title, copy, claims, reading hints, lemmas); lemmas.py: the log-of-a-product rewrite the symbolic-k proofs cite;
end_to_end.py: normalisation under each declared base measure and the finding about the
libraries' log-space log_prob; figures.py: the k = 2 density against log-space samples.
"""
