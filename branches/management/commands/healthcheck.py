"""Exit 0 when this deployment can work, 1 otherwise — for container healthchecks (beat) and
operators: the same checks as ``/healthz/`` (config/health.py), printed as one JSON line."""

import json

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "健康检查：数据库、缓存、消息队列、worker 心跳（与 /healthz/ 相同），异常时退出码为 1。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--heartbeat-max-age",
            type=int,
            default=None,
            help="心跳超过这么多秒即视为异常（beat 容器用；默认只看数据库）",
        )

    def handle(self, *args, heartbeat_max_age=None, **opts):
        from config import health

        body, status = health.report()
        self.stdout.write(json.dumps(body, ensure_ascii=False))
        if status != 200:
            raise SystemExit(1)
        if heartbeat_max_age is not None:
            age = body["heartbeat_age_seconds"]
            if body["worker"] != "eager" and (age is None or age > heartbeat_max_age):
                raise SystemExit(1)
