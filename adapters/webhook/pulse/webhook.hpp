// SPDX-License-Identifier: MIT
//
// Webhook deliveries in one include (target pulse::webhook; needs OpenSSL's libcrypto): the secret
// (pulse::webhook::secret), the headers (pulse::webhook::headers_view), verification
// (pulse::webhook::verify), the payload (pulse::webhook::event, pulse::webhook::decode_event), both
// at once (pulse::webhook::verify_and_decode), and signing (pulse::webhook::sign) for test servers.
#ifndef PULSE_WEBHOOK_HPP
#define PULSE_WEBHOOK_HPP

#include <pulse/webhook/event.hpp>
#include <pulse/webhook/headers.hpp>
#include <pulse/webhook/secret.hpp>
#include <pulse/webhook/sign.hpp>
#include <pulse/webhook/verify.hpp>
#include <pulse/webhook/verify_and_decode.hpp>

#endif
