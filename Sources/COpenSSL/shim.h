// The parts of OpenSSL 3's libcrypto (Debian's libssl-dev) the runtime uses for what swift-crypto's
// _CryptoExtras cannot do: RSA-PSS salts and RSA-OAEP hashes and labels of every kind, RSA key
// generation with any exponent, AES-GCM with IVs of any length. BoringSSL inside swift-crypto
// prefixes its symbols, so both libraries link into one process.
#ifndef SWITCHYARD_COPENSSL_SHIM_H
#define SWITCHYARD_COPENSSL_SHIM_H

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#endif
