// SPDX-License-Identifier: MIT
//
// The document a call works on, as a value: a local file the library uploads (streamed from disk,
// never read into memory) or a URL Pulse downloads itself. Two functions make one, so a call site
// says which it means and nothing guesses from the text:
//
//     client.extract(pulse::file("report.pdf"));
//     client.extract(pulse::url("https://example.com/report.pdf"));
//
// Form calls may also name neither and refer to an earlier form with form_options::form_id
// (pulse::document{} is "no document").
#ifndef PULSE_DOCUMENT_HPP
#define PULSE_DOCUMENT_HPP

#include <pulse/detail/prelude.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>

PULSE_NAMESPACE_BEGIN

/// A local file to upload, or a URL Pulse fetches (at most one of the two is set).
struct document {
    std::optional<std::filesystem::path> file; ///< a local file, uploaded as the `file` part
    std::optional<std::string> file_url; ///< a URL Pulse downloads the document from
    /// Content-Type of the uploaded file part; empty: guessed from the extension.
    std::string content_type;
    /// Filename sent in the multipart part; empty: the path's last component.
    std::string filename;
};

/// A local file to upload. `content_type` is sent with it (empty: guessed from the extension).
inline document file(std::filesystem::path path, std::string content_type = {}) {
    document d;
    d.file = std::move(path);
    d.content_type = std::move(content_type);
    return d;
}

/// A document Pulse downloads itself from `address` (public, or pre-signed). The library never
/// fetches it.
inline document url(std::string address) {
    document d;
    d.file_url = std::move(address);
    return d;
}

PULSE_NAMESPACE_END

#endif
