// wine_trust_ca CA.pem: adds the test CA (tests/data/tls/make-certs.sh) to the trusted roots of
// the Wine prefix it runs in (the LocalMachine "Root" store), so WinHTTP verifies the test
// servers' certificates the way it verifies any server's: against the Windows certificate store.
// WinHTTP has no per-connection CA file; this is how a Windows machine trusts a private CA.
//
// tools/test-windows.sh runs it in the prefix it creates under the build folder. It refuses to run
// outside Wine: on a real Windows machine it would make a test CA, whose private key lies in a
// temporary folder, trusted by every program.
#include <windows.h>
#include <wincrypt.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    HMODULE const ntdll = ::GetModuleHandleW(L"ntdll.dll");
    if (!ntdll || !::GetProcAddress(ntdll, "wine_get_version")) {
        std::fprintf(stderr, "wine_trust_ca: refusing to run outside Wine (it would trust a test CA machine-wide)\n");
        return 2;
    }
    if (argc != 2) {
        std::fprintf(stderr, "usage: wine_trust_ca CA.pem\n");
        return 2;
    }
    std::ifstream in(argv[1], std::ios::binary);
    std::string const pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (pem.empty()) {
        std::fprintf(stderr, "wine_trust_ca: cannot read %s\n", argv[1]);
        return 1;
    }
    DWORD size = 0;
    if (!::CryptStringToBinaryA(pem.c_str(), static_cast<DWORD>(pem.size()), CRYPT_STRING_BASE64HEADER, nullptr, &size, nullptr, nullptr)) {
        std::fprintf(stderr, "wine_trust_ca: %s is not a PEM certificate (error %lu)\n", argv[1], ::GetLastError());
        return 1;
    }
    std::vector<BYTE> der(size);
    if (!::CryptStringToBinaryA(pem.c_str(), static_cast<DWORD>(pem.size()), CRYPT_STRING_BASE64HEADER, der.data(), &size, nullptr, nullptr))
        return 1;
    HCERTSTORE const root = ::CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_LOCAL_MACHINE, L"Root");
    if (!root) {
        std::fprintf(stderr, "wine_trust_ca: cannot open the Root store (error %lu)\n", ::GetLastError());
        return 1;
    }
    BOOL const ok = ::CertAddEncodedCertificateToStore(root, X509_ASN_ENCODING, der.data(), size, CERT_STORE_ADD_REPLACE_EXISTING, nullptr);
    DWORD const err = ::GetLastError();
    ::CertCloseStore(root, 0);
    if (!ok) {
        std::fprintf(stderr, "wine_trust_ca: adding the certificate failed (error %lu)\n", err);
        return 1;
    }
    std::printf("wine_trust_ca: %s is a trusted root in this Wine prefix\n", argv[1]);
    return 0;
}
