"""`make bench`: run every benchmark script in bench/ (files not starting with '_'), one after another."""

import subprocess
import sys
from pathlib import Path

here = Path(__file__).resolve().parent
scripts = sorted(p for p in here.glob("*.py") if not p.name.startswith("_") and p.name != "run.py")
if {"-h", "--help"} & set(sys.argv[1:]):
    print(f"usage: run.py [NAME ...]\n\n{__doc__}\nNAME: run only the scripts whose file name contains it.")
    sys.exit(0)
only = sys.argv[1:]
failed = 0
for script in scripts:
    if only and not any(o in script.name for o in only):
        continue
    print(f"\n=== {script.name}", flush=True)
    failed += subprocess.run([sys.executable, str(script)], cwd=here.parent).returncode != 0
sys.exit(1 if failed else 0)
