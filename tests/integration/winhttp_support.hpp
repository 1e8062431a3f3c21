// What the WinHTTP tests need to know about where they run (Windows only).
#ifndef PULSE_TESTS_INTEGRATION_WINHTTP_SUPPORT_HPP
#define PULSE_TESTS_INTEGRATION_WINHTTP_SUPPORT_HPP

#include <windows.h>

namespace pulse_test {

/// Running under Wine (its ntdll exports wine_get_version): some checks then cannot be
/// represented, and say so.
inline bool under_wine() {
    HMODULE const ntdll = ::GetModuleHandleW(L"ntdll.dll");
    return ntdll && ::GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

} // namespace pulse_test

#endif
