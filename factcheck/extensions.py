"""Extension singletons, bound to an app in create_app()."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from factcheck.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
# Limits are declared on the views they guard (sign-in, the API); storage comes from
# RATELIMIT_STORAGE_URI (memory:// per process by default, redis:// in deployments).
# One Limiter per process, like db: each create_app() re-binds its storage.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
