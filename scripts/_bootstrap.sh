# Shared setup for scripts/run and scripts/test. Source it, then call `bootstrap`.
#
# bootstrap: cd to the repo root, load .env, make sure .venv exists with Python >= 3.12 and
# requirements.txt installed, and make sure PostgreSQL (DATABASE_URL) and Redis (REDIS_URL)
# answer, starting or installing local servers when the URLs point at this machine.
# Every step is idempotent and never reads stdin, so it is safe in CI (CI=true, no stdin).

set -euo pipefail

STOREDESK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$STOREDESK_ROOT/.venv"
VENV_PY="$VENV/bin/python"

log() { printf '[storedesk] %s\n' "$*" >&2; }
warn() { printf '[storedesk] WARNING: %s\n' "$*" >&2; }
die() { printf '[storedesk] ERROR: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }

# wait_for SECONDS CMD...: retry CMD once a second until it succeeds or SECONDS pass.
wait_for() {
    local seconds=$1
    shift
    local i
    for ((i = 0; i < seconds; i++)); do
        "$@" && return 0
        sleep 1
    done
    "$@"
}

# apt_install PKG...: install Debian/Ubuntu packages quietly (root only; callers check).
# Output goes to a log file that is shown only when apt-get fails.
APT_UPDATED=0
apt_install() {
    command -v apt-get >/dev/null 2>&1 || { warn "apt-get not found; install $* with your system's package manager."; return 1; }
    local apt_log=/tmp/storedesk-apt.log
    log "Installing $* with apt-get (this can take a few minutes; log: $apt_log)..."
    if [ "$APT_UPDATED" = 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null >>"$apt_log" 2>&1 \
            || { tail -n 20 "$apt_log" >&2; return 1; }
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" </dev/null >>"$apt_log" 2>&1 \
        || { tail -n 20 "$apt_log" >&2; return 1; }
}

# load_dotenv: export KEY=VALUE lines from .env, never overriding variables already set.
# .env is parsed, not sourced, so it cannot run commands or clobber the environment.
load_dotenv() {
    [ -f .env ] || return 0
    local line key value
    while IFS= read -r line || [ -n "$line" ]; do
        line="${line#"${line%%[![:space:]]*}"}"
        [[ -z $line || $line == \#* || $line != *=* ]] && continue
        line="${line#export }"
        key="${line%%=*}"
        key="${key%"${key##*[![:space:]]}"}"
        value="${line#*=}"
        value="${value#"${value%%[![:space:]]*}"}"
        [[ $key =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
        if [[ $value =~ ^\"(.*)\"$ || $value =~ ^\'(.*)\'$ ]]; then
            value="${BASH_REMATCH[1]}"
        fi
        [[ -v $key ]] || export "$key=$value"
    done <.env
}

# ---------------------------------------------------------------------------------------------
# Python and the virtualenv
# ---------------------------------------------------------------------------------------------

python_ok() {
    "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1
}

# find_python: print the path of the first Python >= 3.12 found. Candidates are run to check
# their version: pyenv shims are not used because they fail unless PYENV_VERSION is set, so
# pyenv's installed versions are looked at directly (newest first), then the PATH.
find_python() {
    local pyenv_root candidate name
    local -a candidates=()
    pyenv_root="$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")"
    mapfile -t candidates < <(printf '%s\n' "$pyenv_root"/versions/*/bin/python3 | sort -rV)
    for name in python3.14 python3.13 python3.12 python3; do
        candidate="$(command -v "$name" 2>/dev/null)" && candidates+=("$candidate")
    done
    for candidate in "${candidates[@]}"; do
        if [ -x "$candidate" ] && python_ok "$candidate"; then
            printf '%s\n' "$candidate"
            return 0
        fi
    done
    return 1
}

ensure_venv() {
    if [ -x "$VENV_PY" ] && python_ok "$VENV_PY"; then
        return 0
    fi
    local py version output
    py="$(find_python)" || die "Python >= 3.12 not found (checked pyenv versions and python3.14/3.13/3.12/python3 on PATH).
  Install one, e.g. on Ubuntu 24.04: sudo apt-get install -y python3.12 python3.12-venv
  or with pyenv: pyenv install 3.12 (https://github.com/pyenv/pyenv)."
    version="$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    if [ -e "$VENV" ]; then
        log "Existing .venv has no usable Python >= 3.12; recreating it"
        rm -rf "$VENV"
    fi
    log "Creating .venv with Python $version ($py)"
    if ! output="$("$py" -m venv "$VENV" 2>&1)"; then
        rm -rf "$VENV"
        # Debian/Ubuntu ship the venv module (ensurepip) in a separate pythonX.Y-venv package.
        if is_root && [[ $py == /usr/bin/* ]]; then
            apt_install "python$version-venv" || die "could not install python$version-venv"
            "$py" -m venv "$VENV" || die "could not create .venv with $py"
        else
            die "could not create .venv with $py: $output
  On Debian/Ubuntu install the venv module: sudo apt-get install -y python$version-venv"
        fi
    fi
}

# ensure_requirements: pip install only when requirements.txt changed since the last
# successful install (its sha256 is stamped inside .venv, so a recreated venv reinstalls).
ensure_requirements() {
    [ -f requirements.txt ] || die "requirements.txt not found in $STOREDESK_ROOT"
    local stamp="$VENV/.requirements.sha256" wanted
    wanted="$(sha256sum requirements.txt | cut -d' ' -f1)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
        log "Python dependencies up to date"
        return 0
    fi
    log "Installing requirements.txt into .venv..."
    PIP_NO_INPUT=1 "$VENV_PY" -m pip install --disable-pip-version-check -q -r requirements.txt
    printf '%s\n' "$wanted" >"$stamp"
}

# ---------------------------------------------------------------------------------------------
# URL helpers
# ---------------------------------------------------------------------------------------------

# url_parts URL DEFAULT_PORT: set URL_HOST, URL_PORT, URL_USER, URL_HAS_PASSWORD (0/1).
url_parts() {
    local parts
    parts="$("$VENV_PY" -c '
import sys, urllib.parse as up
u = up.urlsplit(sys.argv[1])
print(u.hostname or "", u.port or sys.argv[2], up.unquote(u.username or ""), int(u.password is not None), sep="\n")
' "$1" "$2")" || die "cannot parse URL: $1"
    { read -r URL_HOST; read -r URL_PORT; read -r URL_USER; read -r URL_HAS_PASSWORD; } <<<"$parts"
}

# redact_url URL: URL with its password replaced by *** (messages can end up in CI logs).
redact_url() {
    sed -E 's#(//[^:/@]*):[^@/]*@#\1:***@#' <<<"$1"
}

# An empty host means a Unix socket, which is local too.
is_local_host() {
    case "$1" in localhost | 127.0.0.1 | ::1 | "") return 0 ;; *) return 1 ;; esac
}

tcp_open() {
    timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------------------------

pg_reachable() {
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q ${URL_HOST:+-h "$URL_HOST"} -p "$URL_PORT" -t 3
    else
        tcp_open "${URL_HOST:-127.0.0.1}" "$URL_PORT"
    fi
}

# start_local_postgres: start (installing and creating a cluster if needed) the Debian-managed
# PostgreSQL. --skip-systemctl-redirect makes pg_ctlcluster work without systemd (containers).
# Sets PG_STARTED_HERE=1.
PG_STARTED_HERE=0
start_local_postgres() {
    if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! compgen -G '/usr/lib/postgresql/*/bin' >/dev/null; then
        is_root || die "PostgreSQL is not reachable at ${URL_HOST:-localhost}:$URL_PORT and is not installed.
  Install it with: sudo apt-get install -y postgresql
  or point DATABASE_URL (in the environment or .env) at a running server (now: $(redact_url "$DATABASE_URL"))."
        apt_install postgresql || die "apt-get install postgresql failed"
    fi
    local version
    version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1 || true)"
    if [ -z "$version" ] || [ ! -d "/etc/postgresql/$version/main" ]; then
        version="${version:-$(ls /usr/lib/postgresql | sort -V | tail -n 1)}"
        is_root || die "PostgreSQL $version has no 'main' cluster. Create it with: sudo pg_createcluster $version main -p $URL_PORT --start"
        log "Creating PostgreSQL $version cluster 'main' on port $URL_PORT"
        pg_createcluster "$version" main -p "$URL_PORT" --start >/dev/null
    elif ! pg_ctlcluster "$version" main status >/dev/null 2>&1; then
        log "Starting PostgreSQL $version (cluster main)"
        pg_ctlcluster --skip-systemctl-redirect "$version" main start \
            || die "could not start PostgreSQL. Try: sudo pg_ctlcluster --skip-systemctl-redirect $version main start"
    fi
    PG_STARTED_HERE=1
}

# pg_prepare_db URL [quiet]: connect to the server's `postgres` maintenance database with URL's
# credentials, create URL's database if missing and check pg_trgm is available.
# Exit status: 0 ok, 3 authentication failed, 1 other error. "quiet" hides auth errors.
pg_prepare_db() {
    "$VENV_PY" - "$1" "${2:-}" <<'PY'
import sys
import urllib.parse as up

import psycopg
from psycopg import sql

url, quiet = sys.argv[1], sys.argv[2] == "quiet"
parts = up.urlsplit(url)
dbname = up.unquote(parts.path.lstrip("/")) or "postgres"
# libpq only knows postgres:// and postgresql://; Django URL parsers accept a few aliases.
conninfo = parts._replace(scheme="postgresql").geturl()
try:
    conn = psycopg.connect(conninfo, dbname="postgres", autocommit=True, connect_timeout=5)
except psycopg.OperationalError as exc:
    message = str(exc).strip()
    is_auth = "password" in message or "authentication" in message
    if not (is_auth and quiet):
        print(f"[storedesk] PostgreSQL: {message}", file=sys.stderr)
    sys.exit(3 if is_auth else 1)
with conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone():
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
        print(f"[storedesk] Created database {dbname}", file=sys.stderr)
    if not conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'").fetchone():
        print(
            "[storedesk] WARNING: the pg_trgm extension is not available on this server; "
            "install PostgreSQL's contrib modules (Debian/Ubuntu: apt-get install postgresql-contrib).",
            file=sys.stderr,
        )
PY
}

# url_with_password URL PASSWORD: URL with PASSWORD added to its user.
url_with_password() {
    "$VENV_PY" -c '
import sys, urllib.parse as up
u = up.urlsplit(sys.argv[1])
host = u.netloc.rpartition("@")[2]
print(u._replace(netloc=f"{u.username}:{up.quote(sys.argv[2], safe=str())}@{host}").geturl())
' "$1" "$2"
}

ensure_postgres() {
    export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/storedesk}"
    url_parts "$DATABASE_URL" 5432
    if ! pg_reachable; then
        is_local_host "$URL_HOST" || die "PostgreSQL at $URL_HOST:$URL_PORT is not reachable (DATABASE_URL=$(redact_url "$DATABASE_URL"))."
        start_local_postgres
        wait_for 30 pg_reachable || die "PostgreSQL did not come up on ${URL_HOST:-localhost}:$URL_PORT (DATABASE_URL=$(redact_url "$DATABASE_URL"))."
    fi

    # Only a local, password-less postgres login gets the dev-password fallback below, so only
    # then is its first auth error hidden.
    local rc=0 fallback=0 quiet=""
    if is_local_host "$URL_HOST" && [ "$URL_USER" = postgres ] && [ "$URL_HAS_PASSWORD" = 0 ]; then
        fallback=1
        quiet=quiet
    fi
    pg_prepare_db "$DATABASE_URL" "$quiet" || rc=$?
    if [ "$rc" = 3 ] && [ "$fallback" = 1 ]; then
        # A stock Debian/Ubuntu PostgreSQL allows the postgres superuser in only through the Unix
        # socket (peer auth); over TCP it wants a password, and postgres has none. For a server
        # this script started or installed, give postgres the well-known dev password "postgres"
        # and use postgres://postgres:postgres@... (an earlier run may already have set it, which
        # is tried first). A server we did not start is left alone.
        local with_password
        with_password="$(url_with_password "$DATABASE_URL" postgres)"
        rc=0
        pg_prepare_db "$with_password" quiet || rc=$?
        if [ "$rc" = 3 ] && [ "$PG_STARTED_HERE" = 1 ] && is_root; then
            log "Setting the dev password 'postgres' for the local postgres superuser (Debian's TCP auth needs one)"
            (cd / && su postgres -c "psql -w -q -p $URL_PORT -c \"ALTER USER postgres PASSWORD 'postgres'\"")
            rc=0
            pg_prepare_db "$with_password" || rc=$?
        fi
        if [ "$rc" = 0 ]; then
            export DATABASE_URL="$with_password"
            log "Using DATABASE_URL with the dev password (set DATABASE_URL in .env to choose your own)"
        fi
    fi
    case "$rc" in
        0) ;;
        3) die "cannot log in to PostgreSQL (DATABASE_URL=$(redact_url "$DATABASE_URL")). Put working credentials in DATABASE_URL (environment or .env),
  e.g. postgres://USER:PASSWORD@127.0.0.1:5432/storedesk, or give the local postgres user a password:
  sudo su postgres -c \"psql -c \\\"ALTER USER postgres PASSWORD 'postgres'\\\"\" and use postgres://postgres:postgres@127.0.0.1:5432/storedesk" ;;
        *) die "could not prepare the database (DATABASE_URL=$(redact_url "$DATABASE_URL"))" ;;
    esac
    log "PostgreSQL ready (${URL_HOST:-localhost}:$URL_PORT)"
}

# ---------------------------------------------------------------------------------------------
# Redis
# ---------------------------------------------------------------------------------------------

redis_ping() {
    "$VENV_PY" -c '
import sys, redis
redis.Redis.from_url(sys.argv[1], socket_connect_timeout=2, socket_timeout=2).ping()
' "$REDIS_URL" >/dev/null 2>&1
}

ensure_redis() {
    export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
    url_parts "$REDIS_URL" 6379
    if ! redis_ping; then
        is_local_host "$URL_HOST" || die "Redis at $URL_HOST:$URL_PORT is not reachable (REDIS_URL=$(redact_url "$REDIS_URL"))."
        if ! command -v redis-server >/dev/null 2>&1; then
            is_root || die "Redis is not reachable at 127.0.0.1:$URL_PORT and is not installed.
  Install it with: sudo apt-get install -y redis-server
  or point REDIS_URL (in the environment or .env) at a running server (now: $(redact_url "$REDIS_URL"))."
            apt_install redis-server || die "apt-get install redis-server failed"
        fi
        # The package's own service may already be running after an install.
        if ! redis_ping; then
            log "Starting redis-server on 127.0.0.1:$URL_PORT (no persistence)"
            (cd / && redis-server --daemonize yes --bind 127.0.0.1 --port "$URL_PORT" --save "" --appendonly no >/dev/null)
        fi
        wait_for 15 redis_ping || die "Redis did not come up on 127.0.0.1:$URL_PORT (REDIS_URL=$(redact_url "$REDIS_URL"))."
    fi
    log "Redis ready (${URL_HOST:-localhost}:$URL_PORT)"
}

# ---------------------------------------------------------------------------------------------
# Chromium (browser tests)
# ---------------------------------------------------------------------------------------------

ensure_chromium() {
    export STOREDESK_CHROMIUM="${STOREDESK_CHROMIUM:-/usr/bin/chromium}"
    [ -x "$STOREDESK_CHROMIUM" ] && return 0
    if is_root && [ "$STOREDESK_CHROMIUM" = /usr/bin/chromium ]; then
        apt_install chromium && return 0
        warn "could not install chromium with apt-get; browser tests will fail."
    else
        warn "no Chromium at $STOREDESK_CHROMIUM; browser tests will fail.
  Install it with: sudo apt-get install -y chromium (or set STOREDESK_CHROMIUM to a Chromium binary)."
    fi
}

# dev_defaults: DEBUG=true and a dev SECRET_KEY unless set. The key is only defaulted while DEBUG
# is on, so DEBUG=false without a real SECRET_KEY still fails loudly in config.settings.
dev_defaults() {
    export DEBUG="${DEBUG:-true}"
    case "${DEBUG,,}" in
        true | on | ok | y | yes | 1)
            export SECRET_KEY="${SECRET_KEY:-insecure-dev-only-storedesk-key-do-not-use-in-production}" ;;
    esac
}

# run_defaults: scripts/run serves production-like unless DEBUG=true is asked for: DEBUG=false,
# a SECRET_KEY and a CREDENTIAL_ENCRYPTION_KEYS key generated once and kept in var/ (gitignored,
# readable by this user only; reused by every later run, so sessions and stored store
# credentials survive restarts), the local host names allowed, and plain http on this machine
# (no https redirect, HSTS or secure-only cookies). Values already set in the environment or
# .env win. `DEBUG=true ./scripts/run` gets the development defaults instead.
run_defaults() {
    export DEBUG="${DEBUG:-false}"
    case "${DEBUG,,}" in
        true | on | ok | y | yes | 1)
            dev_defaults
            return 0 ;;
    esac
    mkdir -p var
    if [ -z "${SECRET_KEY:-}" ]; then
        SECRET_KEY="$(kept_secret var/secret_key 'import secrets; print(secrets.token_urlsafe(64))')"
        export SECRET_KEY
    fi
    if [ -z "${CREDENTIAL_ENCRYPTION_KEYS:-}" ]; then
        CREDENTIAL_ENCRYPTION_KEYS="$(kept_secret var/credential_key \
            'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')"
        export CREDENTIAL_ENCRYPTION_KEYS
    fi
    export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost,[::1]${HOST:+,$HOST}}"
    export SECURE_SSL_REDIRECT="${SECURE_SSL_REDIRECT:-false}"
    export SECURE_HSTS_SECONDS="${SECURE_HSTS_SECONDS:-0}"
    export SECURE_COOKIES="${SECURE_COOKIES:-false}"
}

# kept_secret FILE PYTHON: print FILE's content, first writing PYTHON's output to it (mode 600)
# when it does not exist yet.
kept_secret() {
    local file=$1 code=$2
    if [ ! -s "$file" ]; then
        (umask 077 && "$VENV_PY" -c "$code" >"$file.tmp" && mv "$file.tmp" "$file")
    fi
    cat "$file"
}

bootstrap() {
    cd "$STOREDESK_ROOT"
    load_dotenv
    ensure_venv
    ensure_requirements
    ensure_postgres
    ensure_redis
}
