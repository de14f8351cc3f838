"""Machine facts, the printed summary, ``docs/benchmarks.md`` and its plot."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import statistics
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

#: Display names of the crawl systems, in table order.
SYSTEM_LABELS = {
    "service-1": "service, 1 worker (Redis frontier + PostgreSQL store)",
    "service-2": "service, 2 workers",
    "tuned": "plain Scrapy, tuned (memory scheduler, no storage)",
    "tuned-gc": "plain Scrapy, tuned + the service's GC settings",
    "default": "plain Scrapy, default settings (no storage)",
    "default-items1": "plain Scrapy, default settings + CONCURRENT_ITEMS=1",
    "scrapy-redis": "scrapy-redis + per-item psycopg INSERT",
}


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_gib() -> float:
    try:
        with open("/proc/meminfo") as fh:
            kib = int(fh.readline().split()[1])
        return round(kib / 1024 / 1024, 1)
    except (OSError, ValueError, IndexError):
        return 0.0


def _version(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return out.splitlines()[0] if out else "unknown"


def machine(database_url: str) -> dict[str, Any]:
    """nproc, CPU model, memory, OS and the versions that matter."""
    import psycopg

    try:
        with psycopg.connect(database_url, autocommit=True, connect_timeout=5) as conn:
            pg_version = str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
    except psycopg.Error:
        pg_version = "unknown"
    packages = {}
    for name in ("scrapy", "twisted", "scrapy-redis", "redis", "psycopg", "parsel", "lxml"):
        try:
            packages[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            packages[name] = "not installed"
    return {
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory_gib": _mem_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "redis_server": _version(["redis-server", "--version"]),
        "postgresql": pg_version,
        "packages": packages,
    }


def flatten(section: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """``{"ours": {"bytes_per_url": 8}}`` as ``[("ours.bytes_per_url", 8)]``."""
    out: list[tuple[str, Any]] = []
    for key, value in section.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out += flatten(value, name + ".")
        else:
            out.append((name, value))
    return out


def per_url_bars(section: dict[str, Any]) -> dict[str, float]:
    """Bytes per URL of each system in a Redis memory section (nested or flat keys)."""
    bars = {}
    for name, value in flatten(section):
        if name.endswith("per_url") and "target" not in name and isinstance(value, (int, float)):
            bars[name.rsplit(".", 1)[0] if "." in name else name] = float(value)
    return bars


def median_of(runs: list[dict[str, Any]], key: str = "pages_per_s") -> float:
    return float(statistics.median(r[key] for r in runs)) if runs else 0.0


def crawl_table(crawls: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """One row per system: median pages/s, each round's figure, ratio to the tuned spider."""
    tuned = median_of([r for r in crawls.get("tuned", []) if r.get("complete")])
    rows = []
    for key, label in SYSTEM_LABELS.items():
        runs = crawls.get(key) or []
        if not runs:
            continue
        good = [r for r in runs if r.get("complete")]
        med = median_of(good)
        cpu = [r for r in good if r.get("cpu_ms_per_page") is not None]
        rows.append(
            {
                "key": key,
                "label": label,
                "median": round(med, 1),
                "rounds": [r["pages_per_s"] for r in runs],
                "cpu_ms_per_page": round(median_of(cpu, "cpu_ms_per_page"), 2) if cpu else None,
                "ratio_to_tuned": round(med / tuned, 2) if tuned else None,
                "complete": all(r.get("complete") for r in runs),
                "failed_rounds": len(runs) - len(good),
            }
        )
    return rows


def _target_text(target: dict[str, Any]) -> str:
    text = f"{target['ratio']:.2f}x"
    if target.get("ratio_gc") is not None:
        text += f" ({target['ratio_gc']:.2f}x against the tuned spider with the same GC settings)"
    return text + (", met" if target["met"] else ", NOT met")


def format_summary(results: dict[str, Any]) -> str:
    """The figures as plain text for the terminal."""
    out = []
    m = results["machine"]
    out.append(f"machine: {m['nproc']} cores ({m['cpu']}), {m['memory_gib']} GiB, Python {m['python']}")
    site = results["site"]
    out.append(
        f"site: {site['pages']} article pages of ~{site['page_bytes'] // 1024} KiB in {site['boards']} chains, "
        f"{site['pages'] - site['distinct_bodies']} reposts; {results['rounds']} round(s)"
    )
    if "server_check" in results:
        sc = results["server_check"]
        out.append(
            "site server CPU per page: threaded http.server "
            f"{sc['threaded']['server_cpu_ms_per_page']} ms ({sc['threaded']['client_pages_per_s']} pages/s seen), "
            f"bench asyncio server {sc['bench']['server_cpu_ms_per_page']} ms "
            f"({sc['bench']['client_pages_per_s']} pages/s seen)"
        )
    out.append("")
    out.append(f"{'crawl (pages/s, median)':<62}{'median':>8}{'x tuned':>9}{'CPU ms/page':>13}  rounds")
    for row in results["crawl_table"]:
        ratio = f"{row['ratio_to_tuned']:.2f}x" if row["ratio_to_tuned"] is not None else "-"
        cpu = f"{row['cpu_ms_per_page']:.2f}" if row.get("cpu_ms_per_page") is not None else "-"
        flag = "" if row["complete"] else f"  ({row['failed_rounds']} round(s) failed or incomplete: not in the median)"
        out.append(f"{row['label']:<62}{row['median']:>8.1f}{ratio:>9}{cpu:>13}  {row['rounds']}{flag}")
    target = results.get("target")
    if target:
        out.append(f"target: service 1 worker >= 0.9x tuned plain Scrapy -> {_target_text(target)}")
    scaling = results.get("scaling")
    if scaling:
        out.append(f"scaling: 2 workers / 1 worker = {scaling:.2f}x")
    prof = results.get("profile")
    if prof:
        out.append("")
        out.append("where one worker's CPU goes (py-spy samples):")
        if "error" in prof:
            out.append(f"  not measured: {prof['error']}")
        else:
            for name, pct in prof["components_pct"].items():
                out.append(f"  {pct:5.1f}%  {name}")
            out.append("  top functions by self time:")
            for func, pct in prof["top_self_pct"]:
                out.append(f"  {pct:5.1f}%  {func}")
    for name in ("redis_memory", "store"):
        section = results.get(name)
        if section is None:
            continue
        out.append("")
        out.append(f"{name}:")
        if "error" in section:
            out.append(f"  not measured: {section['error']}")
            continue
        for key, value in flatten(section):
            out.append(f"  {key}: {value}")
    return "\n".join(out)


def plot(results: dict[str, Any], path: Path) -> None:
    """Bar chart of median pages/s (each round as a dot) and, when measured, Redis bytes per URL."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = results["crawl_table"]
    mem = results.get("redis_memory") or {}
    mem_bars = per_url_bars(mem) if "error" not in mem else {}
    ncols = 2 if mem_bars else 1
    fig, axes = plt.subplots(1, ncols, figsize=(12 if ncols == 2 else 8, 4.8), squeeze=False)
    ax = axes[0][0]
    labels = [r["label"].replace(" (", "\n(").replace(" + ", "\n+ ") for r in rows]
    colors = ["#2b6cb0" if r["key"].startswith("service") else "#a0aec0" for r in rows]
    ax.barh(range(len(rows)), [r["median"] for r in rows], color=colors)
    for i, r in enumerate(rows):
        ax.plot(r["rounds"], [i] * len(r["rounds"]), "k.", markersize=4)
        ratio = f"  {r['median']:.0f}/s ({r['ratio_to_tuned']:.2f}x)" if r["ratio_to_tuned"] else ""
        ax.text(max([r["median"], *r["rounds"]]), i, ratio, va="center", fontsize=8)
    ax.set_yticks(range(len(rows)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("article pages per second (median of rounds; dots: each round)")
    ax.set_title(f"Crawl of {results['site']['pages']} pages, {results['machine']['nproc']} cores")
    ax.set_xlim(0, max(max(r["rounds"]) for r in rows) * 1.35)
    if mem_bars:
        ax2 = axes[0][1]
        names = list(mem_bars)
        ax2.bar(range(len(names)), [mem_bars[n] for n in names], color=["#2b6cb0", "#a0aec0", "#718096"][: len(names)])
        ax2.set_xticks(range(len(names)), [n.replace("_", " ") for n in names], fontsize=8)
        for i, n in enumerate(names):
            ax2.text(i, mem_bars[n], f"{mem_bars[n]:.1f}", ha="center", va="bottom", fontsize=8)
        ax2.set_ylabel("Redis bytes per seen URL")
        ax2.set_title(f"Redis memory of the seen set at {mem.get('urls', mem.get('n', '?')):,} URLs")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _md_table(headers: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def write_markdown(results: dict[str, Any], path: Path, plot_name: str | None) -> None:
    """``docs/benchmarks.md``: the latest figures, how they were made, and on what."""
    m = results["machine"]
    site = results["site"]
    parts = [
        "# Benchmarks",
        "",
        f"Latest run: {results['finished_at']} (`{results['command']}`, {results['elapsed_s']:.0f} s in all). "
        "Regenerate with `make bench` (writes this file and the plot); `python -m bench --quick` "
        "runs a small site and prints without writing.",
        "",
        "## Machine",
        "",
        _md_table(
            ["what", "value"],
            [
                ["cores (`nproc`)", m["nproc"]],
                ["CPU", m["cpu"]],
                ["memory", f"{m['memory_gib']} GiB"],
                ["OS", m["os"]],
                ["Python", m["python"]],
                ["Redis", m["redis_server"]],
                ["PostgreSQL", m["postgresql"]],
                ["packages", ", ".join(f"{k} {v}" for k, v in m["packages"].items())],
            ],
        ),
        "",
        "The machine is shared (other processes may run during a round), so every crawl is "
        "repeated in rounds, the systems interleaved within each round, and the median is reported.",
        "",
        "## Crawl throughput",
        "",
        f"Site: {site['pages']} gnuboard-style article pages of about {site['page_bytes'] // 1024} KiB in "
        f"{site['boards']} boards, each board one chain of {site['posts']} posts linked by 이전글/다음글, "
        f"{site['pages'] - site['distinct_bodies']} of them reposts of another board's post (content duplicates). "
        "Served by `bench/site_server.py`, a pre-rendered asyncio server in its own process. "
        "Every crawler starts from the oldest post of each board and walks the chains; it must fetch "
        "every page once.",
        "",
        "Timing: from the first article request the site server sees to the last one, or to the last "
        "row written to PostgreSQL for the crawlers that store (whichever is later); process start-up is "
        "left out for all alike. CPU ms per page: the crawling processes' user + system CPU time in the "
        "same window (sampled from /proc every 50 ms; both workers for the 2-worker service), per page; "
        "it moves less than pages/s when other tenants of the machine take the cores.",
        "",
    ]
    if plot_name:
        parts += [f"![pages per second]({plot_name})", ""]
    parts.append(
        _md_table(
            ["system", "pages/s (median)", "x tuned plain Scrapy", "CPU ms per page (median)", "rounds", "every page"],
            [
                [r["label"], f"{r['median']:.1f}", f"{r['ratio_to_tuned']:.2f}x" if r["ratio_to_tuned"] else "-",
                 f"{r['cpu_ms_per_page']:.2f}" if r.get("cpu_ms_per_page") is not None else "-",
                 ", ".join(f"{x:.0f}" for x in r["rounds"]),
                 "yes" if r["complete"] else f"NO in {r['failed_rounds']} round(s), left out of the median"]
                for r in results["crawl_table"]
            ],
        )
    )
    target = results.get("target")
    if target:
        parts += [
            "",
            f"**Target: the service with one worker at >= 0.9x the tuned plain Scrapy spider, storage on: "
            f"{_target_text(target)}.**",
        ]
    if results.get("scaling"):
        parts += ["", f"Scaling: 2 workers give {results['scaling']:.2f}x the pages/s of one worker."]
    parts += ["", "### What each system is", ""] + [f"- {line}" for line in results.get("notes", [])]
    if "server_check" in results:
        sc = results["server_check"]
        parts += [
            "",
            "### Why a separate site server",
            "",
            _md_table(
                ["server", "server CPU per page", "pages/s seen by a light keep-alive client"],
                [
                    ["threaded `crawler.demo.site.SiteServer`", f"{sc['threaded']['server_cpu_ms_per_page']} ms",
                     sc["threaded"]["client_pages_per_s"]],
                    ["`bench/site_server.py` (asyncio, pre-rendered)", f"{sc['bench']['server_cpu_ms_per_page']} ms",
                     sc["bench"]["client_pages_per_s"]],
                ],
            ),
        ]
    for name, title in (("redis_memory", "Redis memory per seen URL"), ("store", "Store pipeline")):
        section = results.get(name)
        parts += ["", f"## {title}", ""]
        if not section or "error" in section:
            parts.append(f"Not measured in this run: {section.get('error') if section else 'skipped'}.")
            continue
        parts.append(_md_table(["figure", "value"], [[f"`{k}`", v] for k, v in flatten(section)]))
    prof = results.get("profile")
    if prof:
        parts += ["", "## Where a worker's time goes", ""]
        if "error" in prof:
            parts.append(f"Not measured in this run: {prof['error']}.")
        else:
            parts += [
                f"One worker crawling the same site under `py-spy record` ({prof['samples']} samples; "
                f"{prof['pages_per_s_while_sampled']} pages/s while sampled). Each sample is put in the "
                "first component found on its stack (`bench/profile.py`).",
                "",
                _md_table(["component", "share of CPU samples", "ms per page while sampled"],
                          [[k, f"{v}%", f"{v / 100 * 1000 / prof['pages_per_s_while_sampled']:.2f}"]
                           for k, v in prof["components_pct"].items()]),
                "",
                "Functions holding the CPU themselves (self time):",
                "",
                _md_table(["function", "self"], [[f"`{f}`", f"{p}%"] for f, p in prof["top_self_pct"]]),
            ]  # fmt: skip
    if results.get("profile_notes"):
        parts += [""] + results["profile_notes"]
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")
