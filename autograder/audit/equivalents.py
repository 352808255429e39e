"""Mutants (mutation.py) confirmed equivalent to the reference by a person, with why.

An audit fails on a surviving mutant that is not here, on an entry here that the
suites kill (they would fail correct code), and on an entry that names no mutant.
Keys are mutant ids as the audit prints them.
"""
EQUIVALENT = {
    "sigmoid | return np.where(x >= 0, 1 / (1 + e), e / (1 + e)) | col 20: >= -> >":
        "The branches differ only at x = 0 (and -0.0), where e = exp(0) = 1 exactly and both "
        "give 1 / 2 = 0.5 exactly; in float32 too.",
    "fold_biases | new_b = new_b + W @ (thresholds[layer - 1] * np.ones(W.shape[1])) | col 33: * -> /":
        "t / 1.0 is t exactly, for a float and for every entry of an array.",
    'fold_conv_thresholds | if layer["padding"] > 0: | col 15: > -> >=':
        "It also sets pad_value on unpadded convs, where no padding is ever added, so it is never read.",
    'fold_conv_thresholds | if layer["padding"] > 0: | col 34: 0 -> -1':
        "padding > -1 holds for every conv, as padding >= 0 does: the same as the entry above.",
    "fold_biases | new_b = b.copy() | col 16: .copy(...) dropped":
        "Every later step makes a new array (new_b + ..., new_b - ...), none changes new_b in place, so "
        "the input bias is never modified; a bias no step changes comes back as the input array itself, "
        "which the API allows (kernels and biases may be shared, as long as none is modified).",
}
