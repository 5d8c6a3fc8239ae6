#!/usr/bin/env python3
"""The broker's own ceiling: how many QoS 0 readings a second mosquitto forwards on this machine
to one subscriber that costs (almost) nothing.

`make load` measures the bridge behind a real mosquitto on the same two cores; its 80k step can
only be kept up if the broker itself carries 80,000 messages a second. This measures the broker
alone, the same way the load campaign drives it:

- the broker is configured as the campaign's (`set_tcp_nodelay true`, no queue or in-flight
  limits, no persistence), on a free 127.0.0.1 port;
- one publisher connection writes each 5 ms slice of readings (QoS 0 PUBLISH packets of 1,000
  vehicles' energy topics, in turn) with one send(), as the campaign's batch publisher does;
- the subscriber is one of: `raw` (an MQTT 3.1.1 connection read with one large recv() per
  wake-up and a 0.5 ms pause after each read that found bytes, as the bridge's network thread
  does, and no parsing), `mqttv311` or `mqttv5` (`mosquitto_sub` on libmosquitto, writing to a
  pipe that is drained).

Per rate, 3 s of readings are sent; the figure is when the subscriber had every byte. One JSON
line per rate and subscriber. Environment: CEILING_RATES (default 60000,80000,100000,120000),
CEILING_SUBSCRIBERS (default raw,mqttv5), CEILING_SECONDS (default 3).
"""
import json, os, socket, struct, subprocess, sys, tempfile, threading, time

VEHICLES = 1000
SLICE_S = 0.005


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def remaining_length(n):
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (128 if n else 0))
        if not n:
            return bytes(out)


def utf8_field(b):
    return struct.pack(">H", len(b)) + b


def mqtt_connect(port, client_id):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    variable = utf8_field(b"MQTT") + bytes([4, 2]) + struct.pack(">H", 60) + utf8_field(client_id.encode())
    s.sendall(bytes([0x10]) + remaining_length(len(variable)) + variable)
    connack = s.recv(4)
    if connack[:2] != b"\x20\x02" or connack[3] != 0:
        sys.exit(f"broker refused the connection of {client_id}: {connack!r}")
    return s


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_subscriber(kind, port, received):
    """Starts a reader that adds the bytes it gets to received[0]; returns (process or None, bytes per message fn)."""
    if kind == "raw":
        sub = mqtt_connect(port, "ceiling-sub")
        body = struct.pack(">H", 1) + utf8_field(b"load/+/energy") + bytes([0])
        sub.sendall(bytes([0x82]) + remaining_length(len(body)) + body)
        if sub.recv(5)[:1] != b"\x90":
            sys.exit("no SUBACK")

        def reader():
            while True:
                chunk = sub.recv(1 << 20)
                if not chunk:
                    return
                received[0] += len(chunk)
                time.sleep(0.0005)

        threading.Thread(target=reader, daemon=True).start()
        return None, lambda packet, payload: len(packet)
    process = subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-V", kind,
                                "-t", "load/+/energy"], stdout=subprocess.PIPE)

    def drain():
        while True:
            chunk = process.stdout.read1(1 << 20)
            if not chunk:
                return
            received[0] += len(chunk)

    threading.Thread(target=drain, daemon=True).start()
    return process, lambda packet, payload: len(payload) + 1  # one line per message


def measure(kind, rates, seconds):
    directory = tempfile.mkdtemp(prefix="cb-ceiling-")
    port = free_port()
    config = os.path.join(directory, "mosquitto.conf")
    with open(config, "w") as f:
        f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nuser root\n"
                "set_tcp_nodelay true\nmax_queued_messages 0\nmax_inflight_messages 0\nlog_type error\n")
    broker = subprocess.Popen(["mosquitto", "-c", config], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                break
            except OSError:
                time.sleep(0.05)
        received = [0]
        process, counted = start_subscriber(kind, port, received)
        time.sleep(1.0)  # mosquitto_sub connected and subscribed
        publisher = mqtt_connect(port, "ceiling-pub")
        for rate in rates:
            per_slice = max(1, round(rate * SLICE_S))
            packets = []
            for v in range(VEHICLES):
                payload = repr(1000.0 + rate / 1000 + v / 10).encode()
                body = utf8_field(f"load/car{v + 1}/energy".encode()) + payload
                packet = bytes([0x30]) + remaining_length(len(body)) + body
                packets.append((packet, counted(packet, payload)))
            slices = round(seconds / SLICE_S)
            before, expected, index = received[0], 0, 0
            cpu_before, start = cpu_seconds(broker.pid), time.monotonic()
            for k in range(slices):
                batch = bytearray()
                for _ in range(per_slice):
                    packet, size = packets[index % VEHICLES]
                    index += 1
                    batch += packet
                    expected += size
                publisher.sendall(batch)
                delay = start + (k + 1) * SLICE_S - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            sent_s = time.monotonic() - start
            while received[0] - before < expected and time.monotonic() - start < seconds + 30:
                time.sleep(0.002)
            done_s = time.monotonic() - start
            broker_cpu = cpu_seconds(broker.pid) - cpu_before
            messages = per_slice * slices
            print(json.dumps({
                "bench": f"broker.ceiling.{kind}", "rate": rate,
                "sent_per_s": round(messages / sent_s), "delivered_per_s": round(messages / done_s),
                "lag_s": round(done_s - sent_s, 3), "complete": received[0] - before >= expected,
                "broker_cpu_ms_per_1k": round(1000 * broker_cpu / (messages / 1000), 2),
                "broker_cores": round(broker_cpu / done_s, 2),
                "load_avg_1min": os.getloadavg()[0],
            }), flush=True)
            time.sleep(1.5)
        publisher.close()
        if process:
            process.kill()
    finally:
        broker.kill()
        broker.wait()


def main():
    rates = [int(x) for x in (os.environ.get("CEILING_RATES") or "60000,80000,100000,120000").split(",")]
    kinds = (os.environ.get("CEILING_SUBSCRIBERS") or "raw,mqttv5").split(",")
    seconds = float(os.environ.get("CEILING_SECONDS") or "3")
    for kind in kinds:
        if kind not in ("raw", "mqttv311", "mqttv5"):
            sys.exit(f"CEILING_SUBSCRIBERS: unknown subscriber '{kind}' (raw, mqttv311 or mqttv5)")
        measure(kind, rates, seconds)


main()
