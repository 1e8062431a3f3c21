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
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

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
