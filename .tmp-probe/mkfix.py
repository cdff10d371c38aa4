import os, shutil, sys
BASE = "test/fixtures/config-valid"
OUT = "test/fixtures/config-broken"

def case(name, edits=(), remove=(), write=None, no_base=False, dir_txt=None):
    d = os.path.join(OUT, name)
    if os.path.exists(d): shutil.rmtree(d)
    if no_base: os.makedirs(d)
    else: shutil.copytree(BASE, d)
    for f in remove:
        p = os.path.join(d, f)
        shutil.rmtree(p) if os.path.isdir(p) else os.remove(p)
    for f, old, new in edits:
        p = os.path.join(d, f)
        s = open(p).read()
        assert s.count(old) == 1, (name, f, old, s.count(old))
        open(p, "w").write(s.replace(old, new))
    for f, text in (write or {}).items():
        p = os.path.join(d, f)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        open(p, "w").write(text)
    if dir_txt: open(os.path.join(d, "dir.txt"), "w").write(dir_txt + "\n")

F, H, D, L = "tags/feed.yaml", "tags/htr.yaml", "devices.yaml", "line.yaml"
SPEED = "{ name: feed.web_speed, station: feed, device: line-plc, modbus: { table: input, address: 0 }"
LEVEL = "modbus: { table: input, address: 2 }, type: uint16"

case("yaml-syntax", [(F, "range: { min: 0, max: 20 }, updateMs: 50 }", "range: { min: 0, max: 20 }, updateMs: 50")])
case("unknown-key", [(D, "    port: 5020\n", "    port: 5020\n    retries: 3\n")])
case("duplicate-tag", [(H, "  - { name: htr-plc.heartbeat,", '  - { name: feed.web_speed, station: feed, device: htr-plc, nodeId: "ns=1;s=Feed.WebSpeed", type: float64, quantity: speed, units: m/min, updateMs: 50 }\n  - { name: htr-plc.heartbeat,')])
case("unknown-device", [(F, "{ name: feed.hopper_level, station: feed, device: line-plc,", "{ name: feed.hopper_level, station: feed, device: line-plc-2,")])
case("unknown-station", [(H, "{ name: htr.door_closed, station: htr,", "{ name: htr.door_closed, station: heater,")])
case("modbus-overlap", [(F, LEVEL, "modbus: { table: input, address: 1 }, type: uint16")])
case("modbus-out-of-range", [(F, "modbus: { table: coil, address: 0 }", "modbus: { table: coil, address: 70000 }")])
case("scaling-zero-span", [(F, "scaling: { rawMin: 0, rawMax: 10000, engMin: 0, engMax: 100 }", "scaling: { rawMin: 0, rawMax: 10000, engMin: 50, engMax: 50 }")])
case("units-mismatch", [(H, "type: float64, quantity: temperature, units: K, range: { min: 250, max: 2000 }", "type: float64, quantity: temperature, units: °C, range: { min: 250, max: 2000 }")])
case("32-bit-on-16-bit", [(F, "modbus: { table: holding, address: 0 }, type: float32", "modbus: { table: holding, address: 65535 }, type: float32")])
case("32-bit-on-coil", [(F, "modbus: { table: coil, address: 0 }, type: bool, quantity: state, units: \"\"", "modbus: { table: coil, address: 0 }, type: float32, quantity: speed, units: m/min")])
case("missing-required-field", [(F, "quantity: level, units: \"%\", updateMs: 200 }", "quantity: level, updateMs: 200 }")])
case("missing-nodeid", [(H, ' nodeId: "ns=1;s=HTR.PeakSp",', "")])
case("word-order-16-bit", [(F, LEVEL, "modbus: { table: input, address: 2, wordOrder: CDAB }, type: uint16")])
case("heartbeat-unknown", [(D, "heartbeatTag: line-plc.heartbeat", "heartbeatTag: line-plc.heartbeet")])
case("read-only-writable", [(F, "units: m/min, range: { min: 0, max: 20 }, updateMs: 50 }", "units: m/min, range: { min: 0, max: 20 }, updateMs: 50, writable: true }")])
case("duplicate-device", [(D, "    heartbeatTag: line-plc.heartbeat\n", "    heartbeatTag: line-plc.heartbeat\n  - id: line-plc\n    protocol: modbus-tcp\n    host: 127.0.0.2\n    port: 502\n    heartbeatTag: line-plc.heartbeat\n")])
case("dir-missing", no_base=True, dir_txt="no-such-config-dir")
case("devices-file-missing", remove=[D])
case("tags-dir-missing", remove=["tags"])
case("yaml-duplicate-key", [(D, "    port: 5020\n", "    port: 5020\n    port: 502\n")])
case("unknown-protocol", [(D, "protocol: modbus-tcp", "protocol: modbus-udp")])
case("invalid-enum", [(F, "type: uint16, scaling", "type: word, scaling")])
case("tag-file-not-mapping", [(F, "tags:\n  - { name: feed.web_speed", "  - { name: feed.web_speed")])
case("tag-file-empty", write={"tags/spare.yaml": ""})
case("heartbeat-other-device", [(D, "heartbeatTag: htr-plc.heartbeat", "heartbeatTag: line-plc.heartbeat")])
# several problems in several files, none hiding another
case("several-problems", [
    (L, "    from: 1.0\n    to: 1.3\n", "    from: 1.3\n    to: 1.0\n"),
    (D, "heartbeatTag: htr-plc.heartbeat", "heartbeatTag: htr-plc.heartbeet"),
    (F, "quantity: level, units: \"%\", updateMs: 200 }", "quantity: level, units: \"%\" }"),
    (F, "modbus: { table: discrete, address: 0 }", "modbus: { table: coil, address: 0 }"),
    (H, "type: float64, quantity: temperature, units: K, range: { min: 250, max: 2000 }", "type: float64, quantity: temperature, units: degC, range: { min: 250, max: 2000 }"),
    (H, "{ name: htr.door_closed, station: htr,", "{ name: htr.door_closed, station: heater,"),
])
# one unreadable or invalid file of each kind at once: all reported, and nothing echoed from them
case("several-broken-files", [
    (L, "  webWidth: 0.3\n", ""),
    (D, "protocol: opcua", "protocol: profinet"),
    (F, "range: { min: 0, max: 20 }, updateMs: 50 }", "range: { min: 0, max: 20 }, updateMs: 50"),
], write={"tags/spare.yaml": "# nothing here yet\n"})
