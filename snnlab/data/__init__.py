"""Data files shipped with snnlab and read by :mod:`snnlab.datasets` (nothing to import here).

``digits8x8.npz``: the 1797 8x8 hand-written digit images (grey levels 0-16, ``uint8``) and their
labels, from the UCI ML hand-written digits data set (E. Alpaydin, C. Kaynak, CC BY 4.0) in the
form scikit-learn bundles it (``sklearn.datasets.load_digits``).

Shape:
    ``images``: ``[1797, 8, 8]`` uint8; ``labels``: ``[1797]`` uint8.

Example:
    >>> from snnlab.datasets import load_digits
    >>> load_digits().x_train.shape[1]
    64
"""
