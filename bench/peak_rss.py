"""peak_rss.py CMD...: runs CMD, passes its output through, then prints
"peak_rss_mb=<x>": the child's peak resident set size (getrusage's
ru_maxrss of the waited-for children). Exits with the child's status."""
import resource
import subprocess
import sys

status = subprocess.call(sys.argv[1:])
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"peak_rss_mb={peak_kb / 1024:.1f}")
sys.exit(status)
