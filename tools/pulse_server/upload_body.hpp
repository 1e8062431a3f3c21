// A Beast body type for requests: multipart bodies go straight through the streaming multipart
// parser (so uploads are counted and hashed, never stored); anything else is kept as text up to a cap.
#pragma once

#include "http_util.hpp"
#include "multipart.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/optional.hpp>

#include <memory>
#include <string>

namespace pulse_server {

struct received_body {
    static constexpr std::size_t max_text_bytes = 16u << 20;  // JSON bodies and single text fields

    std::unique_ptr<multipart_parser> multipart;  // set when Content-Type was multipart/form-data
    std::string text;                             // the body otherwise (up to max_text_bytes)
    std::uint64_t bytes = 0;                      // total body bytes received
    bool too_large = false;                       // a non-multipart body over the cap
    std::string error;                            // e.g. multipart without a boundary
};

struct upload_body {
    using value_type = received_body;

    class reader {
    public:
        // Beast builds the reader together with the parser, before any header has arrived, so only
        // remember where the header lives; init() runs once it is complete.
        template <bool isRequest, class Fields>
        reader(boost::beast::http::header<isRequest, Fields>& h, value_type& body)
            : body_(body), header_(&h), content_type_of_(&content_type<isRequest, Fields>) {}

        void init(boost::optional<std::uint64_t> const&, boost::beast::error_code& ec) {
            ec = {};
            header_params hp = parse_header_params(content_type_of_(header_));
            if (!iequals(hp.value, "multipart/form-data")) return;
            if (auto b = hp.get("boundary"); b && !b->empty() && b->size() <= 200)
                body_.multipart = std::make_unique<multipart_parser>(*b, value_type::max_text_bytes);
            else
                body_.error = "multipart/form-data without a usable boundary parameter";
        }

        template <class ConstBufferSequence>
        std::size_t put(ConstBufferSequence const& buffers, boost::beast::error_code& ec) {
            ec = {};
            std::size_t total = 0;
            for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers); ++it) {
                boost::asio::const_buffer b = *it;
                const char* p = static_cast<const char*>(b.data());
                total += b.size();
                if (body_.multipart) {
                    body_.multipart->feed(p, b.size());
                } else if (!body_.too_large) {
                    // Over the cap the rest is drained and dropped; the handler answers 413.
                    if (body_.text.size() + b.size() > value_type::max_text_bytes) {
                        body_.too_large = true;
                        body_.text.clear();
                        body_.text.shrink_to_fit();
                    } else {
                        body_.text.append(p, b.size());
                    }
                }
            }
            body_.bytes += total;
            return total;
        }

        void finish(boost::beast::error_code& ec) {
            ec = {};
            if (body_.multipart) body_.multipart->finish();
        }

    private:
        template <bool isRequest, class Fields>
        static std::string content_type(const void* h) {
            auto v = (*static_cast<const boost::beast::http::header<isRequest, Fields>*>(h))[boost::beast::http::field::content_type];
            return std::string(v.data(), v.size());
        }

        value_type& body_;
        const void* header_;
        std::string (*content_type_of_)(const void*);
    };
};

using request_t = boost::beast::http::request<upload_body>;

}  // namespace pulse_server
