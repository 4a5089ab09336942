"""Password hashing with argon2id, and the password policy every entry point (CLI, pages, API) applies.

argon2-cffi's defaults follow RFC 9106's recommendations. The policy follows GB/T 22239-2019 (等保 2.0)
practice: long enough, mixed character classes, not the account name, not a well-known password.
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
MIN_LENGTH = 10
MIN_CLASSES = 3


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Passwords and stems that top every leaked-password list (international and Chinese ones). A password
# is refused when it is one of them, or one of the stems padded with digits and symbols ("Admin@2024").
COMMON_PASSWORDS = _words(
    """
    123456789 1234567890 12345678910 0123456789 9876543210 1111111111 0000000000 1234qwer 1qaz2wsx3edc
    1qaz@wsx3edc 1qaz!qaz2wsx 1q2w3e4r5t 1q2w3e4r5t6y qwertyuiop qwerty123 qwer1234 asdfghjkl zxcvbnm123
    password1 password123 password@123 p@ssw0rd p@ssw0rd123 passw0rd passw0rd123 iloveyou1 iloveyou123
    woaini1314 woaini520 5201314520 abc123456 abcd123456 aa123456789 a123456789 qq123456789 admin12345
    admin@12345 admin@123456 root@12345 test@12345 welcome123 welcome@123 changeme123 letmein123
    huawei@123 huawei12#$ sangfor@123 h3c@123456 zte@123456 ruijie@123 system@123 server@123
    """
)
COMMON_STEMS = _words(
    """
    password passwd pass admin administrator root test guest user qwerty qwer asdf zxcv qaz wsx edc
    abc abcd abcde iloveyou woaini welcome changeme letmein huawei sangfor system server default
    """
)
_LEET = str.maketrans(
    {"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "$": "s", "5": "s", "3": "e", "7": "t"}
)
_PADDING = re.compile(r"^[\d\W_]*(.*?)[\d\W_]*$")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def character_classes(password: str) -> int:
    """How many of: lower-case letters, upper-case letters, digits, anything else (symbols, CJK)."""
    return sum(
        [
            any("a" <= c <= "z" for c in password),
            any("A" <= c <= "Z" for c in password),
            any(c.isdigit() for c in password),
            any(not (c.isascii() and c.isalnum()) for c in password),
        ]
    )


def is_common(password: str) -> bool:
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS:
        return True
    # The stem without the digits and symbols padding it, with leetspeak undone ("P@ssw0rd!2024").
    stem = _PADDING.sub(r"\1", lowered)
    return (
        stem in COMMON_STEMS
        or stem.translate(_LEET) in COMMON_STEMS
        or lowered.translate(_LEET) in COMMON_STEMS
    )


def password_problem(password: str, username: str = "") -> str | None:
    """Why `password` is refused (a Chinese sentence for the user), or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"密码至少需要 {MIN_LENGTH} 个字符"
    if len(password) > 256:
        return "密码不能超过 256 个字符"
    if character_classes(password) < MIN_CLASSES:
        return "密码须包含大写字母、小写字母、数字、符号中的至少三类"
    name = username.strip().lower()
    if name and (password.lower() == name or (len(name) >= 3 and name in password.lower())):
        return "密码不能与用户名相同，也不能包含用户名"
    if is_common(password):
        return "该密码过于常见，容易被猜中，请换一个"
    return None
