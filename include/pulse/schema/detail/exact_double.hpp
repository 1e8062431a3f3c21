// SPDX-License-Identifier: MIT
//
// A JSON number's text -> the nearest double, whatever Boost.JSON made of it.
//
// Why this exists: Boost.JSON 1.81 does not round decimal text correctly. It multiplies an integer
// mantissa by a table power of ten, which is exact only for mantissas below 2^53 and exponents
// within +-22. Outside that it is often one or two ulps off, and off differently depending on how
// much of the document sits in the same write: its fast path (33 or more bytes left in the buffer)
// keeps 18 mantissa digits, its byte-at-a-time path and a number resumed across two writes keep
// about 16. So one number could decode to different doubles depending on where a network chunk
// boundary fell, and a shortest-form double as Python writes it ("249.77792341670946") came back
// as its neighbour, and was written back as other text. It also reads "0e400" as NaN (0 times an
// infinite power of ten).
//
// So every handler in this library that turns text into doubles (the DOM parser in dom_parser.hpp,
// the typed stream decoder) passes the number's text through exact_double(). Boost >= 1.83 can do
// this itself (parse_options::numbers = precise); Debian 12 ships 1.81.
//
// The text is correct-rounded with std::from_chars, which libstdc++ (GCC 12 and later) and MSVC
// implement for double. Where the standard library lacks it (libc++ before 20: __cpp_lib_to_chars
// undefined), Boost's value is kept: no worse than Boost alone.
#ifndef PULSE_SCHEMA_DETAIL_EXACT_DOUBLE_HPP
#define PULSE_SCHEMA_DETAIL_EXACT_DOUBLE_HPP

#include <pulse/detail/prelude.hpp>

#include <boost/config.hpp>

#include <charconv>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>

PULSE_NAMESPACE_BEGIN
namespace detail {

/// Whether Boost.JSON 1.81's value `parsed` for the number `text` is already exact, without
/// scanning the text (this runs for every double of a large result). Boost computes m * 10^p from
/// the digits m and the power p, which is exact when m < 2^53 and -22 <= p <= 22 (both factors
/// exact, one rounding). At most 16 characters leave at most 15 digits (a double's text has a '.'
/// or an 'e'), so m < 10^15 < 2^53. And from |value| = m * 10^p with 1 <= m < 10^15 follows
/// log10|value| - 15 < p <= log10|value|: a value within [1e-7, 1e15] puts p within (-22, 15].
/// Zero is exact whatever the power, but a NaN (0e400: 0 times infinity) is not. Most coordinates
/// and scores a server writes pass; false only costs a from_chars.
inline bool boost_double_is_exact(std::string_view text, double parsed) noexcept {
    double const a = parsed < 0 ? -parsed : parsed;
    return text.size() <= 16 && (a == 0 || (a >= 1e-7 && a <= 1e15));
}

/// The nearest double to `text`, by std::from_chars; out of line, so the parser's number loop,
/// where exact_double is inlined, stays small.
BOOST_NOINLINE inline double nearest_double(std::string_view text, double parsed) noexcept {
#if defined(__cpp_lib_to_chars)
    double d = 0;
    auto const r = std::from_chars(text.data(), text.data() + text.size(), d, std::chars_format::general);
    if (r.ec == std::errc() && r.ptr == text.data() + text.size()) return d;
    if (r.ec == std::errc::result_out_of_range) {
        bool const negative = !text.empty() && text.front() == '-';
        double const magnitude = std::fabs(parsed) >= 1.0 ? HUGE_VAL : 0.0;
        return negative ? -magnitude : magnitude;
    }
    return parsed;
#else
    (void)text;
    return parsed;
#endif
}

/// The double nearest to the JSON number `text` (round half to even, as IEEE 754 and from_chars
/// do). `parsed` is what Boost.JSON made of the same text; it is returned when the standard library
/// cannot convert (see above). Beyond double's range the nearest value is +-infinity (overflow) or
/// +-0 (underflow); Boost's own value tells which side of 1 the number is on.
inline double exact_double(std::string_view text, double parsed) noexcept {
    return boost_double_is_exact(text, parsed) ? parsed : nearest_double(text, parsed);
}

/// A number's text as Boost's basic_parser hands it over: the pieces of a number split across
/// writes arrive through on_number_part, the last piece with on_double / on_int64 / on_uint64.
/// Holds the earlier pieces only when there were some (most numbers arrive whole, and cost nothing
/// here).
class number_text {
public:
    void part(std::string_view piece) { held_.append(piece.data(), piece.size()); }
    /// The whole text, given its last piece. Valid until the next call.
    std::string_view whole(std::string_view last) {
        if (held_.empty()) return last;
        held_.append(last.data(), last.size());
        return held_;
    }
    /// After a number is complete (whatever its kind).
    void clear() noexcept { held_.clear(); }

private:
    std::string held_;
};

} // namespace detail
PULSE_NAMESPACE_END

#endif
