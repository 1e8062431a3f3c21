#!/usr/bin/env python3
"""Write the seed corpora of the structured fuzz targets (tests/fuzz/corpus/<target>/) from the API
answer fixtures (tests/data/api/) and representative inputs, in the input encodings the targets read
(see fuzz_support.hpp: u16 little-endian length before each string).

Usage: python3 tests/fuzz/make_seeds.py
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
EXAMPLES = os.path.join(ROOT, "tests", "data", "api")
KEY = "sk-FUZZ-7b1e-KEY"  # the key the flow and error targets configure


def b(x):
    return x.encode() if isinstance(x, str) else x


def s(x):
    x = b(x)
    return struct.pack("<H", len(x)) + x


def example(name):
    with open(os.path.join(EXAMPLES, name), "rb") as f:
        return f.read()


def write(target, seeds):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


# ---- fuzz_retry_after: one byte choosing `now` (0: 1970, 1: 1994, 2: 2026, 3: 2200), the value.
write("fuzz_retry_after", {
    "seconds": b"\x02120",
    "zero": b"\x020",
    "ows": b"\x02 \t 7 \t",
    "ms-fraction": b"\x001500.5",
    "imf-fixdate": b"\x02Sun, 06 Nov 2033 08:50:07 GMT",
    "imf-past": b"\x01Sun, 06 Nov 1994 08:49:37 GMT",
    "rfc850": b"\x01Sunday, 06-Nov-94 08:49:37 GMT",
    "asctime": b"\x01Sun Nov  6 08:49:37 1994",
    "leap-second": b"\x02Wed, 31 Dec 2036 23:59:60 GMT",
    "feb-29": b"\x02Tue, 29 Feb 2028 00:00:00 GMT",
    "huge": b"\x029223372036854775807",
    "garbage": b"\x02soon",
})

# ---- fuzz_url: base, a byte (segments in the low 4 bits mod 5, query pairs in the high bits mod 4),
# the segments, then name/value pairs.
def url_seed(base, segs, query=()):
    out = s(base) + bytes([len(segs) | (len(query) << 4)])
    for x in segs:
        out += s(x)
    for n, v in query:
        out += s(n) + s(v)
    return out


write("fuzz_url", {
    "job": url_seed("https://api.runpulse.com", ["job", "13e3e75f-a89a-4d33-a391-e1a17127ab38"]),
    "large-result": url_seed("https://api.runpulse.com/", ["large_results", "13e3e75f-a89a-4d33-a391-e1a17127ab38"]),
    "prefix": url_seed("https://proxy.example/pulse/", ["results", "j", "images", "page 1.png"]),
    "hostile-ids": url_seed("http://127.0.0.1:8080", ["job", "../x", "a/b", "%2F\x00?#"]),
    "dot-segment": url_seed("https://api.runpulse.com", ["job", ".."]),
    "query": url_seed("https://api.runpulse.com/v1?a=b", ["extract"], [("async", "true"), ("x&y", "1+2=3#")]),
    "bad-base": url_seed("https://api.runpulse.com#frag", ["job", "j"]),
})

# ---- fuzz_origin: a byte choosing the API base (0..3, or >3: a base string follows), then the URL.
def origin_seed(pick, url, base=None):
    return bytes([pick]) + (s(base) if base is not None else b"") + b(url)


write("fuzz_origin", {
    "same": origin_seed(0, "https://api.runpulse.com/large_results/13e3e75f"),
    "case-port": origin_seed(0, "HTTPS://API.RUNPULSE.COM:443/x"),
    "userinfo-trick": origin_seed(0, "https://api.runpulse.com@evil.example/"),
    "suffix-trick": origin_seed(0, "https://api.runpulse.com.evil.example/"),
    "fragment-trick": origin_seed(0, "https://evil.example#@api.runpulse.com"),
    "backslash": origin_seed(0, "https://api.runpulse.com\\@evil.example/"),
    "other-port": origin_seed(1, "http://127.0.0.1:8081/pulse/x"),
    "ipv6": origin_seed(2, "https://[0:0:0:0:0:0:0:1]:8443/large_results/j"),
    "s3": origin_seed(0, "https://pulse-studio-api.s3.us-east-1.amazonaws.com/results/x?X-Amz-Signature=abc"),
    "trailing-dot": origin_seed(0, "https://api.runpulse.com./x"),
    "custom-base": origin_seed(9, "https://dev.api.runpulse.com:443/", base="https://dev.api.runpulse.com"),
})

# ---- fuzz_multipart: a shape byte (parts = low bits mod 6; bit 3+i marks part i a file part),
# then per part name, value or filename (and a content type for file parts), then a byte whose
# bit 0 picks build_with_boundary (a boundary string follows) or build() (generator words follow).
def mp_seed(parts, boundary=None, words=b""):
    shape = len(parts)
    body = b""
    for i, p in enumerate(parts):
        if len(p) == 3:
            shape |= 1 << (3 + i)
        for x in p:
            body += s(x)
    tail = (b"\x01" + s(boundary)) if boundary is not None else (b"\x00" + words)
    return bytes([shape]) + body + tail


opts = '{"altOutputs":{"returnHtml":true}}'
write("fuzz_multipart", {
    "extract": mp_seed([("async", "true"), ("extensions", opts), ("file", "report.pdf", "application/pdf")],
                       words=bytes(range(128))),
    "hostile-names": mp_seed([("a\"b\\c\r\n", "v\r\n--x"), ("file", "..\\x\x00\".pdf", "text/plain")],
                             boundary="x-y"),
    "collision": mp_seed([("f", "--pulse-cpp-AAAA")], boundary="AAAA"),
    "empty": mp_seed([], boundary="b"),
    "degenerate-generator": mp_seed([("f", "pulse-cpp-" + "0" * 32)]),
})

# ---- fuzz_job: a byte (bit 0: 256-byte cap, bit 1: depth 8, the rest chunking), then the body.
job = {}
for name in sorted(n for n in os.listdir(EXAMPLES) if n.startswith(("poll-", "error-", "submit-"))):
    job[name] = b"\x00" + example(name)
    job["capped-" + name] = b"\x05" + example(name)
job["unknown-status"] = b"\x08" + b'{"job_id":"j","status":"queued_v2"}'
job["cancelled"] = b"\x0c" + b'{"job_id":"j","status":"cancelled","error":null}'
job["deep"] = b"\x02" + b'{"job_id":"j","status":"completed","result":' + b"[" * 20 + b"]" * 20 + b"}"
write("fuzz_job", job)

# ---- fuzz_schema_decode (the body) and fuzz_stream_decode (a byte choosing the cuts, the body): every
# fixture, and the inline fixture's result alone (an ExtractResultCore).
import json as _json
docs = {n: example(n) for n in sorted(os.listdir(EXAMPLES)) if n.endswith(".json")}
docs["result-inline.json"] = _json.dumps(_json.loads(example("poll-completed-inline.json"))["result"]).encode()
write("fuzz_schema_decode", docs)
write("fuzz_stream_decode", {n: b"\x05" + d for n, d in docs.items()})

# ---- fuzz_job_kinds: a byte choosing the cuts, then an answer or a request of the job kinds beyond
# extraction (schema, split, tables, batches, pipelines, the webhook link).
kinds = {n: b"\x03" + example(n) for n in ("schema-result.json", "schema-result-split.json", "split-result.json",
                                            "tables-result.json", "batch-submission.json", "pipeline-result.json",
                                            "webhook-link.json")}
kinds["batch-progress.json"] = b"\x07" + _json.dumps(_json.loads(example("poll-batch-processing.json"))["result"]).encode()
kinds["split-topic-twice.json"] = b"\x01" + b'{"split_output":{"splits":{"a":[1],"b":[2],"a":[3,4]}}}'
kinds["schema-request-split.json"] = b"\x02" + (b'{"split_id":"p","split_schema_config":{"invoice":{"schema":{"type":"object"}},'
                                                 b'"contract":{"schema_config_id":"c"}},"async":true}')
kinds["pipeline-request.json"] = b"\x09" + (b'{"file_url":"https://example.com/a.pdf","steps":{"extract":{"pages":"1"},'
                                             b'"split":{"split_input":[{"name":"t"}]},"schema":{"input_schema":{}}},"auto_delete":true}')
write("fuzz_job_kinds", kinds)

# ---- fuzz_api_error: the error body itself. The key echoed back must never come out.
write("fuzz_api_error", {
    "echo-key.json": b'{"error":{"code":"AUTH_002","message":"invalid API key ' + b(KEY) + b'"}}',
    "echo-key.txt": b"401 Unauthorized: x-api-key: " + b(KEY) + b"\n",
    "utf8.txt": "Erreur: fichier refusé — 文件类型无效 ".encode() * 4,
})

# ---- fuzz_job_flow: the operation and configuration, then events (see fuzz_job_flow.cpp).
NAMES = ["Retry-After", "retry-after-ms", "Date", "Content-Length", "Content-Type", "RETRY-AFTER"]
STATUS = [200, 201, 202, 204, 206, 301, 302, 400, 401, 403, 404, 408, 410, 413, 422, 429, 500, 502, 503,
          504, 0, 99, 100, 599, 600, 1000]


def setup(kind, cfg, seed=1, ident="job-1", refuse=0, drain_by_cancel=False):
    # cfg: bits 0-1 base, 2 no key, 3 remote cancel, 4-5 deadline (none, 5 s, 60 s, 30 min),
    # 6 small caps, 7 first poll at once.
    return bytes([kind | (0x80 if drain_by_cancel else 0), cfg, seed]) + s(ident) + bytes([refuse])


def head(status, hdrs=()):
    out = bytes([0, STATUS.index(status), len(hdrs)])
    for n, v in hdrs:
        out += bytes([NAMES.index(n)]) + s(v)
    return out


def chunk(x):
    return b"\x02" + s(x)


def answer(status, body, hdrs=(), pieces=1):
    body = b(body)
    n = max(1, (len(body) + pieces - 1) // pieces)
    return head(status, hdrs) + b"".join(chunk(body[i:i + n]) for i in range(0, len(body), n)) + b"\x04"


def fail(code_index):  # index into the target's transport error table (2: connect_failed, 5: reset)
    return bytes([5, code_index])


WAKE = b"\x06\x01\x00"
CANCEL = b"\x07"
WALL = b"\x08\x10\x00"
ACK = '{"job_id":"job-1","status":"pending","message":"Job queued for processing"}'
PENDING = example("poll-pending.json")
INLINE = example("poll-completed-inline.json")
POINTER = example("poll-completed-large.json")
D60 = 0x20
flow = {
    "extract-inline": setup(0, D60) + answer(200, ACK) + WAKE + answer(200, PENDING) + WAKE + answer(200, INLINE, pieces=7),
    "extract-pointer": setup(0, D60) + answer(200, ACK) + WAKE + answer(200, POINTER) + answer(200, INLINE, pieces=3),
    "extract-raw-pointer-reset": setup(1, D60, refuse=0) + answer(200, ACK) + WAKE + answer(200, POINTER)
        + head(200, [("Content-Length", "5000")]) + chunk(INLINE[:100]) + fail(5),
    "submit-429-retry": setup(0, D60) + answer(429, "{}", [("Retry-After", "2")]) + WAKE + answer(200, ACK),
    "submit-503-no-retry": setup(0, D60) + answer(503, '{"error":{"code":"X","message":"down"}}'),
    "submit-connect-failed": setup(0, 0x30) + fail(2) + WAKE + answer(200, ACK),
    "attach-huge-retry-after": setup(2, D60) + answer(200, PENDING, [("Retry-After", "9223372036854775")]) + WAKE,
    "attach-huge-retry-after-ms": setup(2, 0x00) + answer(429, "{}", [("retry-after-ms", "9223372036854775806")]) + WAKE,
    "attach-wait-to-end-of-clock": setup(2, 0x00) + answer(200, PENDING, [("retry-after-ms", "9223372036854775806")])
        + WAKE + b"\x06\x10\x00" + answer(200, INLINE),
    "attach-date-retry-after": setup(2, D60) + WALL + answer(503, "{}", [("Date", "Sun, 06 Nov 2033 08:49:37 GMT"),
        ("Retry-After", "Sun, 06 Nov 2033 08:49:57 GMT")]) + WAKE + answer(200, INLINE),
    "attach-date-out-of-range": setup(2, D60) + answer(503, "{}", [("Date", "Fri, 01 Jan 2300 00:00:00 GMT"),
        ("Retry-After", "Fri, 01 Jan 2300 00:00:20 GMT")]) + WAKE + answer(200, INLINE),
    "attach-404-grace": setup(2, D60) + answer(404, "{}") + WAKE + answer(404, "{}") + WAKE + answer(200, PENDING),
    "attach-cancel-remote": setup(3, D60 | 0x08) + answer(200, PENDING) + CANCEL + WAKE + answer(200, '{"job_id":"job-1","status":"cancelled"}'),
    "attach-echo-key": setup(2, D60) + answer(401, '{"error":{"code":"AUTH_002","message":"bad key ' + KEY + '"}}'),
    "attach-failed-job": setup(2, D60) + answer(200, '{"job_id":"job-1","status":"failed","error":"boom ' + KEY + '"}'),
    "attach-small-caps": setup(2, D60 | 0x40) + answer(200, INLINE, pieces=4) + answer(500, "x" * 100),
    "job-status": setup(4, D60) + answer(200, PENDING),
    "cancel": setup(5, D60) + answer(200, '{"job_id":"job-1","message":"cancelled"}'),
    "download-foreign-url": setup(6, D60, ident="https://pulse-studio-api.s3.amazonaws.com/r/x?sig=1")
        + answer(200, INLINE, pieces=5),
    "download-api-url-410": setup(6, D60 | 0x01, ident="http://127.0.0.1:8080/pulse/large_results/j")
        + answer(503, "{}") + WAKE + answer(410, '{"error":{"code":"GONE","message":"already downloaded"}}'),
    "pdf-download": setup(7, D60, refuse=2) + answer(200, b"%PDF-1.7\n" + bytes(range(256)), [("Content-Type", "application/pdf")], pieces=6),
    "in-flight-cancel": setup(0, D60, drain_by_cancel=True) + answer(200, ACK) + WAKE + head(200) + CANCEL + chunk(PENDING[:20]),
    "out-of-order": setup(2, 0x10) + chunk("{}") + b"\x04" + head(500) + CANCEL + WAKE + answer(200, PENDING),
}
write("fuzz_job_flow", flow)

# ---- fuzz_webhook: the secret's text, the id, a u32 signing time, a u16 tolerance, a signature
# header and a timestamp text for the arbitrary delivery, a u16 position and a u8 mask for the body
# change, then the body. The arbitrary deliveries are signed here with Python's hmac, so the target
# also meets headers that do verify.
import base64 as _b64
import hashlib as _hashlib
import hmac as _hmac


def wh_sig(secret, msg_id, ts, body):
    key = _b64.b64decode(secret[len("whsec_"):] if secret.startswith("whsec_") else secret)
    mac = _hmac.new(key, b(msg_id) + b"." + b(ts) + b"." + b(body), _hashlib.sha256).digest()
    return "v1," + _b64.b64encode(mac).decode()


def wh_seed(secret, msg_id, ts, tol, sig_header, ts_text, body, pos=0, mask=1):
    return (s(secret) + s(msg_id) + struct.pack("<IH", ts, tol) + s(sig_header) + s(ts_text)
            + struct.pack("<HB", pos, mask) + b(body))


SW = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SW_ID, SW_TS, SW_BODY = "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}'
JOB = '{"type":"job.completed","data":{"job_id":"3c90c3cc-0d44-4b50-8888-8dd25736052a"}}'
good = wh_sig(SW, SW_ID, str(SW_TS), SW_BODY)
write("fuzz_webhook", {
    "standard-vector": wh_seed(SW, SW_ID, SW_TS, 300, good, str(SW_TS), SW_BODY, 3, 0x20),
    "rotation": wh_seed(SW, SW_ID, SW_TS, 300, "v1,bm9wZQ== v1a,c2ln " + good + " v2,x", str(SW_TS), SW_BODY),
    "job-event": wh_seed(SW, "msg_2Jv7pYGL7UwXqF3v6RjLVxQYPZG", 1718000000, 0,
                         wh_sig(SW, "msg_2Jv7pYGL7UwXqF3v6RjLVxQYPZG", "1718000000", JOB), "1718000000", JOB, 40),
    "top-level-job-id": wh_seed("whsec_QQ==", "msg_1", 0, 65535, "v1,", "0", '{"job_id":"j","data":{"job_id":"k"}}'),
    "bare-base64-secret": wh_seed("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "msg_1", 1, 1,
                                  "v1,!!!! v1,  ", "00000000000000000001", "[1,2,3]"),
    "raw-key": wh_seed("not base64 at all", "", 4294967295, 300, "v1," + "A" * 43 + "=", "4294967295", ""),
    "bad-timestamp": wh_seed(SW, SW_ID, SW_TS, 300, good, "+1614265330", SW_BODY),
    "deep": wh_seed(SW, "msg_d", 5, 5, "", "", '{"data":' + "[" * 40 + "]" * 40 + "}"),
})
