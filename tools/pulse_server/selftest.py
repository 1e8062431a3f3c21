#!/usr/bin/env python3
"""Self-test of pulse-server, the local Pulse-compatible server.

    python3 tools/pulse_server/selftest.py path/to/pulse-server [--no-throughput] [-k NAME] [-- SERVER-ARGS...]

Starts the binary (several times, with different options), checks every endpoint and a range of
faults over real sockets, then measures the streaming throughput of a 1 GB generated result with
curl. Arguments after `--` are passed to every server started (e.g. `-- --threads 4`). Standard
library only. Prints one line per failure and "N passed, M failed"; exits non-zero
on any failure.
"""
import gzip
import http.client
import io
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import zipfile

KEY = "test-key"
HERE = os.path.dirname(os.path.abspath(__file__))


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def multipart(fields, files):
    """Encodes fields {name: str} and files {name: (filename, bytes)} as multipart/form-data."""
    boundary = "----pulse-selftest-" + os.urandom(6).hex()
    out = []
    for name, value in fields.items():
        out.append(('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
                    % (boundary, name, value)).encode())
    for name, (filename, data) in files.items():
        out.append(('--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\n'
                    'Content-Type: application/pdf\r\n\r\n' % (boundary, name, filename)).encode()
                   + data + b"\r\n")
    out.append(("--%s--\r\n" % boundary).encode())
    return b"".join(out), "multipart/form-data; boundary=" + boundary


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name):
        return self.headers.get(name.lower())

    def json(self):
        return json.loads(self.body)


EXTRA_ARGS = []


class Server:
    def __init__(self, binary, *args):
        self.proc = subprocess.Popen([binary, "--port", "0", "--quiet", *EXTRA_ARGS, *args],
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("listening on 127.0.0.1:"):
            self.proc.kill()
            raise RuntimeError("unexpected first line from pulse-server: %r" % line)
        self.port = int(line.strip().rsplit(":", 1)[1])
        self.base = "http://127.0.0.1:%d" % self.port

    def request(self, method, path, body=None, headers=None, key=KEY, scenario=None, conn=None,
                timeout=30):
        h = dict(headers or {})
        if key is not None:
            h["x-api-key"] = key
        if scenario is not None:
            h["x-pulse-scenario"] = scenario
        c = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        resp = Response(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
        if conn is None:
            c.close()
        return resp

    def submit(self, scenario=None, fields=None, file_bytes=None, path="/extract", as_json=False, **kw):
        if as_json:
            body = json.dumps(fields if fields is not None else {"file_url": "https://example.com/a.pdf",
                                                                 "async": True}).encode()
            return self.request("POST", path, body, {"Content-Type": "application/json"},
                                scenario=scenario, **kw)
        f = {"async": "true"} if fields is None else fields
        files = {"file": ("doc.pdf", file_bytes if file_bytes is not None else b"%PDF-1.4 tiny")}
        body, ctype = multipart(f, files)
        return self.request("POST", path, body, {"Content-Type": ctype}, scenario=scenario, **kw)

    def job(self, scenario=None, **kw):
        r = self.submit(scenario, **kw)
        check(r.status == 200, "submission answered %d: %r" % (r.status, r.body[:200]))
        return r.json()["job_id"]

    def poll(self, job_id, **kw):
        return self.request("GET", "/job/" + job_id, **kw)

    def poll_until_terminal(self, job_id, limit=20):
        for _ in range(limit):
            r = self.poll(job_id)
            check(r.status == 200, "poll answered %d" % r.status)
            st = r.json()["status"]
            if st in ("completed", "failed", "canceled", "cancelled", "expired"):
                return r.json()
        raise Failure("job %s never reached a terminal status" % job_id)

    def post_json(self, path, obj, **kw):
        return self.request("POST", path, json.dumps(obj).encode(), {"Content-Type": "application/json"}, **kw)

    def info(self, job_id):
        return self.request("GET", "/__jobs/" + job_id, key=None).json()

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.request("POST", "/__shutdown", key=None, timeout=5)
            except OSError:
                pass
            try:
                return self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                return None
        return self.proc.returncode


def raw_exchange(port, request, read_timeout=5.0):
    """Sends raw bytes, returns (bytes received, how the connection ended)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=read_timeout)
    s.sendall(request)
    data = b""
    end = "eof"
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except ConnectionResetError:
        end = "reset"
    except socket.timeout:
        end = "timeout"
    s.close()
    return data, end


def raw_get(port, path, scenario=None, key=KEY, extra=""):
    req = "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n" % (path, port)
    if key:
        req += "x-api-key: %s\r\n" % key
    if scenario:
        req += "x-pulse-scenario: %s\r\n" % scenario
    return (req + extra + "\r\n").encode()


def split_head(data):
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return int(lines[0].split()[1]), headers, body


# ------------------------------------------------------------------------------------------------
# Tests. Each takes the shared server (and the binary path, for tests that need their own server).

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


@test
def health(srv, binary):
    r = srv.request("GET", "/__health", key=None)
    check(r.status == 200 and r.body == b"ok", "health: %d %r" % (r.status, r.body))


@test
def auth_missing_and_wrong_key(srv, binary):
    r = srv.request("GET", "/job/whatever", key=None)
    check(r.status == 401 and r.json()["error"]["code"] == "AUTH_001", "missing key: %d %r" % (r.status, r.body))
    r = srv.request("GET", "/job/whatever", key="wrong")
    check(r.status == 401 and r.json()["error"]["code"] == "AUTH_002", "wrong key: %d %r" % (r.status, r.body))
    r = srv.submit(key=None)
    check(r.status == 401, "submit without key: %d" % r.status)
    check(r.header("content-type") == "application/json", "error content type")


@test
def unknown_job_is_404(srv, binary):
    for method, path in (("GET", "/job/nope"), ("DELETE", "/job/nope"), ("POST", "/cancel/nope")):
        r = srv.request(method, path)
        check(r.status == 404 and r.json()["error"]["code"] == "JOB_NOT_FOUND", "%s %s: %d" % (method, path, r.status))
    r = srv.request("GET", "/large_results/nope")
    check(r.status == 404, "unknown large result: %d" % r.status)
    r = srv.request("GET", "/nowhere")
    check(r.status == 404, "unknown endpoint: %d" % r.status)
    r = srv.request("PUT", "/job/x")
    check(r.status == 405 and "GET" in r.header("allow"), "PUT /job: %d" % r.status)


@test
def no_file_or_url_is_req_001(srv, binary):
    r = srv.submit(as_json=True, fields={"async": True})
    check(r.status == 400 and r.json()["error"]["code"] == "REQ_001", "json: %d %r" % (r.status, r.body))
    check(r.json()["error"]["message"] == "No file or URL provided", "message")
    body, ctype = multipart({"async": "true"}, {})
    r = srv.request("POST", "/extract", body, {"Content-Type": ctype})
    check(r.status == 400 and r.json()["error"]["code"] == "REQ_001", "multipart: %d" % r.status)
    r = srv.request("POST", "/extract")
    check(r.status == 400 and r.json()["error"]["code"] == "REQ_001", "empty: %d" % r.status)


@test
def option_validation(srv, binary):
    r = srv.submit(fields={"async": "maybe"})
    check(r.status == 400 and r.json()["error"]["code"] == "REQ_003", "async=maybe: %d" % r.status)
    r = srv.submit(fields={"async": "true", "extensions": "{not json"})
    check(r.status == 400 and r.json()["error"]["code"] == "REQ_003", "bad extensions: %d" % r.status)
    r = srv.submit(fields={"async": "true", "pages": "3-x"})
    check(r.status == 400 and r.json()["error"]["code"] == "REQ_006", "bad pages: %d" % r.status)
    r = srv.submit(fields={"async": "true", "pages": "1-2,5"})
    check(r.status == 200, "good pages: %d" % r.status)


@test
def async_flow_with_multipart_upload(srv, binary):
    # Binary content that contains near-miss boundaries, CRLFs and every byte value.
    rnd = random.Random(7)
    data = bytes(rnd.getrandbits(8) for _ in range(300_000))
    data = b"\r\n--" + data[:1000] + b"\r\n------pulse-selftest-\r\n" + data + bytes(range(256)) + b"\r\n"
    fields = {"async": "true", "model": "pulse-ultra-2", "pages": "1-2",
              "extensions": json.dumps({"altOutputs": {"wlbb": True}}),
              "figure_processing": json.dumps({"show_images": True}), "ignored_field": "x"}
    r = srv.submit(fields=fields, file_bytes=data)
    check(r.status == 200, "submit: %d %r" % (r.status, r.body))
    ack = r.json()
    check(ack["status"] == "pending" and ack["message"] == "Job queued for processing", "ack %r" % ack)
    jid = ack["job_id"]
    check(r.header("x-pulse-job-id") == jid, "x-pulse-job-id header")
    seen = [srv.poll(jid).json() for _ in range(3)]
    check([p["status"] for p in seen] == ["pending", "processing", "completed"],
          "statuses %r" % [p["status"] for p in seen])
    done = seen[-1]
    for k in ("job_id", "created_at", "updated_at"):
        check(k in done, "poll lacks " + k)
    check(done["result"]["markdown"].startswith("# Quarterly Report"), "inline result")
    info = srv.info(jid)
    check(info["upload_bytes"] == len(data), "upload_bytes %d != %d" % (info["upload_bytes"], len(data)))
    check(info["upload_fnv1a64"] == fnv1a64(data), "upload hash")
    check(info["fields"]["model"] == "pulse-ultra-2" and info["fields"]["extensions"] == fields["extensions"],
          "fields %r" % info["fields"])
    check(info["files"][0]["filename"] == "doc.pdf", "filename")
    check(info["kind"] == "extract" and info["requests"]["poll"] == 3, "info %r" % info)


@test
def json_submission_and_alias(srv, binary):
    r = srv.submit(as_json=True, fields={"file_url": "https://example.com/x.pdf", "async": True,
                                         "extensions": {"chunking": {"chunkTypes": ["page"]}}})
    check(r.status == 200, "json submit %d %r" % (r.status, r.body))
    jid = r.json()["job_id"]
    info = srv.info(jid)
    check(info["fields"]["file_url"] == "https://example.com/x.pdf", "file_url recorded")
    check(info["fields"]["extensions"] == {"chunking": {"chunkTypes": ["page"]}}, "object option kept")
    check(info["upload_bytes"] == 0, "no upload")
    r = srv.submit(as_json=True, fields={"file_url": "https://example.com/x.pdf"}, path="/extract_async")
    check(r.status == 200 and r.json()["status"] == "pending", "extract_async is always async")


@test
def sync_extract(srv, binary):
    r = srv.submit(fields={"async": "false"})
    check(r.status == 200, "sync %d" % r.status)
    res = r.json()
    check("markdown" in res and "job_id" not in res, "sync answer is the result itself")
    r = srv.submit(fields={}, scenario="result=large")
    check(r.status == 200 and r.json()["is_url"] is True, "sync large answer is a pointer: %r" % r.body[:200])
    d = srv.request("GET", urllib.parse.urlparse(r.json()["url"]).path)
    check(d.status == 200 and "markdown" in d.json(), "sync large download")


@test
def large_result_single_use(srv, binary):
    jid = srv.job("result=large;poll_steps=1")
    check(srv.poll(jid).json()["status"] == "pending", "first poll pending")
    done = srv.poll(jid).json()
    ptr = done["result"]
    check(ptr["is_url"] is True and ptr["url"] == "%s/large_results/%s" % (srv.base, jid), "pointer %r" % ptr)
    check(ptr["page_count"] == 3 and ptr["plan_info"]["tier"] == "growth" and "extraction_id" in ptr, "pointer meta")
    r = srv.request("GET", "/large_results/" + jid)
    check(r.status == 200 and r.header("content-length") == str(len(r.body)), "download")
    check(r.json()["markdown"].startswith("# Quarterly"), "downloaded result")
    r = srv.request("GET", "/large_results/" + jid)
    check(r.status == 410, "second download %d" % r.status)
    check(r.json() == {"error": {"code": "GONE", "message": "Result already fetched or expired"}}, "410 body")
    check(srv.info(jid)["downloads"] == 1, "downloads counter")


@test
def large_by_threshold(srv, binary):
    jid = srv.job("size=6000000;poll_steps=0")
    res = srv.poll(jid).json()["result"]
    check(res.get("is_url") is True, "6 MB result is a pointer")
    r = srv.request("GET", "/large_results/" + jid)
    check(r.status == 200 and len(r.body) == 6000000, "6 MB download length %d" % len(r.body))
    check(r.json()["page_count"] == res["page_count"], "pointer page_count matches")
    jid = srv.job("size=4000;poll_steps=0")
    res = srv.poll(jid).json()["result"]
    check("is_url" not in res and "markdown" in res, "small result inline")
    jid = srv.job("size=3000000;result=inline;poll_steps=0")
    r = srv.poll(jid)
    check(r.status == 200 and len(r.json()["result"]["extensions"]["altOutputs"]["wlbb"]["words"]) > 1000,
          "forced inline result streamed inside the poll")


@test
def large_result_anonymous_and_other_origin(srv, binary):
    jid = srv.job("result=large;poll_steps=0;large_url_base=http://localhost:PORT")
    url = srv.poll(jid).json()["result"]["url"]
    check(url == "http://localhost:%d/large_results/%s" % (srv.port, jid), "pointer on other origin: " + url)
    srv.request("DELETE", "/__requests", key=None)
    r = srv.request("GET", "/large_results/" + jid, key=None)
    check(r.status == 200, "anonymous download %d" % r.status)
    log = srv.request("GET", "/__requests", key=None).json()
    entry = [e for e in log if e["target"] == "/large_results/" + jid][-1]
    check("x-api-key" not in entry["headers"], "no key among the recorded headers")
    check(entry["headers"]["host"].startswith("127.0.0.1"), "request log headers lowercased")
    jid = srv.job("result=large;poll_steps=0")
    srv.poll(jid)
    r = srv.request("GET", "/large_results/" + jid, key="wrong")
    check(r.status == 403, "wrong key on large result: %d" % r.status)
    check(srv.request("GET", "/large_results/" + jid).status == 200, "403 did not consume it")


@test
def large_url_base_option(srv, binary):
    other = Server(binary, "--large-url-base", "http://localhost:PORT", "--large-threshold", "100")
    try:
        jid = other.job("poll_steps=0")
        url = other.poll(jid).json()["result"]["url"]
        check(url == "http://localhost:%d/large_results/%s" % (other.port, jid), url)
    finally:
        other.stop()


@test
def interrupted_download_is_not_consumed(srv, binary):
    jid = srv.job("result=large;poll_steps=0;size=1M;download_fault=reset_mid_body@1,short_body@2")
    srv.poll(jid)
    data, end = raw_exchange(srv.port, raw_get(srv.port, "/large_results/" + jid))
    status, headers, body = split_head(data)
    check(status == 200 and end == "reset", "reset_mid_body: %d %s" % (status, end))
    check(int(headers["content-length"]) == 1 << 20 and len(body) < 1 << 20, "cut short: %d" % len(body))
    data, end = raw_exchange(srv.port, raw_get(srv.port, "/large_results/" + jid))
    status, headers, body = split_head(data)
    check(end == "eof" and len(body) == (1 << 20) // 2, "short_body: %s %d" % (end, len(body)))
    r = srv.request("GET", "/large_results/" + jid)
    check(r.status == 200 and len(r.body) == 1 << 20, "third download complete: %d" % r.status)
    check(srv.request("GET", "/large_results/" + jid).status == 410, "then gone")
    info = srv.info(jid)
    check(info["downloads"] == 1 and info["requests"]["download"] == 4, "counters %r" % info["requests"])


@test
def gzip_encoding(srv, binary):
    jid = srv.job("poll_steps=0;poll_fault=gzip")
    r = srv.poll(jid, headers={"Accept-Encoding": "gzip"})
    check(r.header("content-encoding") == "gzip", "gzip applied")
    doc = json.loads(gzip.decompress(r.body))
    check(doc["status"] == "completed", "gzip body decodes")
    r = srv.poll(jid)
    check(r.header("content-encoding") is None and r.json()["status"] == "completed",
          "no gzip without Accept-Encoding")
    # Big bodies are compressed while streaming (chunked).
    jid = srv.job("poll_steps=0;size=8M;result=large;download_fault=gzip")
    srv.poll(jid)
    r = srv.request("GET", "/large_results/" + jid, headers={"Accept-Encoding": "gzip"})
    check(r.header("transfer-encoding") == "chunked", "big gzip is chunked")
    check(len(gzip.decompress(r.body)) == 8 << 20, "big gzip decodes to 8 MiB")


@test
def generated_100mb_stream(srv, binary):
    size = 100 * 1024 * 1024
    jid = srv.job("poll_steps=0;size=%d" % size)
    ptr = srv.poll(jid).json()["result"]
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
    c.request("GET", urllib.parse.urlparse(ptr["url"]).path, headers={"x-api-key": KEY})
    r = c.getresponse()
    check(r.status == 200 and int(r.getheader("content-length")) == size, "content-length")
    first = r.read(64)
    total, last = len(first), b""
    while True:
        chunk = r.read(1 << 20)
        if not chunk:
            break
        total += len(chunk)
        last = (last + chunk)[-256:]
    c.close()
    check(total == size, "streamed %d bytes" % total)
    check(first.startswith(b'{"markdown":"# Synthetic extraction'), "first bytes %r" % first[:20])
    check(last.endswith(b'}}') and b'"page_count":%d' % ptr["page_count"] in last, "last bytes %r" % last)


@test
def generated_sizes_are_exact_and_valid(srv, binary):
    for size in (1, 5000, 123457, 2_000_001):
        jid = srv.job("poll_steps=0;result=large;size=%d" % size)
        srv.poll(jid)
        r = srv.request("GET", "/large_results/" + jid)
        doc = r.json()
        # Sizes below the generator's minimum (a couple of KB) are rounded up to it.
        check(len(r.body) == size if size >= 5000 else len(r.body) > size, "size %d -> %d" % (size, len(r.body)))
        check(doc["page_count"] >= 1 and "bounding_boxes" in doc, "valid document at size %d" % size)
        words = doc["extensions"]["altOutputs"]["wlbb"]["words"]
        check(all(w["id"] == "w-%010d" % (i + 1) for i, w in enumerate(words)), "word ids at size %d" % size)
    a = srv.job("poll_steps=0;result=large;size=300000")
    b = srv.job("poll_steps=0;result=large;size=300000")
    srv.poll(a), srv.poll(b)
    check(srv.request("GET", "/large_results/" + a).body == srv.request("GET", "/large_results/" + b).body,
          "generation is deterministic")


@test
def cancel(srv, binary):
    jid = srv.job("poll_steps=5")
    srv.poll(jid)
    r = srv.request("DELETE", "/job/" + jid)
    check(r.status == 200 and r.json()["message"] == "Job cancelled successfully" and r.json()["job_id"] == jid,
          "cancel %r" % r.body)
    check(srv.poll(jid).json()["status"] == "canceled", "canceled")
    jid = srv.job("poll_steps=0")
    check(srv.poll(jid).json()["status"] == "completed", "completed")
    r = srv.request("POST", "/cancel/" + jid)
    check(r.status == 200, "cancel of terminal job is 200")
    check(srv.poll(jid).json()["status"] == "completed", "terminal job left as is")


@test
def final_statuses(srv, binary):
    done = srv.poll_until_terminal(srv.job("status=failed;error=Boom%3B it broke"))
    check(done["status"] == "failed" and done["error"] == "Boom; it broke" and "result" not in done, "failed %r" % done)
    for st in ("expired", "cancelled", "canceled"):
        done = srv.poll_until_terminal(srv.job("status=" + st))
        check(done["status"] == st and "result" not in done, st)
    jid = srv.job("status=weird;poll_steps=1")
    statuses = [srv.poll(jid).json()["status"] for _ in range(6)]
    check(statuses == ["pending"] + ["weird"] * 5, "weird stays %r" % statuses)
    jid = srv.job("interim=pending,queued_for_gpu,processing")
    statuses = [srv.poll(jid).json()["status"] for _ in range(4)]
    check(statuses == ["pending", "queued_for_gpu", "processing", "completed"], "interim %r" % statuses)


@test
def poll_503_with_retry_after(srv, binary):
    jid = srv.job("poll_fault=503:ra=2@1,429:ra_date=30:ra_ms=1500@2")
    r = srv.poll(jid)
    check(r.status == 503 and r.header("retry-after") == "2", "503 %d %r" % (r.status, r.headers))
    check(r.json()["error"]["code"] == "SERVICE_UNAVAILABLE", "503 envelope")
    r = srv.poll(jid)
    check(r.status == 429 and r.header("retry-after-ms") == "1500" and r.header("retry-after").endswith("GMT"),
          "429 %r" % r.headers)
    r = srv.poll(jid)
    check(r.status == 200 and r.json()["status"] == "pending", "refused polls did not advance the job")
    check(r.header("x-pulse-fault") is None, "no fault on third poll")


@test
def submit_fault_counts_per_scenario_text(srv, binary):
    sc = "submit_fault=429:ra=1@1;tag=" + os.urandom(4).hex()
    r = srv.submit(scenario=sc)
    check(r.status == 429 and r.header("retry-after") == "1", "first submission refused %d" % r.status)
    r = srv.submit(scenario=sc)
    check(r.status == 200 and "job_id" in r.json(), "retry accepted %d" % r.status)
    jobs = srv.request("GET", "/__jobs", key=None).json()
    check(sum(1 for j in jobs if j["scenario"] == sc) == 1, "a refused submission creates no job")
    counts = srv.request("GET", "/__submissions", key=None).json()
    check(counts.get(sc) == 2, "/__submissions counts both: %r" % counts.get(sc))


@test
def garbling_faults(srv, binary):
    jid = srv.job("poll_steps=9")
    r = srv.poll(jid, scenario="fault=malformed_json")
    check(r.status == 200 and r.header("x-pulse-fault") == "malformed_json", "header %r" % r.headers)
    try:
        json.loads(r.body)
        raise Failure("malformed_json parsed")
    except ValueError:
        pass
    r = srv.poll(jid, scenario="fault=truncated_json")
    check(int(r.header("content-length")) == len(r.body), "truncated has a valid length")
    try:
        json.loads(r.body)
        raise Failure("truncated_json parsed")
    except ValueError:
        pass
    r = srv.poll(jid, scenario="fault=wrong_shape")
    check(r.json()["job_id"] == 5 and r.json()["status"] == [], "wrong_shape %r" % r.body)
    r = srv.poll(jid, scenario="fault=depth_bomb")
    check(len(r.body) == 200000 and r.body.startswith(b"[[[[") and r.body.endswith(b"]]]]"), "depth_bomb")
    r = srv.poll(jid, scenario="fault=huge_string")
    check(len(r.json()["job_id"]) == 1 << 20, "huge_string")
    r = srv.poll(jid, scenario="fault=sparse_boxes:count=3")
    check(r.json()["result"]["bounding_boxes"]["Text"] == [{"page_number": 1}] * 3, "sparse_boxes %r" % r.body)
    r = srv.poll(jid, scenario="fault=echo_key")
    check(r.status == 401 and KEY.encode() in r.body, "echo_key echoes the key: %r" % r.body)
    r = srv.poll(jid, scenario="fault=502:body=html")
    check(r.status == 502 and r.header("content-type") == "text/html" and b"<html>" in r.body, "html 502")


@test
def delivery_faults(srv, binary):
    jid = srv.job("poll_steps=9")
    data, end = raw_exchange(srv.port, raw_get(srv.port, "/job/" + jid, "fault=reset"))
    check(data == b"" and end == "reset", "reset before head: %r %s" % (data[:50], end))
    data, end = raw_exchange(srv.port, raw_get(srv.port, "/job/" + jid, "fault=long_body:bytes=10"))
    status, headers, body = split_head(data)
    check(len(body) == int(headers["content-length"]) + 10, "long_body: %d vs %s" % (len(body), headers))
    t0 = time.time()
    r = srv.poll(jid, scenario="fault=stall_mid_body:bytes=20:ms=300")
    check(time.time() - t0 >= 0.28 and r.json()["job_id"] == jid, "stall then finish")
    t0 = time.time()
    r = srv.poll(jid, scenario="fault=slow:chunk=20:ms=10")
    check(time.time() - t0 >= 0.05 and r.json()["job_id"] == jid, "slow drip")
    t0 = time.time()
    r = srv.poll(jid, scenario="fault=delay:ms=200")
    check(time.time() - t0 >= 0.19 and r.status == 200, "delay")
    r = srv.poll(jid, scenario="fault=chunked")
    check(r.header("transfer-encoding") == "chunked" and r.json()["job_id"] == jid, "chunked")
    r = srv.poll(jid, scenario="fault=header_flood=50:bytes=20")
    check(r.header("x-flood-49") == "f" * 20 and r.header("x-flood-50") is None and r.json()["job_id"] == jid,
          "header_flood")
    data, end = raw_exchange(srv.port, raw_get(srv.port, "/job/" + jid, "fault=stall_mid_body:bytes=10"),
                             read_timeout=0.5)
    check(end == "timeout" and data.endswith(b"\r\n\r\n" + data.split(b"\r\n\r\n", 1)[1]) and
          len(data.split(b"\r\n\r\n", 1)[1]) == 10, "long stall keeps the socket open and silent")


@test
def redirects(srv, binary):
    jid = srv.job("poll_steps=0;result=large;download_fault=redirect@1")
    srv.poll(jid)
    r = srv.request("GET", "/large_results/" + jid)
    check(r.status == 302 and r.header("location") == "http://localhost:%d/large_results/%s" % (srv.port, jid),
          "default redirect goes to the other origin: %r" % r.headers)
    r = srv.poll(jid, scenario="fault=redirect=http://example.invalid:1/x?a=b:code=307")
    check(r.status == 302 and r.header("location") == "http://example.invalid:1/x?a=b:code=307",
          "redirect=URL takes the rest of the token as the URL")
    r = srv.poll(jid, scenario="fault=redirect:code=307:url=http://example.invalid/y")
    check(r.status == 307 and r.header("location") == "http://example.invalid/y", "redirect params")


@test
def scenario_errors(srv, binary):
    for sc in ("colour=blue", "poll_fault=teapot", "poll_fault=503:bogus=1", "size=lots", "poll_fault=503@0",
               "result=huge", "justaword"):
        r = srv.submit(scenario=sc)
        check(r.status == 400 and r.json()["error"]["code"] == "SCENARIO_INVALID", "%s -> %d" % (sc, r.status))
    r = srv.submit(scenario=" Poll-Fault = 503 @ 1 ; ; STATUS=completed;")
    check(r.status == 200, "forgiving spelling accepted: %r" % r.body)


@test
def keep_alive_reuses_connections(srv, binary):
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    jid = srv.job()
    srv.request("DELETE", "/__requests", key=None)
    for _ in range(5):
        r = srv.request("GET", "/job/" + jid, conn=c)
        check(r.status == 200, "poll on kept-alive connection")
    c.close()
    log = srv.request("GET", "/__requests", key=None).json()
    conns = {e["connection"] for e in log if e["target"] == "/job/" + jid}
    check(len(conns) == 1, "five polls on one connection: %r" % conns)


@test
def forms(srv, binary):
    body, ctype = multipart({}, {"file": ("form.pdf", b"%PDF-1.7 form")})
    r = srv.request("POST", "/form/detect", body, {"Content-Type": ctype})
    check(r.status == 200, "detect %d %r" % (r.status, r.body))
    fr = r.json()
    for k in ("form_id", "job_id", "cells", "form_fields", "page_count", "pdf_url", "plan_info"):
        check(k in fr, "FormResult lacks " + k)
    check(fr["pdf_url"] == "%s/results/%s/pdf" % (srv.base, fr["job_id"]), "pdf_url")
    pdf = srv.request("GET", "/results/%s/pdf" % fr["job_id"])
    check(pdf.status == 200 and pdf.header("content-type") == "application/pdf", "pdf")
    check(pdf.body.startswith(b"%PDF-1.4") and pdf.body.rstrip().endswith(b"%%EOF"), "pdf bytes")
    check(srv.request("GET", "/results/%s/pdf" % fr["job_id"]).body == pdf.body, "pdf is re-fetchable and stable")

    body, ctype = multipart({"form_id": fr["form_id"]}, {})
    r = srv.request("POST", "/form/fill", body, {"Content-Type": ctype})
    check(r.status == 400 and r.json()["error"]["code"] == "REQ_004", "fill without instructions %d" % r.status)
    body, ctype = multipart({"form_id": "no-such-form", "instructions": "x"}, {})
    r = srv.request("POST", "/form/fill", body, {"Content-Type": ctype})
    check(r.status == 404, "unknown form_id %d" % r.status)

    body, ctype = multipart({"form_id": fr["form_id"], "instructions": "Name is Jane", "async": "true"}, {})
    r = srv.request("POST", "/form/fill", body, {"Content-Type": ctype}, scenario="pdf_size=1000000")
    check(r.status == 202 and r.json()["status"] == "pending", "async fill is 202")
    jid = r.json()["job_id"]
    check(srv.request("GET", "/results/%s/pdf" % jid).status == 404, "no pdf before completion")
    done = srv.poll_until_terminal(jid)
    res = done["result"]
    check(done["status"] == "completed" and res["form_id"] == fr["form_id"] and res["fields_filled"] == 4,
          "fill result %r" % res)
    check(any(c["value"] == "Jane Doe" for c in res["cells"]), "filled values")
    pdf = srv.request("GET", "/results/%s/pdf" % jid)
    check(len(pdf.body) == 1000000 and pdf.body.rstrip().endswith(b"%%EOF"), "pdf_size %d" % len(pdf.body))
    xref = int(pdf.body.rsplit(b"startxref\n", 1)[1].split()[0])
    check(pdf.body[xref:xref + 4] == b"xref", "startxref points at the xref table")

    body, ctype = multipart({"file_url": "https://example.com/f.pdf",
                             "form_fields": json.dumps([{"label": "Company"}])}, {})
    r = srv.request("POST", "/form/clear", body, {"Content-Type": ctype})
    check(r.status == 200 and r.json()["fields_cleared"] == 1 and r.json()["cells"][0]["label"] == "Company",
          "clear with form_fields %r" % r.body)
    r = srv.request("GET", "/results/%s/pdf" % srv.job("poll_steps=0"))
    check(r.status == 404, "no pdf for extract jobs")


@test
def images(srv, binary):
    jid = srv.job()
    r = srv.request("GET", "/results/%s/images/fig-1.png" % jid)
    check(r.status == 200 and r.header("content-type") == "image/png" and r.body.startswith(b"\x89PNG\r\n\x1a\n"),
          "png")
    check(srv.request("GET", "/results/%s/images/excel_image_1_1.png" % jid).status == 200, "excel image")
    check(srv.request("GET", "/results/%s/images/nope.png" % jid).status == 404, "unknown image")
    check(srv.request("GET", "/results/%s/images/fig-1.png" % jid, key=None).status == 401, "images need the key")


@test
def per_request_fault_applies_once(srv, binary):
    jid = srv.job("poll_steps=3")
    check(srv.poll(jid, scenario="fault=500").status == 500, "header fault")
    check(srv.poll(jid).status == 200, "next poll without header is normal")


@test
def concurrency_200_jobs(srv, binary):
    errors = []
    before = srv.request("GET", "/__stats", key=None).json()["connections"]

    def worker():
        try:
            c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
            r = srv.submit(conn=c)
            jid = json.loads(r.body)["job_id"]
            for _ in range(5):
                st = srv.poll(jid, conn=c).json()["status"]
                if st == "completed":
                    break
            c.close()
            if st != "completed":
                errors.append(st)
        except Exception as e:  # noqa: BLE001 - any failure counts
            errors.append(repr(e))

    threads = [threading.Thread(target=worker) for _ in range(200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(not errors, "%d workers failed: %r" % (len(errors), errors[:3]))
    after = srv.request("GET", "/__stats", key=None).json()["connections"]
    check(after - before <= 210, "one connection per worker (%d)" % (after - before))


@test
def global_fault_option(srv, binary):
    other = Server(binary, "--fault", "poll_fault=500@1", "--poll-steps", "0")
    try:
        for _ in range(2):
            jid = other.job()
            check(other.poll(jid).status == 500, "first poll of each job fails")
            check(other.poll(jid).json()["status"] == "completed", "second poll completes")
    finally:
        other.stop()
    bad = subprocess.run([binary, "--fault", "poll_fault=nonsense"], capture_output=True, text=True, timeout=10)
    check(bad.returncode != 0 and "nonsense" in bad.stderr, "bad --fault rejected at startup")


@test
def result_file_option(srv, binary):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "result.json")
        out = subprocess.run([binary, "--write-sample", "6", path, "--seed", "4"], capture_output=True, text=True,
                             check=True, timeout=60)
        pages = int(out.stderr.split(" pages")[0].split()[-1])
        with open(path, "rb") as f:
            doc = json.load(f)
        check(doc["page_count"] == pages, "--write-sample reports the pages it wrote")
        check(abs(os.path.getsize(path) - 6e6) < 0.5e6, "--write-sample writes about the size asked")
        other = Server(binary, "--result", path, "--poll-steps", "0")
        try:
            jid = other.job()
            ptr = other.poll(jid).json()["result"]
            check(ptr["is_url"] is True and ptr["page_count"] == pages, "pointer from file %r" % ptr)
            check(ptr["plan_info"] == doc["plan_info"], "plan_info from file %r" % ptr["plan_info"])
            r = other.request("GET", "/large_results/" + jid)
            with open(path, "rb") as f:
                check(r.body == f.read(), "downloaded bytes equal the file")
        finally:
            other.stop()
        with open(path, "w") as f:
            f.write("[1, 2")
        bad = subprocess.run([binary, "--result", path], capture_output=True, text=True, timeout=10)
        check(bad.returncode != 0 and "not valid JSON" in bad.stderr, "invalid --result rejected")


@test
def expect_continue_and_curl_upload(srv, binary):
    # The interim 100 Continue must come before the body is sent (curl otherwise waits a second).
    body, ctype = multipart({"async": "true"}, {"file": ("a.pdf", b"x" * 5000)})
    sock = socket.create_connection(("127.0.0.1", srv.port), timeout=2)
    sock.sendall(("POST /extract HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: %s\r\nContent-Type: %s\r\n"
                  "Content-Length: %d\r\nExpect: 100-continue\r\n\r\n" % (KEY, ctype, len(body))).encode())
    interim = sock.recv(100)
    check(interim == b"HTTP/1.1 100 Continue\r\n\r\n", "interim response %r" % interim)
    sock.sendall(body)
    data = b""
    while b"}" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    sock.close()
    check(data.startswith(b"HTTP/1.1 200") and b"job_id" in data, "final response %r" % data[:100])
    # And a real client's multipart upload (curl sends Expect: 100-continue above 1 MiB).
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        data = os.urandom(3 << 20)
        f.write(data)
        f.flush()
        out = subprocess.run(["curl", "-s", "-H", "x-api-key: " + KEY, "-F", "file=@" + f.name, "-F", "async=true",
                              srv.base + "/extract"], capture_output=True, text=True, timeout=60)
        info = srv.info(json.loads(out.stdout)["job_id"])
        check(info["upload_bytes"] == len(data) and info["upload_fnv1a64"] == fnv1a64(data), "curl upload recorded")


@test
def signals_stop_cleanly(srv, binary):
    other = Server(binary)
    other.proc.send_signal(signal.SIGTERM)
    check(other.proc.wait(10) == 0, "SIGTERM exit code")
    other = Server(binary)
    # A stalled response in flight must not keep the server from stopping.
    s = socket.create_connection(("127.0.0.1", other.port))
    s.sendall(raw_get(other.port, "/job/x", "fault=stall_mid_body"))
    time.sleep(0.2)
    other.proc.send_signal(signal.SIGINT)
    check(other.proc.wait(10) == 0, "SIGINT exit code")
    s.close()
    other = Server(binary)
    r = other.request("POST", "/__shutdown", key=None)
    check(r.status == 200, "shutdown answered")
    check(other.proc.wait(10) == 0, "/__shutdown exit code")


@test
def help_option(srv, binary):
    out = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=10)
    check(out.returncode == 0 and "--large-threshold" in out.stdout, "--help")
    out = subprocess.run([binary, "--bogus"], capture_output=True, text=True, timeout=10)
    check(out.returncode == 2, "unknown option exit code")


# ------------------------------------------------------------------------------------------------
# The other kinds: schema, split, tables, batches, pipelines, webhooks.

EXTRACTION = "8f0e2a51-7c3d-4a8e-9b1f-2d6c5e4a7b90"  # the built-in sample's, known from the start

INVOICE = {
    "type": "object",
    "properties": {
        "invoice_number": {"type": "string"},
        "issued": {"type": "string", "format": "date"},
        "total": {"type": "number", "minimum": 10, "maximum": 20},
        "pages": {"type": "integer", "minimum": 1},
        "paid": {"type": "boolean"},
        "currency": {"enum": ["EUR", "USD"]},
        "note": {"type": ["string", "null"], "maxLength": 8},
        "nothing": {"type": "null"},
        "vendor": {"$ref": "#/$defs/party"},
        "contact": {"anyOf": [{"type": "null"}, {"type": "object", "properties": {"email": {"type": "string", "format": "email"}}}]},
        "audit": {"allOf": [{"type": "object", "properties": {"by": {"type": "string"}}},
                            {"properties": {"at": {"type": "string", "format": "date-time"}}}]},
        "kind": {"const": "invoice"},
        "lines": {"type": "array", "minItems": 3, "items": {
            "type": "object", "properties": {"sku": {"type": "string"}, "qty": {"type": "integer"},
                                             "price": {"type": "number"}, "tags": {"type": "array", "items": {"type": "string"}}}}},
    },
    "$defs": {"party": {"type": "object", "properties": {"name": {"type": "string"},
                                                          "address": {"type": "object", "properties": {"city": {"type": "string"}}}}}},
}


def conforms(v, schema, root, path="$"):
    """Why `v` does not fit `schema` (as a typed decoder into a struct would see it), or None."""
    if "$ref" in schema:
        target = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return conforms(v, target, root, path)
    if "const" in schema:
        return None if v == schema["const"] else "%s: %r is not the const" % (path, v)
    if "enum" in schema:
        return None if v in schema["enum"] else "%s: %r is not in the enum" % (path, v)
    for alt in ("anyOf", "oneOf"):
        if alt in schema:
            return None if any(conforms(v, b, root, path) is None for b in schema[alt]) else "%s: no %s branch" % (path, alt)
    if "allOf" in schema:
        props = {}
        for b in schema["allOf"]:
            props.update(b.get("properties", {}))
        return conforms(v, {"type": "object", "properties": props}, root, path)
    types = schema.get("type")
    types = types if isinstance(types, list) else [types]
    py = {"string": str, "integer": int, "number": (int, float), "boolean": bool, "null": type(None),
          "object": dict, "array": list}
    if not any(isinstance(v, py[t]) and not (t in ("integer", "number") and isinstance(v, bool)) for t in types):
        return "%s: %r is not of type %s" % (path, v, types)
    if isinstance(v, dict):
        if set(v) != set(schema.get("properties", {})):
            return "%s: members %s, schema has %s" % (path, sorted(v), sorted(schema.get("properties", {})))
        for k, sub in schema["properties"].items():
            why = conforms(v[k], sub, root, path + "." + k)
            if why:
                return why
    if isinstance(v, list):
        if len(v) < schema.get("minItems", 0):
            return "%s: fewer than minItems" % path
        for i, item in enumerate(v):
            why = conforms(item, schema.get("items", {}), root, "%s[%d]" % (path, i))
            if why:
                return why
    if isinstance(v, str):
        fmt = schema.get("format")
        patterns = {"date": r"\d{4}-\d\d-\d\d$", "date-time": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", "email": r"[^@]+@[^@]+$"}
        if fmt in patterns and not re.match(patterns[fmt], v):
            return "%s: %r is not a %s" % (path, v, fmt)
        if len(v) > schema.get("maxLength", len(v)):
            return "%s: longer than maxLength" % path
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if v < schema.get("minimum", v) or v > schema.get("maximum", v):
            return "%s: %r out of range" % (path, v)
    return None


def error_code(r):
    return r.json()["error"]["code"] if r.header("content-type") == "application/json" else None


def expect_error(r, status, code, what):
    check(r.status == status and error_code(r) == code, "%s: %d %r" % (what, r.status, r.body[:300]))


# Every kind that runs as a job with a result body: (kind, path, request, the member that marks its answer).
KINDS = [
    ("schema", "/schema", {"extraction_id": EXTRACTION, "schema_config": {"input_schema": INVOICE}}, "schema_id"),
    ("split", "/split", {"extraction_id": EXTRACTION,
                         "split_config": {"split_input": [{"name": "Intro"}, {"name": "Body", "description": "the rest"}]}},
     "split_id"),
    ("tables", "/tables", {"extraction_id": EXTRACTION}, "tables_id"),
    ("pipeline", "/pipeline/execute", {"file_url": "https://example.com/a.pdf",
                                       "steps": {"extract": {}, "schema": {"input_schema": INVOICE}}}, "results"),
]


@test
def every_kind_sync_async_large_failed_cancel(srv, binary):
    for kind, path, body, key in KINDS:
        r = srv.post_json(path, body)
        check(r.status == 200 and key in r.json(), "%s sync: %d %r" % (kind, r.status, r.body[:200]))
        check(r.header("x-pulse-job-id") and srv.info(r.header("x-pulse-job-id"))["kind"] == kind, kind + " job kind")

        # Async: acknowledged, polled to completion; the result is the sync answer.
        r = srv.post_json(path, dict(body, **{"async": True}))
        ack = r.json()
        check(r.status == 200 and set(ack) == {"job_id", "status", "message"} and ack["status"] == "pending",
              "%s async ack %r" % (kind, ack))
        seen = [srv.poll(ack["job_id"]).json() for _ in range(3)]
        check([p["status"] for p in seen] == ["pending", "processing", "completed"], kind + " statuses")
        res = seen[-1]["result"]
        check(key in res and "is_url" not in res, "%s inline result %r" % (kind, res))
        info = srv.info(ack["job_id"])
        check(info["kind"] == kind and info["fields"]["async"] is True and info["requests"]["poll"] == 3, kind + " info")

        # Large: a pointer, one clean download (a garbled one does not use it up), then 410.
        jid = srv.post_json(path, dict(body, **{"async": True}),
                            scenario="result=large;poll_steps=0;download_fault=truncated_json@1").json()["job_id"]
        ptr = srv.poll(jid).json()["result"]
        check(ptr["is_url"] is True and ptr["url"] == "%s/large_results/%s" % (srv.base, jid), "%s pointer %r" % (kind, ptr))
        if key.endswith("_id"):
            check(isinstance(ptr.get(key), str), "%s pointer carries %s" % (kind, key))
        first = srv.request("GET", "/large_results/" + jid)
        check(first.status == 200 and first.header("x-pulse-fault") == "truncated_json", kind + " garbled download")
        d = srv.request("GET", "/large_results/" + jid)
        check(d.status == 200 and key in d.json(), "%s download %d" % (kind, d.status))
        if key.endswith("_id"):
            check(d.json()[key] == ptr[key], kind + " pointer id matches the body")
        expect_error(srv.request("GET", "/large_results/" + jid), 410, "GONE", kind + " second download")

        # size=: exact sizes, large by threshold, and the body still decodes with its own shape.
        r = srv.post_json(path, body, scenario="size=30000")
        check(len(r.body) == 30000 and key in r.json() and r.json()["pulse_server_padding"], "%s size=30000" % kind)
        jid = srv.post_json(path, dict(body, **{"async": True}), scenario="size=6000000;poll_steps=0").json()["job_id"]
        ptr = srv.poll(jid).json()["result"]
        d = srv.request("GET", urllib.parse.urlparse(ptr["url"]).path)
        check(ptr["is_url"] is True and len(d.body) == 6000000 and key in d.json(), "%s 6 MB result" % kind)

        # A failed job, sync and async.
        jid = srv.post_json(path, dict(body, **{"async": True}), scenario="status=failed;error=It broke").json()["job_id"]
        done = srv.poll_until_terminal(jid)
        check(done["status"] == "failed" and done["error"] == "It broke" and "result" not in done, "%s failed %r" % (kind, done))
        expect_error(srv.post_json(path, body, scenario="status=failed"), 500, "PROC_001", kind + " sync failure")

        # Cancel.
        jid = srv.post_json(path, dict(body, **{"async": True}), scenario="poll_steps=5").json()["job_id"]
        srv.poll(jid)
        r = srv.request("DELETE", "/job/" + jid)
        check(r.status == 200 and srv.poll(jid).json()["status"] == "canceled", kind + " cancel")

        # A refused submission creates no job; the identical retry is accepted.
        sc = "submit_fault=503:ra=1@1;tag=refused-" + kind
        r = srv.post_json(path, body, scenario=sc)
        check(r.status == 503 and r.header("retry-after") == "1", "%s submit fault %d" % (kind, r.status))
        check(srv.post_json(path, body, scenario=sc).status == 200, kind + " retry")
        jobs = [j for j in srv.request("GET", "/__jobs", key=None).json() if j["tag"] == "refused-" + kind]
        check(len(jobs) == 1 and srv.request("GET", "/__submissions", key=None).json()[sc] == 2, kind + " one job")


@test
def schema_values_follow_the_input_schema(srv, binary):
    r = srv.post_json("/schema", KINDS[0][2])
    ans = r.json()
    check(set(ans) == {"schema_id", "version", "schema_output", "credits_used", "plan_info"}, "single answer %r" % sorted(ans))
    check(ans["version"] == 1 and ans["plan_info"]["pages_used"] == 3 and ans["credits_used"] == 3.0, "credits")
    values, citations = ans["schema_output"]["values"], ans["schema_output"]["citations"]
    why = conforms(values, INVOICE, INVOICE)
    check(why is None, "values do not follow the schema: %s" % why)
    check(len(values["lines"]) == 3 and values["currency"] == "EUR" and values["kind"] == "invoice", "values %r" % values)
    check(10 <= values["total"] <= 20 and isinstance(values["pages"], int), "ranges")
    check(set(citations) == set(values) and all(isinstance(c, list) and c and all(isinstance(i, str) for i in c)
                                                for c in citations.values()), "citations %r" % citations)
    check(re.search(rb"\dE[+-]?\d", r.body) is None and b'"total":20.0' in r.body, "numbers written plainly")
    again = srv.post_json("/schema", KINDS[0][2]).json()
    check(again["schema_output"] == ans["schema_output"] and again["schema_id"] != ans["schema_id"], "deterministic values")
    # A saved configuration stands for a schema the server does not have: the canned invoice.
    r = srv.post_json("/schema", {"extraction_id": EXTRACTION, "schema_config_id": "cfg-1", "async": "true"})
    check(r.status == 200, "schema_config_id %r" % r.body)
    vals = srv.poll_until_terminal(r.json()["job_id"])["result"]["schema_output"]["values"]
    check("invoice_number" in vals and isinstance(vals["line_items"], list), "canned schema values %r" % vals)
    # Several extractions combined: extraction_ids, citations prefixed with the extraction id.
    ans = srv.post_json("/schema", {"extraction_ids": [EXTRACTION, EXTRACTION], "schema_config": {"input_schema": INVOICE}}).json()
    check(ans["extraction_ids"] == [EXTRACTION, EXTRACTION] and ans["credits_used"] == 6.0, "multi %r" % ans.get("extraction_ids"))
    check(all(c[0].startswith(EXTRACTION + "-") for c in ans["schema_output"]["citations"].values()), "multi citations")
    ans = srv.post_json("/schema", dict(KINDS[0][2], schema_config={"input_schema": INVOICE, "effort": True})).json()
    check(ans["credits_used"] == 12.0, "effort costs 4 a page")


@test
def schema_validation(srv, binary):
    cfg = {"input_schema": INVOICE}
    cases = [
        ({}, 400, "REQ_004", "extraction_id"),
        ({"extraction_id": 5, "schema_config": cfg}, 400, "REQ_003", "extraction_id"),
        ({"extraction_id": EXTRACTION}, 400, "REQ_004", "schema_config"),
        ({"extraction_id": EXTRACTION, "schema_config": "x"}, 400, "REQ_003", "schema_config"),
        ({"extraction_id": EXTRACTION, "schema_config": {}}, 400, "REQ_004", "schema_config.input_schema"),
        ({"extraction_id": EXTRACTION, "schema_config": {"input_schema": []}}, 400, "REQ_003", "schema_config.input_schema"),
        ({"extraction_id": EXTRACTION, "schema_config": {"input_schema": {}, "excel_template": "UEsDBA=="}}, 400, "REQ_003", ""),
        ({"extraction_id": EXTRACTION, "schema_config": {"excel_template": "not base64!"}}, 400, "REQ_003", "excel_template"),
        ({"extraction_id": EXTRACTION, "schema_config": cfg, "async": "maybe"}, 400, "REQ_003", "async"),
        ({"extraction_id": EXTRACTION, "extraction_ids": [EXTRACTION], "schema_config": cfg}, 400, "REQ_003", ""),
        ({"extraction_ids": [], "schema_config": cfg}, 400, "REQ_003", "extraction_ids"),
        ({"split_id": "s"}, 400, "REQ_004", "split_schema_config"),
        ({"split_id": "s", "split_schema_config": {"A": {}}}, 400, "REQ_004", "split_schema_config.A.schema"),
        ({"extraction_id": "no-such-extraction", "schema_config": cfg}, 404, "NOT_FOUND", "no-such-extraction"),
        ({"extraction_ids": [EXTRACTION, "missing-one"], "schema_config": cfg}, 404, "NOT_FOUND", "missing-one"),
        ({"split_id": "no-such-split", "split_schema_config": {"A": {"schema": {}}}}, 404, "NOT_FOUND", "no-such-split"),
    ]
    for body, status, code, mention in cases:
        r = srv.post_json("/schema", body)
        expect_error(r, status, code, "schema %r" % body)
        check(mention in r.json()["error"]["message"], "message of %r: %r" % (body, r.json()["error"]["message"]))
    check(r.header("x-pulse-job-id") is None, "a refused request makes no job")
    r = srv.request("POST", "/schema", b"{not json", {"Content-Type": "application/json"})
    expect_error(r, 400, "REQ_002", "malformed body")
    check(srv.request("GET", "/schema").status == 405, "GET /schema")
    check(srv.post_json("/schema", {}, key=None).status == 401, "no key")


@test
def schema_excel_download(srv, binary):
    body = {"extraction_id": EXTRACTION, "schema_config": {"excel_template": "UEsDBBQAAAAIAA=="}}
    ans = srv.post_json("/schema", body).json()
    sid = ans["schema_id"]
    check(ans["excel_output_url"] == "/schema/%s/excel" % sid, "excel_output_url %r" % ans.get("excel_output_url"))
    r = srv.request("GET", ans["excel_output_url"])
    check(r.status == 200 and r.body.startswith(b"PK\x03\x04"), "excel %d %r" % (r.status, r.body[:8]))
    check(r.header("content-type") == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "content type")
    z = zipfile.ZipFile(io.BytesIO(r.body))
    check(z.testzip() is None and "xl/workbook.xml" in z.namelist() and "[Content_Types].xml" in z.namelist(), "xlsx parts")
    sheet = z.read("xl/worksheets/sheet1.xml").decode()
    for name, value in ans["schema_output"]["values"].items():
        check("<t>%s</t>" % name in sheet, "header %s in the sheet" % name)
        if isinstance(value, str):
            check("<t>%s</t>" % value in sheet, "value %s in the sheet" % value)
    check(srv.request("GET", ans["excel_output_url"]).body == r.body, "re-downloadable, same bytes")
    expect_error(srv.request("GET", ans["excel_output_url"], key=None), 401, "AUTH_001", "excel without key")
    expect_error(srv.request("GET", "/schema/no-such-schema/excel"), 404, "NOT_FOUND", "unknown schema")
    plain = srv.post_json("/schema", KINDS[0][2]).json()
    check("excel_output_url" not in plain, "no excel_output_url without a template")
    expect_error(srv.request("GET", "/schema/%s/excel" % plain["schema_id"]), 404, "NOT_FOUND", "schema without template")
    # Async: nothing before the job completes; faults of the excel phase come from the job's scenario.
    jid = srv.post_json("/schema", dict(body, **{"async": True}), scenario="poll_steps=1;excel_fault=503@2").json()["job_id"]
    srv.poll(jid)
    sid = srv.info(jid)["schema_id"]
    check(srv.request("GET", "/schema/%s/excel" % sid).status == 404, "no workbook before completion")
    srv.poll(jid)
    r = srv.request("GET", "/schema/%s/excel" % sid)
    check(r.status == 503 and r.header("x-pulse-fault") == "503", "excel_fault on the second excel request: %d" % r.status)
    check(srv.request("GET", "/schema/%s/excel" % sid).status == 200, "excel after the fault")
    check(srv.info(jid)["requests"]["excel"] == 3, "excel requests counted on the job")


@test
def split_and_split_mode_schema(srv, binary):
    ans = srv.post_json("/split", KINDS[1][2]).json()
    check(set(ans) == {"split_id", "split_output", "credits_used", "plan_info"}, "split answer %r" % ans)
    splits = ans["split_output"]["splits"]
    check(splits == {"Intro": [1], "Body": [2, 3]} and ans["credits_used"] == 6.0, "splits %r" % splits)
    r = srv.post_json("/split", {"extraction_id": EXTRACTION, "split_config_id": "saved"})
    check(r.status == 200 and len(r.json()["split_output"]["splits"]) == 3, "split_config_id %r" % r.body)
    for body, status, code in [
            ({"split_config": {"split_input": [{"name": "A"}]}}, 400, "REQ_004"),
            ({"extraction_id": EXTRACTION}, 400, "REQ_004"),
            ({"extraction_id": EXTRACTION, "split_config": {}}, 400, "REQ_004"),
            ({"extraction_id": EXTRACTION, "split_config": {"split_input": []}}, 400, "REQ_003"),
            ({"extraction_id": EXTRACTION, "split_config": {"split_input": [{"description": "x"}]}}, 400, "REQ_004"),
            ({"extraction_id": EXTRACTION, "split_config": {"split_input": [{"name": "A"}, {"name": "A"}]}}, 400, "REQ_003"),
            ({"extraction_id": "nope", "split_config": {"split_input": [{"name": "A"}]}}, 404, "NOT_FOUND")]:
        expect_error(srv.post_json("/split", body), status, code, "split %r" % body)

    # Split mode: per-topic values; a configured topic the split lacks is reported under errors.
    topic_schema = {"type": "object", "properties": {"heading": {"type": "string"}, "count": {"type": "integer"}}}
    ans = srv.post_json("/schema", {"split_id": ans["split_id"], "split_schema_config": {
        "Intro": {"schema": topic_schema}, "Body": {"schema_config_id": "saved", "effort": True},
        "Appendix": {"schema": topic_schema}}}).json()
    check(set(ans["results"]) == {"Intro", "Body"} and "Appendix" in ans["errors"], "split-mode answer %r" % ans)
    check(ans["split_id"] and "version" not in ans and "schema_output" not in ans, "split-mode shape")
    check(conforms(ans["results"]["Intro"]["values"], topic_schema, topic_schema) is None, "topic values")
    check(ans["input_schemas"]["Intro"] == topic_schema, "input_schemas echo")


@test
def tables_formats(srv, binary):
    ans = srv.post_json("/tables", KINDS[2][2]).json()
    tables = ans["tables_output"]["tables"]
    check(set(ans) == {"tables_id", "tables_output", "credits_used", "plan_info"} and len(tables) == 2, "tables %r" % ans)
    check(all(t["table_content"].startswith("<table>") and t["from_chart"] is False for t in tables), "html tables")
    check([t["citations"] for t in tables] == [["tbl-1"], ["tbl-2"]] and ans["credits_used"] == 0.5, "citations, credits")
    ans = srv.post_json("/tables", {"extraction_id": EXTRACTION, "tables_config": {
        "merge": True, "table_format": "json", "charts_to_tables": True}}).json()
    merged, chart = ans["tables_output"]["tables"]
    check(merged["citations"] == ["tbl-1", "tbl-2"] and len(merged["table_content"]["rows"]) == 4, "merged %r" % merged)
    check(set(merged["table_content"]["rows"][0]) == set(merged["table_content"]["headers"]), "json rows keyed by header")
    check(chart["from_chart"] is True and chart["citations"] == ["fig-1"], "chart table %r" % chart)
    expect_error(srv.post_json("/tables", {"extraction_id": EXTRACTION, "tables_config": {"table_format": "csv"}}),
                 400, "REQ_003", "bad table_format")
    expect_error(srv.post_json("/tables", {"extraction_id": EXTRACTION, "tables_config": {"merge": "yes"}}),
                 400, "REQ_003", "bad merge")
    expect_error(srv.post_json("/tables", {}), 400, "REQ_004", "tables without extraction_id")
    expect_error(srv.post_json("/tables", {"extraction_id": "nope"}), 404, "NOT_FOUND", "tables unknown extraction")


def poll_batch(srv, batch_id, limit=30):
    """Polls a batch to a terminal status; returns every poll's answer."""
    seen = []
    for _ in range(limit):
        r = srv.poll(batch_id)
        check(r.status == 200, "batch poll %d" % r.status)
        seen.append(r.json())
        if seen[-1]["status"] in ("completed", "failed", "canceled"):
            return seen
    raise Failure("batch %s never finished" % batch_id)


@test
def batch_extract_progress_and_items(srv, binary):
    urls = ["https://example.com/%d.pdf" % i for i in range(5)]
    r = srv.post_json("/batch/extract", {"input": {"file_urls": urls}, "output": {"s3_prefix": "s3://b/out/"}, "workers": 2},
                      scenario="fail_items=3;error=Unreadable scan")
    ack = r.json()
    check(r.status == 202 and ack["status"] == "processing" and ack["total_files"] == 5 and ack["batch_job_id"],
          "ack %d %r" % (r.status, ack))
    bid = ack["batch_job_id"]
    check(r.header("x-pulse-job-id") == bid, "x-pulse-job-id")
    expect_error(srv.post_json("/schema", {"extraction_id": bid, "schema_config": {"input_schema": INVOICE}}),
                 400, "REQ_003", "schema on an unfinished batch")
    seen = poll_batch(srv, bid)
    check([p["status"] for p in seen] == ["processing"] * 3 + ["completed"], "batch statuses %r" % [p["status"] for p in seen])
    check(all("result" in p for p in seen), "the progress is there at every status")
    done_counts = [p["result"]["completed"] + p["result"]["failed"] for p in seen]
    check(done_counts == sorted(done_counts) and done_counts[0] == 0 and done_counts[-1] == 5, "progress %r" % done_counts)
    first = seen[0]["result"]["items"]
    check([i["status"] for i in first] == ["processing", "processing", "pending", "pending", "pending"], "first poll items")
    final = seen[-1]["result"]
    check(final["total"] == 5 and final["completed"] == 4 and final["failed"] == 1, "final counts %r" % final)
    ids = [i["job_id"] for i in final["items"]]
    check([i["job_id"] for i in first] == ids and len(set(ids)) == 5, "child ids are stable and distinct")
    for item, url in zip(final["items"], urls):
        check(item["source"] == url and item["index"] == final["items"].index(item), "item %r" % item)
        child = srv.poll(item["job_id"]).json()
        check(child["job_id"] == item["job_id"] and child["status"] == item["status"], "child poll %r" % child)
        if item["status"] == "completed":
            check(child["result"]["extraction_id"] == item["extraction_id"] and "markdown" in child["result"], "child result")
        else:
            check(item["error"] == child["error"] == "Unreadable scan" and "extraction_id" not in item, "failed item")
    info = srv.info(ids[0])
    check(info["batch_job_id"] == bid and info["source"] == urls[0] and info["requests"]["submit"] == 0, "child info")
    check(srv.info(bid)["kind"] == "batch_extract" and srv.info(bid)["items"] == ids, "batch info")

    # A completed batch stands for its completed items' extractions.
    ans = srv.post_json("/schema", {"extraction_id": bid, "schema_config": {"input_schema": INVOICE}}).json()
    check(ans["extraction_ids"] == [i["extraction_id"] for i in final["items"] if i["status"] == "completed"],
          "schema over a batch %r" % ans.get("extraction_ids"))
    one = final["items"][0]["extraction_id"]
    check(srv.post_json("/split", {"extraction_id": one, "split_config_id": "x"}).status == 200, "item extraction is known")
    r = srv.post_json("/batch/tables", {"batch_extract_id": bid, "output": {}})
    check(r.status == 202 and r.json()["total_extractions"] == 4, "batch tables over a batch %r" % r.body)

    for body, code in [({"output": {}}, "REQ_004"), ({"input": {"file_urls": urls}}, "REQ_004"),
                       ({"input": {}, "output": {}}, "REQ_004"),
                       ({"input": {"file_urls": urls, "s3_prefix": "s3://x/"}, "output": {}}, "REQ_003"),
                       ({"input": {"file_urls": "one"}, "output": {}}, "REQ_003"),
                       ({"input": {"file_urls": urls}, "output": {}, "workers": 11}, "REQ_003"),
                       ({"input": {"file_urls": urls}, "output": "s3://x"}, "REQ_003"),
                       ({"input": {"files": [{"filename": "a.pdf", "content": "%%%"}]}, "output": {}}, "REQ_003"),
                       ({"input": {"files": [{"content": "QQ=="}]}, "output": {}}, "REQ_004"),
                       ({"input": {"file_urls": urls}, "output": {}, "extract_options": {"pages": "x-1"}}, "REQ_006")]:
        expect_error(srv.post_json("/batch/extract", body), 400, code, "batch extract %r" % body)
    r = srv.post_json("/batch/extract", {"input": {"s3_prefix": "s3://in/docs"}, "output": {"local_path": "/tmp/out"}})
    check(r.status == 202 and r.json()["total_files"] == 3, "s3_prefix %r" % r.body)
    r = srv.post_json("/batch/extract", {"input": {"files": [{"filename": "a.pdf", "content": "JVBERi0="}]}, "output": {}},
                      scenario="poll_steps=0")
    items = srv.poll(r.json()["batch_job_id"]).json()["result"]["items"]
    check(items[0]["source"] == "a.pdf" and items[0]["status"] == "completed", "uploaded files %r" % items)


@test
def batch_schema_tables_split(srv, binary):
    other = srv.post_json("/schema", {"extraction_id": EXTRACTION, "schema_config": {"input_schema": INVOICE}})
    check(other.status == 200, "warm-up")
    cfg = {"input_schema": INVOICE}
    for body, status, code in [({"output": {}, "schema_config": cfg}, 400, "REQ_004"),
                               ({"extraction_ids": [EXTRACTION], "schema_config": cfg}, 400, "REQ_004"),
                               ({"extraction_ids": [EXTRACTION], "output": {}}, 400, "REQ_004"),
                               ({"extraction_ids": [EXTRACTION], "output": {}, "schema_config": cfg, "page_range": "1-"}, 400, "REQ_006"),
                               ({"extraction_ids": [EXTRACTION], "split_ids": ["s"], "output": {}, "schema_config": cfg}, 400, "REQ_003"),
                               ({"extraction_ids": ["nope"], "output": {}, "schema_config": cfg}, 404, "NOT_FOUND"),
                               ({"batch_extract_id": "nope", "output": {}, "schema_config": cfg}, 404, "NOT_FOUND"),
                               ({"split_ids": ["nope"], "output": {}, "split_schema_config": {"A": {"schema": {}}}}, 404, "NOT_FOUND")]:
        expect_error(srv.post_json("/batch/schema", body), status, code, "batch schema %r" % body)
    expect_error(srv.post_json("/batch/split", {"extraction_ids": [EXTRACTION], "output": {}}), 400, "REQ_004", "split_config")
    expect_error(srv.post_json("/batch/tables", {"output": {}}), 400, "REQ_004", "batch tables source")

    r = srv.post_json("/batch/schema", {"extraction_ids": [EXTRACTION, EXTRACTION], "output": {}, "schema_config": cfg,
                                        "page_range": "1-2,5"})
    check(r.status == 202 and r.json()["total_extractions"] == 2 and "total_splits" not in r.json(), "batch schema %r" % r.body)
    final = poll_batch(srv, r.json()["batch_job_id"])[-1]["result"]
    for item in final["items"]:
        child = srv.poll(item["job_id"]).json()["result"]
        check(child["schema_id"] == item["schema_id"] and conforms(child["schema_output"]["values"], INVOICE, INVOICE) is None,
              "batch schema item %r" % item)

    r = srv.post_json("/batch/split", {"extraction_ids": [EXTRACTION], "output": {},
                                       "split_config": {"split_input": [{"name": "A"}, {"name": "B"}]}})
    check(r.status == 202 and r.json()["total_extractions"] == 1, "batch split %r" % r.body)
    bsplit = r.json()["batch_job_id"]
    item = poll_batch(srv, bsplit)[-1]["result"]["items"][0]
    check(srv.poll(item["job_id"]).json()["result"]["split_output"]["splits"] == {"A": [1], "B": [2, 3]}, "split item")
    r = srv.post_json("/batch/schema", {"batch_split_id": bsplit, "output": {},
                                        "split_schema_config": {"A": {"schema": INVOICE}, "B": {"schema": INVOICE}}})
    check(r.status == 202 and r.json()["total_splits"] == 1, "batch schema by split %r" % r.body)
    item = poll_batch(srv, r.json()["batch_job_id"])[-1]["result"]["items"][0]
    check(set(srv.poll(item["job_id"]).json()["result"]["results"]) == {"A", "B"}, "split-mode batch item")
    r = srv.post_json("/batch/schema", {"split_ids": [item["source"]], "output": {},
                                        "split_schema_config": {"A": {"schema": INVOICE}}})
    check(r.status == 202 and r.json()["total_splits"] == 1, "batch schema by split_ids %r" % r.body)

    r = srv.post_json("/batch/tables", {"extraction_ids": [EXTRACTION], "output": {}, "tables_config": {"table_format": "json"}})
    check(r.status == 202 and r.json()["total_extractions"] == 1, "batch tables %r" % r.body)
    item = poll_batch(srv, r.json()["batch_job_id"])[-1]["result"]["items"][0]
    tables = srv.poll(item["job_id"]).json()["result"]["tables_output"]["tables"]
    check(item["tables_id"] and isinstance(tables[0]["table_content"], dict), "tables item")

    # Items take the scenario's result keys: a large item result, downloaded once.
    r = srv.post_json("/batch/tables", {"extraction_ids": [EXTRACTION], "output": {}}, scenario="result=large;poll_steps=0")
    item = srv.poll(r.json()["batch_job_id"]).json()["result"]["items"][0]
    ptr = srv.poll(item["job_id"]).json()["result"]
    check(ptr["is_url"] is True and ptr["tables_id"] == item["tables_id"], "item pointer %r" % ptr)
    check(srv.request("GET", "/large_results/" + item["job_id"]).status == 200, "item download")
    check(srv.request("GET", "/large_results/" + item["job_id"]).status == 410, "item download 410")


@test
def batch_cancel_and_faults(srv, binary):
    urls = ["https://example.com/%d.pdf" % i for i in range(6)]
    bid = srv.post_json("/batch/extract", {"input": {"file_urls": urls}, "output": {}, "workers": 2}).json()["batch_job_id"]
    srv.poll(bid)
    r = srv.request("DELETE", "/job/" + bid)
    check(r.status == 200 and r.json()["status"] == "canceled", "cancel batch %r" % r.body)
    after = srv.poll(bid).json()
    check(after["status"] == "canceled" and {i["status"] for i in after["result"]["items"]} == {"canceled"}, "items canceled")
    check(srv.poll(after["result"]["items"][0]["job_id"]).json()["status"] == "canceled", "child canceled")
    # Canceling one item leaves the rest running.
    bid = srv.post_json("/batch/extract", {"input": {"file_urls": urls[:2]}, "output": {}}).json()["batch_job_id"]
    child = srv.poll(bid).json()["result"]["items"][1]["job_id"]
    srv.request("DELETE", "/job/" + child)
    final = poll_batch(srv, bid)[-1]
    check([i["status"] for i in final["result"]["items"]] == ["completed", "canceled"], "one item canceled %r" % final)
    # Faults: a refused submission, a refused poll that does not advance the batch, a failed batch.
    sc = "submit_fault=429@1;poll_fault=503@2;tag=batch-faults"
    body = {"input": {"file_urls": urls[:4]}, "output": {}, "workers": 1}
    check(srv.post_json("/batch/extract", body, scenario=sc).status == 429, "batch submit fault")
    bid = srv.post_json("/batch/extract", body, scenario=sc).json()["batch_job_id"]
    a = srv.poll(bid).json()["result"]
    check(srv.poll(bid).status == 503, "batch poll fault")
    b = srv.poll(bid).json()["result"]
    check(b["completed"] == a["completed"] + 1, "a refused poll moves nothing (%d -> %d)" % (a["completed"], b["completed"]))
    done = poll_batch(srv, srv.post_json("/batch/extract", body, scenario="status=failed;error=Bucket gone").json()["batch_job_id"])[-1]
    check(done["status"] == "failed" and done["error"] == "Bucket gone" and done["result"]["total"] == 4, "failed batch %r" % done)


@test
def pipeline_steps(srv, binary):
    topic = {"split_input": [{"name": "A"}, {"name": "B", "description": "second"}]}
    schema = {"input_schema": {"type": "object", "properties": {"n": {"type": "integer"}}}}
    ans = srv.post_json("/pipeline/execute", {"file_url": "https://example.com/a.pdf",
                                              "steps": {"extract": {"pages": "1-3"}, "split": topic, "schema": schema}}).json()
    res = ans["results"]
    check(ans["status"] == "completed" and list(res) == ["extract", "split", "schema"], "steps in order %r" % list(res))
    check(ans["total_latency"] == sum(r["latency"] for r in res.values()), "total_latency")
    check(res["extract"]["pages"] == res["extract"]["page_count"] == 3 and "markdown" in res["extract"], "extract step")
    check(res["split"]["split_input"] == topic["split_input"] and res["split"]["split_output"]["splits"] == {"A": [1], "B": [2, 3]},
          "split step %r" % res["split"])
    check(res["schema"]["split_id"] == res["split"]["split_id"] and set(res["schema"]["results"]) == {"A", "B"}, "schema step")
    check("auto_delete" not in ans, "no auto_delete")
    # What the pipeline made can be used afterwards...
    check(srv.post_json("/tables", {"extraction_id": res["extract"]["extraction_id"]}).status == 200, "extraction kept")
    # ...unless auto_delete.
    ans = srv.post_json("/pipeline/execute", {"file_url": "u", "steps": {"extract": {}, "tables": {}}, "auto_delete": True}).json()
    check(ans["auto_delete"] is True and list(ans["results"]) == ["extract", "tables"], "auto_delete %r" % ans)
    expect_error(srv.post_json("/tables", {"extraction_id": ans["results"]["extract"]["extraction_id"]}), 404, "NOT_FOUND",
                 "auto_delete leaves nothing")
    # batch_extract -> schema, with the files inside the step.
    ans = srv.post_json("/pipeline/execute", {"steps": {"batch_extract": {"file_urls": ["a", "b", "c"], "workers": 2},
                                                        "schema": schema}}).json()
    be, sch = ans["results"]["batch_extract"], ans["results"]["schema"]
    check(be["total_files"] == 3 and len(be["extraction_ids"]) == 3 and sch["extraction_ids"] == be["extraction_ids"], "batch pipeline")
    # Multipart: file parts, steps as JSON text, async and auto_delete as text.
    body, ctype = multipart({"steps": json.dumps({"extract": {}, "schema": schema}), "async": "true"},
                            {"file": ("doc.pdf", b"%PDF-1.4 x")})
    r = srv.request("POST", "/pipeline/execute", body, {"Content-Type": ctype})
    check(r.status == 200 and r.json()["status"] == "pending", "multipart async %r" % r.body)
    done = srv.poll_until_terminal(r.json()["job_id"])
    check(list(done["result"]["results"]) == ["extract", "schema"], "multipart pipeline result")
    check(srv.info(r.json()["job_id"])["upload_bytes"] == 10, "upload recorded")
    for steps, code in [({"schema": schema, "extract": {}}, "REQ_003"), ({"extract": {}, "tables": {}, "schema": schema}, "REQ_003"),
                        ({"split": topic}, "REQ_003"), ({"extract": {}, "ocr": {}}, "REQ_003"), ({}, "REQ_004"),
                        ({"extract": {"pages": "0"}}, "REQ_006"), ({"extract": {}, "split": {}}, "REQ_004"),
                        ({"extract": []}, "REQ_003")]:
        expect_error(srv.post_json("/pipeline/execute", {"file_url": "u", "steps": steps}), 400, code, "pipeline %r" % steps)
    expect_error(srv.post_json("/pipeline/execute", {"file_url": "u"}), 400, "REQ_004", "no steps")
    expect_error(srv.post_json("/pipeline/execute", {"steps": {"extract": {}}}), 400, "REQ_001", "no document")
    expect_error(srv.post_json("/pipeline/execute", {"steps": {"batch_extract": {}, "schema": schema}}), 400, "REQ_001", "no files")
    expect_error(srv.post_json("/pipeline/execute", {"file_url": "u", "steps": "{"}), 400, "REQ_003", "steps text not JSON")


@test
def webhook_link(srv, binary):
    r = srv.request("POST", "/webhook")
    check(r.status == 200 and r.json()["link"].startswith("https://app.svix.com/app-portal/login/"), "link %r" % r.body)
    check(srv.request("POST", "/webhook").json()["link"] != r.json()["link"], "a fresh link each time")
    expect_error(srv.request("POST", "/webhook", key=None), 401, "AUTH_001", "webhook without key")
    check(srv.request("GET", "/webhook").status == 405, "GET /webhook")
    check(srv.request("POST", "/webhook", scenario="fault=500").status == 500, "faults apply")


def cpu_seconds(pid):
    """User + system CPU time of a process (Linux /proc), or None elsewhere."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def throughput(srv):
    """1 GB generated result through curl to /dev/null, twice; returns (best bytes per second, server
    CPU seconds spent on that transfer). The CPU figure tells a busy machine from a slow server."""
    best = (0.0, None)
    for _ in range(2):
        jid = srv.job("poll_steps=0;result=large;size=1G")
        url = srv.poll(jid).json()["result"]["url"]
        cpu0 = cpu_seconds(srv.proc.pid)
        out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{speed_download} %{size_download}",
                              "-H", "x-api-key: " + KEY, url], capture_output=True, text=True, timeout=120)
        cpu1 = cpu_seconds(srv.proc.pid)
        speed, size = out.stdout.split()
        check(int(size) == 1 << 30, "1 GB downloaded (%s bytes)" % size)
        if float(speed) > best[0]:
            best = (float(speed), cpu1 - cpu0 if cpu0 is not None and cpu1 is not None else None)
    return best


def main():
    args = sys.argv[1:]
    if "--" in args:
        EXTRA_ARGS.extend(args[args.index("--") + 1:])
        args = args[:args.index("--")]
    if not args:
        print(__doc__)
        return 2
    binary = os.path.abspath(args[0])
    only = args[args.index("-k") + 1] if "-k" in args else None
    srv = Server(binary)
    passed = failed = 0
    try:
        for fn in TESTS:
            if only and only not in fn.__name__:
                continue
            try:
                fn(srv, binary)
                passed += 1
            except Exception as e:  # noqa: BLE001 - a crash in a test is a failure of that test
                failed += 1
                print("FAIL %s: %s: %s" % (fn.__name__, type(e).__name__, e))
        if "--no-throughput" not in args and not only:
            try:
                speed, cpu = throughput(srv)
                print("throughput: 1 GB generated result via curl: %.0f MB/s%s" % (
                    speed / 1e6, "" if cpu is None else " (server CPU %.2f s for the 1 GB)" % cpu))
                # The figure matters; the floor only catches a broken server, not a busy machine.
                check(speed > 100e6, "throughput below 100 MB/s")
                passed += 1
            except Exception as e:  # noqa: BLE001
                failed += 1
                print("FAIL throughput: %s" % e)
        code = srv.stop()
        if code != 0:
            failed += 1
            print("FAIL shutdown: exit code %r" % code)
    finally:
        if srv.proc.poll() is None:
            srv.proc.kill()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
