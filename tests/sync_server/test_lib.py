"""Server plumbing on its own: ids, tokens, secrets, settings, errors."""

from __future__ import annotations

import ast
import inspect
import uuid
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from litestar.exceptions import ValidationException

from sync_server import settings as settings_module
from sync_server.lib.clock import FakeClock, system_clock
from sync_server.lib.errors import (
    InvalidGstinInput,
    NotAuthenticated,
    PermissionDenied,
    PlanLimitReached,
    ServerError,
    problem_document,
)
from sync_server.lib.ids import new_id
from sync_server.lib.principal import Principal
from sync_server.lib.security import (
    ENROLMENT_ALPHABET,
    Secrets,
    TokenCodec,
    normalise_enrolment_code,
)
from sync_server.lib.web import _validation_error
from sync_server.settings import ENV_NAMES, ServerSettings

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
KEY = b"k" * 32


# ----------------------------------------------------------------------------- ids, clock
def test_new_ids_are_uuid_version_7_and_sort_by_time() -> None:
    early, late = new_id(now_ms=1_000), new_id(now_ms=2_000)
    assert early.version == 7
    assert early.variant == uuid.RFC_4122
    assert early < late
    assert new_id() != new_id()
    assert int(early.hex[:12], 16) == 1_000


def test_the_fake_clock_moves_only_when_told() -> None:
    clock = FakeClock(NOW)
    assert clock() == NOW
    clock.advance(minutes=15)
    assert clock() == NOW + timedelta(minutes=15)
    assert system_clock().tzinfo is UTC


# ----------------------------------------------------------------------------- tokens
def codec() -> TokenCodec:
    return TokenCodec(KEY, timedelta(minutes=15))


def issue(**overrides: object) -> str:
    ids = {
        "account_id": uuid.uuid4(),
        "family_id": uuid.uuid4(),
        "company_id": None,
        "user_id": None,
    }
    return codec().issue(now=NOW, **{**ids, **overrides})  # type: ignore[arg-type]


def test_an_access_token_round_trips_its_claims() -> None:
    account, company, user = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    claims = codec().decode(issue(account_id=account, company_id=company, user_id=user), NOW)
    assert (claims.account_id, claims.company_id, claims.user_id) == (account, company, user)
    assert claims.expires_at == NOW + timedelta(minutes=15)


def test_a_token_signed_with_another_key_is_refused() -> None:
    forged = TokenCodec(b"x" * 32, timedelta(minutes=15)).issue(
        account_id=uuid.uuid4(), family_id=uuid.uuid4(), company_id=None, user_id=None, now=NOW
    )
    with pytest.raises(NotAuthenticated, match="not valid"):
        codec().decode(forged, NOW)


def test_a_token_of_another_type_or_issuer_or_algorithm_is_refused() -> None:
    base = {
        "iss": TokenCodec.ISSUER,
        "sub": str(uuid.uuid4()),
        "fam": str(uuid.uuid4()),
        "exp": 2_000_000_000,
    }
    with pytest.raises(NotAuthenticated, match="not an access token"):
        codec().decode(jwt.encode({**base, "typ": "refresh"}, KEY, algorithm="HS256"), NOW)
    with pytest.raises(NotAuthenticated):
        codec().decode(
            jwt.encode({**base, "typ": "access", "iss": "evil"}, KEY, algorithm="HS256"), NOW
        )
    with pytest.raises(NotAuthenticated):
        codec().decode(jwt.encode({**base, "typ": "access"}, KEY * 2, algorithm="HS512"), NOW)
    unsigned = jwt.encode({**base, "typ": "access"}, None, algorithm="none")
    with pytest.raises(NotAuthenticated):
        codec().decode(unsigned, NOW)


def test_a_token_expires_exactly_at_its_lifetime() -> None:
    token = issue()
    codec().decode(token, NOW + timedelta(minutes=14, seconds=59))
    with pytest.raises(NotAuthenticated, match="expired"):
        codec().decode(token, NOW + timedelta(minutes=15))


def test_garbage_is_not_a_token() -> None:
    for garbage in ("", "abc", "a.b.c"):
        with pytest.raises(NotAuthenticated):
            codec().decode(garbage, NOW)


# ----------------------------------------------------------------------------- secrets
def test_enrolment_codes_are_typeable_and_normalise() -> None:
    codes = {Secrets.enrolment_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 9
        assert code[4] == "-"
        assert set(code.replace("-", "")) <= set(ENROLMENT_ALPHABET)
    assert not set("01ILO") & set(ENROLMENT_ALPHABET)
    assert normalise_enrolment_code(" ab cd-EFGH ") == "ABCDEFGH"


def test_digests_depend_on_the_key_and_hide_the_secret() -> None:
    one = Secrets.digest(b"a", "secret")
    assert one == Secrets.digest(b"a", "secret")
    assert one != Secrets.digest(b"b", "secret")
    assert "secret" not in one
    assert Secrets.token("grt_").startswith("grt_")


# ----------------------------------------------------------------------------- settings
def test_settings_read_every_variable_from_the_environment(tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": "postgresql://u@h/db",
        "GALLA_HOST": "0.0.0.0",
        "GALLA_PORT": "9000",
        "GALLA_DATA_DIR": str(tmp_path),
        "GALLA_SECRET_KEY": "s",
        "GALLA_ACCESS_TOKEN_MINUTES": "5",
        "GALLA_MAX_BODY_BYTES": "10",
    }
    s = ServerSettings.from_env(env)
    assert (s.database_url, s.host, s.port, s.data_dir) == (
        "postgresql://u@h/db",
        "0.0.0.0",
        9000,
        tmp_path,
    )
    assert (s.secret_key, s.access_token_minutes, s.max_body_bytes) == ("s", 5, 10)
    assert ServerSettings.from_env({}).port == 8000
    assert ServerSettings.from_env({"GALLA_PORT": ""}).port == 8000


def test_a_bad_number_names_its_variable() -> None:
    with pytest.raises(ValueError, match="GALLA_LOCKOUT_MINUTES must be a whole number"):
        ServerSettings.from_env({"GALLA_LOCKOUT_MINUTES": "ten"})


def test_every_setting_has_an_environment_variable_and_a_docstring_naming_it() -> None:
    assert set(ENV_NAMES) == {f.name for f in fields(ServerSettings)}
    tree = ast.parse(inspect.getsource(settings_module))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "ServerSettings")
    docs: dict[str, str] = {}
    for field_node, doc in zip(cls.body, cls.body[1:], strict=False):
        if isinstance(field_node, ast.AnnAssign) and isinstance(doc, ast.Expr):
            docs[field_node.target.id] = doc.value.value  # type: ignore[attr-defined,union-attr]
    for name, variable in ENV_NAMES.items():
        assert f"``{variable}``" in docs.get(name, ""), name


def test_production_defaults_are_the_documented_ones() -> None:
    s = ServerSettings()
    assert (s.argon2_time_cost, s.argon2_memory_kib, s.argon2_parallelism) == (3, 65536, 4)
    assert (s.access_token_minutes, s.refresh_token_days) == (15, 7)
    assert s.max_body_bytes == 1024 * 1024
    assert s.with_changes(port=1).port == 1


# ----------------------------------------------------------------------------- errors
def test_a_problem_document_carries_field_and_extra_members() -> None:
    doc = problem_document(
        InvalidGstinInput("bad", field="gstin", reason="checksum"), instance="/api/v1/stores"
    )
    assert doc == {
        "type": "https://galla.dev/problems/invalid-gstin",
        "title": "Invalid GSTIN",
        "status": 400,
        "detail": "bad",
        "instance": "/api/v1/stores",
        "field": "gstin",
        "reason": "checksum",
    }
    assert problem_document(PlanLimitReached("full", limit="max_users"))["status"] == 409
    assert problem_document(ServerError("oops"))["status"] == 500


@pytest.mark.parametrize(
    ("extra", "field", "detail_part"),
    [
        (
            [{"message": "Object contains unknown field `zz`", "key": "data", "source": "body"}],
            "zz",
            "zz",
        ),
        (
            [{"message": "Object missing required field `code`", "key": "data", "source": "body"}],
            "code",
            "code",
        ),
        (
            [{"message": "Expected `str`, got `int`", "key": "roles[0].role", "source": "body"}],
            "roles[0].role",
            "got `int`",
        ),
        (
            [{"message": "'data'", "key": "data", "source": "body"}],
            None,
            "JSON request body is required",
        ),
        (
            [{"message": "Expected `object`, got `array`", "key": "data", "source": "body"}],
            None,
            "the body",
        ),
        (None, None, "Validation failed"),
        (["not a dict"], None, "Validation failed"),
    ],
)
def test_validation_errors_become_problems_naming_the_field(
    extra: object, field: str | None, detail_part: str
) -> None:
    error = _validation_error(ValidationException(detail="Validation failed", extra=extra))  # type: ignore[arg-type]
    assert error.field == field
    assert detail_part in error.detail


# ----------------------------------------------------------------------------- principal
def person(*roles: tuple[str, uuid.UUID | None], company: bool = True) -> Principal:
    return Principal(
        account_id=uuid.uuid4(),
        email="x@y.example",
        family_id=uuid.uuid4(),
        platform_admin=not company,
        company_id=uuid.uuid4() if company else None,
        user_id=uuid.uuid4() if company else None,
        roles=frozenset(roles),
    )


def test_roles_decide_what_a_person_may_do() -> None:
    store, other = uuid.uuid4(), uuid.uuid4()
    manager = person(("store_manager", store))
    assert manager.require_store(store) == manager.company_id
    assert manager.require_staff_reader() == manager.company_id
    with pytest.raises(PermissionDenied):
        manager.require_store(other)
    with pytest.raises(PermissionDenied):
        manager.require_admin()
    with pytest.raises(PermissionDenied):
        manager.require_platform_admin()
    cashier = person(("cashier", store))
    with pytest.raises(PermissionDenied):
        cashier.require_staff_reader()
    admin = person(("company_admin", None))
    assert admin.require_store(other) == admin.company_id
    platform = person(company=False)
    platform.require_platform_admin()
    with pytest.raises(PermissionDenied, match="platform admins have none"):
        platform.company()


def test_database_urls_convert_for_asyncpg_and_sqlalchemy() -> None:
    from sync_server.db.embedded import asyncpg_connect_args, to_asyncpg_url, with_database

    assert to_asyncpg_url("postgresql://u:p@h:5433/db") == "postgresql+asyncpg://u:p@h:5433/db"
    with pytest.raises(ValueError, match="not a database URL"):
        to_asyncpg_url("nonsense")
    assert asyncpg_connect_args("postgresql://u:p@h:5433/db") == {
        "user": "u",
        "password": "p",
        "host": "h",
        "port": "5433",
        "database": "db",
    }
    assert (
        with_database("postgresql://u@h/db?host=/tmp", "other")
        == "postgresql://u@h/other?host=/tmp"
    )


def test_the_app_needs_a_database_url() -> None:
    from sync_server.app import create_app

    with pytest.raises(ValueError, match="database_url"):
        create_app(ServerSettings())


def test_settings_survive_the_environment_a_worker_process_reads(tmp_path: Path) -> None:
    s = ServerSettings(
        database_url="postgresql://u@h/db",
        data_dir=tmp_path,
        secret_key="k" * 32,
        port=9100,
        workers=3,
        jobs_enabled=True,
    )
    assert ServerSettings.from_env(s.to_env()) == s
    assert ServerSettings.from_env(ServerSettings(data_dir=tmp_path).to_env()).database_url is None
