from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from .views import certification, organization, password, people, signup

app_name = "accounts"

urlpatterns = [
    path("accounts/signup/", signup.signup, name="signup"),
    path("accounts/verify/<uidb64>/<token>/", signup.verify, name="verify"),
    path("accounts/verify/resend/", signup.verification_resend, name="verify-resend"),
    path("accounts/password/reset/", password.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password/reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(success_url=reverse_lazy("accounts:password_reset_complete")),
        name="password_reset_confirm",
    ),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("me/organization/", organization.organization, name="organization"),
    path("me/organization/register/", organization.register, name="register"),
    path("me/organization/join/", organization.join, name="join"),
    path("me/organization/invitations/<int:pk>/accept/", organization.invitation_accept, name="invitation-accept"),
    path("me/organization/people/", people.people, name="people"),
    path("me/organization/people/invite/", people.invite, name="invite"),
    path("me/organization/people/join/<int:pk>/", people.join_decide, name="join-decide"),
    path("me/organization/people/<int:pk>/roles/", people.member_roles, name="member-roles"),
    path("me/organization/people/<int:pk>/admin/", people.member_admin, name="member-admin"),
    path("me/organization/people/<int:pk>/credentials/", people.member_credentials, name="member-credentials"),
    path("me/organization/people/<int:pk>/remove/", people.member_remove, name="member-remove"),
    path("me/organization/keys/<int:pk>/revoke/", people.key_revoke, name="key-revoke"),
    path("certification/", certification.queue, name="queue"),
    path("certification/<int:pk>/", certification.detail, name="certify"),
    path("certification/<int:pk>/licence.pdf", certification.licence_scan, name="licence-scan"),
]
