// Shared by the libFuzzer targets: a reader that turns the fuzz input into structured values, and
// FUZZ_CHECK, which reports the broken property before aborting (libFuzzer then saves the input).
//
// Input encoding (tests/fuzz/make_seeds.py writes seeds in it):
//   u8 / u16 / u32    little-endian; 0 when the input has run out
//   str()             a u16 length, then that many bytes (fewer if the input ends first)
//   rest()            every byte left
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#define FUZZ_CHECK(cond)                                                                                 \
    do {                                                                                                 \
        if (!(cond)) ::pulse_fuzz::check_failed(#cond, __FILE__, __LINE__);                               \
    } while (0)

namespace pulse_fuzz {

[[noreturn]] inline void check_failed(char const* what, char const* file, int line) {
    std::fprintf(stderr, "fuzz property violated: %s (%s:%d)\n", what, file, line);
    std::abort();
}

class reader {
public:
    reader(std::uint8_t const* data, std::size_t size) : p_(reinterpret_cast<char const*>(data)), n_(size) {}

    bool empty() const noexcept { return n_ == 0; }
    std::size_t left() const noexcept { return n_; }

    std::uint8_t u8() noexcept {
        if (n_ == 0) return 0;
        auto const v = static_cast<std::uint8_t>(*p_);
        ++p_;
        --n_;
        return v;
    }
    std::uint16_t u16() noexcept { return static_cast<std::uint16_t>(u8() | (u8() << 8)); }
    std::uint32_t u32() noexcept { return static_cast<std::uint32_t>(u16()) | (static_cast<std::uint32_t>(u16()) << 16); }
    bool flag() noexcept { return (u8() & 1) != 0; }

    std::string_view bytes(std::size_t n) noexcept {
        if (n > n_) n = n_;
        std::string_view const s(p_, n);
        p_ += n;
        n_ -= n;
        return s;
    }
    std::string_view str() noexcept { return bytes(u16()); }
    std::string_view rest() noexcept { return bytes(n_); }

private:
    char const* p_;
    std::size_t n_;
};

} // namespace pulse_fuzz
