/*
 * Crypto for the OSCORE core tests: the alg-boringssl plugin of the build
 * tree, loaded with dlopen and wrapped in a single-provider gkdc_crypto
 * adapter.
 */
#ifndef GKDC_OSCORE_CRYPTO_FIXTURE_H
#define GKDC_OSCORE_CRYPTO_FIXTURE_H

#include <gkdc/crypto.h>

/* Loads the plugin once and returns the adapter, or NULL after printing why
 * to stderr. The adapter stays valid until oscore_test_crypto_unload(). */
const struct gkdc_crypto *oscore_test_crypto(void);
void oscore_test_crypto_unload(void);

#endif
