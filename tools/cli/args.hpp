// SPDX-License-Identifier: MIT
//
// Command-line parsing for `pulse`: GNU-style long options (`--out FILE`, `--out=FILE`), a few
// short ones (`-o FILE`, `-q`, `-h`), `--` to end options, and options allowed before or after the
// command (`pulse --base-url X extract f.pdf` and `pulse extract f.pdf --base-url X` are the same).
//
// One table lists every option with its arity; each command names the options it accepts. A
// separate table per command would let `--out` take a value in one command and not in another,
// which is exactly the kind of surprise a CLI should not have.
#ifndef PULSE_CLI_ARGS_HPP
#define PULSE_CLI_ARGS_HPP

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pulse_cli {

struct option_spec {
    std::string_view name; ///< without the leading "--"
    char short_name;       ///< 0 when none
    bool takes_value;
};

/// Every option of every command.
inline constexpr option_spec all_options[] = {
    // global
    {"help", 'h', false},
    {"version", 0, false},
    {"quiet", 'q', false},
    {"base-url", 0, true},
    {"timeout", 0, true},
    {"retries", 0, true},
    {"header", 'H', true},
    {"cacert", 0, true},
    {"proxy", 0, true},
    {"noproxy", 0, true},
    // schema / split / tables / batch / pipeline
    {"request", 0, true},
    {"extraction-id", 0, true},
    {"split-id", 0, true},
    {"batch-extract-id", 0, true},
    {"batch-split-id", 0, true},
    {"schema", 0, true},
    {"schema-config-id", 0, true},
    {"excel-template", 0, true},
    {"topic-schema", 0, true},
    {"prompt", 0, true},
    {"effort", 0, false},
    {"excel-out", 0, true},
    {"topic", 0, true},
    {"split-config-id", 0, true},
    {"format", 0, true},
    {"merge", 0, false},
    {"charts", 0, false},
    {"s3-prefix", 0, true},
    {"output-s3-prefix", 0, true},
    {"output-path", 0, true},
    {"workers", 0, true},
    {"steps", 0, true},
    {"extract", 0, false},
    {"split-topic", 0, true},
    {"tables", 0, false},
    {"auto-delete", 0, false},
    {"kind", 0, true},
    // extract / wait / form
    {"out", 'o', true},
    {"markdown", 0, false},
    {"url", 0, true},
    {"model", 0, true},
    {"pages", 0, true},
    {"set", 0, true},
    {"no-wait", 0, false},
    {"cancel-on-interrupt", 0, false},
    {"instructions", 0, true},
    {"form-id", 0, true},
    {"pdf-out", 0, true},
    // webhook verify
    {"id", 0, true},
    {"timestamp", 0, true},
    {"signature", 0, true},
    {"secret", 0, true},
    {"tolerance", 0, true},
};

/// Options every command accepts.
inline constexpr std::string_view global_options[] = {"help", "version", "quiet", "base-url", "timeout", "retries", "header",
                                                       "cacert", "proxy", "noproxy"};

inline option_spec const* find_option(std::string_view name) {
    for (auto const& o : all_options)
        if (o.name == name) return &o;
    return nullptr;
}
inline option_spec const* find_short(char c) {
    for (auto const& o : all_options)
        if (o.short_name != 0 && o.short_name == c) return &o;
    return nullptr;
}

/// The result of parsing: positionals in order, options by name (flags hold one empty value per
/// occurrence).
struct parsed_args {
    std::vector<std::string> positionals;
    std::map<std::string, std::vector<std::string>, std::less<>> options;
    std::string error; ///< non-empty when the command line is malformed

    bool has(std::string_view name) const { return options.find(name) != options.end(); }
    /// The last value given for `name` (a repeated single-value option: the last one wins).
    std::optional<std::string> get(std::string_view name) const {
        auto it = options.find(name);
        if (it == options.end() || it->second.empty()) return std::nullopt;
        return it->second.back();
    }
    std::vector<std::string> all(std::string_view name) const {
        auto it = options.find(name);
        return it == options.end() ? std::vector<std::string>{} : it->second;
    }
};

/// Parse argv[1..]. Only syntax is checked here (known option, value present); which options a
/// command accepts is checked by check_allowed() once the command is known.
inline parsed_args parse_args(std::vector<std::string> const& args) {
    parsed_args out;
    bool options_done = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string const& a = args[i];
        if (options_done || a == "-" || a.size() < 2 || a[0] != '-') {
            out.positionals.push_back(a);
            continue;
        }
        if (a == "--") {
            options_done = true;
            continue;
        }
        option_spec const* spec = nullptr;
        std::optional<std::string> inline_value;
        std::string shown = a;
        if (a[1] == '-') {
            std::string_view body = std::string_view(a).substr(2);
            auto eq = body.find('=');
            if (eq != std::string_view::npos) {
                inline_value = std::string(body.substr(eq + 1));
                body = body.substr(0, eq);
                shown = "--" + std::string(body);
            }
            spec = find_option(body);
        } else {
            if (a.size() != 2) { // -oFILE
                spec = find_short(a[1]);
                if (spec && spec->takes_value) inline_value = a.substr(2);
                else spec = nullptr;
            } else {
                spec = find_short(a[1]);
            }
        }
        if (!spec) {
            out.error = "unknown option " + shown;
            return out;
        }
        std::string name(spec->name);
        if (!spec->takes_value) {
            if (inline_value) {
                out.error = "option --" + name + " takes no value";
                return out;
            }
            out.options[name].push_back({});
            continue;
        }
        if (!inline_value) {
            if (i + 1 >= args.size()) {
                out.error = "option --" + name + " needs a value";
                return out;
            }
            inline_value = args[++i];
        }
        out.options[name].push_back(std::move(*inline_value));
    }
    return out;
}

/// The first option given that `allowed` (plus the global ones) does not contain, or nothing.
template <class Range>
std::optional<std::string> check_allowed(parsed_args const& p, Range const& allowed) {
    for (auto const& kv : p.options) {
        std::string_view const n = kv.first;
        bool ok = std::find(std::begin(global_options), std::end(global_options), n) != std::end(global_options) ||
                  std::find(std::begin(allowed), std::end(allowed), n) != std::end(allowed);
        if (!ok) return "--" + kv.first;
    }
    return std::nullopt;
}

} // namespace pulse_cli

#endif
