"""gsverify: a symbolic derivation verifier, and the code it generates from verified expressions."""
