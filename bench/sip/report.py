#!/usr/bin/env python3
"""Figures of bench/sip.sh (stdlib only).

  report.py run DIR N TALK_MS          one run's figures (JSON on stdout) from DIR's calls.json,
                                       logs/*.json, cpu.json, idle.json and sipp.rc
  report.py table TARGET_MS RUN.json…  the table (Markdown), the first run as baseline
"""
import glob, json, os, statistics, sys


def load(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def run(d, n, talk_ms):
    calls = load(os.path.join(d, "calls.json"), {"calls": []})["calls"]
    statuses = {}
    for c in calls:
        statuses[c["status"]] = statuses.get(c["status"], 0) + 1
    media = []
    for path in glob.glob(os.path.join(d, "logs", "*.json")):
        lines = [l for l in load(path, []) if l.get("event") == "media"]
        if lines:
            media.append(lines[-1]["data"])
    send = [m["send_jitter_p95_ms"] for m in media]
    recv = [m["receive_jitter_ms"] for m in media]
    sent = [m["packets_sent"] for m in media]
    received = [m["packets_received"] for m in media]
    cpu = load(os.path.join(d, "cpu.json"), {})
    idle = load(os.path.join(d, "idle.json"), {})
    sipp_rc = open(os.path.join(d, "sipp.rc")).read().strip() if os.path.exists(os.path.join(d, "sipp.rc")) else "?"
    med = lambda xs: statistics.median(xs) if xs else None
    return {
        "n": n,
        "talk_ms": talk_ms,
        "calls": len(calls),
        "completed": statuses.get("Completed", 0),
        "statuses": statuses,
        "media_lines": len(media),
        "send_p95_median_ms": med(send),
        "send_p95_max_ms": max(send) if send else None,
        "receive_jitter_median_ms": med(recv),
        "packets_expected": talk_ms // 20,
        "packets_sent_median": med(sent),
        "packets_sent_min": min(sent) if sent else None,
        "packets_received_median": med(received),
        "cpu": cpu,
        "idle": idle,
        "sipp_rc": sipp_rc,
    }


def fmt(x, digits=2):
    return "-" if x is None else f"{x:.{digits}f}"


def table(target_ms, paths):
    runs = [load(p) for p in paths]
    runs = [r for r in runs if r]
    base = runs[0]
    base_machine = base["cpu"].get("machine_busy_s", 0) / max(base["n"], 1)
    base_tree = base["cpu"].get("server_tree_s", 0) / max(base["n"], 1)
    print(f"Talk time {base['talk_ms'] / 1000:g} s per call ({base['packets_expected']} packets expected each way); "
          f"baseline: the N={base['n']} run.\n")
    print("| N | completed | send p95 ms, median / max | receive jitter ms, median | packets sent, median / min | "
          "server CPU s/call | server + children CPU s/call (÷ baseline) | machine CPU s/call | machine CPU/call ÷ baseline | "
          f"machine busy, cores: ours + rest (idle before) | p95 < {target_ms:g} ms |")
    print("| " + " | ".join(["---"] * 11) + " |")
    for r in runs:
        n, cpu, idle = r["n"], r["cpu"], r["idle"]
        machine = cpu.get("machine_busy_s", 0) / n
        tree = cpu.get("server_tree_s", 0) / n
        wall = cpu.get("wall_s") or 1
        idle_cores = idle.get("machine_busy_s", 0) / (idle.get("wall_s") or 1)
        clean = (r["send_p95_max_ms"] is not None and r["send_p95_max_ms"] < target_ms
                 and r["completed"] == n and r["media_lines"] == n)
        print(f"| {n} | {r['completed']}/{n} | {fmt(r['send_p95_median_ms'])} / {fmt(r['send_p95_max_ms'])} | "
              f"{fmt(r['receive_jitter_median_ms'])} | {fmt(r['packets_sent_median'], 0)} / {fmt(r['packets_sent_min'], 0)} | "
              f"{fmt(cpu.get('server_s', 0) / n)} | {fmt(tree)} ({fmt(tree / base_tree if base_tree else None)}) | {fmt(machine)} | "
              f"{fmt(machine / base_machine if base_machine else None)} | "
              f"{fmt(cpu.get('server_tree_s', 0) / wall)} + {fmt((cpu.get('machine_busy_s', 0) - cpu.get('server_tree_s', 0)) / wall)} "
              f"({fmt(idle_cores)}) | {'yes' if clean else 'NO'} |")
    print("\nCPU seconds per call by process (live descendants sampled every 0.5 s; "
          "\"other\" = reaped children not caught by a sample, mostly short espeak-ng runs):\n")
    print("| N | window s | switchyard | pocketsphinx_continuous | espeak-ng (sampled) | other | peak live pocketsphinx | statuses | SIPp exit |")
    print("| " + " | ".join(["---"] * 9) + " |")
    for r in runs:
        n, cpu = r["n"], r["cpu"]
        by = cpu.get("by_command", {})
        ps = by.get("pocketsphinx_co", 0) + by.get("pocketsphinx_continuous", 0)
        es = by.get("espeak-ng", 0)
        sampled = sum(by.values())
        other = cpu.get("server_tree_s", 0) - cpu.get("server_s", 0) - sampled
        peak = cpu.get("peak_processes", {})
        peak_ps = max([v for k, v in peak.items() if k.startswith("pocketsphinx")] or [0])
        print(f"| {n} | {fmt(cpu.get('wall_s'), 1)} | {fmt(cpu.get('server_s', 0) / n)} | {fmt(ps / n)} | {fmt(es / n)} | "
              f"{fmt(max(other, 0) / n)} | {peak_ps} | {', '.join(f'{k} {v}' for k, v in r['statuses'].items())} | {r['sipp_rc']} |")


if __name__ == "__main__":
    if sys.argv[1] == "run":
        print(json.dumps(run(sys.argv[2], int(sys.argv[3]), int(sys.argv[4])), indent=1))
    else:
        table(float(sys.argv[2]), sys.argv[3:])
