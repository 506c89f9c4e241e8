"""Admins create people, change roles, deactivate and reset; every change is audited."""

from __future__ import annotations

import re

import sqlalchemy as sa

from factcheck.audit.models import AuditEntry
from factcheck.auth.models import User
from factcheck.auth.roles import Role
from factcheck.extensions import db
from tests.conftest import STRONG_PASSWORD, csrf_token, login, post_form


def _users() -> list[User]:
    return list(db.session.scalars(sa.select(User).order_by(User.id)))


def _create(client, **fields):
    data = {
        "email": "new.person@example.com",
        "display_name": "New Person",
        "roles": ["fact-checker"],
        "password": STRONG_PASSWORD,
    }
    data.update(fields)
    return post_form(client, "/admin/users/new", data, token_from="/admin/users/new")


class TestCreate:
    def test_create_with_password(self, login_as, app):
        admin = login_as(Role.ADMIN)
        response = _create(admin)
        assert response.status_code == 302
        user = db.session.scalar(sa.select(User).where(User.email == "new.person@example.com"))
        assert user.roles == {Role.FACT_CHECKER}
        assert not user.must_change_password
        entry = db.session.scalars(
            sa.select(AuditEntry).where(
                AuditEntry.action == "user.create", AuditEntry.entity_id == user.id
            )
        ).one()
        assert entry.actor_id == admin.account.id
        assert entry.changes["roles"] == [None, ["fact-checker"]]
        assert "password" not in str(entry.changes)

    def test_create_with_one_time_password(self, login_as, app):
        admin = login_as(Role.ADMIN)
        response = _create(admin, password="")
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        password = re.search(r'<p class="secret"><code>([^<]+)</code>', body).group(1)
        user = db.session.scalar(sa.select(User).where(User.email == "new.person@example.com"))
        assert user.must_change_password
        newcomer = app.test_client()
        response = post_form(newcomer, "/login", {"email": user.email, "password": password})
        assert response.status_code == 302

    def test_duplicate_email_is_refused(self, login_as, make_user):
        existing = make_user(email="taken@example.com")
        admin = login_as(Role.ADMIN)
        before = len(_users())
        response = _create(admin, email="Taken@Example.com")
        assert response.status_code == 409
        assert "already exists" in response.get_data(as_text=True)
        assert len(_users()) == before
        assert db.session.get(User, existing.id).display_name != "New Person"

    def test_weak_password_is_refused(self, login_as):
        admin = login_as(Role.ADMIN)
        before = len(_users())
        response = _create(admin, password="letmein")
        assert response.status_code == 422
        assert "at least 12 characters" in response.get_data(as_text=True)
        assert len(_users()) == before

    def test_password_containing_email_is_refused(self, login_as):
        admin = login_as(Role.ADMIN)
        response = _create(admin, email="harriet@example.com", password="harriet-is-great-2026")
        assert response.status_code == 422
        assert "must not contain your email" in response.get_data(as_text=True)

    def test_missing_fields(self, login_as):
        admin = login_as(Role.ADMIN)
        before = len(_users())
        response = _create(admin, email="", display_name="", roles=[])
        assert response.status_code == 400
        body = response.get_data(as_text=True)
        for message in (
            "Enter an email address.",
            "Enter a display name.",
            "Give the user at least one role.",
        ):
            assert message in body
        assert len(_users()) == before

    def test_invalid_email_and_unknown_role(self, login_as):
        admin = login_as(Role.ADMIN)
        response = _create(admin, email="not-an-email")
        assert response.status_code == 422
        assert "valid email address" in response.get_data(as_text=True)
        response = _create(admin, roles=["superuser"])
        assert response.status_code == 400
        assert "is not a valid choice" in response.get_data(as_text=True)


class TestEdit:
    def test_change_roles_is_audited(self, login_as, make_user):
        admin = login_as(Role.ADMIN)
        target = make_user(Role.VIEWER, name="Original Name")
        response = post_form(
            admin,
            f"/admin/users/{target.id}",
            {"display_name": "Renamed", "roles": ["editor", "viewer"]},
            token_from=f"/admin/users/{target.id}",
        )
        assert response.status_code == 302
        user = db.session.get(User, target.id)
        db.session.refresh(user)
        assert user.roles == {Role.EDITOR, Role.VIEWER}
        entry = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "user.update")
        ).one()
        assert entry.changes == {
            "display_name": ["Original Name", "Renamed"],
            "roles": [["viewer"], ["editor", "viewer"]],
        }

    def test_edit_form_shows_current_roles(self, login_as, make_user):
        admin = login_as(Role.ADMIN)
        target = make_user(Role.EDITOR)
        body = admin.get(f"/admin/users/{target.id}").get_data(as_text=True)
        assert re.search(r'<input checked[^>]*value="editor"', body)
        assert not re.search(r'<input checked[^>]*value="viewer"', body)

    def test_last_admin_cannot_drop_admin_role(self, login_as):
        admin = login_as(Role.ADMIN)
        me = admin.account
        response = post_form(
            admin,
            f"/admin/users/{me.id}",
            {"display_name": "Me", "roles": ["viewer"]},
            token_from=f"/admin/users/{me.id}",
        )
        assert response.status_code == 409
        assert "only active admin" in response.get_data(as_text=True)
        assert Role.ADMIN in db.session.get(User, me.id).roles

    def test_unknown_user_is_404(self, login_as):
        assert login_as(Role.ADMIN).get("/admin/users/999999").status_code == 404


class TestDeactivate:
    def test_deactivation_signs_the_user_out(self, app, login_as, make_user):
        admin = login_as(Role.ADMIN)
        target = make_user(Role.FACT_CHECKER)
        victim = app.test_client()
        login(victim, target)
        assert victim.get("/").status_code == 200
        response = post_form(admin, f"/admin/users/{target.id}/deactivate", token_from="/")
        assert response.status_code == 302
        assert victim.get("/").status_code == 302
        entry = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "user.deactivate")
        ).one()
        assert entry.changes == {"is_active": [True, False]}
        assert entry.actor_id == admin.account.id

        post_form(admin, f"/admin/users/{target.id}/activate", token_from="/")
        login(victim, target)

    def test_admin_cannot_deactivate_themself(self, login_as, make_user):
        make_user(Role.ADMIN)  # not the last admin, so only the self rule applies
        admin = login_as(Role.ADMIN)
        response = post_form(admin, f"/admin/users/{admin.account.id}/deactivate", token_from="/")
        assert response.status_code == 409
        assert db.session.get(User, admin.account.id).is_active

    def test_reset_password_gives_one_time_password(self, app, login_as, make_user):
        admin = login_as(Role.ADMIN)
        target = make_user(Role.VIEWER)
        response = post_form(admin, f"/admin/users/{target.id}/reset-password", token_from="/")
        assert response.status_code == 200
        password = re.search(r"<code>([^<]+)</code>", response.get_data(as_text=True)).group(1)
        c = app.test_client()
        refused = post_form(c, "/login", {"email": target.email, "password": target.password})
        assert refused.status_code == 401
        login(c, type(target)(target.id, target.email, password, target.roles))
        assert c.get("/").headers["Location"] == "/account/password"


def test_admin_adds_retires_and_restores_a_rating(app, login_as):
    from factcheck.verdicts.models import Rating
    from factcheck.verdicts.ratings import active_ratings, ensure_default_scale

    ensure_default_scale(db.session)
    db.session.commit()
    admin = login_as(Role.ADMIN)
    page = admin.get("/admin/scales").get_data(as_text=True)
    assert "Truth scale" in page and "Mostly false" in page and "REVIEW_LEASE_HOURS" in page
    token = csrf_token(admin, "/admin/scales")
    bad = admin.post(
        "/admin/scales",
        data={"csrf_token": token, "label": "Way off", "bucket": "false", "value": "9"},
    )
    assert bad.status_code == 422 and "must lie on the scale" in bad.get_data(as_text=True)
    dup = admin.post(
        "/admin/scales", data={"csrf_token": token, "label": "false", "bucket": "false"}
    )
    assert dup.status_code == 409 and "already has a rating" in dup.get_data(as_text=True)
    ok = admin.post(
        "/admin/scales",
        data={
            "csrf_token": token,
            "label": "Satire",
            "bucket": "other",
            "colour": "#123456",
            "definition": "Not meant as fact.",
        },
    )
    assert ok.status_code == 302
    satire = db.session.scalar(sa.select(Rating).where(Rating.label == "Satire"))
    assert satire.value is None and satire in active_ratings(db.session)
    admin.post(f"/admin/ratings/{satire.id}/deactivate", data={"csrf_token": token})
    db.session.expire_all()
    assert satire not in active_ratings(db.session)
    admin.post(f"/admin/ratings/{satire.id}/activate", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(Rating, satire.id).is_active
    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.entity_type == "rating")
    ).all()
    assert actions == ["rating.create", "rating.deactivate", "rating.activate"]


def test_editor_cannot_manage_ratings(app, login_as):
    editor = login_as(Role.EDITOR)
    response = editor.post(
        "/admin/scales",
        data={"csrf_token": csrf_token(editor, "/"), "label": "X", "bucket": "true"},
    )
    assert response.status_code == 403
