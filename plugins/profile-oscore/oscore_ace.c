/*
 * OSCORE input derived from the ACE OSCORE profile exchange (RFC 9203
 * section 4.3).
 */
#include <string.h>

#include "oscore.h"

int gkdc_oscore_ace_master_salt(int has_salt, const uint8_t *salt, size_t salt_len,
                                const uint8_t *nonce1, size_t nonce1_len,
                                const uint8_t *nonce2, size_t nonce2_len, uint8_t *out,
                                size_t cap, size_t *len)
{
  size_t pos = 0;

  /* Master Salt = bstr(salt) | bstr(N1) | bstr(N2), each a complete CBOR
   * byte string. Without a salt the first part is left out, as the
   * reference Java implementation does (the RFC assumes a salt). */
  if (has_salt && !gkdc_oscore_cbor_put_bstr(salt, salt_len, out, cap, &pos))
    return 0;
  if (!gkdc_oscore_cbor_put_bstr(nonce1, nonce1_len, out, cap, &pos) ||
      !gkdc_oscore_cbor_put_bstr(nonce2, nonce2_len, out, cap, &pos))
    return 0;

  *len = pos;
  return 1;
}
