# ruff: noqa: S603, S607  (it starts this project's own processes with paths it builds itself)
"""`make stack`: Sharing as production runs it, on this machine, on 127.0.0.1.

nginx (Debian's package) in front of 2 web processes (uvicorn), 2 task workers and the scheduler,
all from the Procfile (read with honcho's parser; supervised here, so that a process that dies is
restarted while the others keep serving), on PostgreSQL and Redis, with the production settings
(DEBUG=false, collectstatic, manifest storage) except HTTPS, which a local stack does not have.
Ctrl-C (or SIGTERM) stops everything gracefully.

    python scripts/stack.py [--listen 8080] [--web 2] [--workers 2]
        [--database-url postgres://...] [--redis-url redis://...]

Variables already set in the environment (SECRET_KEY, STRIPE_*, ...) win over the stack's defaults.
With no STRIPE_SECRET_KEY set, a localstripe harness is started as in `make serve`.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from honcho.environ import expand_processes, parse_procfile  # type: ignore[import-untyped]

BASE_DIR = Path(__file__).resolve().parent.parent
NGINX_TEMPLATE = BASE_DIR / "deploy" / "nginx.conf"


def render_nginx(*, listen: str, web_ports: list[int], static_root: Path, run_dir: Path, user: str) -> str:
    upstreams = "\n".join(f"        server 127.0.0.1:{port} max_fails=0;" for port in web_ports)
    text = NGINX_TEMPLATE.read_text()
    for name, value in {
        "USER": f"user {user};" if user else "",
        "RUN_DIR": str(run_dir),
        "UPSTREAMS": upstreams,
        "LISTEN": listen,
        "STATIC_ROOT": str(static_root),
    }.items():
        text = text.replace(f"@@{name}@@", value)
    return text


def ensure_database(url: str) -> None:
    """Create the stack's PostgreSQL database when it does not exist yet (migrate fills it)."""
    from urllib.parse import urlsplit

    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        return
    name = parts.path.lstrip("/")
    with psycopg.connect(url.replace(parts.path, "/postgres", 1), autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        # As the servers bind: a port held only by connections in TIME_WAIT is free for them.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_ready(url: str, timeout: float, processes: list[subprocess.Popen]) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in processes):
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own local URL)
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.5)
    return False


class Supervisor:
    """The Procfile's processes, each restarted a second after it dies, as systemd's Restart=always does.

    honcho (the Procfile's usual runner) stops every process when one exits: a web process killed by
    the OOM killer would take the whole machine's site down with it. Here the others keep serving
    (nginx skips the dead one) while it comes back. Each process's pid is in run_dir/pids/NAME.pid.
    """

    def __init__(self, params: list, *, cwd: Path, pid_dir: Path) -> None:
        self.params = {p.name: p for p in params}
        self.cwd = cwd
        self.pid_dir = pid_dir
        self.running: dict[str, subprocess.Popen] = {}
        self.stopping = False
        pid_dir.mkdir(parents=True, exist_ok=True)

    def start(self, name: str) -> None:
        params = self.params[name]
        # exec: the process is the server itself, so its pid is the one a signal must reach.
        process = subprocess.Popen(["/bin/sh", "-c", f"exec {params.cmd}"], cwd=self.cwd, env=params.env)
        self.running[name] = process
        (self.pid_dir / f"{name}.pid").write_text(str(process.pid))

    def start_all(self) -> None:
        for name in self.params:
            self.start(name)

    def restart_dead(self) -> None:
        for name, process in list(self.running.items()):
            if process.poll() is not None and not self.stopping:
                print(f"stack: {name} (pid {process.pid}) exited with {process.returncode}; restarting", flush=True)
                time.sleep(1)
                self.start(name)

    def stop_all(self, timeout: float = 30) -> None:
        self.stopping = True
        for process in self.running.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in self.running.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def stack_environment(args: argparse.Namespace, run_dir: Path) -> dict[str, str]:
    secret_file = run_dir / "secret_key"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_urlsafe(50))
        secret_file.chmod(0o600)
    venv_bin = str(Path(sys.executable).parent)
    defaults = {
        "DEBUG": "false",
        "SECRET_KEY": secret_file.read_text().strip(),
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": f"http://127.0.0.1:{args.listen}",
        "CSRF_TRUSTED_ORIGINS": f"http://127.0.0.1:{args.listen},http://localhost:{args.listen}",
        "STATIC_ROOT": str(run_dir / "staticfiles"),
        # Plain HTTP on 127.0.0.1: no TLS to redirect to or to mark cookies for.
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "BEHIND_TLS_PROXY": "false",
        "WEB_WORKERS": "1",
        # Under ASGI, Django runs each request's synchronous code in a thread of its own, and a
        # persistent connection belongs to its thread: with a max age, connections pile up until
        # PostgreSQL refuses more (bench/stack_load.py: its 100 were gone in 20 s at 16 clients,
        # every request 500). A pool per process lends one to each request instead.
        "DB_POOL_MAX_SIZE": "8",
    }
    env = {**defaults, **{k: v for k, v in os.environ.items() if v != "" or k not in defaults}}
    env["PATH"] = f"{venv_bin}:{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default=os.environ.get("STACK_PORT", "8080"), help="nginx's port")
    parser.add_argument("--web", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--web-base-port", type=int, default=8001, help="web.1's port; web.2 has the next")
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/sharing_stack"
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    parser.add_argument(
        "--web-command", default="", help="instead of the Procfile's web line (another ASGI server; uses $PORT)"
    )
    parser.add_argument("--run-dir", default=str(BASE_DIR / ".stack"))
    parser.add_argument("--print-nginx", action="store_true", help="print the nginx configuration and exit")
    parser.add_argument("--web-ports", default="", help="with --print-nginx: comma-separated web ports")
    parser.add_argument("--static-root", default="", help="with --print-nginx: the collected static files")
    parser.add_argument("--nginx-user", default="", help="with --print-nginx: the user nginx's workers run as")
    args = parser.parse_args()
    run_dir = Path(args.run_dir).resolve()
    web_ports = [args.web_base_port + index for index in range(args.web)]

    if args.print_nginx:
        ports = [int(port) for port in args.web_ports.split(",")] if args.web_ports else web_ports
        static_root = Path(args.static_root or run_dir / "staticfiles")
        print(
            render_nginx(
                listen=args.listen, web_ports=ports, static_root=static_root, run_dir=run_dir, user=args.nginx_user
            )
        )
        return 0

    run_dir.mkdir(parents=True, exist_ok=True)
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        subprocess.run(["bash", str(BASE_DIR / "scripts" / "ensure_stack_packages.sh")], check=True)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    busy = [port for port in [int(args.listen), *web_ports] if not port_is_free(port)]
    if busy:
        print(
            f"make stack: port(s) {', '.join(map(str, busy))} already in use (STACK_PORT, --web-base-port).",
            file=sys.stderr,
        )
        return 1
    env = stack_environment(args, run_dir)
    python = sys.executable
    manage = [python, str(BASE_DIR / "manage.py")]
    ensure_database(env["DATABASE_URL"])
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=BASE_DIR, env=env, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v", "0"], cwd=BASE_DIR, env=env, check=True)

    processes: list[subprocess.Popen] = []
    if not os.environ.get("STRIPE_SECRET_KEY"):
        stripe_port = 8420 if port_is_free(8420) else 8421
        env["STRIPE_API_BASE"] = f"http://127.0.0.1:{stripe_port}"
        processes.append(
            subprocess.Popen(
                [python, "-m", "devtools.localstripe_server", "--port", str(stripe_port), "--quiet"],
                cwd=BASE_DIR,
                env=env,
            )
        )

    conf = run_dir / "nginx.conf"
    conf.write_text(
        render_nginx(
            listen=f"127.0.0.1:{args.listen}",
            web_ports=web_ports,
            static_root=Path(env["STATIC_ROOT"]),
            run_dir=run_dir,
            user="",  # as root, nginx workers run as nobody: the collected files are world-readable
        )
    )
    subprocess.run([nginx, "-t", "-q", "-c", str(conf)], check=True)

    procfile = parse_procfile((BASE_DIR / "Procfile").read_text())
    if args.web_command:
        procfile.processes["web"] = args.web_command
    supervisor = Supervisor(
        expand_processes(
            procfile.processes,
            concurrency={"web": args.web, "worker": args.workers, "scheduler": 1},
            env=env,
            port=args.web_base_port,
        ),
        cwd=BASE_DIR,
        pid_dir=run_dir / "pids",
    )
    supervisor.start_all()
    processes.append(subprocess.Popen([nginx, "-c", str(conf), "-g", "daemon off;"], cwd=BASE_DIR, env=env))

    def stop(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        url = f"http://127.0.0.1:{args.listen}/"
        if wait_ready(url + "readyz", 180, processes):
            if not os.environ.get("STRIPE_SECRET_KEY"):
                webhook = f"{url}payments/stripe/webhook/"
                subprocess.run([*manage, "localstripe_webhook", "--url", webhook], cwd=BASE_DIR, env=env, check=False)
            print(f"Sharing stack is ready on {url} (Ctrl-C stops it)", flush=True)
        else:
            print(f"Sharing stack: {url}readyz is not ready yet; see the processes' output above.", flush=True)
        while all(process.poll() is None for process in processes):
            supervisor.restart_dead()
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        supervisor.stop_all()
        for process in reversed(processes):
            if process.poll() is None:
                # nginx: SIGQUIT finishes open requests.
                process.send_signal(signal.SIGQUIT if process.args[0] == nginx else signal.SIGTERM)
        for process in reversed(processes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    sys.exit(main())
