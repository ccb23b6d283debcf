#!/usr/bin/python3
"""The boot test's agent inside the virtual machine (tests/image/vm_boot.sh).

A command's "id", if any, comes back in its answer.
Starts before the kiosk, makes a USB-keyboard-like device through uinput (what a keyboard-wedge
barcode scanner is), tells systemd it is ready, then answers the host's commands on the
virtio-serial port cate.ctl: one JSON object a line each way.

  {"cmd": "run", "argv": [...], "timeout": S}      -> {"rc": N, "out": "..."}
  {"cmd": "type", "text": "CATE1-...", "gap_ms": 3}  types it and Enter, as a scanner does
  {"cmd": "kiosk"}                                  -> the service's state and timings
  {"cmd": "frames", "since": OFFSET}                -> the kiosk's frame text log from OFFSET
  {"cmd": "last_frame"}                             -> the last frame written, and the log's size
  {"cmd": "cpu", "pid": N, "seconds": S}            -> CPU time used over S seconds
Not part of the device image: only the test's virtual machine has it.
"""
import json
import os
import socket
import subprocess
import sys
import time

import evdev
from evdev import ecodes as e

PORT = "/dev/virtio-ports/cate.ctl"
FRAMES = "/var/lib/cate-kiosk/ui-frames.log"

KEYS = {c: (getattr(e, "KEY_" + c.upper()), c.isupper()) for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"}
KEYS.update({d: (getattr(e, "KEY_" + d), False) for d in "0123456789"})
KEYS.update({"-": (e.KEY_MINUS, False), "_": (e.KEY_MINUS, True), "=": (e.KEY_EQUAL, False),
             "+": (e.KEY_EQUAL, True), ".": (e.KEY_DOT, False), ":": (e.KEY_SEMICOLON, True),
             "/": (e.KEY_SLASH, False), " ": (e.KEY_SPACE, False)})


def notify(message):
    where = os.environ.get("NOTIFY_SOCKET")
    if not where:
        return
    if where.startswith("@"):
        where = "\0" + where[1:]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.sendto(message.encode(), where)
    s.close()


def last_frame_tail():
    """The end of the kiosk's frame text log (its last frames, the newest last), and the log's size."""
    with open(FRAMES, "rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - 65536))
        return f.read().decode("utf-8", "replace"), size


def last_frame_head():
    """The header line of the last frame the kiosk drew ("=== frame N screen=... keys=K ...")."""
    tail, _ = last_frame_tail()
    return tail[tail.rfind("=== frame "):].split("\n", 1)[0]


def keys_now():
    """How many keys the kiosk's last drawn frame says it has been handed since it started (its
    frame log's keys=), or -1."""
    try:
        return int(next(w[5:] for w in last_frame_head().split() if w.startswith("keys=")))
    except (OSError, StopIteration, ValueError):
        return -1


def type_text(ui, text, gap_ms, chunk=0):
    """Types `text` and Enter as a wedge scanner does, `gap_ms` between keys. With `chunk`, waits
    after every `chunk` characters until a frame the kiosk drew counts them among the keys it
    was handed (keys=; at most 30 s): a slow virtual machine draws a frame a second and reads
    no input while it draws, and a keyboard's event buffer in the kernel (64 events) overflows
    if a whole code arrives meanwhile. (What the screen shows is no measure: a result on screen
    counts as text too.)"""
    gap = gap_ms / 1000.0
    stalls = []
    keys0 = keys_now()
    for i, ch in enumerate(text):
        if chunk and i and i % chunk == 0 and keys0 >= 0:
            deadline = time.monotonic() + 30
            while keys_now() < keys0 + i and time.monotonic() < deadline:
                time.sleep(0.05)
            if keys_now() < keys0 + i:
                stalls.append(stall_report(keys0, i))
        code, shift = KEYS[ch]
        if shift:
            ui.write(e.EV_KEY, e.KEY_LEFTSHIFT, 1)
        ui.write(e.EV_KEY, code, 1)
        ui.syn()
        ui.write(e.EV_KEY, code, 0)
        if shift:
            ui.write(e.EV_KEY, e.KEY_LEFTSHIFT, 0)
        ui.syn()
        time.sleep(gap)
    ui.write(e.EV_KEY, e.KEY_ENTER, 1)
    ui.syn()
    ui.write(e.EV_KEY, e.KEY_ENTER, 0)
    ui.syn()
    return stalls


def stall_report(keys0, typed_so_far):
    """What the machine looked like when the kiosk had not drawn the characters typed: the last
    frame's header, which input devices the kiosk has open, the input devices, the kiosk's log."""
    def sh(cmd):
        try:
            return subprocess.run(["sh", "-c", cmd], capture_output=True, text=True, timeout=20).stdout[-3000:]
        except subprocess.TimeoutExpired:
            return "timed out"
    try:
        head = last_frame_head()
    except OSError as err:
        head = str(err)
    return {"keys_before": keys0, "typed_so_far": typed_so_far, "last_frame": head,
            "kiosk_inputs": sh("pid=$(systemctl show -p MainPID --value cate-kiosk); ls -l /proc/$pid/fd | grep -E 'input|tty'"),
            "devices": sh("grep -E '^(N|H):' /proc/bus/input/devices"),
            "journal": sh("journalctl -b -u cate-kiosk --no-pager -o short-monotonic -n 30"),
            "kernel": sh("dmesg | tail -n 20")}


def kiosk_state():
    props = ["ActiveState", "SubState", "ExecMainPID", "NRestarts", "ActiveEnterTimestampMonotonic",
             "ExecMainStartTimestampMonotonic", "MemoryCurrent", "CPUUsageNSec", "StatusText"]
    out = subprocess.run(["systemctl", "show", "cate-kiosk.service", "-p", ",".join(props)],
                         capture_output=True, text=True).stdout
    state = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    with open("/proc/uptime") as f:
        state["uptime"] = float(f.read().split()[0])
    return state


def frame_count():
    try:
        with open(FRAMES, "rb") as f:
            return f.read().count(b"=== frame ")
    except OSError:
        return 0


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def answer(cmd, ui):
    what = cmd.get("cmd")
    if what == "run":
        try:
            p = subprocess.run(cmd["argv"], capture_output=True, text=True, timeout=cmd.get("timeout", 60))
            return {"rc": p.returncode, "out": p.stdout + p.stderr}
        except subprocess.TimeoutExpired:
            return {"rc": -1, "out": "timed out"}
        except OSError as err:
            return {"rc": -2, "out": str(err)}
    if what == "type":
        stalls = type_text(ui, cmd["text"], cmd.get("gap_ms", 3), cmd.get("chunk", 0))
        return {"ok": True, "stalls": stalls}
    if what == "kiosk":
        return kiosk_state()
    if what == "frames":
        try:
            with open(FRAMES, "rb") as f:
                f.seek(cmd.get("since", 0))
                data = f.read(cmd.get("max", 1 << 20))
                return {"text": data.decode("utf-8", "replace"), "next": f.tell()}
        except OSError as err:
            return {"text": "", "next": cmd.get("since", 0), "error": str(err)}
    if what == "last_frame":
        try:
            tail, size = last_frame_tail()
            i = tail.rfind("=== frame ")
            return {"frame": tail[i:] if i >= 0 else "", "size": size}
        except OSError as err:
            return {"frame": "", "size": 0, "error": str(err)}
    if what == "cpu":
        pid = int(cmd["pid"])
        frames0 = frame_count()
        before, t0 = cpu_seconds(pid), time.monotonic()
        time.sleep(cmd.get("seconds", 10))
        after, t1 = cpu_seconds(pid), time.monotonic()
        with open(f"/proc/{pid}/status") as f:
            rss = next((l.split()[1] for l in f if l.startswith("VmRSS:")), "0")
        return {"cpu_seconds": after - before, "wall_seconds": t1 - t0, "rss_kb": int(rss),
                "frames": frame_count() - frames0}
    return {"error": "unknown command " + str(what)}


def main():
    caps = {e.EV_KEY: sorted({code for code, _ in KEYS.values()} | {e.KEY_LEFTSHIFT, e.KEY_ENTER})}
    # Looks like a USB barcode scanner in keyboard mode.
    ui = evdev.UInput(caps, name="CATE test wedge scanner", vendor=0x0c2e, product=0x0b61, bustype=e.BUS_USB)
    notify("READY=1")
    for _ in range(600):
        if os.path.exists(PORT):
            break
        time.sleep(0.1)
    port = open(PORT, "r+b", buffering=0)
    print("agent: listening on", PORT, file=sys.stderr, flush=True)
    buf = b""
    while True:
        chunk = port.read(4096)
        if not chunk:
            time.sleep(0.05)  # no host on the other end yet
            continue
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            if not line.strip():
                continue
            cmd = {}
            try:
                cmd = json.loads(line)
                reply = answer(cmd, ui)
            except Exception as err:  # a broken command must not end the agent
                reply = {"error": repr(err)}
            if isinstance(cmd, dict) and "id" in cmd:
                reply["id"] = cmd["id"]  # the host matches answers to questions
            data = (json.dumps(reply) + "\n").encode()
            while data:  # the port takes a long answer in parts
                n = port.write(data)
                data = data[n or 0:]
                if not n:
                    time.sleep(0.01)


if __name__ == "__main__":
    main()
