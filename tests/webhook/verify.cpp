// pulse/webhook/*.hpp: webhook deliveries are accepted exactly when their v1 signature matches the
// secret, id, timestamp and raw body and the timestamp is within the tolerance; the payload decodes
// as an opaque object with a best-effort job id.
//
// Known answers come from outside this library: the Standard Webhooks specification's published
// vector, and vectors computed with Python's hmac and base64 modules. Each carries the one-line
// command that derives it (run it to check).
#include <pulse/webhook.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

namespace wh = pulse::webhook;
using pulse::errc;
using std::chrono::seconds;
using std::chrono::system_clock;

struct known_answer {
    std::string_view what;
    std::string_view secret;
    std::string_view id;
    std::string_view timestamp;
    std::string_view body;
    std::string_view signature;
};

// clang-format off
known_answer const known_answers[] = {
    // The Standard Webhooks specification's (and Svix's libraries') test vector. Derived:
    // python3 -c "import hmac,hashlib,base64 as b; print('v1,'+b.b64encode(hmac.new(b.b64decode('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'), b'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{\"test\": 2432232314}', hashlib.sha256).digest()).decode())"
    {"Standard Webhooks vector", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330",
     R"({"test": 2432232314})", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="},
    // A job event. Derived:
    // python3 -c "import hmac,hashlib,base64 as b; print('v1,'+b.b64encode(hmac.new(b.b64decode('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'), b'msg_2Jv7pYGL7UwXqF3v6RjLVxQYPZG.1718000000.{\"job_id\":\"3c90c3cc-0d44-4b50-8888-8dd25736052a\",\"type\":\"job.completed\"}', hashlib.sha256).digest()).decode())"
    {"job event", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_2Jv7pYGL7UwXqF3v6RjLVxQYPZG", "1718000000",
     R"({"job_id":"3c90c3cc-0d44-4b50-8888-8dd25736052a","type":"job.completed"})", "v1,zt1YiiTfNQ0JjKOBNhwkALtYqyXAw13NCh3GSqIRPGs="},
    // An empty body. Derived:
    // python3 -c "import hmac,hashlib,base64 as b; print('v1,'+b.b64encode(hmac.new(b.b64decode('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'), b'msg_2Jv7pYGL7UwXqF3v6RjLVxQYPZG.1718000000.', hashlib.sha256).digest()).decode())"
    {"empty body", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_2Jv7pYGL7UwXqF3v6RjLVxQYPZG", "1718000000", "",
     "v1,oy10xgvtWn/mpsVrJa8dUfaQBo8CSLJ90MZXYVEjgLc="},
    // A 32-byte key (0x00..0x1f: padded base64), timestamp 0. Derived:
    // python3 -c "import hmac,hashlib,base64 as b; print('v1,'+b.b64encode(hmac.new(bytes(range(32)), b'msg_1.0.{\"data\":{\"job_id\":\"j-1\"}}', hashlib.sha256).digest()).decode())"
    {"32-byte key, padded", "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "msg_1", "0",
     R"({"data":{"job_id":"j-1"}})", "v1,csAeyg+hxSHZ5LIk+ezgeUicfgwu0HzDkAPlwUKKpQg="},
    // A one-byte key, a body with CR LF and UTF-8 (the raw bytes are signed), the year 2100. Derived:
    // python3 -c "import hmac,hashlib,base64 as b; print('v1,'+b.b64encode(hmac.new(b'A', b'msg_x.4102444800.line 1\r\nline 2 \xc3\xa9\n', hashlib.sha256).digest()).decode())"
    {"one-byte key, raw bytes", "whsec_QQ==", "msg_x", "4102444800", "line 1\r\nline 2 \xc3\xa9\n",
     "v1,uxkwV8Rd4NS+uI7mGtMvsT3fcJIfNB6xfKlO9y1Tmt8="},
};
// clang-format on

wh::secret secret_of(std::string_view text) {
    auto s = wh::secret::parse(text);
    REQUIRE(s.has_value());
    return *s;
}

system_clock::time_point at(std::int64_t unix_seconds) { return system_clock::time_point(seconds(unix_seconds)); }

std::int64_t seconds_of(std::string_view ts) { return std::stoll(std::string(ts)); }

wh::verify_options when(std::int64_t unix_seconds, seconds tolerance = std::chrono::minutes(5)) {
    wh::verify_options o;
    o.now = at(unix_seconds);
    o.tolerance = tolerance;
    return o;
}

errc code_of(pulse::result<void> const& r) { return r ? errc::ok : r.error().code; }

known_answer const& job_event = known_answers[1];

/// job_event verified with `signature` at its own timestamp.
pulse::result<void> verify_job_event_with(std::string_view signature) {
    wh::headers_view const h{job_event.id, job_event.timestamp, signature};
    return wh::verify(secret_of(job_event.secret), h, job_event.body, when(seconds_of(job_event.timestamp)));
}

} // namespace

TEST_CASE("webhook secret: whsec_ and base64, with or without the prefix and the padding") {
    struct row {
        std::string_view text;
        std::string_view key; // the decoded key
    };
    row const rows[] = {
        {"whsec_QQ==", "A"},
        {"whsec_QQ", "A"}, // padding optional
        {"QQ==", "A"},     // the prefix too, as in the reference libraries
        {"whsec_QUI=", "AB"},
        {"whsec_QUJD", "ABC"},
        {"whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
         std::string_view("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"
                          "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f",
                          32)},
        {"whsec_++//", "\xfb\xef\xff"},
    };
    for (auto const& r : rows) {
        CAPTURE(r.text);
        auto s = wh::secret::parse(r.text);
        REQUIRE(s.has_value());
        CHECK(s->key() == r.key);
        auto again = wh::secret::parse(s->encoded()); // encoded(): the padded whsec_ form
        REQUIRE(again.has_value());
        CHECK(again->key() == r.key);
        CHECK(s->encoded().rfind("whsec_", 0) == 0);
    }
    CHECK(secret_of("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").key().size() == 24);
    CHECK(secret_of("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").encoded() == "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
}

TEST_CASE("webhook secret: malformed text is invalid_argument, and the message never quotes it") {
    std::string_view const bad[] = {
        "",
        "whsec_",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n", // a trailing newline from a file
        " whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "whsec_MfKQ9r8GKYqrTwjU PD8ILPZIo2LaLaSw",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwA", // 4n+1 characters: no encoding is that long
        "whsec_MfKQ9r8G-YqrTwjUPD8ILPZIo2LaLaSw", // base64url alphabet
        "whsec_MfKQ9r8G_YqrTwjUPD8ILPZIo2LaLaSw",
        "whsec_QQ=",   // wrong amount of padding
        "whsec_QUJD=", // padding where none belongs
        "whsec_Q===",
        "whsec_QQ==QQ==", // padding in the middle
        "whsec_====",
        "sk-live-0123", // an API key pasted by mistake
    };
    for (auto text : bad) {
        CAPTURE(text);
        auto s = wh::secret::parse(text);
        REQUIRE_FALSE(s.has_value());
        CHECK(s.error().code == errc::invalid_argument);
        if (text.size() > 6) CHECK(s.error().to_string().find(text.substr(6)) == std::string::npos);
    }
    auto empty = wh::secret::from_bytes("");
    REQUIRE_FALSE(empty.has_value());
    CHECK(empty.error().code == errc::invalid_argument);
    auto zero = wh::secret::generate(0);
    REQUIRE_FALSE(zero.has_value());
    CHECK(zero.error().code == errc::invalid_argument);
}

TEST_CASE("webhook secret: generate() makes distinct keys that round-trip through encoded()") {
    auto a = wh::secret::generate();
    auto b = wh::secret::generate(32);
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    CHECK(a->key().size() == 24);
    CHECK(b->key().size() == 32);
    auto a2 = wh::secret::generate();
    REQUIRE(a2.has_value());
    CHECK(a->key() != a2->key());
    CHECK(secret_of(a->encoded()).key() == a->key());
    auto raw = wh::secret::from_bytes(std::string_view("\x00k\xff", 3));
    REQUIRE(raw.has_value());
    CHECK(raw->encoded() == "whsec_AGv/");
    // Copies and moves keep the key; a moved-from secret is empty.
    wh::secret c = *a;
    CHECK(c.key() == a->key());
    wh::secret d = std::move(c);
    CHECK(d.key() == a->key());
    CHECK(c.key().empty()); // NOLINT(bugprone-use-after-move): the documented moved-from state
    d = *b;
    CHECK(d.key() == b->key());
}

TEST_CASE("webhook: known answers sign and verify") {
    for (auto const& k : known_answers) {
        CAPTURE(k.what);
        auto const s = secret_of(k.secret);
        auto sig = wh::compute_signature(s, k.id, k.timestamp, k.body);
        REQUIRE(sig.has_value());
        CHECK(*sig == k.signature);

        auto const ts = seconds_of(k.timestamp);
        auto h = wh::sign(s, std::string(k.id), std::chrono::sys_seconds(seconds(ts)), k.body);
        REQUIRE(h.has_value());
        CHECK(h->id == k.id);
        CHECK(h->timestamp == k.timestamp);
        CHECK(h->signature == k.signature);

        wh::headers_view const v{k.id, k.timestamp, k.signature};
        auto ok = wh::verify(s, v, k.body, when(ts));
        CHECK_MESSAGE(ok.has_value(), (ok ? "" : ok.error().to_string()));
        CHECK(wh::verify(s, h->view(), k.body, when(ts)).has_value());
    }
}

TEST_CASE("webhook: any change to the body, the id, the timestamp or the secret fails") {
    for (auto const& k : known_answers) {
        CAPTURE(k.what);
        auto const s = secret_of(k.secret);
        auto const ts = seconds_of(k.timestamp);
        wh::headers_view const h{k.id, k.timestamp, k.signature};
        std::string const body(k.body);

        // Every single-byte change of the body, an appended byte, a dropped byte.
        for (std::size_t i = 0; i < body.size(); ++i) {
            std::string t = body;
            t[i] = static_cast<char>(t[i] ^ 0x01);
            CHECK(code_of(wh::verify(s, h, t, when(ts))) == errc::signature_mismatch);
        }
        CHECK(code_of(wh::verify(s, h, body + " ", when(ts))) == errc::signature_mismatch);
        CHECK(code_of(wh::verify(s, h, body + "\n", when(ts))) == errc::signature_mismatch);
        if (!body.empty()) CHECK(code_of(wh::verify(s, h, body.substr(1), when(ts))) == errc::signature_mismatch);

        // Another id; a timestamp one second off (judged at that time, so only the signature fails).
        std::string const other_id = std::string(k.id) + "x";
        CHECK(code_of(wh::verify(s, {other_id, k.timestamp, k.signature}, body, when(ts))) == errc::signature_mismatch);
        std::string const later = std::to_string(ts + 1);
        CHECK(code_of(wh::verify(s, {k.id, later, k.signature}, body, when(ts + 1))) == errc::signature_mismatch);
        // The same number spelled differently is another signed text.
        std::string const zero_padded = "0" + std::string(k.timestamp);
        CHECK(code_of(wh::verify(s, {k.id, zero_padded, k.signature}, body, when(ts))) == errc::signature_mismatch);

        // Another secret: each other vector's.
        for (auto const& other : known_answers) {
            if (other.secret == k.secret) continue;
            CHECK(code_of(wh::verify(secret_of(other.secret), h, body, when(ts))) == errc::signature_mismatch);
        }
        // A key differing in its last bit.
        std::string key(s.key());
        key.back() = static_cast<char>(key.back() ^ 0x01);
        auto flipped = wh::secret::from_bytes(key);
        REQUIRE(flipped.has_value());
        CHECK(code_of(wh::verify(*flipped, h, body, when(ts))) == errc::signature_mismatch);
    }
}

TEST_CASE("webhook: the timestamp must be within the tolerance of now, boundary included") {
    auto const s = secret_of(job_event.secret);
    auto const ts = seconds_of(job_event.timestamp);
    wh::headers_view const h{job_event.id, job_event.timestamp, job_event.signature};
    auto const check_at = [&](system_clock::time_point now, seconds tol) {
        wh::verify_options o;
        o.now = now;
        o.tolerance = tol;
        return code_of(wh::verify(s, h, job_event.body, o));
    };
    using std::chrono::milliseconds;
    seconds const five_min = std::chrono::minutes(5);
    struct row {
        std::string_view what;
        system_clock::time_point now;
        seconds tolerance;
        errc expect;
    };
    row const rows[] = {
        {"at the timestamp", at(ts), five_min, errc::ok},
        {"300 s later: the boundary passes", at(ts + 300), five_min, errc::ok},
        {"301 s later", at(ts + 301), five_min, errc::stale_timestamp},
        {"300 s and 1 ms later", at(ts + 300) + milliseconds(1), five_min, errc::stale_timestamp},
        {"299.999 s later", at(ts + 300) - milliseconds(1), five_min, errc::ok},
        {"300 s earlier: the boundary passes", at(ts - 300), five_min, errc::ok},
        {"301 s earlier", at(ts - 301), five_min, errc::future_timestamp},
        {"300 s and 1 ms earlier", at(ts - 300) - milliseconds(1), five_min, errc::future_timestamp},
        {"299.999 s earlier", at(ts - 300) + milliseconds(1), five_min, errc::ok},
        {"tolerance 0, same second", at(ts), seconds(0), errc::ok},
        {"tolerance 0, 1 ms later", at(ts) + milliseconds(1), seconds(0), errc::stale_timestamp},
        {"tolerance 0, 1 s earlier", at(ts - 1), seconds(0), errc::future_timestamp},
        {"a day later, tolerance 1 day", at(ts + 86400), std::chrono::hours(24), errc::ok},
        {"a day later, tolerance 1 day less 1 s", at(ts + 86400), std::chrono::hours(24) - seconds(1), errc::stale_timestamp},
        {"any time, the largest tolerance", at(0), seconds::max(), errc::ok},
        {"far future now, the largest tolerance", at(ts + 4000000000), seconds::max(), errc::ok},
        {"a negative tolerance", at(ts), seconds(-1), errc::invalid_argument},
    };
    for (auto const& r : rows) {
        CAPTURE(r.what);
        CHECK(check_at(r.now, r.tolerance) == r.expect);
    }
    // The default tolerance is five minutes, the default now the system clock.
    wh::verify_options late;
    late.now = at(ts + 301);
    CHECK(code_of(wh::verify(s, h, job_event.body, late)) == errc::stale_timestamp);
    late.now = at(ts + 300);
    CHECK(code_of(wh::verify(s, h, job_event.body, late)) == errc::ok);
    CHECK(code_of(wh::verify(s, h, job_event.body)) == errc::stale_timestamp); // signed in 2024
    auto fresh = wh::sign(s, "msg_now", std::chrono::floor<seconds>(system_clock::now()), "{}");
    REQUIRE(fresh.has_value());
    CHECK(code_of(wh::verify(s, fresh->view(), "{}")) == errc::ok);
    // The messages say which way and by how much.
    late.now = at(ts + 301);
    auto stale = wh::verify(s, h, job_event.body, late);
    REQUIRE_FALSE(stale.has_value());
    CHECK(stale.error().message.find("300 s in the past") != std::string::npos);
}

TEST_CASE("webhook: extreme and malformed timestamps") {
    auto const s = secret_of(job_event.secret);
    struct row {
        std::string_view timestamp;
        errc expect;
    };
    row const rows[] = {
        {"0", errc::stale_timestamp},
        {"9223372036854775807", errc::future_timestamp}, // INT64_MAX
        {"9223372036854775808", errc::invalid_value},    // one more
        {"99999999999999999999", errc::invalid_value},
        {"-1", errc::invalid_value},
        {"+1718000000", errc::invalid_value},
        {" 1718000000", errc::invalid_value},
        {"1718000000 ", errc::invalid_value},
        {"1718000000.5", errc::invalid_value},
        {"1.718e9", errc::invalid_value},
        {"0x66672700", errc::invalid_value},
        {"\xd9\xa1\xd9\xa7", errc::invalid_value}, // Arabic-Indic digits
        {"now", errc::invalid_value},
    };
    for (auto const& r : rows) {
        CAPTURE(r.timestamp);
        auto out = wh::verify(s, {job_event.id, r.timestamp, job_event.signature}, job_event.body, when(1718000000));
        CHECK(code_of(out) == r.expect);
        if (r.expect == errc::invalid_value) CHECK(out.error().path == "webhook-timestamp");
    }
}

TEST_CASE("webhook: several signatures in one header: any v1 entry that matches passes") {
    std::string const good(job_event.signature);
    std::string const other = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; // valid base64, another delivery's
    std::string const b64 = good.substr(3);
    struct row {
        std::string header;
        errc expect;
    };
    row const rows[] = {
        {good, errc::ok},
        {good + " " + other, errc::ok},                                // first
        {other + " " + good, errc::ok},                                // last
        {other + " " + good + " v1,bm9wZQ==", errc::ok},               // middle
        {"v1a,c2lnbmF0dXJl " + good, errc::ok},                        // beside an asymmetric entry
        {"  " + good + "  ", errc::ok},                                // extra spaces
        {other + "  " + good, errc::ok},                               // two spaces between
        {"v2," + b64 + " " + good, errc::ok},                          // an unknown version is skipped
        {other, errc::signature_mismatch},
        {other + " v1,bm9wZQ== v1,", errc::signature_mismatch},
        {"v2," + b64, errc::signature_mismatch},                       // the right value under another version
        {"v1a," + b64, errc::signature_mismatch},
        {"V1," + b64, errc::signature_mismatch},                       // versions are case-sensitive
        {"v1" + b64, errc::signature_mismatch},                        // no comma
        {b64, errc::signature_mismatch},                               // no version
        {"v1, " + b64, errc::signature_mismatch},                      // the space ends the entry
        {"v1," + b64 + "x", errc::signature_mismatch},                 // trailing garbage
        {"v1," + b64.substr(0, b64.size() - 1), errc::signature_mismatch}, // unpadded
        {"v1," + b64 + "=", errc::signature_mismatch},                 // over-padded
        {"v1,!!!!" + b64.substr(4), errc::signature_mismatch},         // not base64
        {"v1,," + b64, errc::signature_mismatch},
        {"v1," + b64 + ",v1," + b64, errc::signature_mismatch},       // commas do not separate entries
        {"v1,\t" + b64, errc::signature_mismatch},
    };
    for (auto const& r : rows) {
        CAPTURE(r.header);
        CHECK(code_of(verify_job_event_with(r.header)) == r.expect);
    }
    // The message tells "no v1 entry" from "no match".
    auto none = verify_job_event_with("v2," + b64);
    REQUIRE_FALSE(none.has_value());
    CHECK(none.error().message.find("no v1 entry") != std::string::npos);
    auto three = verify_job_event_with(other + " v1,bm9wZQ== v1,YQ==");
    REQUIRE_FALSE(three.has_value());
    CHECK(three.error().message.find("none of the 3") != std::string::npos);
}

TEST_CASE("webhook: a missing header is missing_member naming it") {
    auto const s = secret_of(job_event.secret);
    auto const now = when(seconds_of(job_event.timestamp));
    struct row {
        wh::headers_view h;
        std::string_view name;
    };
    row const rows[] = {
        {{"", job_event.timestamp, job_event.signature}, "webhook-id"},
        {{job_event.id, "", job_event.signature}, "webhook-timestamp"},
        {{job_event.id, job_event.timestamp, ""}, "webhook-signature"},
        {{"", "", ""}, "webhook-id"},
    };
    for (auto const& r : rows) {
        CAPTURE(r.name);
        auto out = wh::verify(s, r.h, job_event.body, now);
        REQUIRE_FALSE(out.has_value());
        CHECK(out.error().code == errc::missing_member);
        CHECK(out.error().path == r.name);
    }
}

TEST_CASE("webhook: headers from pulse::http::headers, any case, svix- names as a fallback") {
    auto const s = secret_of(job_event.secret);
    auto const now = when(seconds_of(job_event.timestamp));
    std::string const id(job_event.id), ts(job_event.timestamp), sig(job_event.signature);

    pulse::http::headers h{{"Content-Type", "application/json"}, {"Webhook-Id", id}, {"WEBHOOK-TIMESTAMP", ts},
                           {"webhook-signature", sig}};
    auto v = wh::headers_view::from(h);
    CHECK(v.id == id);
    CHECK(v.timestamp == ts);
    CHECK(v.signature == sig);
    CHECK(wh::verify(s, h, job_event.body, now).has_value());

    pulse::http::headers svix{{"svix-id", id}, {"Svix-Timestamp", ts}, {"svix-signature", sig}};
    CHECK(wh::verify(s, svix, job_event.body, now).has_value());

    // The webhook- name wins over the svix- one.
    pulse::http::headers both{{"svix-signature", sig}, {"webhook-id", id}, {"webhook-timestamp", ts},
                              {"webhook-signature", "v1,bm9wZQ=="}};
    CHECK(code_of(wh::verify(s, both, job_event.body, now)) == errc::signature_mismatch);

    pulse::http::headers missing{{"webhook-id", id}, {"webhook-signature", sig}};
    auto out = wh::verify(s, missing, job_event.body, now);
    REQUIRE_FALSE(out.has_value());
    CHECK(out.error().code == errc::missing_member);
    CHECK(out.error().path == "webhook-timestamp");
}

TEST_CASE("webhook: an empty body is signed like any other") {
    auto const& k = known_answers[2];
    REQUIRE(k.body.empty());
    auto const s = secret_of(k.secret);
    auto const now = when(seconds_of(k.timestamp));
    CHECK(wh::verify(s, {k.id, k.timestamp, k.signature}, "", now).has_value());
    CHECK(code_of(wh::verify(s, {k.id, k.timestamp, k.signature}, "{}", now)) == errc::signature_mismatch);
    CHECK(code_of(wh::verify(s, {k.id, k.timestamp, job_event.signature}, "", now)) == errc::signature_mismatch);
}

TEST_CASE("webhook event: job_id at the top or in data, type when present, the object kept") {
    struct row {
        std::string_view body;
        std::optional<std::string_view> job_id;
        std::optional<std::string_view> type;
    };
    row const rows[] = {
        {R"({"job_id":"j-top","type":"job.completed"})", "j-top", "job.completed"},
        {R"({"type":"job.failed","data":{"job_id":"j-data","status":"failed"}})", "j-data", "job.failed"},
        {R"({"job_id":"j-top","data":{"job_id":"j-data"}})", "j-top", std::nullopt}, // the top level wins
        {R"({"job_id":7,"data":{"job_id":"j-data"}})", "j-data", std::nullopt},      // not a string: next place
        {R"({"data":{"job_id":null}})", std::nullopt, std::nullopt},
        {R"({"data":"j-data"})", std::nullopt, std::nullopt},
        {R"({"data":[{"job_id":"j"}]})", std::nullopt, std::nullopt},
        {R"({"type":3,"event":"x"})", std::nullopt, std::nullopt},
        {R"({})", std::nullopt, std::nullopt},
        {R"({"job_id":""})", "", std::nullopt},
    };
    for (auto const& r : rows) {
        CAPTURE(r.body);
        auto ev = wh::decode_event(r.body);
        REQUIRE(ev.has_value());
        CHECK(ev->job_id() == r.job_id);
        CHECK(ev->type() == r.type);
    }
    auto ev = wh::decode_event(R"({"job_id":"j","extra":{"n":[1,2,3]},"t":1.5})");
    REQUIRE(ev.has_value());
    CHECK(ev->json().size() == 3);
    REQUIRE(ev->json().if_contains("extra") != nullptr);
    CHECK(ev->json().at("extra").at("n").as_array().size() == 3);
}

TEST_CASE("webhook event: bodies that are not a JSON object") {
    struct row {
        std::string_view body;
        errc expect;
    };
    row const rows[] = {
        {"[]", errc::unexpected_shape},
        {R"(["job_id"])", errc::unexpected_shape},
        {R"("job_id")", errc::unexpected_shape},
        {"42", errc::unexpected_shape},
        {"null", errc::unexpected_shape},
        {"true", errc::unexpected_shape},
        {"", errc::json_syntax},
        {"{", errc::json_syntax},
        {R"({"job_id":"j",})", errc::json_syntax},
        {R"({"job_id":"j"} {})", errc::json_syntax},
        {"job_id=j", errc::json_syntax},
    };
    for (auto const& r : rows) {
        CAPTURE(r.body);
        auto ev = wh::decode_event(r.body);
        REQUIRE_FALSE(ev.has_value());
        CHECK(ev.error().code == r.expect);
    }
    pulse::parse_limits shallow;
    shallow.max_depth = 2;
    auto deep = wh::decode_event(R"({"a":{"b":{"c":{}}}})", shallow);
    REQUIRE_FALSE(deep.has_value());
    CHECK(deep.error().code == errc::too_deep);
}

TEST_CASE("webhook verify_and_decode: the body is decoded only once it verified") {
    auto const s = secret_of(job_event.secret);
    auto const now = when(seconds_of(job_event.timestamp));
    wh::headers_view const h{job_event.id, job_event.timestamp, job_event.signature};

    auto ev = wh::verify_and_decode(s, h, job_event.body, now);
    REQUIRE(ev.has_value());
    CHECK(ev->job_id() == std::optional<std::string_view>("3c90c3cc-0d44-4b50-8888-8dd25736052a"));
    CHECK(ev->type() == std::optional<std::string_view>("job.completed"));

    // A tampered body fails verification before it is parsed: not valid JSON, still signature_mismatch.
    std::string broken(job_event.body);
    broken.pop_back();
    auto tampered = wh::verify_and_decode(s, h, broken, now);
    REQUIRE_FALSE(tampered.has_value());
    CHECK(tampered.error().code == errc::signature_mismatch);

    // Authentic, but not an object: the decode error.
    auto const& k = known_answers[2]; // the empty body
    auto empty = wh::verify_and_decode(s, {k.id, k.timestamp, k.signature}, k.body, when(seconds_of(k.timestamp)));
    REQUIRE_FALSE(empty.has_value());
    CHECK(empty.error().code == errc::json_syntax);

    // Stale: refused whatever the body.
    wh::verify_options late = now;
    late.now = *now.now + seconds(301);
    auto old = wh::verify_and_decode(s, h, job_event.body, late);
    REQUIRE_FALSE(old.has_value());
    CHECK(old.error().code == errc::stale_timestamp);

    pulse::http::headers hh{{"webhook-id", std::string(job_event.id)}, {"webhook-timestamp", std::string(job_event.timestamp)},
                            {"webhook-signature", std::string(job_event.signature)}};
    auto from_http = wh::verify_and_decode(s, hh, job_event.body, now);
    REQUIRE(from_http.has_value());
    CHECK(from_http->job_id() == ev->job_id());
}
