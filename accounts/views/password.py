"""Password reset (Django's views), with the front door's e-mail rate limit in front of the sending."""

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from ..throttles import TOO_MANY, email_send_refusal


class PasswordResetView(auth_views.PasswordResetView):
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        refusal = email_send_refusal(self.request, address=form.cleaned_data["email"])
        if refusal is None:
            return super().form_valid(form)
        form.add_error("email", refusal)
        response = self.form_invalid(form)
        response.status_code = TOO_MANY
        return response
