#!/usr/bin/env python3
"""Tests of the `pulse` command-line tool against the local Pulse-compatible server.

    python3 tests/cli/test_cli.py path/to/pulse path/to/pulse-server [-k NAME] [-j JOBS]

Python 3 standard library only. Starts pulse-server instances on ephemeral loopback ports and runs
the real `pulse` binary: every command, every exit code (job failed/canceled/expired, 410 gone,
401, a closed port, a bad path, malformed JSON, the deadline, Ctrl-C), progress on a
pseudo-terminal ('\\r'-rewritten line) and on a pipe (plain lines), --quiet, a missing key, and
the API key never appearing in any output -- also when the server echoes it back. The job kinds
(schema, split, tables, batches, pipelines) each get an inline result, --no-wait then `pulse wait`,
a failed job, usage errors and --request files; a batch also a failed item (exit 5). Tests run in
parallel (most of their time is the client waiting for polls). Last line: "N passed, N failed";
the exit status is non-zero when any test failed.
"""
import base64
import concurrent.futures
import hashlib
import hmac
import json
import urllib.parse
import os
import pty  # noqa: F401  (documents the dependency; os.openpty is used so tests can run in threads)
import re
import secrets
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SAMPLE = os.path.join(ROOT, "examples", "data", "sample.pdf")
KEY = "sk-cli-test-" + secrets.token_hex(12)  # unique: any occurrence in output is a leak

PULSE = SERVER = None
TMP = None
OUTPUTS = []  # (test, stream, text) of every run, for the global key check
OUTPUTS_LOCK = threading.Lock()
_local = threading.local()


class Failure(Exception):
    pass


def check(cond, msg, result=None):
    if not cond:
        if result is not None:
            msg += "\n    rc=%s\n    stdout=%r\n    stderr=%r" % (result.rc, result.out[:600], result.err[-1500:])
        raise Failure(msg)


# ---- servers ------------------------------------------------------------------------------------

class Server:
    def __init__(self, *args):
        self.proc = subprocess.Popen([SERVER, "--port", "0", "--quiet", "--api-key", KEY, *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("listening on 127.0.0.1:"):
            self.proc.kill()
            raise RuntimeError("unexpected first line from pulse-server: %r" % line)
        self.port = int(line.strip().rsplit(":", 1)[1])
        self.base = "http://127.0.0.1:%d" % self.port

    def get(self, path):
        with urllib.request.urlopen(self.base + path, timeout=10) as r:
            return json.loads(r.read())

    def job(self, job_id):
        return self.get("/__jobs/" + job_id)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


MAIN = None    # --poll-steps 0: the first poll answers the final status
ECHO = None    # every request answered 401 with the key echoed in the body and a header


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ---- running pulse ------------------------------------------------------------------------------

class Result:
    def __init__(self, rc, out, err):
        self.rc, self.out, self.err = rc, out, err

    def text(self):
        return self.out.decode("utf-8", "replace")


PROXY_VARS = ("http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY")


def env_for(key=KEY, base=None, extra=None):
    # The caller's proxy settings would route the tests' requests to the local server elsewhere.
    env = {k: v for k, v in os.environ.items() if k not in ("PULSE_API_KEY", "PULSE_BASE_URL") + PROXY_VARS}
    if key is not None:
        env["PULSE_API_KEY"] = key
    env["PULSE_BASE_URL"] = base if base is not None else MAIN.base
    env.update(extra or {})
    return env


def record(out, err):
    with OUTPUTS_LOCK:
        OUTPUTS.append((getattr(_local, "name", "?"), "stdout", out.decode("utf-8", "replace")))
        OUTPUTS.append((getattr(_local, "name", "?"), "stderr", err))


def pulse(*args, key=KEY, base=None, scenario=None, timeout=60, env=None, stdin=None):
    """Run pulse; `stdin`: bytes or text for its standard input (else it gets none)."""
    argv = [PULSE, *args]
    if scenario is not None:
        argv += ["--header", "x-pulse-scenario: " + scenario]
    if isinstance(stdin, str):
        stdin = stdin.encode()
    p = subprocess.run(argv, env=env or env_for(key, base), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       input=stdin if stdin is not None else b"", timeout=timeout)
    err = p.stderr.decode("utf-8", "replace")
    record(p.stdout, err)
    return Result(p.returncode, p.stdout, err)


def expect_rc(r, rc, what):
    check(r.rc == rc, "%s: expected exit code %d, got %d" % (what, rc, r.rc), r)


def tmp(name):
    d = os.path.join(TMP, getattr(_local, "name", "x"))
    os.makedirs(d, exist_ok=True)
    return os.path.join(d, name)


def submit_only(scenario=None, *extra):
    """Submit SAMPLE with --no-wait: the job's token (what the command prints) and its id."""
    r = pulse("extract", SAMPLE, "--no-wait", *extra, scenario=scenario)
    expect_rc(r, 0, "extract --no-wait")
    token = r.text().strip()
    job_id = id_of(token)
    check(re.fullmatch(r"[0-9a-f-]{36}", job_id) is not None, "--no-wait printed %r, not a job token" % token, r)
    return token, job_id


def id_of(token):
    """The job id in a job token (pulse-job:KIND?v=1&id=ID&api=BASE)."""
    u = urllib.parse.urlsplit(token)
    check(u.scheme == "pulse-job", "not a job token: %r" % token)
    return urllib.parse.parse_qs(u.query).get("id", [""])[0]


def start_pulse(args, scenario=None, stderr_fd=None, env=None, stdout_fd=None):
    argv = [PULSE, *args]
    if scenario is not None:
        argv += ["--header", "x-pulse-scenario: " + scenario]
    return subprocess.Popen(argv, env=env or env_for(), stdout=stdout_fd if stdout_fd is not None else subprocess.PIPE,
                            stderr=stderr_fd if stderr_fd is not None else subprocess.PIPE)


def on_a_terminal(args, scenario, stdout_too=False):
    """Run pulse with stderr (and stdout too, when asked) on a pseudo-terminal: its exit code and
    what the terminal showed."""
    master, slave = os.openpty()
    try:
        p = start_pulse(args, scenario=scenario, stderr_fd=slave, stdout_fd=slave if stdout_too else None)
        os.close(slave)
        slave = None
        data = drain(master, 30)
        rc = p.wait(10)
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
    text = data.decode("utf-8", "replace")
    record(b"", text)
    return rc, text


def interrupted(args, sig):
    """Run pulse with `args` on a job that never finishes and send it `sig` once it has said which
    job it submitted: its exit code, its stderr and the job's id."""
    p = start_pulse(args, scenario="status=weird")
    try:
        got = read_until(p.stderr.fileno(), rb"submitted job ([0-9a-f-]{36})")
        job_id = re.search(rb"submitted job ([0-9a-f-]{36})", got).group(1).decode()
        time.sleep(0.3)
        p.send_signal(sig)
        rest = drain(p.stderr.fileno(), 10)
        rc = p.wait(10)
    finally:
        if p.poll() is None:
            p.kill()
    err = (got + rest).decode("utf-8", "replace")
    record(b"", err)
    return rc, err, job_id


def read_until(stream_fd, pattern, limit=15.0):
    """Read from a file descriptor until `pattern` (bytes regex) matches; return all bytes read."""
    buf = b""
    end = time.time() + limit
    while time.time() < end:
        r, _, _ = select.select([stream_fd], [], [], 0.1)
        if r:
            try:
                chunk = os.read(stream_fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
            if re.search(pattern, buf):
                return buf
    raise Failure("did not see %r within %.0fs; got %r" % (pattern, limit, buf[-800:]))


def drain(fd, limit=20.0):
    buf = b""
    end = time.time() + limit
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO on a pty once the child is gone
                break
            if not chunk:
                break
            buf += chunk
    return buf


# ---- tests --------------------------------------------------------------------------------------

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


@test
def help_and_version():
    r = pulse("--help")
    expect_rc(r, 0, "pulse --help")
    t = r.text()
    for code in range(0, 14):
        check(re.search(r"^\s*%d\s+\S" % code, t, re.M), "pulse --help lacks exit code %d" % code, r)
    for cmd in ("extract", "job", "wait", "download", "cancel", "form", "schema", "split", "tables", "batch", "pipeline", "webhook"):
        check(re.search(r"^  %s\b" % cmd, t, re.M), "pulse --help does not list %s" % cmd, r)
        h = pulse(cmd, "--help")
        expect_rc(h, 0, "pulse %s --help" % cmd)
        check(("Usage: pulse " + cmd) in h.text(), "pulse %s --help has no usage line" % cmd, h)
        h2 = pulse("help", cmd)
        expect_rc(h2, 0, "pulse help %s" % cmd)
        check(h2.out == h.out, "pulse help %s differs from pulse %s --help" % (cmd, cmd))
    v = pulse("--version")
    expect_rc(v, 0, "pulse --version")
    check(re.match(r"pulse \d+\.\d+\.\d+", v.text()), "unexpected version text", v)
    # --help needs no key
    expect_rc(pulse("extract", "--help", key=None), 0, "extract --help without a key")


@test
def usage_errors_exit_2():
    for args, what in [((), "no command"), (("bogus",), "unknown command"),
                       (("extract", SAMPLE, "--bogus"), "unknown option"),
                       (("job",), "missing id"), (("job", "a", "b"), "two ids"),
                       (("job", "x", "--markdown"), "option of another command"),
                       (("extract",), "missing FILE"), (("extract", SAMPLE, "--url", "http://x/y.pdf"), "FILE and --url"),
                       (("extract", SAMPLE, "--timeout", "soon"), "bad --timeout"),
                       (("extract", SAMPLE, "--retries", "-1"), "bad --retries"),
                       (("extract", SAMPLE, "--out"), "--out without a value"),
                       (("extract", SAMPLE, "--set", "novalue"), "bad --set"),
                       (("extract", SAMPLE, "--header", "x-api-key: " + KEY), "key in --header"),
                       (("download", "some-id"), "download without --out"),
                       (("form", "stamp", SAMPLE), "unknown form action"),
                       (("form", "fill", SAMPLE), "fill without --instructions")]:
        r = pulse(*args)
        expect_rc(r, 2, what)
        check("pulse" in r.err, "%s: no message on stderr" % what, r)
    r = pulse("extract", SAMPLE, "--base-url", "ftp://nowhere")
    expect_rc(r, 2, "bad base URL")


@test
def bad_file_path_exit_2():
    r = pulse("extract", os.path.join(TMP, "no-such-file.pdf"))
    expect_rc(r, 2, "missing input file")
    check("no such file" in r.err, "message does not say the file is missing", r)
    r = pulse("extract", TMP)
    expect_rc(r, 2, "a directory as input")
    out = os.path.join(TMP, "no-such-dir", "out.json")
    r = pulse("extract", SAMPLE, "--out", out)
    expect_rc(r, 2, "--out in a missing directory")
    check("cannot write" in r.err, "message does not name the output problem", r)


@test
def missing_key_exit_3():
    r = pulse("extract", SAMPLE, key=None)
    expect_rc(r, 3, "PULSE_API_KEY unset")
    check("PULSE_API_KEY is not set" in r.err, "no clear message about the missing key", r)
    r = pulse("job", "abc", key="")
    expect_rc(r, 3, "PULSE_API_KEY empty")


@test
def wrong_key_exit_3():
    r = pulse("extract", SAMPLE, key="wrong-" + secrets.token_hex(4))
    expect_rc(r, 3, "wrong key")
    check("401" in r.err, "message lacks the HTTP status", r)
    r = pulse("job", "0000", key="wrong-key")
    expect_rc(r, 3, "wrong key on job")


@test
def server_down_exit_4():
    base = "http://127.0.0.1:%d" % closed_port()
    t0 = time.time()
    r = pulse("extract", SAMPLE, "--retries", "0", base=base)
    expect_rc(r, 4, "closed port")
    check("connect" in r.err.lower(), "message does not say the connection failed", r)
    r = pulse("job", "abc", "--retries", "0", base=base)
    expect_rc(r, 4, "closed port (job)")
    # --base-url wins over PULSE_BASE_URL
    r = pulse("extract", SAMPLE, "--base-url", MAIN.base, base=base)
    expect_rc(r, 0, "--base-url over a dead PULSE_BASE_URL")
    check(time.time() - t0 < 30, "took too long")


@test
def extract_json_to_stdout():
    r = pulse("extract", SAMPLE)
    expect_rc(r, 0, "extract")
    doc = json.loads(r.out)
    check(isinstance(doc.get("markdown"), str) and doc["markdown"], "no markdown in the JSON", r)
    for label in ("pages", "markdown", "tables", "words"):
        check(re.search(r"^\s+%s\s+\S" % label, r.err, re.M), "summary lacks %s" % label, r)
    check("done in" in r.err, "no summary line", r)


@test
def extract_markdown_and_options():
    md = tmp("out.md")
    r = pulse("extract", SAMPLE, "--markdown", "--out", md, "--model", "pulse-ultra-2", "--pages", "1-2",
              "--set", "refine=true", "--set", 'extensions={"altOutputs":{"wlbb":true}}')
    expect_rc(r, 0, "extract --markdown")
    ref = json.loads(pulse("extract", SAMPLE).out)["markdown"]
    check(open(md, encoding="utf-8").read() == ref, "the markdown file differs from the result's markdown")
    job_id = re.search(r"submitted job ([0-9a-f-]{36})", r.err).group(1)
    info = MAIN.job(job_id)
    f = info["fields"]
    check(f.get("model") == "pulse-ultra-2" and f.get("pages") == "1-2", "model/pages not sent: %r" % f)
    check(f.get("refine") == "true", "--set refine=true not sent as 'true': %r" % f)
    check(json.loads(f.get("extensions", "{}")) == {"altOutputs": {"wlbb": True}}, "--set JSON object not sent: %r" % f)
    check(f.get("async") == "true", "not submitted asynchronously: %r" % f)
    check(info["upload_bytes"] == os.path.getsize(SAMPLE), "upload size differs: %r" % info)
    # stdout markdown ends with a newline
    r = pulse("extract", SAMPLE, "--markdown")
    expect_rc(r, 0, "extract --markdown to stdout")
    check(r.out.decode() == ref + ("" if ref.endswith("\n") else "\n"), "markdown on stdout differs", r)


@test
def extract_url():
    r = pulse("extract", "--url", "https://example.com/report.pdf", "--markdown")
    expect_rc(r, 0, "extract --url")
    job_id = re.search(r"submitted job ([0-9a-f-]{36})", r.err).group(1)
    fields = MAIN.job(job_id)["fields"]
    check(fields.get("file_url") == "https://example.com/report.pdf", "file_url not sent: %r" % fields)


@test
def extract_large_result_to_file():
    out = tmp("large.json")
    r = pulse("extract", SAMPLE, "--out", out, scenario="result=large;size=3M")
    expect_rc(r, 0, "extract of a large result")
    check(os.path.getsize(out) == 3 << 20, "the file holds %d bytes, not 3 MiB" % os.path.getsize(out))
    json.load(open(out, encoding="utf-8"))
    check("large result" in r.err and "downloaded" in r.err, "summary does not mention the download", r)
    job_id = re.search(r"submitted job ([0-9a-f-]{36})", r.err).group(1)
    # the single use is spent: a second download is 410 -> exit 8, and leaves no file behind
    again = tmp("again.json")
    g = pulse("download", job_id, "--out", again)
    expect_rc(g, 8, "second download of a large result")
    check("410" in g.err and "already downloaded" in g.err, "the message does not explain the 410", g)
    check(not os.path.exists(again), "a failed download left an empty file")


@test
def no_wait_job_wait():
    # Submitted by one process, its token kept; polled and waited for by others.
    token, job_id = submit_only("poll_steps=1")
    check(MAIN.job(job_id)["answered_polls"] == 0, "--no-wait polled the job")
    r = pulse("job", token)
    expect_rc(r, 0, "job (pending)")
    st = json.loads(r.out)
    check(st["job_id"] == job_id and st["status"] == "pending", "unexpected status JSON %r" % st)
    out = tmp("waited.json")
    r = pulse("wait", token, "--out", out)
    expect_rc(r, 0, "wait")
    check("markdown" in json.load(open(out, encoding="utf-8")), "wait wrote no result")
    check("waiting for job " + job_id in r.err, "wait does not name the job", r)
    # A bare id works too; a token of another API is refused before any request.
    r = pulse("job", job_id)
    expect_rc(r, 0, "job by bare id")
    other = re.sub(r"api=[^&]*", "api=http://127.0.0.1:9", token)
    r = pulse("wait", other)
    expect_rc(r, 2, "wait for a job of another API")
    check("belongs to the API at" in r.err, "no reason for refusing another API's job", r)
    expect_rc(pulse("wait", "pulse-job:nonsense?v=1&id=x"), 2, "a token of an unknown kind")


@test
def download_command():
    _, job_id = submit_only("result=large;size=2M")
    r = pulse("job", job_id)
    expect_rc(r, 0, "job (completed)")
    st = json.loads(r.out)
    check(st["status"] == "completed" and st["result"]["is_url"] is True, "expected a large-result pointer: %r" % st)
    out = tmp("dl.json")
    # A URL is given as --url: a positional is always a job id (nothing is guessed from its text).
    expect_rc(pulse("download", st["result"]["url"], "--out", tmp("not-an-id.json")), 9, "a URL given as a job id (404)")
    r = pulse("download", "--url", st["result"]["url"], "--out", out)
    expect_rc(r, 0, "download by URL")
    check(os.path.getsize(out) == 2 << 20, "download wrote %d bytes" % os.path.getsize(out))
    check("downloaded" in r.err, "no download summary", r)
    r = pulse("download", job_id, "--out", tmp("dl2.json"))
    expect_rc(r, 8, "second download (gone)")


@test
def download_to_stdout_and_partial():
    _, job_id = submit_only("result=large;size=1M")
    expect_rc(pulse("job", job_id), 0, "job")
    r = pulse("download", job_id, "--out", "-")
    expect_rc(r, 0, "download to stdout")
    check(len(r.out) == 1 << 20, "stdout got %d bytes" % len(r.out))
    # a download reset after 64 KiB reached the file: not retried (single use), partial kept, exit 4
    _, job_id = submit_only("result=large;size=1M;download_fault=reset_mid_body:bytes=65536@1")
    expect_rc(pulse("job", job_id), 0, "job")
    out = tmp("partial.json")
    r = pulse("download", job_id, "--out", out)
    expect_rc(r, 4, "download reset mid-body")
    check(not os.path.exists(out), "a partial result took the name of a complete one")
    check(os.path.getsize(out + ".partial") == 65536, "the partial result was not kept as FILE.partial")
    check("65,536 bytes of the result were written to " + out + ".partial" in r.err, "no note about the partial file", r)


@test
def failed_command_keeps_existing_file():
    # the output file may hold the only copy of a single-use result: a failed run must not touch it
    _, job_id = submit_only("result=large;size=1M")
    expect_rc(pulse("job", job_id), 0, "job")
    out = tmp("result.json")
    expect_rc(pulse("download", job_id, "--out", out), 0, "first download")
    first = open(out, "rb").read()
    check(len(first) == 1 << 20, "first download wrote %d bytes" % len(first))
    r = pulse("download", job_id, "--out", out)
    expect_rc(r, 8, "second download (410)")
    check(open(out, "rb").read() == first, "the failed second download changed the file of the first")
    r = pulse("extract", SAMPLE, "--out", out, scenario="status=failed")
    expect_rc(r, 5, "failed job with --out on an existing file")
    check(open(out, "rb").read() == first, "a failed extraction changed the existing file")
    pdf = tmp("form.pdf")
    with open(pdf, "wb") as f:
        f.write(b"old")
    r = pulse("form", "detect", SAMPLE, "--pdf-out", pdf, "--retries", "0", scenario="pdf_fault=500")
    expect_rc(r, 9, "PDF download answered 500")
    check(open(pdf, "rb").read() == b"old", "a failed PDF download changed the existing file")


@test
def cancel_command():
    token, job_id = submit_only("status=weird")
    r = pulse("cancel", token)
    expect_rc(r, 0, "cancel")
    check(json.loads(r.out).get("job_id") == job_id, "cancel printed %r" % r.out)
    check(MAIN.job(job_id)["status"] == "canceled", "the server did not cancel the job")
    r = pulse("job", job_id)
    expect_rc(r, 6, "job of a canceled job")
    check(json.loads(r.out)["status"] == "canceled", "status JSON not printed", r)
    expect_rc(pulse("wait", job_id), 6, "wait for a canceled job")
    expect_rc(pulse("cancel", "no-such-job"), 9, "cancel of an unknown job (404)")


@test
def job_outcomes_exit_5_6_7():
    r = pulse("extract", SAMPLE, scenario="status=failed;error=Password-protected PDF")
    expect_rc(r, 5, "failed job")
    check("Password-protected PDF" in r.err, "the job's error text is not shown", r)
    check(r.out == b"", "a failed job wrote to stdout", r)
    expect_rc(pulse("extract", SAMPLE, scenario="status=canceled"), 6, "canceled job")
    expect_rc(pulse("extract", SAMPLE, scenario="status=cancelled"), 6, "cancelled job (Gen-A spelling)")
    r = pulse("extract", SAMPLE, "--out", tmp("expired.json"), scenario="status=expired")
    expect_rc(r, 7, "expired job")
    check(not os.path.exists(tmp("expired.json")), "an empty output file was left behind")


@test
def proxy_and_ca_settings():
    # A proxy that refuses connections: no retry can change that, so the command ends at once.
    t0 = time.time()
    r = pulse("job", "some-job", "--proxy", "http://127.0.0.1:9")
    expect_rc(r, 4, "a refused proxy")
    check("proxy_failed" in r.err, "the error does not name the proxy", r)
    check(time.time() - t0 < 3, "a refused proxy took %.1fs (retried?)" % (time.time() - t0))
    # The same from the environment, as curl users set it (http_proxy: MAIN is plain http) ...
    r = pulse("job", "some-job", env=env_for(extra={"http_proxy": "http://127.0.0.1:9"}))
    expect_rc(r, 4, "a refused proxy from http_proxy")
    # ... and NO_PROXY (or --noproxy) exempts the API's host: the request goes direct.
    _, job_id = submit_only()
    r = pulse("job", job_id, env=env_for(extra={"http_proxy": "http://127.0.0.1:9", "NO_PROXY": "localhost,127.0.0.1"}))
    expect_rc(r, 0, "NO_PROXY exempts the API host")
    expect_rc(pulse("job", job_id, "--proxy", "http://127.0.0.1:9", "--noproxy", "127.0.0.1"), 0, "--noproxy")
    expect_rc(pulse("job", job_id, "--proxy", "", env=env_for(extra={"http_proxy": "http://127.0.0.1:9"})), 0,
              "--proxy '' turns the environment's proxy off")
    # A CA bundle that is not there is a usage error before anything is sent.
    r = pulse("job", job_id, "--cacert", tmp("no-such-bundle.pem"))
    expect_rc(r, 2, "--cacert of a missing file")
    check("--cacert" in r.err, "the error does not name the option", r)
    for opt in ("--cacert", "--proxy", "--noproxy"):
        check(opt in pulse("extract", "--help").text(), "extract --help does not list %s" % opt)


@test
def http_errors_exit_9():
    r = pulse("extract", SAMPLE, scenario="submit_fault=500")
    expect_rc(r, 9, "submission answered 500")
    check("500" in r.err, "status not in the message", r)
    expect_rc(pulse("job", "no-such-job"), 9, "unknown job (404)")
    expect_rc(pulse("extract", SAMPLE, "--pages", "1-x"), 9, "400 REQ_006 from the server")


@test
def decode_errors_exit_10():
    r = pulse("extract", SAMPLE, scenario="poll_fault=malformed_json")
    expect_rc(r, 10, "malformed poll answer")
    # a large result of the wrong shape: its bytes are kept (nothing lost) beside FILE, exit 10
    out = tmp("wrong.json")
    r = pulse("extract", SAMPLE, "--out", out, scenario="result=large;download_fault=wrong_shape")
    expect_rc(r, 10, "large result of the wrong shape")
    check(not os.path.exists(out), "a body that did not decode took the result's name")
    check(json.load(open(out + ".partial", encoding="utf-8")).get("markdown") == 5, "the raw bytes were not kept")
    check("bytes of the result were written to " + out + ".partial" in r.err, "no note where the bytes went", r)


@test
def deadline_exit_11():
    t0 = time.time()
    r = pulse("extract", SAMPLE, "--timeout", "2", scenario="status=weird")
    expect_rc(r, 11, "never-finishing job with --timeout 2")
    check(time.time() - t0 < 8, "--timeout 2 took %.1fs" % (time.time() - t0))
    check("pulse wait" in r.err, "no hint how to resume", r)
    # a stalled download is cut by the deadline too (the transport gets the time left)
    t0 = time.time()
    r = pulse("extract", SAMPLE, "--timeout", "3", "--out", tmp("stalled.json"),
              scenario="result=large;size=1M;download_fault=stall_mid_body:ms=60000")
    expect_rc(r, 11, "stalled download with --timeout 3")
    check(time.time() - t0 < 10, "the stalled download took %.1fs" % (time.time() - t0))


@test
def interrupt_exit_12():
    rc, err, job_id = interrupted(["extract", SAMPLE], signal.SIGINT)
    check(rc == 12, "SIGINT: expected exit code 12, got %d; stderr=%r" % (rc, err[-800:]))
    check("pulse wait 'pulse-job:extract?" in err and job_id in err, "no hint to resume the job: %r" % err[-800:])
    check(MAIN.job(job_id)["cancel_requested"] is False, "the job was canceled without --cancel-on-interrupt")
    # with --cancel-on-interrupt the job is canceled on the server too
    rc, err, job_id = interrupted(["extract", SAMPLE, "--cancel-on-interrupt"], signal.SIGTERM)
    check(rc == 12, "SIGTERM with --cancel-on-interrupt: expected 12, got %d; %r" % (rc, err[-800:]))
    info = MAIN.job(job_id)
    check(info["cancel_requested"] is True and info["status"] == "canceled",
          "--cancel-on-interrupt did not cancel the job: %r" % info)


@test
def progress_on_a_terminal():
    rc, err = on_a_terminal(["extract", SAMPLE, "--out", tmp("tty.json")], "result=large;size=4M;poll_steps=2")
    check(rc == 0, "extract on a tty: exit %d; %r" % (rc, err[-800:]))
    check("\r" in err, "no carriage return on a terminal")
    # the pty turns "\n" into "\r\n"; the rewritten line is a "\r" not followed by "\n"
    rewrites = re.findall(r"\r(?!\n)pulse [ |/\\-] ", err)
    check(len(rewrites) >= 3, "the live line was not rewritten in place (%d rewrites)" % len(rewrites))
    check(re.search(r"\rpulse . job [0-9a-f]{8}\.\.\. (pending|processing)", err), "no status in the live line")
    check(re.search(r"\| poll \d", err), "no poll count in the live line")
    check(re.search(r"\| \d+\.\ds", err), "no elapsed time in the live line")
    check(re.search(r"download \[[#-]{20}\] +\d+% ", err), "no download bar with a percentage")
    check("MB/s" in err or "kB/s" in err, "no download rate")
    check("done in" in err and re.search(r"pages\s+\d", err), "no summary after the live line")
    check("\x1b" not in err, "escape sequences in the progress output")


@test
def json_to_the_same_terminal():
    # stdout and stderr on one terminal: the live line is cleared before the JSON starts, and the
    # summary begins on a line of its own
    rc, text = on_a_terminal(["extract", SAMPLE], "result=large;size=2M", stdout_too=True)
    check(rc == 0, "extract to a terminal: exit %d; %r" % (rc, text[-600:]))
    start = text.index('{"')
    check(re.search(r"\r +\r$", text[:start]), "the live line was not cleared before the JSON: %r" % text[max(0, start - 200):start])
    check(not re.search(r"\rpulse [ |/\\-] ", text[start:]), "the live line was redrawn inside the JSON")
    check(re.search(r"\}\r\npulse: done in ", text), "the summary does not start on its own line")


@test
def progress_plain_when_not_a_terminal():
    r = pulse("extract", SAMPLE, "--out", tmp("plain.json"), scenario="result=large;size=20M;poll_steps=2")
    expect_rc(r, 0, "extract with stderr on a pipe")
    check("\r" not in r.err, "carriage return in plain progress", r)
    lines = r.err.splitlines()
    # the job id line (with the submission's status, or followed by it); each change seen by a
    # poll has its own line with the poll count and the time
    ids = [i for i, l in enumerate(lines) if re.match(r"pulse: submitted job [0-9a-f-]{36}(: pending)?$", l)]
    check(len(ids) == 1, "no job id line", r)
    check(lines[ids[0]].endswith(": pending") or re.match(r"pulse: job [0-9a-f-]{36}: pending$", lines[ids[0] + 1]),
          "the submission's status is not reported", r)
    for st in ("processing", "completed"):
        check(any(re.match(r"pulse: job [0-9a-f-]{36}: %s \(poll \d+, \d+\.\ds\)$" % st, l) for l in lines),
              "no line for status %s" % st, r)
    check(sum(1 for l in lines if l.startswith("pulse: downloading ")) >= 1, "no periodic download line (16 MB)", r)
    check(any(re.match(r"pulse: downloaded 21\.0 MB in ", l) for l in lines), "no final download line", r)
    # one line per change, not per poll (the first poll says pending again: no line)
    check(not any(": pending (poll" in l for l in lines), "status line repeated", r)


@test
def quiet_prints_nothing_but_errors():
    r = pulse("extract", SAMPLE, "--quiet")
    expect_rc(r, 0, "extract --quiet")
    check(r.err == "", "--quiet printed %r" % r.err)
    check(json.loads(r.out).get("markdown"), "no result on stdout", r)
    r = pulse("extract", SAMPLE, "-q", scenario="status=failed")
    expect_rc(r, 5, "failed job --quiet")
    check(r.err.count("\n") >= 1 and "failed" in r.err and "submitted" not in r.err, "--quiet error output", r)


@test
def form_commands():
    r = pulse("form", "detect", SAMPLE)
    expect_rc(r, 0, "form detect")
    fr = json.loads(r.out)
    check(len(fr.get("form_fields", [])) == 4, "detect returned %r" % fr)
    check("4 fields" in r.err, "no form summary", r)
    pdf = tmp("filled.pdf")
    out = tmp("filled.json")
    r = pulse("form", "fill", SAMPLE, "--instructions", "Name: Ada Lovelace", "--pdf-out", pdf, "--out", out)
    expect_rc(r, 0, "form fill --pdf-out")
    check(open(pdf, "rb").read(5) == b"%PDF-", "--pdf-out is not a PDF")
    check(json.load(open(out, encoding="utf-8")).get("fields_filled") is not None, "fill result lacks fields_filled")
    r = pulse("form", "clear", "--form-id", fr["form_id"])
    expect_rc(r, 0, "form clear --form-id")
    expect_rc(pulse("form", "detect"), 2, "form detect without a document")
    expect_rc(pulse("form", "detect", SAMPLE, scenario="status=failed"), 5, "failed form job")


# ---- schema, split, tables, batches, pipelines --------------------------------------------------

INVOICE_SCHEMA = {"type": "object",
                  "properties": {"invoice_number": {"type": "string"}, "total": {"type": "number"}}}
_made = {}
_made_lock = threading.Lock()


def extraction_id():
    """The id of a completed extraction on MAIN, made once with `pulse extract --url`."""
    with _made_lock:
        if "extraction" not in _made:
            r = pulse("extract", "--url", "https://example.com/source.pdf", "--quiet")
            expect_rc(r, 0, "extract for an extraction id")
            _made["extraction"] = json.loads(r.out)["extraction_id"]
        return _made["extraction"]


def split_id():
    """The id of a completed split of extraction_id() into the topics invoice and contract."""
    eid = extraction_id()
    with _made_lock:
        if "split" not in _made:
            r = pulse("split", "--extraction-id", eid, "--topic", "invoice", "--topic", "contract", "--quiet")
            expect_rc(r, 0, "split for a split id")
            _made["split"] = json.loads(r.out)["split_id"]
        return _made["split"]


def write_json(name, value):
    path = tmp(name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(value if isinstance(value, str) else json.dumps(value))
    return path


def schema_file():
    return write_json("invoice.schema.json", INVOICE_SCHEMA)


def job_of(r):
    m = re.search(r"submitted job ([0-9a-f-]{36})", r.err)
    check(m is not None, "no job id on stderr", r)
    return m.group(1)


def no_wait_then_wait(args, kind, check_result, scenario=None):
    """`args --no-wait` prints a token of `kind` without polling; `pulse wait TOKEN` then writes the
    result, which `check_result` looks at. Returns the token."""
    r = pulse(*args, "--no-wait", scenario=scenario)
    expect_rc(r, 0, "%s --no-wait" % args[0])
    token = r.text().strip()
    check(token.startswith("pulse-job:%s?" % kind), "--no-wait printed %r, not a %s token" % (token, kind), r)
    job = id_of(token)
    check(MAIN.job(job)["answered_polls"] == 0, "%s --no-wait polled the job" % args[0])
    out = tmp("waited-%s.json" % kind)
    w = pulse("wait", token, "--out", out)
    check("waiting for job " + job in w.err, "wait does not name the job", w)
    check_result(json.load(open(out, encoding="utf-8")))
    return token, w


def expect_usage(args, names, what, stdin=None):
    """A usage error: exit 2 and a message naming each of `names`; nothing was submitted."""
    r = pulse(*args, stdin=stdin)
    expect_rc(r, 2, what)
    for n in names:
        check(n in r.err, "%s: the message does not name %s" % (what, n), r)
    check("submitted" not in r.err and r.out == b"", "%s: something was submitted" % what, r)
    return r


@test
def schema_command():
    eid = extraction_id()
    schema = schema_file()
    r = pulse("schema", "--extraction-id", eid, "--schema", schema, "--prompt", "Totals in EUR", "--effort")
    expect_rc(r, 0, "schema")
    doc = json.loads(r.out)
    values = doc["schema_output"]["values"]
    check(set(values) == {"invoice_number", "total"}, "unexpected values %r" % values, r)
    check(re.search(r"^pulse: schema done in \d+\.\ds: 2 values \(schema_id %s\); job [0-9a-f-]{36}, 1 poll$"
                    % re.escape(doc["schema_id"]), r.err, re.M), "no schema summary line", r)
    info = MAIN.job(job_of(r))
    check(info["kind"] == "schema", "not a schema job: %r" % info)
    f = info["fields"]
    check(f.get("extraction_id") == eid and f.get("async") is True, "request not as expected: %r" % f)
    check(f.get("schema_config") == {"input_schema": INVOICE_SCHEMA, "schema_prompt": "Totals in EUR", "effort": True},
          "schema_config not sent as given: %r" % f)
    # several extractions, the schema from stdin, the answer to a file
    out = tmp("several.json")
    r = pulse("schema", "--extraction-id", eid, "--extraction-id", eid, "--schema", "-", "--out", out,
              stdin=json.dumps(INVOICE_SCHEMA))
    expect_rc(r, 0, "schema of two extractions")
    check(MAIN.job(job_of(r))["fields"].get("extraction_ids") == [eid, eid], "extraction_ids not sent")
    check(json.load(open(out, encoding="utf-8")).get("extraction_ids") == [eid, eid], "the answer lacks extraction_ids")
    check(r.out == b"" and "written to " + out in r.err, "--out not reported", r)
    # a saved configuration
    r = pulse("schema", "--extraction-id", eid, "--schema-config-id", "cfg-1")
    expect_rc(r, 0, "schema --schema-config-id")
    check(MAIN.job(job_of(r))["fields"].get("schema_config_id") == "cfg-1", "schema_config_id not sent")
    # submitted by one process, waited for by another, with the same summary
    token, w = no_wait_then_wait(("schema", "--extraction-id", eid, "--schema", schema), "schema",
                                 lambda d: check("schema_output" in d, "wait wrote no schema result: %r" % d))
    expect_rc(w, 0, "wait for a schema job")
    check("schema done in" in w.err and "2 values" in w.err, "wait printed no schema summary", w)
    # a failed job: exit 5, its error shown, nothing on stdout
    r = pulse("schema", "--extraction-id", eid, "--schema", schema, scenario="status=failed;error=Schema too deep")
    expect_rc(r, 5, "failed schema job")
    check("Schema too deep" in r.err and r.out == b"", "failed job: error not shown or output written", r)
    # the single-use large result: fetched by the command, then 410 for `pulse download TOKEN`
    token = pulse("schema", "--extraction-id", eid, "--schema", schema, "--no-wait", scenario="result=large").text().strip()
    out = tmp("large-schema.json")
    r = pulse("wait", token, "--out", out)
    expect_rc(r, 0, "wait for a large schema result")
    check("schema_output" in json.load(open(out, encoding="utf-8")) and "large result" in r.err, "large result not fetched", r)
    g = pulse("download", token, "--out", tmp("again.json"))
    expect_rc(g, 8, "second download of a schema job's large result, by token")


@test
def schema_excel_and_split_mode():
    eid = extraction_id()
    template = tmp("template.xlsx")
    with open(template, "wb") as f:
        f.write(b"PK\x03\x04" + bytes(range(256)))
    xlsx, out = tmp("filled.xlsx"), tmp("excel.json")
    r = pulse("schema", "--extraction-id", eid, "--excel-template", template, "--excel-out", xlsx, "--out", out)
    expect_rc(r, 0, "schema --excel-template --excel-out")
    check(open(xlsx, "rb").read(2) == b"PK", "--excel-out is not a workbook")
    check(json.load(open(out, encoding="utf-8")).get("excel_output_url"), "the answer names no workbook")
    sent = MAIN.job(job_of(r))["fields"]["schema_config"]["excel_template"]
    check(sent == base64.b64encode(open(template, "rb").read()).decode(), "the template was not sent as its base64")
    check(re.search(r"workbook \S+ \S*B written to " + re.escape(xlsx), r.err), "the summary does not mention the workbook", r)
    # the workbook's download fails: exit 9, the result is written all the same, an existing
    # workbook is left alone
    with open(xlsx, "wb") as f:
        f.write(b"old")
    out2 = tmp("excel2.json")
    r = pulse("schema", "--extraction-id", eid, "--excel-template", template, "--excel-out", xlsx, "--out", out2,
              "--retries", "0", scenario="excel_fault=500")
    expect_rc(r, 9, "Excel download answered 500")
    check(open(xlsx, "rb").read() == b"old", "a failed workbook download changed the existing file")
    check("schema_id" in json.load(open(out2, encoding="utf-8")), "the result was not written")
    check("result was written to " + out2 in r.err, "the message does not say where the result went", r)
    # split mode: a schema per topic of a split
    sid = split_id()
    r = pulse("schema", "--split-id", sid, "--topic-schema", "invoice=" + schema_file())
    expect_rc(r, 0, "schema in split mode")
    doc = json.loads(r.out)
    check(doc.get("split_id") == sid and "invoice" in doc.get("results", {}), "not a split-mode answer: %r" % doc)
    check("1 topic, 2 values" in r.err, "no split-mode summary", r)


@test
def schema_usage_errors():
    eid, schema = extraction_id(), schema_file()
    expect_usage(("schema", "--schema", schema), ["--extraction-id"], "schema without --extraction-id")
    expect_usage(("schema", "--extraction-id", eid), ["--schema"], "schema without a schema")
    expect_usage(("schema", "--extraction-id", eid, "--split-id", "s", "--schema", schema), ["--split-id"], "both sources")
    expect_usage(("schema", "--split-id", "s", "--schema", schema), ["--topic-schema"], "--schema in split mode")
    expect_usage(("schema", "--split-id", "s"), ["--topic-schema"], "split mode without --topic-schema")
    expect_usage(("schema", "--extraction-id", eid, "--topic-schema", "a=" + schema), ["--split-id"], "--topic-schema alone")
    expect_usage(("schema", "--extraction-id", eid, "--schema", tmp("missing.json")), ["--schema", "no such file"],
                 "a missing schema file")
    expect_usage(("schema", "--extraction-id", eid, "--schema", write_json("array.json", [1])), ["--schema", "object"],
                 "a schema that is not an object")
    expect_usage(("schema", "--extraction-id", eid, "--schema", schema, "--schema-config-id", "c"), ["--schema-config-id"],
                 "two schemas")
    expect_usage(("schema", "--extraction-id", eid, "--schema-config-id", "c", "--prompt", "p"), ["--prompt"],
                 "--prompt without an inline schema")
    expect_usage(("schema", "--extraction-id", eid, "--schema", schema, "--excel-out", tmp("x.xlsx"), "--no-wait"),
                 ["--excel-out"], "--excel-out with --no-wait")
    expect_usage(("schema", "--extraction-id", eid, "--schema", "-", "--request", "-"), ["standard input"],
                 "two options reading stdin", stdin="{}")
    expect_usage(("schema", "--extraction-id", eid, "--schema", schema, "--topic", "x"), ["--topic"], "an option of split")


@test
def request_files():
    eid = extraction_id()
    # The whole body from a file (unknown members sent as given); flags override its members.
    req = write_json("schema-request.json", {"extraction_id": "not-this-one", "schema_config": {"input_schema": INVOICE_SCHEMA},
                                             "custom_member": 7})
    r = pulse("schema", "--request", req, "--extraction-id", eid)
    expect_rc(r, 0, "schema --request with --extraction-id")
    f = MAIN.job(job_of(r))["fields"]
    check(f.get("extraction_id") == eid and f.get("custom_member") == 7, "request file or override not sent: %r" % f)
    check(f.get("schema_config") == {"input_schema": INVOICE_SCHEMA}, "schema_config from the file not sent: %r" % f)
    r = pulse("split", "--request", "-", stdin=json.dumps({"extraction_id": eid, "split_config": {"split_input": [{"name": "a"}]}}))
    expect_rc(r, 0, "split --request -")
    r = pulse("batch", "tables", "--request", "-", "--merge", stdin=json.dumps({"extraction_ids": [eid], "workers": 2}))
    expect_rc(r, 0, "batch tables --request - (no output member: the flags' default)")
    f = MAIN.job(job_of(r))["fields"]
    check(f.get("workers") == 2 and f.get("tables_config") == {"merge": True} and f.get("output") == {},
          "batch request not sent as merged: %r" % f)
    # Malformed and wrong-typed files: exit 2, naming the option and the JSON path.
    bad_requests = [(("schema",), '{"extraction_id": ', "invalid JSON at byte"),
                    (("schema",), {"extraction_id": 5}, "extraction_id: expected string"),
                    (("schema",), {"extraction_id": "x", "schema_config": {"input_schema": "no"}},
                     "schema_config.input_schema: expected object"),
                    (("split",), {"extraction_id": "x", "split_config": {"split_input": [{"name": 3}]}},
                     "split_config.split_input[0].name"),
                    (("tables",), {"extraction_id": "x", "tables_config": {"merge": "yes"}}, "tables_config.merge"),
                    (("batch", "extract"), {"input": {"file_urls": "https://x"}}, "input.file_urls"),
                    (("batch", "schema"), {"extraction_ids": [1]}, "extraction_ids[0]"),
                    (("batch", "tables"), {"workers": "four"}, "workers"),
                    (("batch", "split"), {"split_config": []}, "split_config"),
                    (("pipeline",), {"steps": {"extract": []}}, "steps.extract"),
                    (("pipeline",), [1], "top level")]
    for i, (cmd, body, path) in enumerate(bad_requests):
        name = write_json("request-%d.json" % i, body)
        expect_usage((*cmd, "--request", name), ["--request " + name, path], "%s with a bad --request" % " ".join(cmd))
    expect_usage(("tables", "--request", tmp("no-such-request.json")), ["--request", "no such file"], "a missing --request")
    r = pulse("pipeline", "--url", "https://example.com/a.pdf", "--steps", write_json("steps.json", {"split": {"split_input": "x"}}))
    expect_rc(r, 2, "a bad --steps file")
    check("--steps" in r.err and "split.split_input" in r.err, "--steps error does not name the path", r)


@test
def split_command():
    eid = extraction_id()
    r = pulse("split", "--extraction-id", eid, "--topic", "invoice", "--topic", "contract=The signed contract pages")
    expect_rc(r, 0, "split")
    doc = json.loads(r.out)
    check(doc["split_output"]["splits"] == {"invoice": [1], "contract": [2, 3]}, "unexpected split %r" % doc)
    check(re.search(r"^pulse: split done in \S+: 2 topics, 3 pages \(split_id ", r.err, re.M), "no split summary", r)
    check(re.search(r"^  invoice   page 1$", r.err, re.M) and re.search(r"^  contract  pages 2-3$", r.err, re.M),
          "no per-topic pages", r)
    f = MAIN.job(job_of(r))["fields"]
    check(f.get("split_config") == {"split_input": [{"name": "invoice"},
                                                    {"name": "contract", "description": "The signed contract pages"}]},
          "topics not sent: %r" % f)
    r = pulse("split", "--extraction-id", eid, "--split-config-id", "topics-1")
    expect_rc(r, 0, "split --split-config-id")
    check(MAIN.job(job_of(r))["fields"].get("split_config_id") == "topics-1", "split_config_id not sent")
    _, w = no_wait_then_wait(("split", "--extraction-id", eid, "--topic", "a"), "split",
                             lambda d: check(d["split_output"]["splits"] == {"a": [1, 2, 3]}, "wait: unexpected %r" % d))
    expect_rc(w, 0, "wait for a split job")
    r = pulse("split", "--extraction-id", eid, "--topic", "a", scenario="status=failed;error=No pages")
    expect_rc(r, 5, "failed split job")
    check("No pages" in r.err, "the job's error is not shown", r)
    expect_usage(("split", "--topic", "a"), ["--extraction-id"], "split without --extraction-id")
    expect_usage(("split", "--extraction-id", eid), ["--topic"], "split without topics")
    expect_usage(("split", "--extraction-id", eid, "--extraction-id", eid, "--topic", "a"), ["--extraction-id"], "two extractions")
    expect_usage(("split", "--extraction-id", eid, "--topic", "=x"), ["--topic"], "a topic without a name")
    expect_usage(("split", "--extraction-id", eid, "--topic", "a", "--split-config-id", "c"), ["--split-config-id"], "both")


@test
def tables_command():
    eid = extraction_id()
    r = pulse("tables", "--extraction-id", eid, "--format", "json", "--merge", "--charts")
    expect_rc(r, 0, "tables")
    tables = json.loads(r.out)["tables_output"]["tables"]
    check(len(tables) == 2 and all(isinstance(t["table_content"], dict) for t in tables), "not JSON tables: %r" % tables)
    check(tables[0]["citations"] == ["tbl-1", "tbl-2"] and tables[1]["from_chart"] is True, "not merged or no chart: %r" % tables)
    check(re.search(r"^pulse: tables done in \S+: 2 tables \(1 from a chart\) \(tables_id ", r.err, re.M), "no tables summary", r)
    check(MAIN.job(job_of(r))["fields"].get("tables_config") == {"merge": True, "table_format": "json", "charts_to_tables": True},
          "tables_config not sent")
    _, w = no_wait_then_wait(("tables", "--extraction-id", eid), "tables",
                             lambda d: check(isinstance(d["tables_output"]["tables"][0]["table_content"], str),
                                             "the default format is not HTML: %r" % d))
    expect_rc(w, 0, "wait for a tables job")
    expect_rc(pulse("tables", "--extraction-id", eid, scenario="status=failed"), 5, "failed tables job")
    expect_rc(pulse("tables", "--extraction-id", eid, scenario="status=expired"), 7, "expired tables job")
    expect_usage(("tables",), ["--extraction-id"], "tables without --extraction-id")
    expect_usage(("tables", "--extraction-id", eid, "--format", "xml"), ["--format"], "a bad --format")
    expect_usage(("tables", "--extraction-id", eid, "extra"), ["extra"], "an extra argument")


@test
def batch_extract_command():
    r = pulse("batch", "extract", "--url", "https://example.com/a.pdf", "--url", "https://example.com/b.pdf",
              "--model", "pulse-ultra-2", "--output-path", "/results", "--workers", "2")
    expect_rc(r, 0, "batch extract --url")
    doc = json.loads(r.out)
    check(doc["total"] == 2 and doc["completed"] == 2 and len(doc["items"]) == 2, "unexpected batch result %r" % doc)
    check(re.search(r"^pulse: batch extract done in \S+: 2 items: 2 completed; job ", r.err, re.M), "no batch summary", r)
    info = MAIN.job(job_of(r))
    f = info["fields"]
    check(info["kind"] == "batch_extract" and f["input"] == {"file_urls": ["https://example.com/a.pdf", "https://example.com/b.pdf"]},
          "input not sent: %r" % f)
    check(f["output"] == {"local_path": "/results"} and f["workers"] == 2 and f["extract_options"] == {"model": "pulse-ultra-2"},
          "options not sent: %r" % f)
    # local files go inside the request, base64
    r = pulse("batch", "extract", SAMPLE, SAMPLE, "--output-s3-prefix", "s3://bucket/out/")
    expect_rc(r, 0, "batch extract FILE FILE")
    f = MAIN.job(job_of(r))["fields"]
    b64 = base64.b64encode(open(SAMPLE, "rb").read()).decode()
    check(f["input"] == {"files": [{"filename": "sample.pdf", "content": b64}] * 2}, "files not sent as base64")
    check(f["output"] == {"s3_prefix": "s3://bucket/out/"}, "output prefix not sent: %r" % f["output"])
    r = pulse("batch", "extract", "--s3-prefix", "s3://bucket/in/", "--quiet")
    expect_rc(r, 0, "batch extract --s3-prefix")
    check(json.loads(r.out)["total"] == 3, "an s3 prefix is three files on this server", r)
    # an item's own result: `pulse wait ITEM --kind extract` (a bare id is an extraction anyway)
    item = doc["items"][0]["job_id"]
    w = pulse("wait", item, "--kind", "extract", "--markdown")
    expect_rc(w, 0, "wait for an item of a batch extract")
    check(w.out.strip(), "no markdown of the item", w)
    expect_usage(("batch", "extract"), ["FILE", "--url", "--s3-prefix"], "batch extract without documents")
    expect_usage(("batch", "extract", SAMPLE, "--url", "https://x/a.pdf"), ["FILE"], "two kinds of documents")
    expect_usage(("batch", "extract", tmp("missing.pdf")), ["no such file"], "a missing document")
    expect_usage(("batch", "extract", SAMPLE, "--workers", "0"), ["--workers"], "--workers 0")
    expect_usage(("batch", "extract", SAMPLE, "--schema", schema_file()), ["--schema", "batch extract"], "an option of schema")
    expect_usage(("batch",), ["action"], "batch without an action")
    expect_usage(("batch", "frob"), ["frob"], "an unknown action")


@test
def batch_with_a_failed_item():
    eid, schema = extraction_id(), schema_file()
    # three items, one at a time: the progress reports the items as they finish; item 1 fails,
    # the batch completes, its result is written, and the exit code is 5
    out = tmp("batch.json")
    r = pulse("batch", "schema", "--extraction-id", eid, "--extraction-id", eid, "--extraction-id", eid, "--schema", schema,
              "--workers", "1", "--out", out, scenario="fail_items=1;error=Unreadable page")
    expect_rc(r, 5, "batch with a failed item")
    doc = json.load(open(out, encoding="utf-8"))
    check(doc["total"] == 3 and doc["completed"] == 2 and doc["failed"] == 1, "unexpected batch result %r" % doc)
    check(re.search(r"^pulse: batch schema done in \S+: 3 items: 2 completed, 1 failed; ", r.err, re.M), "no summary", r)
    check(re.search(r"^pulse batch: item 1 \(%s\): failed: Unreadable page$" % eid, r.err, re.M), "the failed item is not listed", r)
    check("1 of 3 items did not complete" in r.err, "no closing line", r)
    progress = re.findall(r"^pulse: job [0-9a-f-]{36}: (\d)/3 items completed(, 1 failed)? \(poll \d+", r.err, re.M)
    check(len(progress) >= 2, "the progress did not report the items: %r" % progress, r)
    # --quiet keeps the failed item (an error) but drops the summary
    r = pulse("batch", "schema", "--extraction-id", eid, "--extraction-id", eid, "--schema", schema, "--quiet",
              scenario="fail_items=0")
    expect_rc(r, 5, "batch with a failed item, --quiet")
    check("item 0" in r.err and "done in" not in r.err and json.loads(r.out)["failed"] == 1, "--quiet output", r)
    # each item is a job of the single kind
    w = pulse("wait", doc["items"][0]["job_id"], "--kind", "schema")
    expect_rc(w, 0, "wait for a completed item")
    check("schema_output" in json.loads(w.out), "the item's result is not a schema result", w)
    expect_rc(pulse("wait", doc["items"][1]["job_id"], "--kind", "schema"), 5, "wait for the failed item")
    expect_usage(("wait", doc["items"][0]["job_id"], "--kind", "nonsense"), ["--kind"], "an unknown --kind")
    # the batch itself failed: exit 5 and nothing written
    r = pulse("batch", "schema", "--extraction-id", eid, "--schema", schema, scenario="status=failed;error=Quota exceeded")
    expect_rc(r, 5, "failed batch")
    check("Quota exceeded" in r.err and r.out == b"", "failed batch: error not shown or output written", r)


@test
def batch_schema_tables_split():
    eid, sid, schema = extraction_id(), split_id(), schema_file()
    r = pulse("batch", "schema", "--split-id", sid, "--topic-schema", "invoice=" + schema, "--quiet")
    expect_rc(r, 0, "batch schema over splits")
    check(MAIN.get("/__jobs/" + json.loads(r.out)["items"][0]["job_id"])["kind"] == "schema", "the item is not a schema job")
    r = pulse("batch", "schema", "--extraction-id", eid, "--schema", schema, "--pages", "1-2")
    expect_rc(r, 0, "batch schema --pages")
    check(MAIN.job(job_of(r))["fields"].get("page_range") == "1-2", "page_range not sent")
    r = pulse("batch", "split", "--extraction-id", eid, "--extraction-id", eid, "--topic", "a", "--topic", "b")
    expect_rc(r, 0, "batch split")
    check(json.loads(r.out)["completed"] == 2, "batch split did not complete its items", r)
    check(MAIN.job(job_of(r))["fields"]["split_config"] == {"split_input": [{"name": "a"}, {"name": "b"}]}, "topics not sent")
    _, w = no_wait_then_wait(("batch", "tables", "--extraction-id", eid, "--format", "json"), "batch_tables",
                             lambda d: check(d["completed"] == 1, "wait: unexpected %r" % d))
    expect_rc(w, 0, "wait for a batch tables job")
    check("batch tables done in" in w.err and "1 item: 1 completed" in w.err, "wait printed no batch summary", w)
    expect_usage(("batch", "schema", "--extraction-id", eid), ["--schema"], "batch schema without a schema")
    expect_usage(("batch", "schema", "--schema", schema), ["--extraction-id", "--batch-extract-id"], "batch schema without items")
    expect_usage(("batch", "schema", "--split-id", sid, "--schema", schema), ["--topic-schema"], "--schema over splits")
    expect_usage(("batch", "split", "--extraction-id", eid), ["--topic"], "batch split without topics")
    expect_usage(("batch", "tables"), ["--extraction-id"], "batch tables without items")
    expect_usage(("batch", "tables", "--extraction-id", eid, "--batch-extract-id", "b"), ["--batch-extract-id"], "two sources")
    expect_usage(("batch", "tables", "--extraction-id", eid, "--topic", "x"), ["--topic", "batch tables"], "an option of split")


@test
def pipeline_command():
    schema = schema_file()
    r = pulse("pipeline", SAMPLE, "--split-topic", "invoice", "--split-topic", "contract", "--schema", schema, "--auto-delete")
    expect_rc(r, 0, "pipeline FILE")
    doc = json.loads(r.out)
    check(list(doc["results"]) == ["extract", "split", "schema"] and doc["results"]["schema"].get("results"),
          "unexpected pipeline result %r" % list(doc.get("results", {})))
    check(re.search(r"^pulse: pipeline done in \S+: steps extract \(3 pages\), split \(2 topics\), schema \(\d+ values\); "
                    r"total latency 5\.8s; nothing kept \(auto_delete\); job ", r.err, re.M), "no pipeline summary", r)
    info = MAIN.job(job_of(r))
    check(info["upload_bytes"] == os.path.getsize(SAMPLE), "the document was not uploaded: %r" % info)
    steps = json.loads(info["fields"]["steps"])
    check(list(steps) == ["extract", "split", "schema"] and steps["schema"] == {"input_schema": INVOICE_SCHEMA},
          "steps not sent in order: %r" % steps)
    check(info["fields"].get("auto_delete") == "true", "auto_delete not sent: %r" % info["fields"])
    # a URL, the steps from a file
    steps = write_json("pipeline-steps.json", {"extract": {}, "tables": {"table_format": "json"}})
    r = pulse("pipeline", "--url", "https://example.com/p.pdf", "--steps", steps, "--merge")
    expect_rc(r, 0, "pipeline --url --steps")
    check(json.loads(r.out)["results"]["tables"]["tables_output"]["tables"], "no tables step result", r)
    f = MAIN.job(job_of(r))["fields"]
    check(f.get("file_url") == "https://example.com/p.pdf" and f["steps"]["tables"] == {"merge": True, "table_format": "json"},
          "--url or the steps (with --merge over them) not sent: %r" % f)
    _, w = no_wait_then_wait(("pipeline", "--url", "https://example.com/p.pdf", "--extract"), "pipeline",
                             lambda d: check(list(d["results"]) == ["extract"], "wait: unexpected %r" % d))
    expect_rc(w, 0, "wait for a pipeline job")
    expect_rc(pulse("pipeline", SAMPLE, "--tables", scenario="status=failed"), 5, "failed pipeline")
    expect_usage(("pipeline", SAMPLE), ["--steps", "--extract"], "pipeline without steps")
    expect_usage(("pipeline", "--extract"), ["FILE", "--url"], "pipeline without a document")
    expect_usage(("pipeline", SAMPLE, "--tables", "--schema", schema), ["--tables", "--schema"], "tables with schema")
    expect_usage(("pipeline", SAMPLE, "--url", "https://x/a.pdf", "--extract"), ["FILE", "--url"], "FILE and --url")
    expect_usage(("pipeline", SAMPLE, "--extract", "--topic", "a"), ["--topic"], "an option of split")


@test
def job_kinds_interrupt_and_resume():
    eid = extraction_id()
    p = start_pulse(["schema", "--extraction-id", eid, "--schema", schema_file()], scenario="status=weird")
    try:
        got = read_until(p.stderr.fileno(), rb"submitted job ([0-9a-f-]{36})")
        job_id = re.search(rb"submitted job ([0-9a-f-]{36})", got).group(1).decode()
        time.sleep(0.3)
        p.send_signal(signal.SIGINT)
        rest = drain(p.stderr.fileno(), 10)
        rc = p.wait(10)
    finally:
        if p.poll() is None:
            p.kill()
    err = (got + rest).decode("utf-8", "replace")
    record(b"", err)
    check(rc == 12, "SIGINT: expected exit code 12, got %d; %r" % (rc, err[-800:]))
    m = re.search(r"pulse wait '(pulse-job:schema\?[^']*)'", err)
    check(m is not None and job_id in m.group(1), "no hint to resume the schema job: %r" % err[-800:])
    check(MAIN.job(job_id)["cancel_requested"] is False, "the job was canceled without --cancel-on-interrupt")
    r = pulse("cancel", m.group(1))
    expect_rc(r, 0, "cancel by the hinted token")
    expect_rc(pulse("wait", m.group(1)), 6, "wait for the canceled schema job")
    # --cancel-on-interrupt cancels a batch on the server
    p = start_pulse(["batch", "tables", "--extraction-id", eid, "--cancel-on-interrupt"], scenario="status=weird")
    try:
        got = read_until(p.stderr.fileno(), rb"submitted job ([0-9a-f-]{36})")
        job_id = re.search(rb"submitted job ([0-9a-f-]{36})", got).group(1).decode()
        time.sleep(0.3)
        p.send_signal(signal.SIGTERM)
        rest = drain(p.stderr.fileno(), 10)
        rc = p.wait(10)
    finally:
        if p.poll() is None:
            p.kill()
    record(b"", (got + rest).decode("utf-8", "replace"))
    check(rc == 12, "SIGTERM of a batch: expected 12, got %d" % rc)
    check(MAIN.job(job_id)["status"] == "canceled", "--cancel-on-interrupt did not cancel the batch")


@test
def key_never_printed_even_when_echoed():
    # every request to ECHO is answered 401 with the key in the body (and an x-echoed-key header)
    _, job_id = submit_only()
    for args in (("extract", SAMPLE), ("extract", "--url", "http://example.com/a.pdf"), ("job", job_id),
                 ("wait", job_id), ("download", job_id, "--out", tmp("echo.json")), ("cancel", job_id),
                 ("form", "detect", SAMPLE), ("schema", "--extraction-id", "x", "--schema-config-id", "c"),
                 ("split", "--extraction-id", "x", "--topic", "a"), ("tables", "--extraction-id", "x"),
                 ("batch", "tables", "--extraction-id", "x"), ("pipeline", "--url", "http://example.com/a.pdf", "--extract"),
                 ("wait", job_id, "--kind", "batch_schema")):
        r = pulse(*args, base=ECHO.base)
        expect_rc(r, 3, "%s against a key-echoing server" % args[0])
        check(KEY not in r.err and KEY.encode() not in r.out, "the key leaked from %s" % args[0], r)
        check("[redacted]" in r.err or "401" in r.err, "the echoed error was not reported", r)
    # a 500 echoing the key (retried, then reported) on one request of the main server
    r = pulse("job", job_id, "--retries", "1", scenario="fault=echo_key:status=500")
    expect_rc(r, 9, "a 500 echoing the key")
    check(KEY not in r.err, "the key leaked from a 500", r)
    # the whole run: no output of any test contains the key (checked again at the very end)
    for name, stream, text in list(OUTPUTS):
        check(KEY not in text, "the key appeared in the %s of test %s" % (stream, name))
    # and no command left a temporary output file behind
    left = [os.path.join(d, f) for d, _, fs in os.walk(TMP) for f in fs if ".pulse-" in f]
    check(not left, "temporary output files left behind: %r" % left)


# ---- webhook verify: deliveries signed here with Python's hmac, as Svix signs them ----------------

WEBHOOK_SECRET = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def webhook_sign(msg_id, ts, body, secret=WEBHOOK_SECRET):
    key = base64.b64decode(secret[len("whsec_"):])
    mac = hmac.new(key, msg_id.encode() + b"." + str(ts).encode() + b"." + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def webhook_verify(body_file, msg_id, ts, sig, *extra, secret=WEBHOOK_SECRET, stdin=None):
    env = env_for(key=None, extra={"PULSE_WEBHOOK_SECRET": secret} if secret is not None else {})
    argv = [PULSE, "webhook", "verify", body_file, "--id", msg_id, "--timestamp", str(ts), "--signature", sig, *extra]
    p = subprocess.run(argv, env=env, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    err = p.stderr.decode("utf-8", "replace")
    record(p.stdout, err)
    return Result(p.returncode, p.stdout, err)


@test
def webhook_verify_good_tampered_stale():
    job = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
    body = json.dumps({"type": "job.completed", "data": {"job_id": job, "status": "completed"}}).encode()
    path = tmp("delivery.json")
    with open(path, "wb") as f:
        f.write(body)
    now = int(time.time())
    msg = "msg_2Jv7pYGL7UwXqF3v6RjLVxQYPZG"
    sig = webhook_sign(msg, now, body)

    # Authentic: the job id on stdout, from a file and from stdin, the secret from the environment or
    # --secret; no API key needed.
    r = webhook_verify(path, msg, now, sig)
    expect_rc(r, 0, "a good delivery")
    check(r.text() == job + "\n", "a good delivery: stdout is not the job id", r)
    check("verified" in r.err and "job.completed" in r.err, "a good delivery: no note on stderr", r)
    r = webhook_verify("-", msg, now, sig, stdin=body)
    expect_rc(r, 0, "a good delivery on stdin")
    check(r.text() == job + "\n", "stdin: stdout is not the job id", r)
    r = webhook_verify(path, msg, now, "v1,bm9wZQ== " + sig, "--secret", WEBHOOK_SECRET, "--quiet", secret=None)
    expect_rc(r, 0, "--secret, a rotated signature list, --quiet")
    check(r.text() == job + "\n" and r.err == "", "--quiet still printed on stderr", r)

    # Not authentic: exit 13 with the reason.
    tampered = tmp("tampered.json")
    with open(tampered, "wb") as f:
        f.write(body.replace(b"completed", b"c0mpleted", 1))
    r = webhook_verify(tampered, msg, now, sig)
    expect_rc(r, 13, "a tampered body")
    check("signature_mismatch" in r.err and r.out == b"", "a tampered body: no reason, or output", r)
    r = webhook_verify(path, msg + "x", now, sig)
    expect_rc(r, 13, "another webhook-id")
    other = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    expect_rc(webhook_verify(path, msg, now, sig, secret=other), 13, "another endpoint's secret")
    old = now - 600
    r = webhook_verify(path, msg, old, webhook_sign(msg, old, body))
    expect_rc(r, 13, "a stale delivery (10 minutes old)")
    check("stale_timestamp" in r.err, "a stale delivery: the reason is not given", r)
    expect_rc(webhook_verify(path, msg, old, webhook_sign(msg, old, body), "--tolerance", "900"), 0,
              "a 10-minute-old delivery with --tolerance 900")
    ahead = now + 600
    r = webhook_verify(path, msg, ahead, webhook_sign(msg, ahead, body))
    expect_rc(r, 13, "a delivery from the future")
    check("future_timestamp" in r.err, "a future delivery: the reason is not given", r)
    expect_rc(webhook_verify(path, msg, now, ""), 13, "an empty webhook-signature")

    # Authentic but not an event: 10. An event without a job: 0, nothing on stdout.
    plain = tmp("plain.txt")
    with open(plain, "wb") as f:
        f.write(b"not json")
    expect_rc(webhook_verify(plain, msg, now, webhook_sign(msg, now, b"not json")), 10, "an authentic non-JSON body")
    nojob = tmp("nojob.json")
    with open(nojob, "wb") as f:
        f.write(b'{"type":"ping"}')
    r = webhook_verify(nojob, msg, now, webhook_sign(msg, now, b'{"type":"ping"}'))
    expect_rc(r, 0, "an event without a job")
    check(r.out == b"" and "names no job" in r.err, "an event without a job: unexpected output", r)


@test
def webhook_verify_usage_errors_exit_2():
    path = tmp("body.json")
    with open(path, "wb") as f:
        f.write(b"{}")
    now = int(time.time())
    sig = webhook_sign("msg_1", now, b"{}")
    expect_rc(webhook_verify(path, "msg_1", now, sig, secret=None), 2, "no secret anywhere")
    bad = "whsec_not base64!"
    r = webhook_verify(path, "msg_1", now, sig, secret=bad)
    expect_rc(r, 2, "a malformed secret")
    check("not base64!" not in r.err, "the malformed secret was printed", r)
    expect_rc(webhook_verify(tmp("missing.json"), "msg_1", now, sig), 2, "a body file that does not exist")
    expect_rc(webhook_verify(path, "msg_1", now, sig, "--tolerance", "-5"), 2, "a negative --tolerance")
    env = env_for(key=None, extra={"PULSE_WEBHOOK_SECRET": WEBHOOK_SECRET})
    for args, what in [(("webhook",), "no action"), (("webhook", "check", path), "unknown action"),
                       (("webhook", "verify", path, "--id", "msg_1", "--timestamp", str(now)), "no --signature"),
                       (("webhook", "verify", "--id", "msg_1", "--timestamp", str(now), "--signature", sig), "no FILE"),
                       (("webhook", "verify", path, "--out", "x"), "an option of another command")]:
        r = pulse(*args, env=env)
        expect_rc(r, 2, what)
        check("pulse" in r.err, "%s: no message on stderr" % what, r)


@test
def sample_pdf_is_valid():
    data = open(SAMPLE, "rb").read()
    check(data.startswith(b"%PDF-1.") and data.rstrip().endswith(b"%%EOF"), "sample.pdf is not framed as a PDF")
    sx = int(data[data.rindex(b"startxref") + 9:].split()[0])
    check(data[sx:sx + 4] == b"xref", "startxref does not point at the xref table")
    rows = data[sx:].split(b"\n")
    count = int(rows[1].split()[1])
    for i in range(1, count):
        off = int(rows[2 + i][:10])
        check(data[off:].startswith(b"%d 0 obj" % i), "xref entry %d points at the wrong offset" % i)


# ---- runner -------------------------------------------------------------------------------------

def report(name, err, secs):
    print(("ok    %-38s %5.1fs" % (name, secs)) if err is None else
          ("FAIL  %-38s %5.1fs\n    %s" % (name, secs, err.replace("\n", "\n    "))), flush=True)


def run_one(fn):
    _local.name = fn.__name__
    t0 = time.time()
    try:
        fn()
        return fn.__name__, None, time.time() - t0
    except Failure as e:
        return fn.__name__, str(e), time.time() - t0
    except Exception:  # a bug in the test itself, or a timeout
        return fn.__name__, traceback.format_exc(), time.time() - t0


def main():
    global PULSE, SERVER, TMP, MAIN, ECHO
    args = sys.argv[1:]
    only, jobs = None, 8
    if "-k" in args:
        i = args.index("-k")
        only = args[i + 1]
        del args[i:i + 2]
    if "-j" in args:
        i = args.index("-j")
        jobs = int(args[i + 1])
        del args[i:i + 2]
    if len(args) != 2:
        print(__doc__)
        return 2
    PULSE, SERVER = (os.path.abspath(a) for a in args)
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="pulse-cli-test-") as d:
        TMP = d
        MAIN = Server("--poll-steps", "0")
        ECHO = Server("--fault", "fault=echo_key")
        try:
            selected = [t for t in TESTS if only is None or only in t.__name__]
            last = [t for t in selected if t is key_never_printed_even_when_echoed]
            first = [t for t in selected if t not in last]
            results = []
            with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
                for name, err, secs in pool.map(run_one, first):
                    results.append((name, err))
                    report(name, err, secs)
            for fn in last:  # after every other test, so it sees all their outputs
                name, err, secs = run_one(fn)
                results.append((name, err))
                report(name, err, secs)
        finally:
            MAIN.stop()
            ECHO.stop()
    failed = sum(1 for _, e in results if e is not None)
    print("%d passed, %d failed (%.1fs)" % (len(results) - failed, failed, time.time() - t0))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
