/*
 * Internal helpers shared by the COSE sources.
 */
#ifndef GKDC_COSE_INTERNAL_H
#define GKDC_COSE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <gkdc/cose.h>

/*
 * Builds the structure that COSE authenticates (RFC 9052 sections 4.4, 5.3
 * and 6.3): [context, protected, external_aad] followed by the payload
 * unless `payload` is NULL (Enc_structure). `protected_bstr` is the content
 * of the protected bstr, byte-exact. On success *out is a heap buffer the
 * caller frees.
 */
enum gkdc_cose_err gkdc_cose_build_tbs(const char *context,
                                       const struct gkdc_bytes *protected_bstr,
                                       const uint8_t *aad, size_t aad_len,
                                       const uint8_t *payload, size_t payload_len,
                                       uint8_t **out, size_t *out_len);

#endif /* GKDC_COSE_INTERNAL_H */
