"""A Jupyter course that teaches backpropagation through auto-graded exercises.

``course.nn`` is the reference engine (numpy only); ``course.data`` holds the
datasets, ``course.plots`` the figures, and ``course.cli`` the ``course`` command.
"""

__version__ = "0.1.0"
