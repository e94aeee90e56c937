"""Declarative base, naming convention and the column types every table shares."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, MetaData, Numeric, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Money = BigInteger
"""Money columns hold integer paise."""

Quantity = Numeric(14, 3)
"""Quantities: up to 11 whole digits and grams/millilitres."""


class Base(DeclarativeBase):
    """Base of every server table."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        uuid.UUID: Uuid(as_uuid=True),
        datetime: DateTime(timezone=True),
        Decimal: Quantity,
    }


def company_key() -> Mapped[uuid.UUID]:
    """The tenant column that leads every key and index of a tenant table."""
    return mapped_column(primary_key=True)


def row_id() -> Mapped[uuid.UUID]:
    """The row's own UUID, second column of the primary key."""
    return mapped_column(primary_key=True)
