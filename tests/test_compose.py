"""docker-compose.yml, Dockerfile and .env.example kept in step with the code.

Docker does not run on the development machines, so these check what can be checked
without it: the YAML parses; the services are those of the contract; every service's
command is a real ``crawler`` sub-command (the image's entry point); healthchecks and
depends_on agree; no database port is published; every COPY source exists and is not
excluded by .dockerignore; every CRAWLER_* name set anywhere is a real setting."""

from __future__ import annotations

import fnmatch
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from scrapy.settings import default_settings

from crawler import defaults
from crawler.cli import HANDLERS, build_parser

ROOT = Path(__file__).resolve().parent.parent
CONTRACT_SERVICES = {"postgres", "redis", "migrate", "worker", "scheduler"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) of the Dockerfile, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    text = re.sub(r"\\\n", " ", text)
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def entrypoint(dockerfile: list[tuple[str, str]]) -> list[str]:
    [args] = [a for i, a in dockerfile if i == "ENTRYPOINT"]
    return list(yaml.safe_load(args))  # the JSON (exec) form


def test_services_are_those_of_the_contract(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == CONTRACT_SERVICES


def test_every_command_is_a_crawler_sub_command(compose: dict[str, Any], dockerfile: list[tuple[str, str]]) -> None:
    assert entrypoint(dockerfile) == ["crawler"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["crawler"] == "crawler.cli:main"  # `pip install .` puts `crawler` on the PATH
    parser = build_parser()
    built = {name for name, svc in compose["services"].items() if "build" in svc}
    assert built == {"migrate", "worker", "scheduler"}
    for name in built:
        svc = compose["services"][name]
        command = svc["command"]
        argv = shlex.split(command) if isinstance(command, str) else list(command)
        args = parser.parse_args(argv)  # exits (fails the test) on an unknown command or flag
        assert args.command in HANDLERS
    [default_cmd] = [a for i, a in dockerfile if i == "CMD"]
    parser.parse_args(yaml.safe_load(default_cmd))
    assert compose["services"]["migrate"]["command"] == ["migrate"]
    assert compose["services"]["worker"]["command"] == ["worker"]
    assert compose["services"]["scheduler"]["command"][0] == "schedule"


def test_worker_scales(compose: dict[str, Any]) -> None:
    worker = compose["services"]["worker"]
    # `docker compose up --scale worker=N` needs no fixed name and no published port.
    assert "container_name" not in worker and "ports" not in worker


def test_backends_have_volumes_healthchecks_and_no_published_port(compose: dict[str, Any]) -> None:
    for name in ("postgres", "redis"):
        svc = compose["services"][name]
        assert "ports" not in svc, f"{name} publishes a port"
        assert svc["healthcheck"]["test"]
        [volume] = svc["volumes"]
        assert volume.split(":")[0] in compose["volumes"]
    assert compose["services"]["postgres"]["volumes"][0].endswith(":/var/lib/postgresql/data")
    assert compose["services"]["redis"]["volumes"][0].endswith(":/data")


def test_depends_on_and_healthchecks_agree(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, svc in services.items():
        for dep, spec in (svc.get("depends_on") or {}).items():
            assert dep in services, f"{name} depends on unknown {dep}"
            condition = spec["condition"]
            if condition == "service_healthy":
                assert "healthcheck" in services[dep], f"{name} waits for {dep} to be healthy; it has no healthcheck"
            elif condition == "service_completed_successfully":
                assert services[dep].get("restart") == "no", f"{dep} must be a one-shot to complete"
            else:
                assert condition == "service_started"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("worker", "scheduler"):
        deps = services[name]["depends_on"]
        assert deps["migrate"]["condition"] == "service_completed_successfully"
        assert deps["redis"]["condition"] == "service_healthy"


def test_crawler_healthchecks_probe_the_metrics_port(compose: dict[str, Any]) -> None:
    for name in ("worker", "scheduler"):
        svc = compose["services"][name]
        env = svc["environment"]
        assert env["CRAWLER_METRICS_HOST"] == "0.0.0.0"
        probe = " ".join(svc["healthcheck"]["test"])
        assert f":{env['CRAWLER_METRICS_PORT']}/healthz" in probe


def test_configuration_comes_from_the_environment_and_secrets_from_env_file(compose: dict[str, Any]) -> None:
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert "${POSTGRES_PASSWORD:?" in text  # no default password: compose refuses to start without one
    assert compose["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    for name in ("migrate", "worker", "scheduler"):
        env = compose["services"][name]["environment"]
        assert env["DATABASE_URL"].startswith("postgresql://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert compose["services"][name]["env_file"] == [{"path": ".env", "required": False}]
    assert ".env" in (ROOT / ".gitignore").read_text().splitlines()
    assert not (ROOT / ".env").exists() or ".env" in (ROOT / ".gitignore").read_text()


def test_scheduler_mounts_an_existing_schedule_file(compose: dict[str, Any]) -> None:
    svc = compose["services"]["scheduler"]
    [mount] = svc["volumes"]
    assert mount["target"] == svc["command"][svc["command"].index("--config") + 1]
    assert mount["bind"]["create_host_path"] is False  # a missing file is an error, not an empty directory
    assert mount["source"] == "./schedule.yaml" and (ROOT / "schedule.example.yaml").exists()


def _dockerignored(path: str, patterns: list[str]) -> bool:
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pat = pattern[1:] if negate else pattern
        if fnmatch.fnmatch(path, pat) or fnmatch.fnmatch(path, pat.removeprefix("**/")):
            ignored = not negate
    return ignored


def test_dockerfile_copies_what_exists(dockerfile: list[tuple[str, str]]) -> None:
    [base] = [a for i, a in dockerfile if i == "FROM"]
    assert base == "python:3.11-slim"
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    copies = [a.split() for i, a in dockerfile if i == "COPY"]
    assert copies
    sources = [src for args in copies for src in args[:-1] if not src.startswith("--")]
    for src in sources:
        assert (ROOT / src).exists(), f"COPY {src}: no such file"
        assert not _dockerignored(src, patterns), f"COPY {src}: excluded by .dockerignore"
    # What `pip install .` needs: the project file, the readme it names, and the packages it finds.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["readme"] in sources
    for pattern in project["tool"]["setuptools"]["packages"]["find"]["include"]:
        assert pattern.rstrip("*") in sources
    assert any(i == "RUN" and "pip install ." in a for i, a in dockerfile)
    assert any(i == "USER" for i, _ in dockerfile)  # not root


def _setting_exists(name: str) -> bool:
    if name in ("DATABASE_URL", "REDIS_URL") or hasattr(defaults, name):
        return True
    return name.startswith("CRAWLER_") and hasattr(default_settings, name[len("CRAWLER_") :])


def test_every_crawler_setting_named_is_real(compose: dict[str, Any]) -> None:
    names = set()
    for svc in compose["services"].values():
        names |= {k for k in (svc.get("environment") or {}) if k.startswith(("CRAWLER_", "DATABASE_", "REDIS_"))}
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.match(r"^#?\s*((?:CRAWLER|DATABASE|REDIS)_[A-Z_]+)=", line)
        if match:
            names.add(match.group(1))
    assert names >= {"CRAWLER_METRICS_PORT", "CRAWLER_LOG_FORMAT", "CRAWLER_CONCURRENT_REQUESTS"}
    unknown = sorted(n for n in names if not _setting_exists(n))
    assert not unknown, f"not settings: {unknown}"
