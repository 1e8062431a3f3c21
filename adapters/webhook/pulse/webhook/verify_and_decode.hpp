// SPDX-License-Identifier: MIT
//
// What a webhook endpoint does with each request, in one call: verify the delivery, then decode its
// body. A body is never parsed before its signature is checked.
//
//   auto ev = pulse::webhook::verify_and_decode(secret, request_headers, raw_body);
//   if (!ev) return respond(ev.error().layer() == pulse::error_layer::decode ? 400 : 401);
#ifndef PULSE_WEBHOOK_VERIFY_AND_DECODE_HPP
#define PULSE_WEBHOOK_VERIFY_AND_DECODE_HPP

#include <pulse/error.hpp>
#include <pulse/http/headers.hpp>
#include <pulse/webhook/event.hpp>
#include <pulse/webhook/headers.hpp>
#include <pulse/webhook/secret.hpp>
#include <pulse/webhook/verify.hpp>

#include <string_view>

PULSE_NAMESPACE_BEGIN
namespace webhook {

/// verify(), then decode_event() on the same body. Errors: verify()'s, then decode_event()'s.
inline result<event> verify_and_decode(secret const& key, headers_view const& h, std::string_view raw_body,
                                       verify_options const& opts = {}) {
    if (auto ok = verify(key, h, raw_body, opts); !ok) return ok.error();
    return decode_event(raw_body);
}

/// verify_and_decode() with the headers looked up in `h` (see headers_view::from()).
inline result<event> verify_and_decode(secret const& key, http::headers const& h, std::string_view raw_body,
                                       verify_options const& opts = {}) {
    return verify_and_decode(key, headers_view::from(h), raw_body, opts);
}

} // namespace webhook
PULSE_NAMESPACE_END

#endif
