"""Settings shared by every environment.

Behaviour changes only through environment variables:

- ``DATABASE_URL``: PostgreSQL (or any django-environ URL); SQLite in WAL mode when unset.
- ``REDIS_URL``: channels_redis channel layer; the in-memory layer when unset.
- ``ELASTICSEARCH_URL``: Elasticsearch for compute selection and site search; the database when unset.
- ``NODE_ROLE``: ``regional`` (default), ``industry`` or ``national``.
"""

from pathlib import Path

import environ

from .caches import *  # noqa: F403  (the shared cache, the page cache's alias and its bounds)
from .federation_keys import *  # noqa: F403  (signed node requests: algorithm, sealing keys, rotation, enrolment)
from .frame import *  # noqa: F403  (the government portal's frame and the design system)
from .monitoring import *  # noqa: F403  (system E: metrics retention, /metrics, request counts)
from .security import *  # noqa: F403  (system F: login protection, CSP, rate limits, scans)
from .security import REST_FRAMEWORK_SECURITY

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

NODE_ROLES = ("regional", "industry", "national")
NODE_ROLE = env.str("NODE_ROLE", default="regional")
if NODE_ROLE not in NODE_ROLES:
    raise environ.ImproperlyConfigured(f"NODE_ROLE must be one of {', '.join(NODE_ROLES)}, not {NODE_ROLE!r}")
NODE_NAME = env.str("NODE_NAME", default="算力互联互通节点平台")
DEBUG = False
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # daphne first so that `runserver` serves ASGI (websockets) too.
    "daphne",
    # project apps
    "changes",
    "organizations",
    "accounts",  # the front door: sign-up, organisation registration and certification, people
    "portal",
    "catalog",
    "orders",
    "workflows",
    "workflows.node_application",
    "workflows.onboarding",
    "workflows.demand",
    "search",
    "monitoring",
    "security",
    "federation",
    "frontend",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    # design system (README "Design system"): Bootstrap 5.3 served from frontend/static/vendor/bootstrap
    "django_bootstrap5",
    "django_tables2",
    # processes, data, API, live updates, audit, permissions
    "viewflow",
    "viewflow.workflow",
    "import_export",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "auditlog",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",  # login lockout (system F); see settings/security.py
    "django_otp",  # optional TOTP second factor for reviewers and operators (system F)
    "django_otp.plugins.otp_totp",
    "django_tasks",  # Django's tasks API (the backport Wagtail 8 enqueues through)
    "django_tasks_db",  # its database-backed queue: `manage.py run_worker` (portal/worker/)
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    # Whole pages for anonymous visitors (portal/caching.py), first so that a hit skips everything
    # below; an entry keeps the headers the whole chain set (CSP with a fresh nonce per response).
    "portal.caching.AnonymousPageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "monitoring.metrics.middleware.RequestMetricsMiddleware",  # API counts, errors, latency (system E)
    "security.middleware.SecurityHeadersMiddleware",  # CSP with nonces, Permissions-Policy (system F)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "portal.middleware.AdminLanguageMiddleware",  # /cms/ in Chinese unless the editor's profile says otherwise
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "security.middleware.SecondFactorMiddleware",  # users with an authenticator pass the second step
    "security.middleware.AccessDeniedMiddleware",  # a signed-in user's 404 on a closed view: security event
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.RegistrationFirstMiddleware",  # an account of no organisation may only register
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "security.middleware.AuditlogMiddleware",  # auditlog's, with the client address of security.client_ip
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a login lockout into a 429 page (system F)
]

ROOT_URLCONF = "portal.urls"
ASGI_APPLICATION = "portal.asgi.application"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "portal.context_processors.node",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite by default: WAL so readers never block the writer, IMMEDIATE transactions so two
# writers queue on the lock instead of failing with "database is locked" on upgrade.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;PRAGMA busy_timeout=20000;"
    ),
}
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db_url("DATABASE_URL")}
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": Path(env.str("SQLITE_PATH", default=str(BASE_DIR / "var" / "db.sqlite3"))),
            "OPTIONS": SQLITE_OPTIONS,
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channels (live updates) ------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env.str("CHANNEL_PREFIX", default="node")},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Cache: portal/settings/caches.py (imported above) -------------------------------------

# --- Search ---------------------------------------------------------------------------------
ELASTICSEARCH_URL = env.str("ELASTICSEARCH_URL", default="")
SEARCH_BACKEND = "elasticsearch" if ELASTICSEARCH_URL else "database"
SEARCH_INDEX_PREFIX = env.str("SEARCH_INDEX_PREFIX", default="node")
# PostgreSQL: feed readers (the selection index) are woken by NOTIFY when a writer commits (changes.listen)
CHANGES_LISTEN = env.bool("CHANGES_LISTEN", default=True)
if ELASTICSEARCH_URL:
    WAGTAILSEARCH_BACKENDS = {
        "default": {
            "BACKEND": "wagtail.search.backends.elasticsearch8",
            "URLS": [ELASTICSEARCH_URL],
            "INDEX": f"{SEARCH_INDEX_PREFIX}-pages",
            "TIMEOUT": 5,
        }
    }
else:
    WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

# --- Authentication and permissions ---------------------------------------------------------
AUTH_USER_MODEL = "organizations.User"
AUTHENTICATION_BACKENDS = [
    # refuses locked-out logins first (system F); needs the request, which every login form passes
    "security.backends.LoginLockoutBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.passwords.LengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "accounts.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "/"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 8  # one working day
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
# The CMS offers the site's languages only (Wagtail's zh_Hans catalogue, completed in locale/zh_Hans).
WAGTAILADMIN_PERMITTED_LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "frontend" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
# Application materials and other non-public uploads live here, outside MEDIA_ROOT: they are
# never served by URL, only streamed by views that check who may see them.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "var" / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
# Bulk import/export (catalog/imports): spreadsheet formulas in exported cells are escaped (the
# catalogue's own resources and exports also escape + - @ with a leading apostrophe), and characters
# XLSX cannot hold are dropped instead of failing the export.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
IMPORT_EXPORT_ESCAPE_ILLEGAL_CHARS_ON_EXPORT = True

# --- Wagtail --------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = NODE_NAME
WAGTAILADMIN_BASE_URL = env.str("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "doc", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
# Every document download is an attachment (never rendered in the node's origin), with nosniff.
WAGTAILDOCS_INLINE_CONTENT_TYPES: list[str] = []
WAGTAIL_USER_CUSTOM_FIELDS = ["full_name"]

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Bounded for every endpoint (portal/api_limits.py): nesting depth of JSON bodies, limit and offset.
    "DEFAULT_PARSER_CLASSES": [
        "portal.api_limits.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "portal.api_limits.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    **REST_FRAMEWORK_SECURITY,  # rate limits and the exception handler (security.py)
}
SPECTACULAR_SETTINGS = {
    "TITLE": "算力互联互通节点平台 API / Compute Interconnection Node API",
    "DESCRIPTION": (
        "节点的标准接口：参考数据、资源汇聚、算力标识解析、算力选择与节点申报。"
        "服务商接入请先看[快速上手：五步推送资源状态](/catalog/provider/api-quickstart/)。\n\n"
        "The node's standard interface: reference data, resource aggregation, identifier "
        "resolution, compute selection and node applications. Providers: start with the "
        "[quick start](/en/catalog/provider/api-quickstart/)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["portal.openapi.only_standard_interface"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.openapi.chinese_docs_and_examples",
    ],
    # several components have a field named "state" with other choices (orders, node registry): name the
    # live operating state of a record explicitly instead of a hashed name
    "ENUM_NAME_OVERRIDES": {"RecordStateEnum": "catalog.models.RecordState"},
}

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@node.invalid")

# --- Audit trail ----------------------------------------------------------------------------
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # The task library logs every enqueue and every step at INFO.
    "loggers": {
        "django_tasks": {"level": "WARNING"},
        "django_tasks_db": {"level": "WARNING"},
        "apscheduler": {"level": "WARNING"},
    },
}

# --- Background work (README "Background work"; portal/worker/) ------------------------------
# Django's tasks API (django-tasks, which Wagtail's own tasks use too) on django-tasks-db: the queue is
# a table in the node's own database (SQLite for `make run`, PostgreSQL in production), so no broker.
# `manage.py run_worker` runs the queue and enqueues the periodic tasks of portal/worker/schedule.py.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# A task whose worker died (kill -9, lost machine) is put back in the queue: at once when the worker ran
# on this host (its process is gone), after this many seconds when it ran on another host.
TASKS_ORPHAN_AFTER_SECONDS = env.int("TASKS_ORPHAN_AFTER_SECONDS", default=3600)
# A provider's web import of at least this many rows runs on the worker after confirmation (the page
# shows its progress); smaller ones run inside the request. The management command always runs inline.
CATALOG_IMPORT_QUEUE_ROWS = env.int("CATALOG_IMPORT_QUEUE_ROWS", default=5000)
# A buyer's hold on cards lasts this long unless the provider confirms (orders.tasks.holds_expire).
HOLD_TTL_MINUTES = env.float("HOLD_TTL_MINUTES", default=30)
# Orders' access hand-off (endpoint, account, credential) is encrypted with these Fernet keys
# (orders/access.py): the first encrypts, all decrypt; rotate by putting a new key first, then
# `manage.py orders_access_rotate`, then dropping the old one. Comma-separated; production requires it.
ORDER_ACCESS_KEYS = env.list("ORDER_ACCESS_KEYS", default=[])
# Finished task results are kept this many days (failed ones too), then pruned daily.
TASKS_RESULT_RETENTION_DAYS = env.int("TASKS_RESULT_RETENTION_DAYS", default=7)

# --- Demo data ------------------------------------------------------------------------------
# `manage.py seed_demo` calls seed() of each module in order (pages render campaigns, ...); each returns
# lines to print; a module that does not exist (yet) is skipped. Never in production.
DEMO_SEEDERS = [
    "organizations.demo",
    "catalog.demo",
    "workflows.onboarding.demo",
    "accounts.demo",
    "workflows.node_application.demo",
    "workflows.demand.demo",
    "monitoring.demo",
    "security.demo",
    "portal.demo",
]
ALLOW_DEMO_DATA = env.bool("ALLOW_DEMO_DATA", default=True)

# --- Federation / identifiers -----------------------------------------------------------------
# This node's identifier prefix (docs/identifiers.md): "CN" for the national node, the GB/T 2260
# province code under it for a regional node, the industry code under that for an industry node.
NODE_IDENTIFIER_PREFIX = env.str(
    "NODE_IDENTIFIER_PREFIX", default="CN" if NODE_ROLE == "national" else "CN.510000"
).upper()
# Once enrolled (``manage.py node_enrol``) the prefix the upstream allocated replaces this one.
# The node above this one is recorded by ``node_enrol`` (federation.UpstreamLink); UPSTREAM_NODE_URL,
# when set, overrides its address (the upstream moved). No upstream: filings are acknowledged locally.
UPSTREAM_NODE_URL = env.str("UPSTREAM_NODE_URL", default="").rstrip("/")
# This node's public base URL: resolution answers carry absolute links to its record pages and API.
NODE_PUBLIC_URL = env.str("NODE_PUBLIC_URL", default=WAGTAILADMIN_BASE_URL).rstrip("/")
# Public pages cached whole for anonymous visitors (portal/caching.py), invalidated on publish and on
# catalogue changes; these are upper bounds (0 turns the cache off). Several processes need REDIS_URL.
PORTAL_PAGE_CACHE_SECONDS = env.int("PORTAL_PAGE_CACHE_SECONDS", default=300)
PORTAL_CATALOG_CACHE_SECONDS = env.int("PORTAL_CATALOG_CACHE_SECONDS", default=60)
IDENTIFIER_RESOLUTION_CACHE_SECONDS = env.int("IDENTIFIER_RESOLUTION_CACHE_SECONDS", default=300)
UPSTREAM_TIMEOUT_SECONDS = env.float("UPSTREAM_TIMEOUT_SECONDS", default=5.0)
# Outbox (federation app): retries with exponential back-off base * 2^(attempts-1), capped.
OUTBOX_BACKOFF_BASE_SECONDS = env.int("OUTBOX_BACKOFF_BASE_SECONDS", default=30)
OUTBOX_BACKOFF_MAX_SECONDS = env.int("OUTBOX_BACKOFF_MAX_SECONDS", default=6 * 60 * 60)
# Answers "no such identifier" are cached shorter than found ones (typos should not stick).
IDENTIFIER_NEGATIVE_CACHE_SECONDS = env.int("IDENTIFIER_NEGATIVE_CACHE_SECONDS", default=60)
