#!/usr/bin/env python3
"""One run of the live-updates benchmark (bench/sse.sh): opens N `/events` streams of
one signed-in session, dials CALLS calls through the API, waits until every stream has
seen every call's final status, and prints one JSON line: the server's CPU time over the
run (from /proc/<pid>/stat), the changes published, the events received.

    python3 bench/sse.py --base http://127.0.0.1:8080 --key sy_... --number ID \
        --pid 1234 --streams 100 --calls 20
"""

import argparse
import asyncio
import http.client
import json
import os
import re
import time
import urllib.parse


def cpu_secs(pid):
    """utime + stime of the process, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sign_in(host, port, key):
    """A session cookie, through the sign-in form (with its double-submit token)."""
    conn = http.client.HTTPConnection(host, port)
    conn.request("GET", "/signin")
    response = conn.getresponse()
    page = response.read().decode()
    signin_cookie = response.getheader("set-cookie").split(";")[0]
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"key": key, "token": token, "next": "/"})
    conn.request("POST", "/signin", body, {
        "content-type": "application/x-www-form-urlencoded",
        "cookie": signin_cookie,
    })
    response = conn.getresponse()
    response.read()
    for name, value in response.getheaders():
        if name.lower() == "set-cookie" and value.startswith("sy_session="):
            return value.split(";")[0]
    raise SystemExit(f"sign-in failed: {response.status}")


def dial(host, port, key, number, calls):
    conn = http.client.HTTPConnection(host, port)
    for i in range(calls):
        body = json.dumps({"number_id": number, "phone_number": f"+1415556{i:04d}"})
        conn.request("POST", "/api/v1/dial/outbound", body, {
            "authorization": f"Bearer {key}", "content-type": "application/json"})
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"dial failed: {response.status}")


class Stream:
    def __init__(self):
        self.events = 0
        self.finals = 0
        self.resyncs = 0

    async def run(self, host, port, cookie, opened, stop):
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(f"GET /events HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\n"
                     "Accept: text/event-stream\r\n\r\n".encode())
        await writer.drain()
        status = await reader.readline()
        if b" 200 " not in status:
            raise SystemExit(f"stream refused: {status!r}")
        while (await reader.readline()) not in (b"\r\n", b""):
            pass
        opened.release()
        # The body is chunked: chunk-size lines are read and ignored like any other line.
        while not stop.is_set():
            line = await reader.readline()
            if not line:
                break
            if line.startswith(b"event: "):
                self.events += 1
                if line.startswith(b"event: resync"):
                    self.resyncs += 1
            elif line.startswith(b"data: ") and b'"final":true' in line:
                self.finals += 1
        writer.close()


async def main():
    args = argparse.ArgumentParser()
    args.add_argument("--base", required=True)
    args.add_argument("--key", required=True)
    args.add_argument("--number", required=True)
    args.add_argument("--pid", type=int, required=True)
    args.add_argument("--streams", type=int, required=True)
    args.add_argument("--calls", type=int, required=True)
    args.add_argument("--timeout", type=float, default=600)
    a = args.parse_args()
    url = urllib.parse.urlparse(a.base)
    host, port = url.hostname, url.port
    cookie = sign_in(host, port, a.key)

    opened = asyncio.Semaphore(0)
    stop = asyncio.Event()
    streams = [Stream() for _ in range(a.streams)]
    tasks = [asyncio.create_task(s.run(host, port, cookie, opened, stop)) for s in streams]
    for _ in streams:
        await opened.acquire()

    cpu_before, started = cpu_secs(a.pid), time.monotonic()
    await asyncio.to_thread(dial, host, port, a.key, a.number, a.calls)
    # Until every stream has seen every final status (or was told to resync: reported).
    while any(s.finals < a.calls and not s.resyncs for s in streams):
        if time.monotonic() - started > a.timeout:
            raise SystemExit("timed out waiting for the calls to end")
        await asyncio.sleep(0.05)
    cpu_after, wall = cpu_secs(a.pid), time.monotonic() - started
    stop.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)

    changes = streams[0].events
    print(json.dumps({
        "streams": a.streams,
        "calls": a.calls,
        "changes": changes,
        "events_received": sum(s.events for s in streams),
        "resyncs": sum(s.resyncs for s in streams),
        "server_cpu_ms": round((cpu_after - cpu_before) * 1000, 1),
        "server_cpu_us_per_change": round((cpu_after - cpu_before) * 1e6 / max(changes, 1), 1),
        "wall_s": round(wall, 2),
    }))


asyncio.run(main())
