"""Exception classes of snnlab.

SpikingJelly raised ``NotImplementedError`` for unknown option names and bare
``AssertionError`` for bad constructor arguments. snnlab raises ``ValueError`` /
``TypeError`` with a message naming the argument, the expected form and the value
received; the classes below also derive from the SpikingJelly class, so existing
``except`` clauses keep working.

Shape:
    not applicable (exception classes).

Example:
    >>> from snnlab.errors import UnknownOptionError
    >>> issubclass(UnknownOptionError, (ValueError, NotImplementedError))
    True
"""

__all__ = ["InvalidParameterError", "InvalidParameterTypeError", "UnknownOptionError"]


class UnknownOptionError(ValueError, NotImplementedError):
    """An option name (kernel, loss type, backend, ...) that is not one of the valid names."""


class InvalidParameterError(ValueError, AssertionError):
    """A parameter value out of its valid range (SpikingJelly asserted here)."""


class InvalidParameterTypeError(TypeError, AssertionError):
    """A parameter of the wrong type (SpikingJelly asserted here)."""
