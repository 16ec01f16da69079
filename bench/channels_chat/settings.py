"""Settings of the tutorial's project, less what a chat without pages or a database never uses."""

SECRET_KEY = 'bench-only: nothing is signed'  # Django refuses to start without one
DEBUG = False
ALLOWED_HOSTS = ['127.0.0.1']
# The tutorial's AuthMiddlewareStack needs these apps; with no session cookie it never queries a database.
INSTALLED_APPS = ['django.contrib.auth', 'django.contrib.contenttypes', 'django.contrib.sessions', 'channels']
MIDDLEWARE: list[str] = []
ROOT_URLCONF = 'bench.channels_chat.urls'
DATABASES: dict[str, dict[str, str]] = {}
CHANNEL_LAYERS = {'default': {'BACKEND': 'channels.layers.InMemoryChannelLayer'}}
