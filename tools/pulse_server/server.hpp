// The server object: the listening socket, every job, the request log, and the API's behaviour.
// It owns all mutable state of the process (guarded by one mutex, so --threads N is safe); the
// connection code asks it what to answer and streams the answer.
#pragma once

#include "body_source.hpp"
#include "kinds.hpp"
#include "options.hpp"
#include "response.hpp"
#include "scenario.hpp"
#include "submission.hpp"
#include "upload_body.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace boost::asio::ssl {
class context;
}

namespace pulse_server {

class pdf_document;

struct peer_info {
    std::uint64_t connection = 0;  // serial number of the TCP connection (shows connection reuse)
    unsigned short port = 0;
};

// A job's result body the server can serve any number of times: its size up front, a fresh stream
// of its bytes on demand, and the members a large-result pointer repeats.
struct result_blob {
    std::uint64_t size = 0;
    std::function<source_ptr()> open;
    std::string extraction_id;
    std::optional<std::int64_t> page_count;
    std::string plan_info_json;
    std::string id_member;  // kinds other than extract: their own id as a member, "schema_id":"..."
};

// A split a later request can refer to (split-mode schemas, batch schemas by split).
struct split_record {
    std::string id;
    std::vector<std::string> topics;
    boost::json::object pages;  // topic -> pages
    std::vector<extraction_ref> extractions;
};

struct job {
    std::string id;
    // extract | form_detect | form_fill | form_clear | schema | split | tables | pipeline |
    // batch_extract | batch_schema | batch_tables | batch_split
    std::string kind;
    bool async = true;
    std::string scenario_text;
    scenario sc;
    std::chrono::system_clock::time_point created, updated;

    // Progress: what the last answered poll said, and how many polls have been answered.
    std::string status = "pending";
    std::uint64_t answered_polls = 0;
    bool cancel_requested = false;
    std::string final_status;
    std::vector<std::string> interim;
    std::string error_text;

    std::array<std::uint64_t, phase_count> requests{};  // per phase, for @N faults and for tests
    std::uint64_t downloads = 0;  // clean large-result downloads (started and not abandoned)
    bool consumed = false;        // the single use is taken (or being taken)

    // What the submission carried.
    std::uint64_t upload_bytes = 0;
    std::uint64_t upload_fnv1a64 = 0;
    boost::json::object fields;
    boost::json::array files;

    // What the job answers.
    std::shared_ptr<const result_blob> result;  // every kind but forms and batches
    bool large = false;
    std::string result_id_key, result_id;       // "schema_id" and its value, "extraction_id"...
    std::string form_id;                         // form jobs
    std::string form_result;
    std::shared_ptr<const pdf_document> pdf;
    std::shared_ptr<const std::string> excel;    // schema jobs given an Excel template

    // What a completed job leaves for later requests to refer to (nothing with auto_delete).
    std::vector<extraction_ref> extractions;
    std::optional<split_record> split;
    bool keep_artifacts = true;

    // Batches: one child job per item, advanced by the batch's polls.
    std::vector<std::shared_ptr<job>> children;
    std::uint64_t workers = 4;
    std::string parent;  // a batch item: the batch's id
    std::string source;  // a batch item: the file URL, file name or id it works on
};

inline bool is_terminal(std::string_view status) {
    return status == "completed" || status == "failed" || status == "canceled" || status == "cancelled" ||
           status == "expired";
}

// The result of an extraction: the built-in sample, or a generated result of `size` bytes (the
// scenario's size=), carrying `extraction_id` when one is given.
std::shared_ptr<const result_blob> extraction_result(std::optional<std::uint64_t> size, const std::string& extraction_id);

class server {
public:
    // Binds 127.0.0.1:opt.port. Throws on a bad --result file, a bad --fault, or a busy port.
    server(boost::asio::io_context& ioc, options opt);
    ~server();

    unsigned short port() const noexcept { return port_; }
    // The TLS context when serving HTTPS (--tls-cert/--tls-key), else null.
    boost::asio::ssl::context* tls() const noexcept { return tls_.get(); }
    /// A connection's TLS handshake resumed an earlier session (counted in GET /__stats).
    void note_tls_resumed() noexcept { ++tls_resumed_; }
    void start();
    // Stops accepting and stops the io_context; safe from any thread and from signal handlers' posts.
    void stop();

    // Decides the answer to one request. Thread-safe.
    response_plan handle(request_t& req, const peer_info& peer);
    // The answer to a request that could not be parsed as HTTP.
    response_plan malformed_request(std::string_view why);

private:
    struct route;
    static route classify(boost::beast::http::verb method, const std::vector<std::string>& segs);

    void accept_next();
    response_plan handle_locked(request_t& req, const peer_info& peer, const route& r, std::string& faults_note);
    response_plan control(request_t& req, const route& r);
    response_plan dispatch(request_t& req, const route& r, const std::shared_ptr<job>& j, scenario& sc,
                           const std::string& sc_text, const fault_plan& fp);
    response_plan submit_extract(request_t& req, scenario& sc, const std::string& sc_text, bool force_async);
    response_plan submit_form(request_t& req, const std::string& op, scenario& sc, const std::string& sc_text);
    // The other kinds (server_kinds.cpp): the API's answer, or its error for a refused request.
    response_plan submit_schema(request_t& req, scenario& sc, const std::string& sc_text);
    response_plan submit_split(request_t& req, scenario& sc, const std::string& sc_text);
    response_plan submit_tables(request_t& req, scenario& sc, const std::string& sc_text);
    response_plan submit_batch(request_t& req, const std::string& op, scenario& sc, const std::string& sc_text);
    response_plan submit_pipeline(request_t& req, scenario& sc, const std::string& sc_text);
    response_plan webhook_link();
    response_plan excel(job* j);
    response_plan poll(job& j);
    response_plan cancel(job& j);
    response_plan download(const std::shared_ptr<job>& j, bool clean_delivery);
    response_plan pdf(job& j);
    response_plan image(job& j, const std::string& name);
    response_plan refusal(const fault& f, const route& r, request_t& req);
    void apply_faults(response_plan& plan, const fault_plan& fp, const route& r, const job* j);
    void encode(response_plan& plan, const fault_plan& fp, request_t& req);

    std::shared_ptr<job> new_job(std::string kind, scenario& sc, const std::string& sc_text, bool async,
                                 submission& s);
    // A job of a kind with a result body; the body padded to the scenario's size= when it asks.
    std::shared_ptr<job> new_result_job(std::string kind, scenario& sc, const std::string& sc_text, bool async,
                                        submission& s, const boost::json::object& body);
    // The answer to an accepted submission: the async acknowledgement, or the sync result (inline,
    // the large-result pointer, or 500 for a job the scenario fails).
    response_plan submission_answer(job& j);
    // Moves a job to `status`; the first time it completes, what it produced becomes known.
    void settle(job& j, const std::string& status);
    void advance_batch(job& b);
    std::string batch_progress(const job& b) const;
    std::vector<extraction_ref> resolve_extractions(const std::string& id, std::string_view path) const;
    std::string next_status(job& j);
    std::string pointer_json(const job& j) const;
    std::string new_id();
    void record_request(request_t& req, const peer_info& peer);
    boost::json::object job_info(const job& j) const;

    boost::asio::io_context& ioc_;
    options opt_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::unique_ptr<boost::asio::ssl::context> tls_;
    unsigned short port_ = 0;
    std::string api_base_;    // http://127.0.0.1:PORT (https:// with TLS)
    std::string large_base_;  // origin of large-result pointers
    scenario global_;         // --fault
    std::shared_ptr<const result_blob> default_result_;
    std::shared_ptr<const std::string> png_;
    std::atomic<std::uint64_t> connections_{0};
    std::atomic<std::uint64_t> tls_resumed_{0};  // TLS handshakes that resumed a session
    std::atomic<bool> stopping_{false};

    std::mutex mu_;  // guards everything below
    std::unordered_map<std::string, std::shared_ptr<job>> jobs_;
    std::vector<std::string> job_order_;
    std::set<std::string> form_ids_;
    std::map<std::string, std::int64_t> extractions_;  // known extraction ids -> page count
    std::map<std::string, split_record> splits_;
    std::map<std::string, std::string> schemas_;       // schema_id -> the job that produced it
    std::map<std::string, std::uint64_t> submits_by_scenario_;  // for submit_fault=...@N
    std::array<std::uint64_t, phase_count> global_counts_{};
    std::deque<boost::json::object> request_log_;
    std::uint64_t requests_total_ = 0;
    std::mt19937_64 rng_;
};

}  // namespace pulse_server
