#!/usr/bin/env bash
# Prints "TEST: REASON" for every skip recorded in a ctest JUnit file
# (ctest --output-junit FILE): the "SKIP: ..." lines that an end-to-end
# script prints before it exits 77 (tests/e2e/lib.sh wf_skip) or when it
# skips one case (wf_skip_case), and that a unit test WARNs when it skips a
# case.  ctest shows a skipped test as "***Skipped" with no reason;
# scripts/test.sh prints these in its summary.
#   scripts/skip-report.sh JUNIT_XML
set -uo pipefail
xml=${1:?usage: skip-report.sh JUNIT_XML}
[ -f "$xml" ] || exit 0
python3 - "$xml" <<'PY'
import sys
import xml.etree.ElementTree as ET

seen = set()
for case in ET.parse(sys.argv[1]).getroot().iter("testcase"):
    out = case.findtext("system-out") or ""
    for line in out.splitlines():
        at = line.find("SKIP: ")
        if at < 0:
            continue
        key = "%s: %s" % (case.get("name"), line[at + 6:].strip())
        if key not in seen:
            seen.add(key)
            print(key)
PY
