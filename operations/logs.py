"""Structured logs: one JSON object per line, each carrying the request id it belongs to.

nginx gives every request an id (X-Request-ID, kept from a load balancer in front or made new);
RequestIdMiddleware puts it in a context variable for the request's logs, writes one access line
per request, and tasks enqueued by the request inherit the id (operations.taskorigin), so one
`grep <id>` finds the request, the tasks it caused and what they logged, across processes.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
task_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("task_id", default="")

# Ids from outside are logged as they are: refuse anything that could forge or break a log line.
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
access_logger = logging.getLogger("sharing.access")


def incoming_request_id(request: HttpRequest) -> str:
    given = request.headers.get("X-Request-ID", "")
    return given if _VALID_ID.match(given) else uuid.uuid4().hex


class RequestIdMiddleware:
    """Carries X-Request-ID through the request's logs and back in the response; logs one access line."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest):
        if iscoroutinefunction(self):
            return self._acall(request)
        token, began = self._begin(request)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        return self._end(request, response, began)

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        token, began = self._begin(request)
        try:
            response = await self.get_response(request)
        finally:
            request_id_var.reset(token)
        return self._end(request, response, began)

    def _begin(self, request: HttpRequest) -> tuple[contextvars.Token, float]:
        request.request_id = incoming_request_id(request)
        return request_id_var.set(request.request_id), time.perf_counter()

    def _end(self, request: HttpRequest, response: HttpResponse, began: float) -> HttpResponse:
        response["X-Request-ID"] = request.request_id
        access_logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "request_id": request.request_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - began) * 1000, 1),
            },
        )
        return response


class ContextFilter(logging.Filter):
    """Adds the current request id and task id to every record (empty outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = request_id_var.get()
        if not getattr(record, "task_id", ""):
            record.task_id = task_id_var.get()
        return True


_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request/task ids, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_") and value not in ("", None):
                entry[key] = value if isinstance(value, str | int | float | bool) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
