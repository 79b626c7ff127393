"""Local development: `make run`. Never used in production."""

from .base import *  # noqa: F403
from .base import env

# Off unless a developer sets DEBUG=1: `make run` serves the product as its users see it (the house
# error pages, not the technical ones). WhiteNoise serves static files either way.
DEBUG = env.bool("DEBUG", default=False)
# A development-only key: production.py refuses to start without a real SECRET_KEY.
SECRET_KEY = env.str("SECRET_KEY", default="dev-insecure-key-only-for-local-development")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# A development-only access hand-off key (`make run`): `manage.py check --deploy` warns while it is in use,
# production.py refuses to start without ORDER_ACCESS_KEYS.
ORDER_ACCESS_KEYS = env.list("ORDER_ACCESS_KEYS", default=["ZGV2LW9ubHktb3JkZXItYWNjZXNzLWtleS0wMDAwMDA="])
# A development-only key sealing the node's private signing keys (federation); production.py requires a real one.
FEDERATION_SEALING_KEYS = env.list("FEDERATION_SEALING_KEYS", default=["ZGV2LW9ubHktbm9kZS1zZWFsaW5nLWtleS0wMDAwMDA="])
