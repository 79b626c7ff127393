"""Sign-up of a person and the verification of their email address."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from organizations.models import User

from .. import services
from ..forms import SignupForm, VerificationResendForm
from ..throttles import TOO_MANY, email_send_refusal


def _verify_url_for(request):
    def verify_url_for(user):
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = services.email_verification_token.make_token(user)
        return request.build_absolute_uri(reverse("accounts:verify", args=[uid, token]))

    return verify_url_for


@never_cache
def signup(request):
    if request.user.is_authenticated:
        return redirect("accounts:organization")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        refusal = email_send_refusal(request, address=form.cleaned_data["email"])
        if refusal is not None:
            form.add_error("email", refusal)
            return render(request, "accounts/signup.html", {"form": form}, status=TOO_MANY)
        user = services.signup_create(form=form, verify_url_for=_verify_url_for(request))
        return render(request, "accounts/signup_done.html", {"email": user.email})
    return render(request, "accounts/signup.html", {"form": form})


@never_cache
def verification_resend(request):
    """A new verification link for an account that was not verified (the first mail lost or its link expired)."""
    if request.user.is_authenticated:
        return redirect("accounts:organization")
    form = VerificationResendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        refusal = email_send_refusal(request, address=email)
        if refusal is not None:
            form.add_error("email", refusal)
            return render(request, "accounts/verify_resend.html", {"form": form}, status=TOO_MANY)
        services.verification_resend(email=email, verify_url_for=_verify_url_for(request))
        return render(request, "accounts/signup_done.html", {"email": email, "resent": True})
    return render(request, "accounts/verify_resend.html", {"form": form})


@never_cache
def verify(request, uidb64: str, token: str):
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)))
    except (User.DoesNotExist, ValueError, TypeError, OverflowError):
        user = None
    if user is None or not services.email_verify(user=user, token=token):
        return render(request, "accounts/verify_failed.html", status=400)
    messages.success(request, _("电子邮箱已验证，请登录后办理单位注册认证或申请加入单位。"))
    return redirect(f"{reverse('login')}?next={reverse('accounts:organization')}")
