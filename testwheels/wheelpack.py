"""Deterministic wheel writer for testwheels/build.py (standard library only).

write_wheel() packs local files into {dist}-{version}-{tags}.whl with the
metadata the binary distribution format requires: METADATA (2.1), WHEEL
(Wheel-Version 1.0, Root-Is-Purelib: false, one Tag line per expanded tag)
and RECORD (sha256 urlsafe base64 without padding, sizes, RECORD's own row
as `path,,`).  Entries are sorted, the .dist-info folder comes last and
RECORD is the last entry; timestamps come from SOURCE_DATE_EPOCH (clamped to
1980-01-01) or are 1980-01-01, so the same inputs give the same bytes.
"""

import base64
import csv
import hashlib
import io
import os
import time
import zipfile

GENERATOR = "wheelfix-testwheels 1"


def zip_date_time():
    """The timestamp every entry gets."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        return (1980, 1, 1, 0, 0, 0)
    stamp = max(int(epoch), 315532800)  # 1980-01-01, the zip minimum
    return time.gmtime(stamp)[:6]


def record_hash(data):
    """`sha256=<urlsafe b64, no padding>` as RECORD wants it."""
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def expand_tags(tags):
    """'py-abi-plat' with dotted compressed sets -> list of single tags."""
    py, abi, plat = tags.split("-")
    return ["%s-%s-%s" % (p, a, pl) for p in py.split(".") for a in abi.split(".")
            for pl in plat.split(".")]


def metadata_text(dist, version, summary, requires_python):
    """Core metadata 2.1."""
    lines = ["Metadata-Version: 2.1", "Name: " + dist, "Version: " + version]
    if summary:
        lines.append("Summary: wheelfix test wheel: " + summary)
    lines.append("Requires-Python: " + requires_python)
    return "\n".join(lines) + "\n"


def wheel_text(tags):
    """The WHEEL file for a platform wheel."""
    lines = ["Wheel-Version: 1.0", "Generator: " + GENERATOR, "Root-Is-Purelib: false"]
    lines += ["Tag: " + t for t in expand_tags(tags)]
    return "\n".join(lines) + "\n"


def _add(zf, name, data, mode):
    info = zipfile.ZipInfo(name, date_time=zip_date_time())
    info.create_system = 3  # unix, so external_attr carries the mode
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data, compresslevel=6)


def _is_executable(data):
    return data[:4] == b"\x7fELF" or data[:2] == b"#!"


def write_wheel(outdir, dist, version, tags, files, summary="", requires_python=">=3"):
    """Writes outdir/{dist}-{version}-{tags}.whl.

    files maps archive names ('/'-separated, relative) to local paths; ELF
    files and #! scripts get mode 0755, others 0644.  Returns the wheel's file
    name.  Raises ValueError for an unsafe archive name, OSError on I/O.
    """
    dist_info = "%s-%s.dist-info" % (dist, version)
    payload = []
    for name in sorted(files):
        if name.startswith("/") or ".." in name.split("/") or "\\" in name:
            raise ValueError("%s: unsafe archive name %r" % (dist, name))
        with open(files[name], "rb") as f:
            payload.append((name, f.read()))
    payload.append((dist_info + "/METADATA",
                    metadata_text(dist, version, summary, requires_python).encode()))
    payload.append((dist_info + "/WHEEL", wheel_text(tags).encode()))

    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for name, data in payload:
        writer.writerow([name, record_hash(data), len(data)])
    writer.writerow([dist_info + "/RECORD", "", ""])

    wheel_name = "%s-%s-%s.whl" % (dist, version, tags)
    path = os.path.join(outdir, wheel_name)
    tmp = path + ".tmp"
    with zipfile.ZipFile(tmp, "w") as zf:
        for name, data in payload:
            _add(zf, name, data, 0o755 if _is_executable(data) else 0o644)
        _add(zf, dist_info + "/RECORD", record.getvalue().encode(), 0o644)
    os.replace(tmp, path)
    return wheel_name
