"""The deliberately broken case package of the 四性检测 exercise, made per trainee from the demo generator.

It is a realistic case of the trainee's own department (so the upload is not refused for the wrong
department before it is checked) with exactly one defect, so the check report has one clear answer.
"""

from __future__ import annotations

import hashlib
import io
import zipfile

from dangan.access import Principal
from dangan.core import ValidationFailed
from dangan.demo import DEPARTMENTS, MATTERS, case_json, make_case

PACKAGE_SYSTEM = "practice-training"
DEFECTS = ("hash_mismatch", "missing_file")


def package_source_id(username: str, defect: str) -> str:
    """Stable per trainee and defect: the checker finds the upload by it."""
    digest = hashlib.sha256(f"{username}\n{defect}".encode()).hexdigest()[:10].upper()
    return f"LX-{digest}"


def _department_and_matter(user: Principal) -> tuple[str, dict[str, str]]:
    department = user.department or DEPARTMENTS[0].name
    for matter in MATTERS:
        if matter.department == department:
            return department, {"code": matter.code, "name": matter.name}
    return department, {"code": MATTERS[0].code, "name": MATTERS[0].name}


def broken_package(user: Principal, defect: str) -> tuple[str, bytes]:
    """(file name, ZIP bytes) of a case package that fails 四性检测 in one known way."""
    if defect not in DEFECTS:
        raise ValidationFailed(f"未知的练习缺陷类型：{defect}", code="unknown_defect")
    source_id = package_source_id(user.username, defect)
    department, matter = _department_and_matter(user)
    seed = int(hashlib.sha256(source_id.encode()).hexdigest()[:6], 16)
    case = make_case(seed, department=department, matter=matter, source_system=PACKAGE_SYSTEM,
                     source_id=source_id, security_level="内部", open_to_public=False)  # fmt: skip
    files = dict(case.files)
    last = case.case["files"][-1]
    if defect == "hash_mismatch":  # the listing's hash no longer matches the file: 1-3
        last["sha256"] = hashlib.sha256(b"tampered:" + files[last["path"]]).hexdigest()
    else:  # listed, but not in the package
        files.pop(last["path"])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{source_id}/case.json", case_json(case))
        for path, data in files.items():
            zf.writestr(f"{source_id}/{path}", data)
    return f"{source_id}.zip", buf.getvalue()
