// SPDX-License-Identifier: MIT
//
// POST /webhook: a link to the webhook portal (Svix's app portal), where the organisation's
// webhook endpoints, event filters and delivery logs are managed. The link is temporary.
#ifndef PULSE_SCHEMA_WEBHOOK_LINK_HPP
#define PULSE_SCHEMA_WEBHOOK_LINK_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/schema/detail/codec.hpp>

#include <boost/json/object.hpp>

#include <string>
#include <tuple>

PULSE_NAMESPACE_BEGIN

/// The answer of POST /webhook.
struct webhook_link {
    std::string link{}; ///< the portal's URL, valid for a short time; required
    boost::json::object extra{}; ///< members this version does not name, kept and written back
};

namespace detail {
template <>
struct schema_of<webhook_link> {
    template <class T = webhook_link>
    static constexpr auto members = std::tuple{
        field("link", &T::link).required(),
    };
};
} // namespace detail

PULSE_NAMESPACE_END

#endif
