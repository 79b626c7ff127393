"""API-key authentication of the provider interface: ``Authorization: Api-Key <key>``."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from ..models import OnboardingState, ProviderApiKey
from ..services import api_key_authenticate

KEYWORD = "Api-Key"


class ProviderApiKeyAuthentication(authentication.BaseAuthentication):
    """``request.auth`` is the ProviderApiKey; ``request.user`` the person who created it (for the audit trail)."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() != KEYWORD.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Authorization 头格式应为：Api-Key <密钥>。"))
        api_key = api_key_authenticate(raw_key=header[1])
        if api_key is None:
            raise exceptions.AuthenticationFailed(
                _("API 密钥无效、已吊销或已失效（创建人账号已停用，或服务商被暂停、未通过认证）。")
            )
        return api_key.created_by, api_key

    def authenticate_header(self, request):
        return KEYWORD


class HasProviderApiKey(permissions.BasePermission):
    """A valid key of a provider that is not suspended or rejected."""

    message = _("该服务商已被暂停或未通过认证，不能使用标准接口。")

    def has_permission(self, request, view):
        return isinstance(request.auth, ProviderApiKey) and request.auth.provider.onboarding_state not in (
            OnboardingState.SUSPENDED,
            OnboardingState.REJECTED,
        )


class ProviderApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = ProviderApiKeyAuthentication
    name = "ProviderApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "服务商 API 密钥，格式 `Api-Key cnk_xxxxxxxx_...`（在“标准接口密钥”页面创建，只显示一次）。",
        }
