"""The results as Markdown: what ``python -m bench`` prints and writes to bench/results/latest.md."""

from __future__ import annotations

from typing import Any


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else "–"


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def _machine(results: dict[str, Any]) -> list[str]:
    machine = results["machine"]
    versions = ", ".join(f"{name} {version}" for name, version in machine["versions"].items())
    loads = "; ".join(f"{name} {load[0]}" for name, load in results.get("load", {}).items())
    return [
        "# Kindred benchmarks",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores; Python {machine['python']}; {versions}.",
        f"Load average (1, 5, 15 min) before: {results['load_before']}, after: {results['load_after']}; "
        f"the whole run took {results['total_s']} s."
        + (" **Quick run: not figures to quote.**" if results["quick"] else ""),
        f"1-minute load average as each benchmark started (2 cores: above 2 means others were "
        f"waiting for a CPU): {loads}.",
        "",
    ]


def _call_cells(flood: dict[str, Any]) -> tuple[str, str]:
    """Bot API calls per update and CPU per call: what makes bots doing different work comparable."""
    per_call = flood["cpu_ms_per_call"]  # None when the bot made no calls at all
    return f"{flood['calls_per_update']:.2f}", "–" if per_call is None else f"{per_call:.2f}"


def _interactive(data: dict[str, Any]) -> list[str]:
    bots = data["bots"]
    mix = ", ".join(f"{name} {weight:g}" for name, weight in data["mix"].items())
    lines = [
        "## 1. Interactive: throughput, CPU, latency",
        "",
        f"{data['people']} people; mix by weight: {mix}. Flood: all updates queued at once. "
        f"Paced: {data['rate']:g} updates/s. CPU is the bot process's user+system time per update.",
        "",
        _row(
            "bot",
            "flood updates/s",
            "flood CPU ms/update",
            "Bot API calls/update",
            "flood CPU ms/call",
            "paced CPU ms/update",
            "paced p50 ms",
            "paced p95 ms",
            "paced p99 ms",
            "emulator CPU ms/update",
        ),
        _row(*["---"] * 10),
    ]
    for name, bot in bots.items():
        flood, paced = bot["flood"], bot["paced"]
        lines.append(
            _row(
                name,
                f"{flood['updates_per_s']:.0f} ({flood['updates']} in {flood['seconds']:.1f} s)",
                f"{flood['cpu_ms_per_update']:.2f}",
                *_call_cells(flood),
                f"{paced['cpu_ms_per_update']:.2f}",
                f"{paced['p50_ms']:.1f}",
                f"{paced['p95_ms']:.1f}",
                f"{paced['p99_ms']:.1f}",
                f"{flood['emulator_cpu_ms_per_update']:.2f}",
            )
        )
    kindred = bots.get("kindred")
    for base in ("ptb-echo", "aiogram-echo"):
        if kindred and base in bots:
            other = bots[base]
            lines.append(
                _row(
                    f"**Kindred ÷ {base}**",
                    _ratio(kindred["flood"]["updates_per_s"], other["flood"]["updates_per_s"]),
                    _ratio(kindred["flood"]["cpu_ms_per_update"], other["flood"]["cpu_ms_per_update"]),
                    _ratio(kindred["flood"]["calls_per_update"], other["flood"]["calls_per_update"]),
                    _ratio(kindred["flood"]["cpu_ms_per_call"], other["flood"]["cpu_ms_per_call"]),
                    _ratio(kindred["paced"]["cpu_ms_per_update"], other["paced"]["cpu_ms_per_update"]),
                    _ratio(kindred["paced"]["p50_ms"], other["paced"]["p50_ms"]),
                    _ratio(kindred["paced"]["p95_ms"], other["paced"]["p95_ms"]),
                    _ratio(kindred["paced"]["p99_ms"], other["paced"]["p99_ms"]),
                    "",
                )
            )
    if kindred:
        replies = ", ".join(f"{k} {v}" for k, v in kindred["replies_per_action"].items())
        lines += ["", f"Kindred's messages per update, found by calibration: {replies}."]
    lines += [
        "",
        "Bot API calls: every request the bot made during the flood but getUpdates (an echo bot makes "
        "one per update; Kindred answers a press *and* edits its message, and checks admins).",
        "Targets: Kindred's throughput and CPU per update at least match ptb-echo's; paced p95 < 15 ms.",
        "",
    ]
    return lines


def _tuning(rows: list[dict[str, Any]], data: dict[str, Any] | None) -> list[str]:
    lines = [
        "## Tuning: Kindred with one change undone",
        "",
        "Same mix; 100 people, 625 updates at once, 200 paced. "
        "`http`: PTB's httpx instead of bot/app/http.py (aiohttp); "
        "`processor`: one update at a time instead of bot/app/update_processor.py; `limiter`: "
        "AIORateLimiter's overall 30 messages/s cap back on; `memo`: no memo of people's rows; "
        "`switch`: the default 5 ms GIL switch interval instead of 0.5 ms. "
        "The last row undoes all five (small per-update caches in i18n, handlers and callback data stay).",
        "",
        _row(
            "undone",
            "flood updates/s",
            "flood CPU ms/update",
            "Bot API calls/update",
            "flood CPU ms/call",
            "paced CPU ms/update",
            "paced p50 ms",
            "paced p95 ms",
        ),
        _row(*["---"] * 8),
    ]
    for row in rows:
        flood, paced = row["flood"], row["paced"]
        lines.append(
            _row(
                row["undo"] or "nothing (as shipped)",
                f"{flood['updates_per_s']:.0f}",
                f"{flood['cpu_ms_per_update']:.2f}",
                *_call_cells(flood),
                f"{paced['cpu_ms_per_update']:.2f}",
                f"{paced['p50_ms']:.1f}",
                f"{paced['p95_ms']:.1f}",
            )
        )
    return [*lines, ""]


def _fanout(data: dict[str, Any]) -> list[str]:
    lines = [
        "## 2. Reminder fan-out",
        "",
        _row(
            "emulator rate limits",
            "path",
            "groups",
            "delivered",
            "seconds",
            "Telegram's minimum s",
            "over minimum",
            "429s",
        ),
        _row(*["---"] * 8),
    ]
    for run in data["runs"]:
        lines.append(
            _row(
                "on" if run["rate_limits"] else "off",
                run["path"],
                run["groups"],
                run["delivered"],
                f"{run['seconds']:.1f} ({run['first_delivery_s']} s)",
                f"{run['minimum_seconds']:.1f}",
                f"{run['over_minimum_pct']:+.1f}%",
                run["too_many_requests"],
            )
        )
    return [*lines, "", f"Target: within {data['target_over_minimum_pct']:g}% of the minimum, no 429.", ""]


def _storage(data: dict[str, Any]) -> list[str]:
    normal, full = data["checkins"], data["checkins_full_sync"]
    lines = [
        "## 3. Storage",
        "",
        _row("what", "figure", "target"),
        _row("---", "---", "---"),
        _row(
            f"{normal['checkins']:,} check-ins, one per call ({normal['path']}), "
            f"journal {normal['journal_mode']}, synchronous={normal['synchronous']}",
            f"{normal['per_s']:,}/s ({normal['seconds']:.1f} s)",
            f"≥ {data['target_per_s']:,}/s",
        ),
        _row(
            f"{full['checkins']:,} check-ins, synchronous={full['synchronous']} (fsync per commit)",
            f"{full['per_s']:,}/s",
            "for comparison",
        ),
    ]
    attendance = data.get("attendance")
    if attendance:
        shown = (
            f"{1000 * attendance['seconds']:.0f} ms (all {attendance.get('groups')} groups, "
            f"{attendance.get('marks', 0):,} marks; one group in full "
            f"{1000 * attendance.get('one_group_seconds', 0):.0f} ms, CSV "
            f"{1000 * attendance.get('csv_seconds', 0):.0f} ms, "
            f"chart {1000 * attendance.get('chart_seconds', 0):.0f} ms)"
        )
        target = f"< {data['attendance_target_ms']} ms"
        lines.append(_row("attendance report over a year, 50 groups × 20 members", shown, target))
    else:
        lines.append(
            _row("attendance report", "not on this checkout (bench/attendance_report.py)", "< 300 ms")
        )
    return [*lines, ""]


def _startup(data: dict[str, Any]) -> list[str]:
    return [
        "## 4. Start-up",
        "",
        _row(
            "meetings in the database",
            "process start → first answer",
            "resident memory then",
            "idle (jobs rebuilt) after",
            "resident memory then (peak)",
            "targets",
        ),
        _row(*["---"] * 6),
        _row(
            f"{data['meetings']:,} (in {data['groups']:,} groups)",
            f"{data['first_answer_s']:.2f} s",
            f"{data['rss_mb']:.0f} MB",
            f"{data['idle_after_s']:.1f} s",
            f"{data['rss_idle_mb']:.0f} MB ({data['peak_rss_idle_mb']:.0f} MB)",
            f"< {data['target_s']:g} s, < {data['target_rss_mb']} MB",
        ),
        "",
    ]


def _matchall(data: dict[str, Any]) -> list[str]:
    return [
        "## 5. /matchall",
        "",
        _row("members", "mentors", "matched", "seconds", "target"),
        _row(*["---"] * 5),
        _row(
            data["members"],
            data["mentors"],
            data["matched"],
            f"{data['seconds']:.2f}",
            f"< {data['target_seconds']:g} s",
        ),
        "",
    ]


def _broadcast(data: dict[str, Any]) -> list[str]:
    on, off = data["limits_on"], data.get("limits_off")
    lines = [
        "## 6. Broadcast",
        "",
        f"One announcement to {on['recipients']} recipients through the outbox.",
        "",
        _row("Telegram's limits", "last delivery s", "minimum s", "ratio", "429s", "exactly once"),
        _row(*["---"] * 6),
        _row(
            "on",
            on["seconds_to_last_delivery"],
            on["theoretical_minimum_seconds"],
            on["ratio_to_minimum"],
            on["responses_429"],
            on["exactly_once"],
        ),
    ]
    if off:
        lines.append(
            _row("off", off["seconds_to_last_delivery"], "–", "–", off["responses_429"], off["exactly_once"])
        )
    return [*lines, ""]


def _rsvp(data: dict[str, Any]) -> list[str]:
    lines = [
        "## 7. A group pressing RSVP at once",
        "",
        "Everyone presses “Going” within a second on a meeting with 5 seats; Telegram's limits on. "
        "Targets at 50: answers p95 ≤ 1 s and max ≤ 2 s, final label ≤ 5 s after the last press, no "
        f"429, at most 5 seated: **{'met' if data['targets_met_at_50'] else 'missed'}**.",
        "",
        _row(
            "presses", "answered", "p50 s", "p95 s", "max s", "edits", "final label s",
            "busiest minute", "seated", "told waitlisted", "429s",
        ),
        _row(*["---"] * 11),
    ]  # fmt: skip
    for b in data["bursts"]:
        final = b["final_label_after_last_press_s"]
        cells = [b["presses"], b["answered"], b["answer_p50_s"], b["answer_p95_s"], b["answer_max_s"]]
        cells += [b["edits"], "never" if final is None else final, b["busiest_minute_in_group"]]
        lines.append(_row(*cells, b["seated"], b["waitlisted_told"], b["responses_429"]))
    return [*lines, ""]


def _crisis(data: dict[str, Any]) -> list[str]:
    lines = ["## 8. Crisis screening (full semantic layer)", "", _row("message", "p50 ms", "p99 ms")]
    lines.append(_row("---", "---", "---"))
    lines += [_row(name, v["p50_ms"], v["p99_ms"]) for name, v in data["milliseconds"].items()]
    lines += [
        "",
        f"First answer (rules and n-gram model) {data['first_answer_s']} s after import; encoder ready "
        f"{data['encoder_ready_s']} s; resident memory {data['rss_mb']} MB.",
    ]
    return [*lines, ""]


def backends_table(data: dict[str, Any]) -> list[str]:
    """SQLite (one process) and PostgreSQL (three processes for the fan-out), side by side."""
    rows = data["backends"]
    lines = [
        "",
        "**SQLite and PostgreSQL** (`bench/backends.py`; PostgreSQL: a local throwaway server)",
        "",
        _row(
            "backend",
            "check-ins/s",
            "attendance report ms (CSV ms)",
            f"start-up, {rows['sqlite']['startup']['meetings']:,} meetings: first answer s (idle after s)",
            f"fan-out to {rows['sqlite']['fan_out']['groups']:,} groups: processes, s (÷ floor), 429s",
        ),
        _row(*["---"] * 5),
    ]
    for name, row in rows.items():
        fan = row["fan_out"]
        lines.append(
            _row(
                name,
                f"{row['checkins']['per_s']:,}",
                f"{row['attendance_report']['summary_ms']} ({row['attendance_report']['csv_ms']})",
                f"{row['startup']['first_answer_s']} ({row['startup']['idle_after_s']})",
                f"{fan['processes']}, {fan['seconds']} ({fan['vs_floor']}×), {fan['too_many_requests']}",
            )
        )
    return lines


def render(results: dict[str, Any]) -> str:
    lines = _machine(results)
    if "interactive" in results:
        lines += _interactive(results["interactive"])
    if "tuning" in results:
        lines += _tuning(results["tuning"], results.get("interactive"))
    if "fanout" in results:
        lines += _fanout(results["fanout"])
    if "storage" in results:
        lines += _storage(results["storage"])
    if "startup" in results:
        lines += _startup(results["startup"])
    if "matchall" in results:
        lines += _matchall(results["matchall"])
    if "broadcast" in results:
        lines += _broadcast(results["broadcast"])
    if "rsvp" in results:
        lines += _rsvp(results["rsvp"])
    if "crisis" in results:
        lines += _crisis(results["crisis"])
    if "backends" in results:
        lines += backends_table(results["backends"])
    return "\n".join(lines) + "\n"
