// With -fno-exceptions, Boost routes every would-be throw through boost::throw_exception, which the
// program must define. The library never reaches these for network, server or input conditions
// (errors are values); reaching one means misuse, such as calling result::value() on an error.
#include <boost/assert/source_location.hpp>
#include <boost/throw_exception.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>

namespace boost {
void throw_exception(std::exception const& e) {
    std::fprintf(stderr, "boost::throw_exception under -fno-exceptions: %s\n", e.what());
    std::abort();
}
void throw_exception(std::exception const& e, boost::source_location const& loc) {
    std::fprintf(stderr, "boost::throw_exception under -fno-exceptions: %s at %s:%u\n", e.what(), loc.file_name(),
                 static_cast<unsigned>(loc.line()));
    std::abort();
}
} // namespace boost
