"""The password policy: length, character classes, not the username, not a well-known password."""

from __future__ import annotations

import pytest

from dangan.access import password_problem


@pytest.mark.parametrize(
    ("password", "username", "reason"),
    [
        ("Ab1@xyz", "", "至少需要 10 个字符"),
        ("abcdefghijk", "", "至少三类"),
        ("abcdefgh1234", "", "至少三类"),  # two classes only
        ("ZHANGSAN@2024x", "zhangsan", "不能与用户名相同"),
        ("Keeper#Room2024", "keeper", "包含用户名"),
        ("Password@123", "", "过于常见"),
        ("P@ssw0rd!2024", "", "过于常见"),  # leetspeak of a common stem, padded
        ("1qaz@WSX3edc", "", "过于常见"),  # keyboard walk from Chinese leak lists
        ("Admin@2024!!", "", "过于常见"),
        ("x" * 257 + "A1@", "", "不能超过 256"),
    ],
)
def test_weak_passwords_are_refused_with_a_chinese_reason(password: str, username: str, reason: str) -> None:
    problem = password_problem(password, username)
    assert problem is not None and reason in problem


@pytest.mark.parametrize(
    "password", ["Dangan@2024", "Secret-123", "Str0ng-Passw0rd!", "档案室钥匙在三楼ab1", "Qinhuangdao#1984"]
)
def test_good_passwords_pass(password: str) -> None:
    assert password_problem(password, "zhangsan") is None
