"""Second-factor state of accounts (`auth_factor`) and their single-use recovery codes (`recovery_code`).

Kept beside `app_user` rather than in it so that the factor (and its secret) can be dropped in one place
when the security officer resets it. The TOTP secret is stored sealed under the master key, never in clear.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dangan.core import utcnow

from ._models import Base


class AuthFactor(Base):
    __tablename__ = "auth_factor"
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    totp_secret: Mapped[str | None] = mapped_column(Text)  # JSON: wrapped data key, nonce, ciphertext
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_last_step: Mapped[int] = mapped_column(BigInteger, default=-1)  # the last code accepted: no replay
    totp_enabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)  # bumped to revoke every session
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RecoveryCode(Base):
    __tablename__ = "recovery_code"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    code_sha256: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
