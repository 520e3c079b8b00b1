/*
 * Crypto for the OSCORE core tests: the alg-boringssl plugin of the build
 * tree, loaded with dlopen and wrapped in a single-provider gkdc_crypto
 * adapter.
 */
#ifndef GKDC_OSCORE_CRYPTO_FIXTURE_H
#define GKDC_OSCORE_CRYPTO_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include <gkdc/crypto.h>

/* Loads the plugin once and returns the adapter, or NULL after printing why
 * to stderr. The adapter stays valid until oscore_test_crypto_unload(). */
const struct gkdc_crypto *oscore_test_crypto(void);
void oscore_test_crypto_unload(void);

/* Decodes a hex string into `out` and returns the byte count; aborts when
 * it does not fit in `cap` bytes (a bug in the test). */
size_t oscore_test_unhex(const char *hex, uint8_t *out, size_t cap);

#endif
