#!/usr/bin/env python3
"""CPU meter of bench/sip.sh: python3 cpu.py SERVER_PID OUT.json

Runs until SIGTERM, then writes OUT.json with, over its lifetime:
  wall_s            seconds measured
  machine_busy_s    the whole machine's busy CPU seconds (/proc/stat: all but idle and iowait)
  server_s          the server process itself (utime + stime)
  server_tree_s     the server and its reaped children (+ cutime + cstime): espeak-ng,
                    pocketsphinx_continuous, ... once they have exited and been waited for
  by_command        CPU seconds of the server's live descendants, by command name, sampled
                    every INTERVAL seconds (a process shorter than that is mostly missed;
                    server_tree_s counts it once reaped)
  peak_processes    the most descendants alive at once, by command name
Stdlib only."""
import json, os, signal, sys, time

INTERVAL = 0.5
TICK = os.sysconf("SC_CLK_TCK")
server, out = int(sys.argv[1]), sys.argv[2]


def stat(pid):
    """(comm, ppid, utime+stime, cutime+cstime) in ticks, or None when gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    comm = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    # fields[0] is state (field 3); utime is field 14, stime 15, cutime 16, cstime 17.
    return comm, int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])


def machine_busy():
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal (guest is inside user)
    return sum(values[:8]) - values[3] - values[4]


def descendants():
    procs = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            s = stat(int(name))
            if s:
                procs[int(name)] = s
    children = {}
    for pid, (_, ppid, _, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = {}, list(children.get(server, []))
    while todo:
        pid = todo.pop()
        found[pid] = procs[pid]
        todo.extend(children.get(pid, []))
    return found


stop = False


def on_term(*_):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)
signal.signal(signal.SIGINT, on_term)

start_wall, start_busy, start_server = time.monotonic(), machine_busy(), stat(server)
first, last, comm_of = {}, {}, {}
for pid, (comm, _, ticks, _) in descendants().items():
    first[pid] = last[pid] = ticks
    comm_of[pid] = comm
peak = {}
end_server = start_server
while not stop:
    time.sleep(INTERVAL)
    now = descendants()
    counts = {}
    for pid, (comm, _, ticks, _) in now.items():
        if pid not in comm_of:
            first[pid] = 0  # born during the window: all of its CPU is in it
        comm_of[pid] = comm  # the name after exec
        last[pid] = ticks
        counts[comm] = counts.get(comm, 0) + 1
    for comm, n in counts.items():
        peak[comm] = max(peak.get(comm, 0), n)
    end_server = stat(server) or end_server
end_server = stat(server) or end_server
end_busy, end_wall = machine_busy(), time.monotonic()

by_command = {}
for pid, comm in comm_of.items():
    by_command[comm] = by_command.get(comm, 0) + (last[pid] - first[pid]) / TICK
result = {
    "wall_s": end_wall - start_wall,
    "machine_busy_s": (end_busy - start_busy) / TICK,
    "cores": os.cpu_count(),
    "server_s": (end_server[2] - start_server[2]) / TICK,
    "server_tree_s": (end_server[2] + end_server[3] - start_server[2] - start_server[3]) / TICK,
    "by_command": {k: round(v, 2) for k, v in sorted(by_command.items())},
    "peak_processes": peak,
}
with open(out, "w") as f:
    json.dump(result, f, indent=1)
