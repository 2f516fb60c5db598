"""Independent checks of a wheel written by wheelfix: every RECORD row is
recomputed with hashlib, every member is listed, RECORD is last and
.dist-info comes after the package files, WHEEL tags agree with the name.

Usage: check_wheel.py WHEEL
"""
import base64
import csv
import hashlib
import io
import os
import sys
import zipfile


def main():
    path = sys.argv[1]
    z = zipfile.ZipFile(path)
    assert z.testzip() is None, "CRC error"
    names = [i.filename for i in z.infolist()]
    parts = os.path.basename(path)[:-4].split("-")
    dist_info = f"{parts[0]}-{parts[1]}.dist-info"
    record = f"{dist_info}/RECORD"
    assert names[-1] == record, f"RECORD is not last: {names[-1]}"
    first_di = min(i for i, n in enumerate(names) if n.startswith(dist_info + "/"))
    assert all(n.startswith(dist_info + "/") for n in names[first_di:]), ".dist-info is not last"
    rows = list(csv.reader(io.StringIO(z.read(record).decode())))
    listed = {}
    for p, h, size in rows:
        listed[p] = (h, size)
    for n in names:
        if n.endswith("/"):
            continue
        assert n in listed, f"{n} not in RECORD"
        h, size = listed[n]
        if n == record:
            assert h == "" and size == "", "RECORD's own row"
            continue
        data = z.read(n)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        assert h == "sha256=" + digest, f"{n}: hash {h} != {digest}"
        assert int(size) == len(data), f"{n}: size"
    assert set(listed) <= set(names), f"RECORD lists missing files: {set(listed) - set(names)}"
    wheel = z.read(f"{dist_info}/WHEEL").decode()
    tags = sorted(l.split(": ", 1)[1] for l in wheel.splitlines() if l.startswith("Tag: "))
    py, abi, plat = parts[-3], parts[-2], parts[-1]
    want = sorted(f"{a}-{b}-{c}" for a in py.split(".") for b in abi.split(".") for c in plat.split("."))
    assert tags == want, f"WHEEL tags {tags} != file name {want}"


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"check_wheel: {sys.argv[1]}: {e}", file=sys.stderr)
        sys.exit(1)
