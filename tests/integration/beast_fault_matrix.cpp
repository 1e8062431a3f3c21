// The fault matrix (fault_matrix.hpp) with the Boost.Beast adapter: the same rows and the same
// expected outcomes as with libcurl (fault_matrix.cpp), since the library's retry and delivery
// rules must not depend on the HTTP stack underneath.
#include "fault_matrix.hpp"

#include <pulse/beast/transport.hpp>

TEST_CASE("fault matrix: every phase x every fault, against the local server (Boost.Beast)") {
    check_matrix<pulse::beast::sync_transport>("beast");
}
