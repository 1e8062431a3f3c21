// SPDX-License-Identifier: MIT
//
// JSON text -> boost::json::value, in one buffer or incrementally, with exactly rounded doubles.
//
// This is boost::json::stream_parser with one change: a double is taken from the number's text
// (exact_double.hpp) instead of Boost 1.81's inexact conversion. So a DOM built here has the same
// doubles as the typed stream decoder builds from the same bytes, whichever way the bytes were cut,
// and a number written in shortest form reads back as the double it was written from.
//
// It is assembled from Boost's public parts, as stream_parser itself is: basic_parser drives a
// handler that pushes onto a value_stack. Everything else (syntax, depth cap, duplicate keys: the
// last one wins, error codes) is Boost's.
//
// This header includes <boost/json/basic_parser_impl.hpp>; only detail headers may.
#ifndef PULSE_SCHEMA_DETAIL_DOM_PARSER_HPP
#define PULSE_SCHEMA_DETAIL_DOM_PARSER_HPP

#include <pulse/detail/compiled.hpp>
#include <pulse/detail/prelude.hpp>
#include <pulse/schema/detail/exact_double.hpp>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/error.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_stack.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

PULSE_NAMESPACE_BEGIN
namespace detail {

/// basic_parser handler building a DOM on a value_stack (as Boost's own does), doubles exact.
struct dom_handler {
    using json_sv = boost::json::string_view;
    using json_ec = boost::json::error_code;

    static constexpr std::size_t max_object_size = boost::json::object::max_size();
    static constexpr std::size_t max_array_size = boost::json::array::max_size();
    static constexpr std::size_t max_key_size = boost::json::string::max_size();
    static constexpr std::size_t max_string_size = boost::json::string::max_size();

    boost::json::value_stack st;
    number_text num;

    dom_handler(boost::json::storage_ptr temp, unsigned char* buffer, std::size_t size) : st(std::move(temp), buffer, size) {}

    bool on_document_begin(json_ec&) { return true; }
    bool on_document_end(json_ec&) { return true; }
    bool on_object_begin(json_ec&) { return true; }
    bool on_object_end(std::size_t n, json_ec&) {
        st.push_object(n);
        return true;
    }
    bool on_array_begin(json_ec&) { return true; }
    bool on_array_end(std::size_t n, json_ec&) {
        st.push_array(n);
        return true;
    }
    bool on_key_part(json_sv s, std::size_t, json_ec&) {
        st.push_chars(s);
        return true;
    }
    bool on_key(json_sv s, std::size_t, json_ec&) {
        st.push_key(s);
        return true;
    }
    bool on_string_part(json_sv s, std::size_t, json_ec&) {
        st.push_chars(s);
        return true;
    }
    bool on_string(json_sv s, std::size_t, json_ec&) {
        st.push_string(s);
        return true;
    }
    bool on_number_part(json_sv s, json_ec&) {
        num.part(std::string_view(s.data(), s.size()));
        return true;
    }
    bool on_int64(std::int64_t i, json_sv, json_ec&) {
        num.clear();
        st.push_int64(i);
        return true;
    }
    bool on_uint64(std::uint64_t u, json_sv, json_ec&) {
        num.clear();
        st.push_uint64(u);
        return true;
    }
    bool on_double(double d, json_sv s, json_ec&) {
        d = exact_double(num.whole(std::string_view(s.data(), s.size())), d);
        num.clear();
        st.push_double(d);
        return true;
    }
    bool on_bool(bool b, json_ec&) {
        st.push_bool(b);
        return true;
    }
    bool on_null(json_ec&) {
        st.push_null();
        return true;
    }
    bool on_comment_part(json_sv, json_ec&) { return true; }
    bool on_comment(json_sv, json_ec&) { return true; }
};

} // namespace detail
PULSE_NAMESPACE_END

// Compiled mode (pulse/detail/compiled.hpp): the DOM parser's Boost.JSON parser, instantiated once
// in the program. The inline functions below use it, so without this every translation unit that
// includes the header would instantiate the whole parser.
#if PULSE_DETAIL_COMPILED
PULSE_DETAIL_INSTANTIATE class boost::json::basic_parser<::pulse::detail::dom_handler>;
#endif

PULSE_NAMESPACE_BEGIN
namespace detail {

/// Incremental JSON -> DOM, the interface of boost::json::stream_parser (the parts this library
/// uses). Not movable (the parser is not); hold it by unique_ptr where a movable owner is needed.
class dom_parser {
public:
    /// `temp` holds the parser's working stack (not the values); `buffer`, when given, is used for
    /// it first, as boost::json::parse does with a stack buffer.
    explicit dom_parser(boost::json::parse_options const& opt = {}, boost::json::storage_ptr temp = {},
                        unsigned char* buffer = nullptr, std::size_t buffer_size = 0)
        : p_(opt, std::move(temp), buffer, buffer_size) {
        reset();
    }

    /// Start a new document; its values are allocated from `sp`.
    void reset(boost::json::storage_ptr sp = {}) noexcept {
        p_.reset();
        p_.handler().st.reset(std::move(sp));
        p_.handler().num.clear();
    }

    /// Parse the next piece; text after the end of the document is error::extra_data. Returns the
    /// bytes used: on failure, where the parser stopped.
    std::size_t write(char const* data, std::size_t size, boost::json::error_code& ec) {
        return checked(p_.write_some(true, data, size, ec), size, ec);
    }
    /// The end of the text.
    void finish(boost::json::error_code& ec) { p_.write_some(false, nullptr, 0, ec); }
    /// The whole text in one piece (write and finish together, as boost::json::parser::write).
    std::size_t write_all(char const* data, std::size_t size, boost::json::error_code& ec) {
        return checked(p_.write_some(false, data, size, ec), size, ec);
    }
    /// The value, after a finish() or write_all() without error.
    boost::json::value release() { return p_.handler().st.release(); }

private:
    std::size_t checked(std::size_t used, std::size_t size, boost::json::error_code& ec) {
        if (!ec && used < size) {
            ec = boost::json::error::extra_data;
            p_.fail(ec);
        }
        return used;
    }

    boost::json::basic_parser<dom_handler> p_;
};

/// Parse a whole text into values allocated from `sp`, as boost::json::parse(text, ec, sp, opt)
/// does. On failure `at` is the byte where the parser stopped.
inline boost::json::value parse_dom(std::string_view text, boost::json::error_code& ec, std::size_t& at,
                                    boost::json::storage_ptr sp = {}, boost::json::parse_options const& opt = {}) {
    unsigned char temp[BOOST_JSON_STACK_BUFFER_SIZE];
    dom_parser p(opt, {}, temp, sizeof temp);
    p.reset(std::move(sp));
    at = p.write_all(text.data(), text.size(), ec);
    if (ec) return nullptr;
    return p.release();
}

} // namespace detail
PULSE_NAMESPACE_END

#endif
