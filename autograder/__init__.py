"""The autograder: checks against :mod:`course.nn` and the hardened batch grader.

It depends on ``course.nn``; ``course.nn`` never depends on it.
"""
