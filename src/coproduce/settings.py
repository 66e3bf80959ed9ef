"""The one settings module. Every setting comes from the environment, with the embedded
default (SQLite under var/, Celery eager, email to the console) when it is unset."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = Path(os.environ.get("COPRODUCE_HOME", PACKAGE_DIR.parent.parent)).resolve()
VAR_DIR = Path(os.environ.get("COPRODUCE_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Production mode: HTTPS only, secure cookies, short sessions, and no embedded defaults for
# the key or the host names (docs/deployment.md, "Production settings").
PRODUCTION = env_bool("COPRODUCE_PRODUCTION", False)
# Never in production: Django's debug pages show settings and local variables.
DEBUG = env_bool("DJANGO_DEBUG", False) and not PRODUCTION
# The embedded key and host names are only for a local demo: production refuses to start
# without its own.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if PRODUCTION:
    if not SECRET_KEY:
        raise RuntimeError("Set DJANGO_SECRET_KEY when COPRODUCE_PRODUCTION is on.")
    if not ALLOWED_HOSTS:
        raise RuntimeError(
            "Set DJANGO_ALLOWED_HOSTS (the site's host names, comma-separated) when "
            "COPRODUCE_PRODUCTION is on."
        )
else:
    SECRET_KEY = SECRET_KEY or "coproduce-insecure-local-demo-key"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "testserver"]
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# The modules this platform runs: the one place that names them. Each declares what it adds in
# its manifest (coproduce.modules); the core reads the manifests.
COPRODUCE_MODULES = ["coproduce.guarantees", "coproduce.monitoring"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "coproduce.outbox",
    "coproduce.people",
    "coproduce.messaging",
    *COPRODUCE_MODULES,
    "coproduce.web",
]

MIDDLEWARE = [
    # Outermost, so every error answer under /api/ leaves in the JSON envelope.
    "coproduce.api.ApiErrorEnvelopeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this sign-in has passed its second step.
    "django_otp.middleware.OTPMiddleware",
    "coproduce.web.two_factor.StaffTwoFactorMiddleware",
    "coproduce.middleware.SessionLifetimeMiddleware",
    "coproduce.middleware.PersonalDataNotCachedMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a refused sign-in into the "try again later" page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "coproduce.urls"
WSGI_APPLICATION = "coproduce.wsgi.application"
ASGI_APPLICATION = "coproduce.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "coproduce.web.context.site",
            ],
        },
    },
]

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'coproduce.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded database is shared by every request thread, the demo generator and the
    # jobs. Write-ahead logging lets readers go on while one writer writes; every transaction
    # takes the write lock when it begins (IMMEDIATE), so one that read first never has to
    # upgrade its lock, which SQLite refuses at once ("database is locked") instead of
    # waiting; and a writer waits up to 20 seconds for the one before it.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        }
    )
# The few statements written by hand for every check-in (coproduce.sql_rows) are prepared
# once per connection on PostgreSQL; turn off behind a pooler in transaction mode that does
# not keep prepared statements (PgBouncer before 1.21, or without max_prepared_statements).
COPRODUCE_PREPARED_STATEMENTS = env_bool("COPRODUCE_PREPARED_STATEMENTS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "people.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out account or address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Repeated wrong passwords pause signing in: 5 within 15 minutes lock that username from any
# address, and that address for any username, until 15 minutes after the last failure (wrong
# two-factor codes have django-otp's own throttle, each wrong code doubling the wait). Tries
# while locked do not extend the pause, so the time the locked-out page gives is the real one.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "coproduce.web.lockout.locked_out"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Staff (a current Role, or back office access) sign in in two steps: a password or an OpenID
# Connect provider, then a code from an authenticator app (coproduce.web.two_factor). On by
# default in production; off for the demo and the tests, which sign staff in directly.
COPRODUCE_REQUIRE_STAFF_2FA = env_bool("COPRODUCE_REQUIRE_STAFF_2FA", PRODUCTION)
# Nobody in the back office may read another person's authenticator secret or recovery codes.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
LOGIN_URL = "web:sign-in"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "web:home"

LANGUAGE_CODE = "en-gb"
# The languages a person can have their messages in (Person.language), each named in its own
# words; the pages themselves are in British English. Translations: src/coproduce/locale.
LANGUAGES = [("en-gb", "English"), ("cy", "Cymraeg (Welsh)")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("COPRODUCE_TIME_ZONE", "Europe/London")
# Whose public holidays are not working days, for response times owed "the same working day"
# (ISO 3166 code, read by the `holidays` package).
COPRODUCE_WORKING_DAYS_COUNTRY = os.environ.get("COPRODUCE_WORKING_DAYS_COUNTRY", "GB")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
NODE_MODULES_DIR = Path(os.environ.get("COPRODUCE_NODE_MODULES", BASE_DIR / "node_modules"))
STATICFILES_DIRS = [
    ("govuk", NODE_MODULES_DIR / "govuk-frontend" / "dist" / "govuk"),
]
WHITENOISE_USE_FINDERS = True

REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# `celery beat` runs the core's tasks here and the modules' periodic tasks from their
# manifests (coproduce/celery.py adds them).
CELERY_BEAT_SCHEDULE = {
    # Domain events whose delivery failed, or never ran because a process died after commit.
    "outbox-deliver-due-events": {
        "task": "coproduce.outbox.tasks.deliver_due_events",
        "schedule": 60.0,
    },
}

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Rate limits (coproduce.ratelimit), "count/period": over one, a request gets 429. Counted in
# the cache above, so set REDIS_URL when more than one process serves requests.
COPRODUCE_RATE_LIMITS = {
    # Every request an organisation's API token makes.
    "api-token": os.environ.get("COPRODUCE_RATE_LIMIT_API_TOKEN", "600/minute"),
    # Lists and searches of people (each name listed is a row in that person's audit trail),
    # per user or token: the caseload on the staff home page and GET /api/people.
    "people-search": os.environ.get("COPRODUCE_RATE_LIMIT_PEOPLE_SEARCH", "30/minute"),
    # Registrations refused because the NHS number is already on a record, per organisation:
    # over the limit, no registration of theirs with an NHS number is looked up for a while.
    "refused-nhs-number": os.environ.get("COPRODUCE_RATE_LIMIT_REFUSED_NHS_NUMBER", "5/hour"),
}

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Coproduce <no-reply@coproduce.invalid>")

# Text messages and letters go through a pluggable backend: the console for the demo,
# GOV.UK Notify in production (set NOTIFY_API_KEY and the template ids).
COPRODUCE_SMS_BACKEND = os.environ.get(
    "COPRODUCE_SMS_BACKEND",
    "coproduce.messaging.backends.NotifyBackend"
    if os.environ.get("NOTIFY_API_KEY")
    else "coproduce.messaging.backends.ConsoleBackend",
)
COPRODUCE_LETTER_BACKEND = os.environ.get("COPRODUCE_LETTER_BACKEND", COPRODUCE_SMS_BACKEND)
NOTIFY_API_KEY = os.environ.get("NOTIFY_API_KEY", "")
NOTIFY_BASE_URL = os.environ.get("NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk")
NOTIFY_SMS_TEMPLATE_ID = os.environ.get("NOTIFY_SMS_TEMPLATE_ID", "")
NOTIFY_LETTER_TEMPLATE_ID = os.environ.get("NOTIFY_LETTER_TEMPLATE_ID", "")

SITE_NAME = os.environ.get("COPRODUCE_SITE_NAME", "Coproduce")
# The site's public address: links in messages, and the canonical URLs of what it publishes in
# external standards (a FHIR Questionnaire's url).
COPRODUCE_SITE_URL = os.environ.get("COPRODUCE_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Where people send feedback about this site (the feedback and About pages show it).
COPRODUCE_FEEDBACK_EMAIL = os.environ.get("COPRODUCE_FEEDBACK_EMAIL", "")
# The name an authenticator app shows beside a member of staff's account.
OTP_TOTP_ISSUER = SITE_NAME
# Where to report a vulnerability in this deployment (/.well-known/security.txt): mailto:,
# https: or tel: addresses, comma-separated, and optionally the disclosure policy's address.
COPRODUCE_SECURITY_CONTACT = os.environ.get("COPRODUCE_SECURITY_CONTACT", "")
COPRODUCE_SECURITY_POLICY = os.environ.get("COPRODUCE_SECURITY_POLICY", "")

# Sign-in with an OpenID Connect provider (GOV.UK One Login, NHS login): off until an issuer
# and a client id are set. The client authenticates with a private key (private_key_jwt, as
# One Login and NHS login require) or a shared secret (client_secret_basic); unset, the
# method follows from whether a key file is given. See docs/deployment.md.
COPRODUCE_OIDC_ISSUER = os.environ.get("COPRODUCE_OIDC_ISSUER", "")
COPRODUCE_OIDC_CLIENT_ID = os.environ.get("COPRODUCE_OIDC_CLIENT_ID", "")
COPRODUCE_OIDC_CLIENT_SECRET = os.environ.get("COPRODUCE_OIDC_CLIENT_SECRET", "")
COPRODUCE_OIDC_PRIVATE_KEY_FILE = os.environ.get("COPRODUCE_OIDC_PRIVATE_KEY_FILE", "")
COPRODUCE_OIDC_CLIENT_AUTH = os.environ.get("COPRODUCE_OIDC_CLIENT_AUTH", "")
# How the private_key_jwt assertion is signed: the algorithm the provider registered for you.
COPRODUCE_OIDC_CLIENT_ASSERTION_ALG = os.environ.get("COPRODUCE_OIDC_CLIENT_ASSERTION_ALG", "RS256")
COPRODUCE_OIDC_SCOPES = os.environ.get("COPRODUCE_OIDC_SCOPES", "openid email")
# The button reads "Sign in with <name>", e.g. "GOV.UK One Login" or "NHS login".
COPRODUCE_OIDC_NAME = os.environ.get("COPRODUCE_OIDC_NAME", "your online account")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION or env_bool("DJANGO_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# A sign-in ends after this long, however busy (coproduce.middleware.SessionLifetimeMiddleware).
COPRODUCE_SESSION_MAX_AGE = int(os.environ.get("COPRODUCE_SESSION_MAX_HOURS", "12")) * 3600
if PRODUCTION:
    # A sign-in also ends after this long without a request: every request moves the
    # session's expiry on, and the database refuses an expired session.
    SESSION_COOKIE_AGE = int(os.environ.get("COPRODUCE_SESSION_IDLE_MINUTES", "30")) * 60
    SESSION_SAVE_EVERY_REQUEST = True
    # __Host-: the browser only keeps these over HTTPS, for this host alone, for the whole site.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
# The same policy in every mode, so a test or a browser check catches an inline script or a
# third-party address before production does. Scripts only from our own static files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY", False) else None
)
# Sign-in lockouts count per client address: behind DJANGO_PROXY_COUNT proxies, the address
# the outermost proxy saw (a client can write X-Forwarded-For, but not what the proxy appends).
AXES_CLIENT_IP_CALLABLE = "coproduce.web.lockout.client_address"
COPRODUCE_PROXY_COUNT = (
    int(os.environ.get("DJANGO_PROXY_COUNT", "1")) if env_bool("DJANGO_BEHIND_PROXY", False) else 0
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("COPRODUCE_LOG_LEVEL", "WARNING")},
}
