"""Rate limits of the front door's forms that send an e-mail: sign-up, verification re-send, password reset, join
request (its administrators are mailed) and invitation. Each post that would send counts against the client
address (or the signed-in user) at ``EMAIL_FORM_THROTTLE`` and against the recipient address at
``EMAIL_ADDRESS_THROTTLE`` (``portal/settings/security.py``; DRF's throttle cache, like ``PUBLIC_FORM_THROTTLE``).
A refused post sends nothing, changes nothing, answers 429 and is on the security log."""

import math

from django.utils.translation import gettext as _

from security.throttles import address_post_wait, form_post_wait

TOO_MANY = 429


def email_send_refusal(request, *, address: str) -> str | None:
    """``None`` when this post may send its e-mail to ``address``; else the message to show on the form."""
    wait = form_post_wait(request, scope="email_form")
    if wait is None and address:
        wait = address_post_wait(request, scope="email_address", address=address)
    if wait is None:
        return None
    return _("发送邮件过于频繁，请在 %(minutes)s 分钟后再试。") % {"minutes": max(1, math.ceil(wait / 60))}
