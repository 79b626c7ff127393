import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from organizations.models import User
from organizations.roles import Role
from organizations.services import user_create, user_set_roles

pytestmark = pytest.mark.django_db


def test_view_organization_permission(make_user, chengdu_bureau, mianyang_bureau, chengdu_org, mianyang_org):
    member = make_user(Role.APPLICANT, organization=chengdu_org)
    chengdu_reviewer = make_user(Role.MUNICIPAL_REVIEWER, authority=chengdu_bureau)
    mianyang_reviewer = make_user(Role.MUNICIPAL_REVIEWER, authority=mianyang_bureau)
    operator = make_user(Role.NODE_OPERATOR)
    other_applicant = make_user(Role.APPLICANT, organization=mianyang_org)

    assert member.has_perm("organizations.view_organization", chengdu_org)
    assert chengdu_reviewer.has_perm("organizations.view_organization", chengdu_org)
    assert operator.has_perm("organizations.view_organization", chengdu_org)
    assert not mianyang_reviewer.has_perm("organizations.view_organization", chengdu_org)
    assert not other_applicant.has_perm("organizations.view_organization", chengdu_org)
    assert not AnonymousUser().has_perm("organizations.view_organization", chengdu_org)
    # an authority user without a reviewer role does not inherit the authority's jurisdiction
    assert not make_user(authority=chengdu_bureau).has_perm("organizations.view_organization", chengdu_org)


def test_only_editors_and_approvers_reach_the_wagtail_admin(client, make_user, chengdu_org):
    editor = make_user(Role.EDITOR)
    applicant = make_user(Role.APPLICANT, organization=chengdu_org)
    client.force_login(editor)
    assert client.get("/cms/").status_code == 200
    client.force_login(applicant)
    response = client.get("/cms/")
    assert response.status_code == 302
    assert "/cms/login/" in response["Location"]


def test_reviewer_account_must_belong_to_an_authority():
    with pytest.raises(ValidationError) as error:
        user_create(username="r1", password="Secret-pass-2026", roles=[Role.MUNICIPAL_REVIEWER])
    assert "authority" in error.value.message_dict
    assert not User.objects.filter(username="r1").exists()


def test_applicant_account_must_belong_to_an_organization():
    with pytest.raises(ValidationError) as error:
        user_create(username="a1", password="Secret-pass-2026", roles=[Role.APPLICANT])
    assert "organization" in error.value.message_dict
    assert not User.objects.filter(username="a1").exists()


def test_user_create_assigns_roles(chengdu_bureau):
    user = user_create(
        username="r2", password="Secret-pass-2026", roles=[Role.MUNICIPAL_REVIEWER], authority=chengdu_bureau
    )
    assert list(user.groups.values_list("name", flat=True)) == ["municipal_reviewer"]
    assert user.check_password("Secret-pass-2026")


def test_user_set_roles_refuses_a_role_the_affiliation_cannot_hold(make_user, chengdu_org):
    user = make_user(Role.APPLICANT, organization=chengdu_org)
    with pytest.raises(ValidationError):
        user_set_roles(user=user, roles=[Role.PROVINCIAL_REVIEWER])
    assert list(user.groups.values_list("name", flat=True)) == ["applicant"]


def test_one_affiliation_per_account(chengdu_org, chengdu_bureau):
    with pytest.raises(ValidationError) as error:
        user_create(username="both", password=None, organization=chengdu_org, authority=chengdu_bureau)
    assert "authority" in error.value.message_dict
    assert not User.objects.filter(username="both").exists()
