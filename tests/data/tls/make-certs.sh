#!/bin/sh
# Test PKI for the TLS integration tests, generated at test time (no private key is ever committed).
#
#   usage: make-certs.sh DIR      (DIR is created if missing; files are overwritten)
#
# Writes into DIR (PEM, P-256 keys, valid for 2 days from now):
#   ca.pem                  "pulse-cpp test CA": the CA the tests trust (transport_options::ca_bundle)
#   server.pem, server.key  server certificate for IP 127.0.0.1 and DNS localhost, signed by ca.pem
#   other-ca.pem            a second, unrelated CA that no test trusts
#   other.pem, other.key    a server certificate for the same names, signed by other-ca.pem
#                           (must be refused when verification is on)
#   wrong-host.pem, .key    signed by ca.pem, but for DNS wrong-host.invalid only
#                           (must be refused for 127.0.0.1/localhost: host name mismatch)
# CA keys are deleted once the certificates are signed. Prints nothing on success; on failure
# openssl's messages go to stderr and the exit status is non-zero.
set -eu
dir=${1:?usage: make-certs.sh DIR}
mkdir -p "$dir"
cd "$dir"
umask 077

# CA certificates: self-signed, CA:TRUE, for signing only.
make_ca() { # <name> <common name>
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$1.key" -out "$1.pem" -days 2 -subj "/O=pulse-cpp tests/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    2>/dev/null
}

# Leaf certificates for TLS servers.
make_leaf() { # <name> <signing CA name> <subjectAltName> <serial>
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$1.key" -out "$1.csr" -subj "/O=pulse-cpp tests/CN=$1" 2>/dev/null
  cat >"$1.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=$3
EXT
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -set_serial "$4" -days 2 \
    -extfile "$1.ext" -out "$1.pem" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}

make_ca ca "pulse-cpp test CA"
make_ca other-ca "unrelated test CA"
make_leaf server ca "IP:127.0.0.1,DNS:localhost" 1001
make_leaf other other-ca "IP:127.0.0.1,DNS:localhost" 2001
make_leaf wrong-host ca "DNS:wrong-host.invalid" 1002
rm -f ca.key other-ca.key

# The chain must verify as intended, or every test built on it would test nothing.
openssl verify -CAfile ca.pem server.pem >/dev/null
openssl verify -CAfile ca.pem wrong-host.pem >/dev/null
if openssl verify -CAfile ca.pem other.pem >/dev/null 2>&1; then
  echo "make-certs.sh: other.pem verifies against ca.pem" >&2
  exit 1
fi
