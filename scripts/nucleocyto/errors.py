"""The one exception type that carries a user-facing message."""


class InputError(ValueError):
    """Bad input: the message is one sentence naming the file (or sample) and the problem.

    Workflow scripts catch it, write the sentence to the log and to stderr, and exit non-zero
    without a traceback.
    """
