#!/usr/bin/env python3
# Helper of bench/compare.sh: the fast SMTP sender and the measurements that
# are awkward in bash. swaks costs ~100 ms per message and smtp-source cannot
# stamp each message with its submission time, which the latency figure needs.
#
#   mailbench.py send IP:PORT FROM TO COUNT CONCURRENCY KIND SIZE
#       KIND text: a SIZE-byte text body; attach: a MIME message with a SIZE-byte
#       random binary attachment, base64-encoded (as a mail client submits it).
#       Every message carries X-Bench-Sent (ns since the epoch, at submission).
#       Prints "sent N bytes B seconds S start T" (T: ns since the epoch when
#       the first connection was opened, after the body was made).
#   mailbench.py latency MAILDIR      p50/p99 of Maildir mtime - X-Bench-Sent, in ms
#   mailbench.py watch FILE IP:PORT   until killed, poll `ss` for TCP connections
#       to IP:PORT and write the bytes they carried (both directions) to FILE;
#       a connection already open at the first poll counts from there
#   mailbench.py cpu PID...           utime+stime+cutime+cstime of the PIDs, in seconds
import base64
import os
import signal
import smtplib
import subprocess
import sys
import threading
import time

CLK = os.sysconf("SC_CLK_TCK")


def body_for(kind, size):
    if kind == "text":
        line = b"The quick brown fox jumps over the lazy dog; 0123456789 abcdefghijklmnopq\r\n"
        body = (line * (size // len(line) + 1))[:size]
        return b"Content-Type: text/plain; charset=us-ascii\r\n\r\n" + body
    blob = base64.encodebytes(os.urandom(size)).replace(b"\n", b"\r\n")
    return (b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"bb\"\r\n\r\n"
            b"--bb\r\nContent-Type: text/plain\r\n\r\nattached\r\n"
            b"--bb\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Transfer-Encoding: base64\r\n"
            b"Content-Disposition: attachment; filename=\"blob.bin\"\r\n\r\n"
            + blob + b"--bb--\r\n")


def send(server, mfrom, rcpt, count, conc, kind, size):
    host, port = server.rsplit(":", 1)
    body = body_for(kind, size)
    lock = threading.Lock()
    state = {"next": 0, "sent": 0, "bytes": 0, "errors": []}

    def worker():
        try:
            s = smtplib.SMTP(host, int(port), local_hostname="client.bench", timeout=300)
            s.ehlo()
        except Exception as e:  # noqa: BLE001 - reported, counted as failure
            with lock:
                state["errors"].append(str(e))
            return
        while True:
            with lock:
                i = state["next"]
                if i >= count:
                    break
                state["next"] = i + 1
            head = (f"From: <{mfrom}>\r\nTo: <{rcpt}>\r\nSubject: bench {i}\r\n"
                    f"Message-ID: <bench.{os.getpid()}.{i}@client.bench>\r\n"
                    f"X-Bench-Sent: {time.time_ns()}\r\n").encode()
            msg = head + body
            try:
                s.sendmail(mfrom, [rcpt], msg)
            except Exception as e:  # noqa: BLE001
                with lock:
                    state["errors"].append(str(e))
                break
            with lock:
                state["sent"] += 1
                state["bytes"] += len(msg)
        try:
            s.quit()
        except Exception:  # noqa: BLE001
            pass

    # The clock of the figures starts here, once the body exists: making
    # 10 MiB of random base64 and starting Python took seconds on a loaded
    # machine, time that belongs to neither mail path.
    start_ns = time.time_ns()
    t0 = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(conc)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e in state["errors"][:3]:
        print("send error:", e, file=sys.stderr)
    print(f"sent {state['sent']} bytes {state['bytes']} seconds {time.monotonic() - t0:.3f} start {start_ns}")
    return 0 if state["sent"] == count else 1


def latency(maildir):
    lat = []
    newest = 0
    for sub in ("new", "cur"):
        d = os.path.join(maildir, sub)
        for name in os.listdir(d) if os.path.isdir(d) else []:
            p = os.path.join(d, name)
            st = os.stat(p)
            with open(p, "rb") as f:
                head = f.read(16384)
            for line in head.split(b"\n"):
                if line.startswith(b"X-Bench-Sent:"):
                    lat.append((st.st_mtime_ns - int(line.split(b":")[1])) / 1e6)
                    newest = max(newest, st.st_mtime_ns)
                    break
    lat.sort()
    if not lat:
        print("n 0 p50 0 p99 0 last 0")
        return 1
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]  # noqa: E731
    print(f"n {len(lat)} p50 {p(0.50):.1f} p99 {p(0.99):.1f} last {newest}")
    return 0


def watch(out, dst):
    ip, port = dst.rsplit(":", 1)
    seen = {}
    base = {}  # what the connections open at the first poll had carried before
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))

    def flush():
        sent = sum(a - base.get(k, (0, 0))[0] for k, (a, _) in seen.items())
        recv = sum(b - base.get(k, (0, 0))[1] for k, (_, b) in seen.items())
        with open(out + ".tmp", "w") as f:
            f.write(f"{sent} {recv} {len(seen)}\n")
        os.replace(out + ".tmp", out)

    first = True
    while not stop:
        r = subprocess.run(["ss", "-Htin", "state", "all", "dst", f"{ip}:{port}"],
                           capture_output=True, text=True, check=False)
        key = None
        for line in r.stdout.splitlines():
            if not line.startswith((" ", "\t")):
                f = line.split()
                key = (f[-2], f[-1]) if len(f) >= 2 else None
                continue
            sent = recv = 0
            for tok in line.split():
                if tok.startswith("bytes_sent:"):
                    sent = int(tok.split(":")[1])
                elif tok.startswith("bytes_received:"):
                    recv = int(tok.split(":")[1])
            if key:
                old = seen.get(key, (0, 0))
                seen[key] = (max(old[0], sent), max(old[1], recv))
                if first:
                    base[key] = seen[key]
        first = False
        flush()  # the first one tells compare.sh that the baseline is taken
        time.sleep(0.05)
    flush()
    return 0


def cpu(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
        except OSError:
            pass
    print(f"{total / CLK:.2f}")
    return 0


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "send" and len(argv) == 9:
        return send(argv[2], argv[3], argv[4], int(argv[5]), int(argv[6]), argv[7], int(argv[8]))
    if cmd == "latency" and len(argv) == 3:
        return latency(argv[2])
    if cmd == "watch" and len(argv) == 4:
        return watch(argv[2], argv[3])
    if cmd == "cpu":
        return cpu(argv[2:])
    print(__doc__ if False else "usage: see the top of mailbench.py", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
