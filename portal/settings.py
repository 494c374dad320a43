"""OneWindow settings: one module, every deployment difference read from the environment.

Production defaults are the safe ones (DEBUG off, secure cookies, HSTS, CSP, no default secret);
`make run` asks for DEBUG explicitly for the local demo.
"""
import sys
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from portal.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("ONEWINDOW_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
TESTING = "pytest" in sys.modules

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-never-used-in-production-0123456789"
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if (DEBUG or TESTING) else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The public address used in QR codes, notices and e-mails.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # Django's admin with the portal's site as the default one (sign-in through the portal, second factor).
    "portal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "portal",
    "catalog",
    "applications",
    "approvals",
    "supervision",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.middleware.ContentSecurityPolicyMiddleware",
    "portal.middleware.ControlCharacterMiddleware",
    "portal.middleware.CalendarRevisionMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "portal.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "portal.context_processors.portal_context",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/onewindow")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )
}
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured("OneWindow runs on PostgreSQL only (DATABASE_URL=postgres://...).")
# Two roles (portal/dbroles.py): DATABASE_URL is the application's role, which reads and writes data but owns
# nothing; DATABASE_OWNER_URL, the same database as the role that owns the schema, is what `migrate` and `flush`
# switch to. Only the one-shot migrate job needs it; without it everything runs as DATABASE_URL's role.
DATABASE_APP = {key: DATABASES["default"].get(key) or "" for key in ("USER", "PASSWORD", "HOST", "PORT")}
DATABASE_OWNER_URL = env_str("DATABASE_OWNER_URL")
DATABASE_OWNER = (
    {key: value or "" for key, value in dj_database_url.parse(DATABASE_OWNER_URL).items()
     if key in ("USER", "PASSWORD", "HOST", "PORT")}
    if DATABASE_OWNER_URL else None
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")

# The web tier must keep working when Redis is down, so nothing on a request path caches in Redis.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "onewindow"}}

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = ["portal.auth.UsernameOrMobileBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # The portal's own: Django 5.2's message for this one has no Chinese translation yet (see portal/passwords.py).
    {"NAME": "portal.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:login"
# One throttle (portal/throttle.py) for every way in: passwords (portal, admin, API), second-factor codes, SMS
# registration codes and the public progress lookup. Failures are counted per account (or mobile number, or
# case number) AND client address; past the free ones each further attempt waits a doubling delay, capped.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)  # free failures per account and address
LOGIN_ACCOUNT_FAILURE_LIMIT = env_int("LOGIN_ACCOUNT_FAILURE_LIMIT", 30)  # per account per hour, all addresses
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 20)  # per address per hour, all accounts
LOGIN_DELAY_SECONDS = env_int("LOGIN_DELAY_SECONDS", 5)  # the first delay; doubles with each further failure
LOGIN_DELAY_MAX_SECONDS = env_int("LOGIN_DELAY_MAX_SECONDS", 900)
LOGIN_FAILURE_MEMORY_HOURS = env_int("LOGIN_FAILURE_MEMORY_HOURS", 24)  # failures older than this are forgotten
# Second factor (TOTP, django-otp): staff may enrol; administrators must when DEBUG is off.
ADMIN_SECOND_FACTOR_REQUIRED = env_bool("ADMIN_SECOND_FACTOR_REQUIRED", not DEBUG)
OTP_TOTP_THROTTLE_FACTOR = 0  # wrong codes go through portal.throttle like every other guess
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # administrators may remove a lost device, never read its secret

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if (DEBUG or TESTING)
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Uploaded files live outside the static root and are served only through permission-checked views.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media-not-served/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)

# Security: safe by default, relaxed only by DEBUG for the local demo on plain http.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG and not TESTING)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG and not TESTING)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if (DEBUG or TESTING) else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = env_str(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
)

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "一窗通 <noreply@onewindow.local>")
SMS_BACKEND = env_str("SMS_BACKEND", "portal.sms.ConsoleSMSBackend")

# Celery: Redis broker, schedules in the database, tasks acknowledged only after they finish.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# Every message the web tier sends has a re-drive (outbox drain, unrendered-document and notification sweeps,
# delivery re-drive), so a broker that is down must not hold an officer's request: one quick retry, then give up.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "onewindow")
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "portal.tasks.record_worker_heartbeat", "schedule": 30.0},
    # The transactional outbox (portal/outbox.py): each commit asks for a drain; this catches what a broker
    # outage or a lost message left.
    "outbox-drain": {"task": "portal.tasks.drain_outbox", "schedule": 15.0},
    # 审管联动: pending webhook deliveries a lost message or a killed worker left; handoffs not claimed in time.
    "supervision-redrive-deliveries": {"task": "supervision.tasks.redrive_deliveries", "schedule": 30.0},
    "supervision-sweep-unclaimed": {"task": "supervision.tasks.sweep_unclaimed_handoffs",
                                    "schedule": crontab(minute=20, hour="0,8,12")},
    # The catalogue search's popularity (catalog/popularity.py): last year's applications per item and bundle.
    "catalog-refresh-popularity": {"task": "catalog.tasks.refresh_popularity", "schedule": crontab(minute=50, hour=1)},
    "calendar-coverage": {"task": "portal.tasks.check_calendar_coverage", "schedule": 3600.0},
    # The audit log's hash chains, recomputed once a day at night (portal/auditchain.py).
    "audit-chain-verify": {"task": "portal.tasks.verify_audit_chain", "schedule": crontab(minute=40, hour=2)},
    # Re-drive: anything a lost broker message or a failed gateway left pending.
    "notification-redrive": {"task": "portal.tasks.deliver_notifications", "schedule": 120.0},
    "forget-old-failures": {"task": "portal.tasks.forget_old_failures", "schedule": crontab(minute=40, hour=3)},
    # The legal clock (approvals.tasks): set-based, idempotent sweeps. The warning colours change with the date,
    # so the timer sweep runs just after midnight (Beijing time) and again hourly in office hours to catch up
    # cases skipped while an officer held their row; the intake rules run twice a day.
    # Notices whose PDF was not rendered (a broker down at issue time, retries exhausted): rendered again.
    "approvals-sweep-unrendered-notices": {"task": "approvals.tasks.sweep_unrendered_notices", "schedule": 600.0},
    "approvals-sweep-unrendered-certificates": {"task": "approvals.tasks.sweep_unrendered_certificates",
                                                "schedule": 600.0},
    # The dashboards' roll-ups of closed days (portal/rollups.py): yesterday, after the night's sweeps (a deemed
    # acceptance dated back or a late claim marks its day stale, and this run recomputes it).
    "roll-up-figures": {"task": "portal.tasks.roll_up_figures", "schedule": crontab(minute=45, hour="0,13")},
    "approvals-sweep-timers": {"task": "approvals.tasks.sweep_timers",
                               "schedule": crontab(minute=1, hour="0,8-18")},
    "approvals-sweep-overdue-rectifications": {"task": "approvals.tasks.sweep_overdue_rectifications",
                                              "schedule": crontab(minute=20, hour="0,12")},
    "approvals-sweep-deemed-acceptance": {"task": "approvals.tasks.sweep_deemed_acceptance",
                                        "schedule": crontab(minute=5, hour="0,12")},
    "approvals-sweep-lapsed-supplements": {"task": "approvals.tasks.sweep_lapsed_supplements",
                                               "schedule": crontab(minute=10, hour="0,12")},
    "approvals-sweep-overdue-tolerated-materials": {"task": "approvals.tasks.sweep_overdue_tolerated_materials",
                                         "schedule": crontab(minute=15, hour="0,12")},
    # Licences (Art. 50): expiry reminders in the morning (an SMS at midnight wakes people); renewals left
    # undecided past the old licence's last day are deemed granted just after midnight. Both catch up on a missed
    # day and are safe to run twice, so a second daily run only covers a worker that was down.
    "approvals-sweep-licence-expiry-reminders": {"task": "approvals.tasks.sweep_licence_expiry_reminders",
                                                 "schedule": crontab(minute=30, hour="9,15")},
    "approvals-sweep-deemed-renewals": {"task": "approvals.tasks.sweep_deemed_renewals",
                                        "schedule": crontab(minute=25, hour="0,12")},
    # 办不成事反映 past their reply deadline: the bureau's leaders are told, once per ticket.
    "applications-escalate-overdue-problems": {"task": "applications.tasks.escalate_overdue_problems",
                                               "schedule": crontab(minute=30, hour="0,8,13")},
}
# 办不成事反映窗口 (applications/problems/): working days the assigned section or department has to reply; online
# filings an address may make in an hour (against spam).
PROBLEM_DESK_REPLY_DAYS = env_int("PROBLEM_DESK_REPLY_DAYS", 5)
PROBLEM_DESK_FILINGS_PER_HOUR = env_int("PROBLEM_DESK_FILINGS_PER_HOUR", 5)
# 审管联动 (supervision/): working days a department has to claim a handoff before it turns overdue and is escalated;
# webhook delivery attempts before a message is dead-lettered (administrators alerted), and the backoff between
# them (exponential with full jitter, from the first delay up to the cap, in seconds).
SUPERVISION_CLAIM_WORKING_DAYS = env_int("SUPERVISION_CLAIM_WORKING_DAYS", 3)
SUPERVISION_MAX_ATTEMPTS = env_int("SUPERVISION_MAX_ATTEMPTS", 12)
SUPERVISION_RETRY_FIRST_SECONDS = env_int("SUPERVISION_RETRY_FIRST_SECONDS", 5)
SUPERVISION_RETRY_MAX_SECONDS = env_int("SUPERVISION_RETRY_MAX_SECONDS", 3600)
SUPERVISION_WEBHOOK_TIMEOUT_SECONDS = env_int("SUPERVISION_WEBHOOK_TIMEOUT_SECONDS", 10)
# Receivers on loopback or private addresses, and plain http: allowed for development and tests only by default.
SUPERVISION_WEBHOOK_ALLOW_PRIVATE = env_bool("SUPERVISION_WEBHOOK_ALLOW_PRIVATE", DEBUG or TESTING)
# Failed attempts to hand an outbox event to its consumers before it waits for an administrator's re-drive.
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 10)
# Working days before the promised date a case turns yellow, and before the statutory date the alarm starts.
APPROVAL_YELLOW_WORKING_DAYS = env_int("APPROVAL_YELLOW_WORKING_DAYS", 2)
APPROVAL_STATUTORY_ALARM_WORKING_DAYS = env_int("APPROVAL_STATUTORY_ALARM_WORKING_DAYS", 3)
ISSUE_YELLOW_WORKING_DAYS = env_int("ISSUE_YELLOW_WORKING_DAYS", 3)  # the issuing window (Art. 44)
# Working days an applicant has to answer a supplement notice before the application lapses.
SUPPLEMENT_LIMIT_WORKING_DAYS = env_int("SUPPLEMENT_LIMIT_WORKING_DAYS", 20)
# 好差评: working days a section has to follow up and rectify a bad rating (差评整改); days after completion an
# application may still be rated online.
RATING_RECTIFICATION_DAYS = env_int("RATING_RECTIFICATION_DAYS", 5)
RATING_OPEN_DAYS = env_int("RATING_OPEN_DAYS", 30)
# Size caps of on-site inspection evidence (photos and PDFs / videos).
INSPECTION_PHOTO_MAX_BYTES = env_int("INSPECTION_PHOTO_MAX_BYTES", 20 * 1024 * 1024)
INSPECTION_VIDEO_MAX_BYTES = env_int("INSPECTION_VIDEO_MAX_BYTES", 200 * 1024 * 1024)
# The bureau's signing key for issued documents (PAdES, portal.signing): a PKCS#12 file and its passphrase. Empty:
# a local demo CA and signer are made under VAR_DIR/signing/ (development and tests only).
DOCUMENT_SIGNING_PKCS12 = env_str("DOCUMENT_SIGNING_PKCS12", "")
DOCUMENT_SIGNING_PASSPHRASE = env_str("DOCUMENT_SIGNING_PASSPHRASE", "")
# The body to which an applicant may apply for administrative reconsideration (written into denials).
# Where a denied applicant may seek reconsideration (Art. 38): the people's government at the bureau's level.
RECONSIDERATION_BODY = env_str("RECONSIDERATION_BODY", "宝塔区人民政府")
# Outside channels (besides the bell) for deadline warnings to officers and section heads.
APPROVAL_WARNING_CHANNELS = env_list("APPROVAL_WARNING_CHANNELS", "sms,email")
# Licence expiry reminders (Art. 50): the calendar days before a licence's last valid day at which its holder's
# accounts are reminded to renew (each point once; a point missed while the worker was down is caught up), and the
# outside channels besides the bell.
LICENCE_EXPIRY_REMINDER_DAYS = sorted({int(d) for d in env_list("LICENCE_EXPIRY_REMINDER_DAYS", "90,30,7")},
                                      reverse=True)
LICENCE_EXPIRY_REMINDER_CHANNELS = env_list("LICENCE_EXPIRY_REMINDER_CHANNELS", "sms,email")
# A worker heartbeat older than this makes /healthz report the worker as down.
WORKER_HEARTBEAT_MAX_AGE_SECONDS = env_int("WORKER_HEARTBEAT_MAX_AGE_SECONDS", 120)

REST_FRAMEWORK = {
    # portal.api: the error answers of every operation in the schema; portal.api_defaults: 401 (not 403) for a
    # caller who is not signed in, and an empty `page=` is not page 1.
    "DEFAULT_SCHEMA_CLASS": "portal.api.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
    "DEFAULT_AUTHENTICATION_CLASSES": ["portal.api_defaults.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "portal.api_defaults.PageNumberPagination",
    "PAGE_SIZE": 20,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OneWindow 一窗通 API",
    "DESCRIPTION": "县级行政审批服务局一窗通门户接口。以登录后的会话 Cookie 调用（写操作另带 X-CSRFToken 请求头）；"
                   "未登录 401，无权操作 403，不存在或无权查看 404，他人已先处理 409；错误说明为中文，在 detail 中。",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets that share a field name get names of their own in the schema.
    "ENUM_NAME_OVERRIDES": {"SupervisionRecordKindEnum": "supervision.models.SupervisionRecord.Kind",
                            "SuspensionKindEnum": "approvals.cases.models.Suspension.Kind",
                            "InspectionOutcomeEnum": "approvals.cases.models.Inspection.Outcome"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint logs every rendering step at INFO; its warnings (missing fonts, bad CSS) still show.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

ADMIN_SITE_HEADER = _("一窗通 系统管理")

# The name printed on every page, notice and certificate.
CENTRE_NAME = env_str("CENTRE_NAME", "宝塔区行政审批服务局")
# The service hall on the public landing page (address, opening hours, enquiry phone).
SERVICE_HALL = {
    "name": env_str("SERVICE_HALL_NAME", "宝塔区政务服务中心"),
    "address": env_str("SERVICE_HALL_ADDRESS", "延安市宝塔区二道街宝塔区政务服务中心（宝塔区行政审批服务局）"),
    "hours": env_str(
        "SERVICE_HALL_HOURS", "工作日 上午9:00—12:00，下午13:30—17:30（夏季14:30—18:00）；周六上午延时服务"
    ),
    "phone": env_str("SERVICE_HALL_PHONE", "0911-2881200"),
    "hotline": env_str("SERVICE_HALL_HOTLINE", "12345"),
}
# The bureau's unified social credit code (GB 32100): the issuer part of every electronic licence id (GB/T 36901),
# and the licensing authority's and the data source's code in the public listing (双公示); checked by a system
# check (portal.identifiers). The default is a valid demo code; set the real one in production.
ISSUER_CREDIT_CODE = env_str("ISSUER_CREDIT_CODE", "11610602MB01234510")
# Licence-type codes of the provincial licence catalogue (21 characters), by certificate name; a type without
# one gets the issuer's code and a 3-digit number (approvals.certificates.rules.type_code_for).
LICENCE_TYPE_CODES: dict[str, str] = {}
# The prefix of certificate numbers (宝塔审证〔2026〕000123号); empty: the centre's first two characters + 审.
LICENCE_NUMBER_PREFIX = env_str("LICENCE_NUMBER_PREFIX", "")
# The address the public reaches the portal at: QR codes on certificates point to its verification page.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# Whether the public listing shows denials (不予行政许可) too; by default only approvals are published (Administrative
# Licensing Law Art. 40), a denial names its applicant.
PUBLICITY_LIST_DENIALS = env_bool("PUBLICITY_LIST_DENIALS", False)
# The issuer an authenticator app shows next to the account.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "一窗通 " + CENTRE_NAME)

# Locally and in tests whitenoise serves straight from the finders (no collectstatic needed).
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
