"""Exit 0 when the PostgreSQL and Redis servers named by the URLs accept TCP connections.

Used by `make test` to decide whether the second pass can run; prints which one is
missing otherwise.
"""

import socket
import sys
from urllib.parse import urlsplit


def answers(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def main() -> int:
    database_url, redis_url = sys.argv[1], sys.argv[2]
    missing = [
        name
        for name, url, port in (("PostgreSQL", database_url, 5432), ("Redis", redis_url, 6379))
        if not answers(url, port)
    ]
    if missing:
        print(f"{' and '.join(missing)} not answering.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
