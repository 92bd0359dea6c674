"""``python benchmarks/_maxrss.py OUT.json course-args...``: run the ``course`` command
line in this process, then write its peak resident memory to ``OUT.json``:
``{"self_mb": the grader process, "children_mb": its largest child process waited for
(a worker process with --jobs 2, else the sandbox zygote), "self_cpu_s": the grader
process's own CPU seconds (user + system, all its threads)}`` (``getrusage``)."""

import json
import resource
import sys

from course.cli import main

if __name__ == "__main__":
    out, argv = sys.argv[1], sys.argv[2:]
    try:
        status = main(argv)
    finally:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        me = usage.ru_maxrss / 1024
        kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        with open(out, "w") as fh:
            json.dump({"self_mb": round(me, 1), "children_mb": round(kids, 1),
                   "self_cpu_s": round(usage.ru_utime + usage.ru_stime, 3)}, fh)
    sys.exit(status)
