/*
 * Unwrapping a CWT: the COSE layers around a claims set (RFC 8392 section
 * 7.2), verified or decrypted with keys from a callback.
 */
#include <string.h>

#include <gkdc/cose.h>
#include <gkdc/cwt.h>

/* True when `p` starts with a COSE message tag or the CWT tag, which marks
 * a nested token (RFC 8392 section 7.1). */
static int starts_nested(const uint8_t *p, size_t len)
{
  if (len >= 1 && (p[0] == 0xd0 || p[0] == 0xd1 || p[0] == 0xd2))
    return 1;
  return len >= 2 && p[0] == 0xd8 && p[1] == GKDC_COSE_TAG_CWT;
}

/* Verifies or decrypts one parsed layer; sets *payload to its content. */
static enum gkdc_cose_err open_layer(const struct gkdc_crypto *cx,
                                     const struct gkdc_cose_msg *msg, const uint8_t *key,
                                     size_t key_len, int32_t key_alg, uint8_t *work,
                                     size_t *work_used, size_t work_len,
                                     struct gkdc_bytes *payload)
{
  enum gkdc_cose_err err;
  size_t out_len;

  switch (msg->type) {
  case GKDC_COSE_SIGN1:
    err = gkdc_cose_sign1_verify(cx, msg, key_alg, key, key_len, NULL, 0);
    *payload = msg->payload;
    return err;
  case GKDC_COSE_MAC0:
    err = gkdc_cose_mac0_verify(cx, msg, key_alg, key, key_len, NULL, 0);
    *payload = msg->payload;
    return err;
  case GKDC_COSE_ENCRYPT0:
    if (work == NULL)
      return GKDC_COSE_ERR_BUFFER;
    out_len = work_len - *work_used;
    err = gkdc_cose_encrypt0_decrypt(cx, msg, key_alg, key, key_len, NULL, 0,
                                     work + *work_used, &out_len);
    if (err == GKDC_COSE_OK) {
      payload->ptr = work + *work_used;
      payload->len = out_len;
      *work_used += out_len;
    }
    return err;
  default:
    return GKDC_COSE_ERR_WRONG_TYPE;
  }
}

enum gkdc_cose_err gkdc_cwt_unwrap(const struct gkdc_crypto *cx, const uint8_t *token,
                                   size_t len, enum gkdc_cose_type untagged,
                                   gkdc_cwt_key_fn key_fn, void *arg, uint8_t *work,
                                   size_t work_len, struct gkdc_cwt_claims *claims,
                                   enum gkdc_cbor_err *cbor_err)
{
  struct gkdc_bytes cur = {token, len};
  size_t work_used = 0;
  enum gkdc_cbor_err cerr;
  unsigned layer;

  if (cx == NULL || key_fn == NULL || claims == NULL || (token == NULL && len > 0))
    return GKDC_COSE_ERR_INVALID;
  memset(claims, 0, sizeof(*claims));
  if (cbor_err != NULL)
    *cbor_err = GKDC_CBOR_OK;

  for (layer = 0; layer < GKDC_CWT_MAX_LAYERS; layer++) {
    struct gkdc_cose_msg msg;
    struct gkdc_cwt_key_query q;
    struct gkdc_bytes payload = {NULL, 0};
    const uint8_t *key = NULL;
    size_t key_len = 0;
    int32_t key_alg = 0;
    enum gkdc_cose_err err;

    /* A tag names the type. Inner layers always carry one (starts_nested
     * checked it); the outermost may instead be of the caller's type. */
    err = gkdc_cose_parse(cur.ptr, cur.len, GKDC_COSE_ANY, &msg);
    if (layer == 0 && untagged != GKDC_COSE_ANY && (err != GKDC_COSE_OK || !msg.tagged))
      err = gkdc_cose_parse(cur.ptr, cur.len, untagged, &msg);
    if (err != GKDC_COSE_OK) {
      if (cbor_err != NULL)
        *cbor_err = msg.cbor_err;
      return err;
    }
    if (!msg.hdr.has_alg)
      return GKDC_COSE_ERR_NO_ALG;

    q.type = msg.type;
    q.alg = msg.hdr.alg;
    q.kid = msg.hdr.kid;
    q.layer = layer;
    if (!key_fn(arg, &q, &key, &key_len, &key_alg) || key == NULL)
      return GKDC_COSE_ERR_KEY;

    err = open_layer(cx, &msg, key, key_len, key_alg, work, &work_used, work_len, &payload);
    if (err != GKDC_COSE_OK)
      return err;

    if (!starts_nested(payload.ptr, payload.len)) {
      cerr = gkdc_cwt_claims_parse(payload.ptr, payload.len, claims);
      if (cbor_err != NULL)
        *cbor_err = cerr;
      return cerr == GKDC_CBOR_OK ? GKDC_COSE_OK : GKDC_COSE_ERR_STRUCTURE;
    }
    cur = payload;
  }
  return GKDC_COSE_ERR_STRUCTURE;
}
