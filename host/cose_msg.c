/*
 * COSE_Sign1, COSE_Mac0 and COSE_Encrypt0: verification, decryption and
 * creation through the crypto adapter.
 */
#include <stdlib.h>
#include <string.h>

#include <gkdc/alg.h>
#include <gkdc/cose.h>
#include <gkdc/crypto.h>

#include "cose_internal.h"

/* Stands in for the pointer of an empty byte string, which may be NULL. */
static const uint8_t no_bytes[1] = {0};

/* The payload of a parsed message, never NULL (NULL selects Enc_structure). */
static const uint8_t *payload_ptr(const struct gkdc_cose_msg *msg)
{
  return msg->payload.ptr != NULL ? msg->payload.ptr : no_bytes;
}

/* Encodes the to-be-authenticated structure with `e` (size-only or not). */
static void encode_tbs(struct gkdc_cbor_enc *e, const char *context,
                       const struct gkdc_bytes *protected_bstr, const uint8_t *aad,
                       size_t aad_len, const uint8_t *payload, size_t payload_len)
{
  gkdc_cbor_enc_put_array(e, payload != NULL ? 4 : 3);
  gkdc_cbor_enc_put_tstr_z(e, context);
  gkdc_cbor_enc_put_bstr(e, protected_bstr->ptr != NULL ? protected_bstr->ptr : no_bytes,
                         protected_bstr->len);
  gkdc_cbor_enc_put_bstr(e, aad != NULL ? aad : no_bytes, aad_len);
  if (payload != NULL)
    gkdc_cbor_enc_put_bstr(e, payload, payload_len);
}

enum gkdc_cose_err gkdc_cose_build_tbs(const char *context,
                                       const struct gkdc_bytes *protected_bstr,
                                       const uint8_t *aad, size_t aad_len,
                                       const uint8_t *payload, size_t payload_len,
                                       uint8_t **out, size_t *out_len)
{
  struct gkdc_cbor_enc e;
  size_t need = 0;
  uint8_t *buf;

  if (aad == NULL && aad_len > 0)
    return GKDC_COSE_ERR_INVALID;

  gkdc_cbor_enc_init(&e, NULL, 0);
  encode_tbs(&e, context, protected_bstr, aad, aad_len, payload, payload_len);
  if (gkdc_cbor_enc_finish(&e, &need) != GKDC_CBOR_OK)
    return GKDC_COSE_ERR_INVALID;

  buf = malloc(need);
  if (buf == NULL)
    return GKDC_COSE_ERR_NOMEM;
  gkdc_cbor_enc_init(&e, buf, need);
  encode_tbs(&e, context, protected_bstr, aad, aad_len, payload, payload_len);
  if (gkdc_cbor_enc_finish(&e, out_len) != GKDC_CBOR_OK) {
    free(buf);
    return GKDC_COSE_ERR_INVALID;
  }
  *out = buf;
  return GKDC_COSE_OK;
}

/* Checks the header alg against the message type and the key's binding,
 * and returns the algorithm's info entry. */
static enum gkdc_cose_err check_alg(const struct gkdc_crypto *cx,
                                    const struct gkdc_cose_msg *msg,
                                    enum gkdc_cose_type type, int32_t key_alg,
                                    uint32_t cls, const struct gkdc_alg_info **info)
{
  if (msg == NULL || cx == NULL)
    return GKDC_COSE_ERR_INVALID;
  if (msg->type != type)
    return GKDC_COSE_ERR_WRONG_TYPE;
  if (!msg->hdr.has_alg)
    return GKDC_COSE_ERR_NO_ALG;
  if (key_alg != 0 && msg->hdr.alg != key_alg)
    return GKDC_COSE_ERR_ALG;
  *info = gkdc_crypto_alg_info_get0(cx, msg->hdr.alg);
  if (*info == NULL || (*info)->cls != cls)
    return GKDC_COSE_ERR_ALG;
  return GKDC_COSE_OK;
}

enum gkdc_cose_err gkdc_cose_sign1_verify(const struct gkdc_crypto *cx,
                                          const struct gkdc_cose_msg *msg,
                                          int32_t key_alg, const uint8_t *pub,
                                          size_t pub_len, const uint8_t *aad,
                                          size_t aad_len)
{
  const struct gkdc_alg_info *info = NULL;
  uint8_t *tbs = NULL;
  size_t tbs_len = 0;
  enum gkdc_cose_err err;

  err = check_alg(cx, msg, GKDC_COSE_SIGN1, key_alg, GKDC_ALG_SIGN, &info);
  if (err != GKDC_COSE_OK)
    return err;
  if (pub == NULL || pub_len == 0)
    return GKDC_COSE_ERR_KEY;
  if (msg->auth.len != info->sig_len)
    return GKDC_COSE_ERR_VERIFY;

  err = gkdc_cose_build_tbs("Signature1", &msg->hdr.protected_bstr, aad, aad_len,
                            payload_ptr(msg), msg->payload.len, &tbs, &tbs_len);
  if (err != GKDC_COSE_OK)
    return err;
  if (!gkdc_crypto_verify(cx, msg->hdr.alg, pub, pub_len, tbs, tbs_len,
                          msg->auth.ptr, msg->auth.len))
    err = GKDC_COSE_ERR_VERIFY;
  free(tbs);
  return err;
}

/* Compares in time that depends only on the length. */
static int equal_ct(const uint8_t *a, const uint8_t *b, size_t n)
{
  volatile uint8_t diff = 0;
  size_t i;

  for (i = 0; i < n; i++)
    diff |= a[i] ^ b[i];
  return diff == 0;
}

enum gkdc_cose_err gkdc_cose_mac0_verify(const struct gkdc_crypto *cx,
                                         const struct gkdc_cose_msg *msg,
                                         int32_t key_alg, const uint8_t *key,
                                         size_t key_len, const uint8_t *aad,
                                         size_t aad_len)
{
  const struct gkdc_alg_info *info = NULL;
  uint8_t tag[GKDC_MAX_HASH_LEN];
  size_t tag_len = sizeof(tag);
  uint8_t *tbs = NULL;
  size_t tbs_len = 0;
  enum gkdc_cose_err err;

  err = check_alg(cx, msg, GKDC_COSE_MAC0, key_alg, GKDC_ALG_MAC, &info);
  if (err != GKDC_COSE_OK)
    return err;
  if (key == NULL || key_len == 0)
    return GKDC_COSE_ERR_KEY;
  if (msg->auth.len != info->tag_len)
    return GKDC_COSE_ERR_VERIFY;

  err = gkdc_cose_build_tbs("MAC0", &msg->hdr.protected_bstr, aad, aad_len,
                            payload_ptr(msg), msg->payload.len, &tbs, &tbs_len);
  if (err != GKDC_COSE_OK)
    return err;
  if (!gkdc_crypto_mac(cx, msg->hdr.alg, key, key_len, tbs, tbs_len, tag, &tag_len))
    err = GKDC_COSE_ERR_CRYPTO;
  else if (tag_len != msg->auth.len || !equal_ct(tag, msg->auth.ptr, tag_len))
    err = GKDC_COSE_ERR_VERIFY;
  gkdc_wipe(tag, sizeof(tag));
  free(tbs);
  return err;
}

enum gkdc_cose_err gkdc_cose_encrypt0_decrypt(const struct gkdc_crypto *cx,
                                              const struct gkdc_cose_msg *msg,
                                              int32_t key_alg, const uint8_t *key,
                                              size_t key_len, const uint8_t *aad,
                                              size_t aad_len, uint8_t *out,
                                              size_t *out_len)
{
  const struct gkdc_alg_info *info = NULL;
  uint8_t *tbs = NULL;
  size_t tbs_len = 0;
  enum gkdc_cose_err err;

  err = check_alg(cx, msg, GKDC_COSE_ENCRYPT0, key_alg, GKDC_ALG_AEAD, &info);
  if (err != GKDC_COSE_OK)
    return err;
  if (out_len == NULL || (out == NULL && *out_len > 0))
    return GKDC_COSE_ERR_INVALID;
  if (key == NULL || key_len != info->key_len)
    return GKDC_COSE_ERR_KEY;
  /* NOTE: a Partial IV needs the Base IV of a key context; no caller of
   * this function has one, so only a full IV is accepted. */
  if (msg->hdr.iv.ptr == NULL || msg->hdr.iv.len != info->nonce_len)
    return GKDC_COSE_ERR_STRUCTURE;
  if (msg->payload.len < info->tag_len)
    return GKDC_COSE_ERR_VERIFY;
  if (*out_len < msg->payload.len - info->tag_len)
    return GKDC_COSE_ERR_BUFFER;

  err = gkdc_cose_build_tbs("Encrypt0", &msg->hdr.protected_bstr, aad, aad_len, NULL,
                            0, &tbs, &tbs_len);
  if (err != GKDC_COSE_OK)
    return err;
  if (!gkdc_crypto_aead_open(cx, msg->hdr.alg, key, key_len, msg->hdr.iv.ptr,
                             msg->hdr.iv.len, tbs, tbs_len, msg->payload.ptr,
                             msg->payload.len, out, out_len))
    err = GKDC_COSE_ERR_VERIFY;
  free(tbs);
  return err;
}

/* ---- creation ---- */

/* Encodes the protected bucket {1: alg, 3: content type, 4: kid}. */
static void encode_protected(struct gkdc_cbor_enc *e, const struct gkdc_cose_params *p)
{
  size_t mark = gkdc_cbor_enc_map_begin(e);
  size_t pairs = 1;

  gkdc_cbor_enc_put_uint(e, GKDC_COSE_HDR_ALG);
  gkdc_cbor_enc_put_int(e, p->alg);
  if (p->content_type >= 0) {
    gkdc_cbor_enc_put_uint(e, GKDC_COSE_HDR_CONTENT_TYPE);
    gkdc_cbor_enc_put_uint(e, (uint64_t)p->content_type);
    pairs++;
  }
  if (p->kid.ptr != NULL && p->kid_protected) {
    gkdc_cbor_enc_put_uint(e, GKDC_COSE_HDR_KID);
    gkdc_cbor_enc_put_bstr(e, p->kid.ptr, p->kid.len);
    pairs++;
  }
  gkdc_cbor_enc_map_end(e, mark, pairs);
}

/* Encodes the unprotected bucket {4: kid, 5: IV}. */
static void encode_unprotected(struct gkdc_cbor_enc *e, const struct gkdc_cose_params *p,
                               const uint8_t *iv, size_t iv_len)
{
  size_t mark = gkdc_cbor_enc_map_begin(e);
  size_t pairs = 0;

  if (p->kid.ptr != NULL && !p->kid_protected) {
    gkdc_cbor_enc_put_uint(e, GKDC_COSE_HDR_KID);
    gkdc_cbor_enc_put_bstr(e, p->kid.ptr, p->kid.len);
    pairs++;
  }
  if (iv != NULL) {
    gkdc_cbor_enc_put_uint(e, GKDC_COSE_HDR_IV);
    gkdc_cbor_enc_put_bstr(e, iv, iv_len);
    pairs++;
  }
  gkdc_cbor_enc_map_end(e, mark, pairs);
}

/* The protected bucket's bytes in a heap buffer. */
static enum gkdc_cose_err make_protected(const struct gkdc_cose_params *p,
                                         uint8_t **buf, struct gkdc_bytes *out)
{
  struct gkdc_cbor_enc e;
  size_t need = 0;

  gkdc_cbor_enc_init(&e, NULL, 0);
  encode_protected(&e, p);
  if (gkdc_cbor_enc_finish(&e, &need) != GKDC_CBOR_OK)
    return GKDC_COSE_ERR_INVALID;
  *buf = malloc(need);
  if (*buf == NULL)
    return GKDC_COSE_ERR_NOMEM;
  gkdc_cbor_enc_init(&e, *buf, need);
  encode_protected(&e, p);
  if (gkdc_cbor_enc_finish(&e, &out->len) != GKDC_CBOR_OK)
    return GKDC_COSE_ERR_INVALID;
  out->ptr = *buf;
  return GKDC_COSE_OK;
}

/* Writes [tag] [protected, unprotected, payload (, auth)] into out. */
static enum gkdc_cose_err write_message(const struct gkdc_cose_params *p,
                                        enum gkdc_cose_type type,
                                        const struct gkdc_bytes *prot,
                                        const uint8_t *iv, size_t iv_len,
                                        const uint8_t *payload, size_t payload_len,
                                        const uint8_t *auth, size_t auth_len,
                                        uint8_t *out, size_t *out_len)
{
  struct gkdc_cbor_enc e;
  enum gkdc_cbor_err cerr;

  gkdc_cbor_enc_init(&e, out, *out_len);
  if (p->tagged)
    gkdc_cbor_enc_put_tag(&e, (uint64_t)type);
  gkdc_cbor_enc_put_array(&e, auth != NULL ? 4 : 3);
  gkdc_cbor_enc_put_bstr(&e, prot->ptr, prot->len);
  encode_unprotected(&e, p, iv, iv_len);
  gkdc_cbor_enc_put_bstr(&e, payload, payload_len);
  if (auth != NULL)
    gkdc_cbor_enc_put_bstr(&e, auth, auth_len);

  cerr = gkdc_cbor_enc_finish(&e, out_len);
  if (cerr == GKDC_CBOR_ERR_OVERFLOW)
    return GKDC_COSE_ERR_BUFFER;
  return cerr == GKDC_CBOR_OK ? GKDC_COSE_OK : GKDC_COSE_ERR_INVALID;
}

/* Common argument checks of the create functions. */
static enum gkdc_cose_err check_create(const struct gkdc_crypto *cx,
                                       const struct gkdc_cose_params *p,
                                       uint32_t cls, const uint8_t *key,
                                       size_t key_len, const uint8_t *payload,
                                       size_t payload_len, uint8_t *out,
                                       size_t *out_len,
                                       const struct gkdc_alg_info **info)
{
  if (cx == NULL || p == NULL || out == NULL || out_len == NULL ||
      (payload == NULL && payload_len > 0))
    return GKDC_COSE_ERR_INVALID;
  *info = gkdc_crypto_alg_info_get0(cx, p->alg);
  if (*info == NULL || (*info)->cls != cls)
    return GKDC_COSE_ERR_ALG;
  if (key == NULL || key_len == 0)
    return GKDC_COSE_ERR_KEY;
  return GKDC_COSE_OK;
}

/*
 * Creates a COSE_Sign1 (signature with `key` as the private key) or a
 * COSE_Mac0 (MAC with `key`): both authenticate [context, protected,
 * external_aad, payload] and append the result as the fourth element.
 */
static enum gkdc_cose_err create_authenticated(const struct gkdc_crypto *cx,
                                               const struct gkdc_cose_params *params,
                                               enum gkdc_cose_type type,
                                               const uint8_t *key, size_t key_len,
                                               const uint8_t *payload, size_t payload_len,
                                               const uint8_t *aad, size_t aad_len,
                                               uint8_t *out, size_t *out_len)
{
  const int sign = type == GKDC_COSE_SIGN1;
  const struct gkdc_alg_info *info = NULL;
  uint8_t *prot_buf = NULL;
  struct gkdc_bytes prot = {NULL, 0};
  uint8_t *tbs = NULL;
  size_t tbs_len = 0;
  uint8_t auth[GKDC_MAX_HASH_LEN];
  size_t auth_len = sizeof(auth);
  int ok;
  enum gkdc_cose_err err;

  err = check_create(cx, params, sign ? GKDC_ALG_SIGN : GKDC_ALG_MAC, key, key_len,
                     payload, payload_len, out, out_len, &info);
  if (err == GKDC_COSE_OK)
    err = make_protected(params, &prot_buf, &prot);
  if (payload == NULL)
    payload = no_bytes;
  if (err == GKDC_COSE_OK)
    err = gkdc_cose_build_tbs(sign ? "Signature1" : "MAC0", &prot, aad, aad_len, payload,
                              payload_len, &tbs, &tbs_len);

  if (err == GKDC_COSE_OK) {
    if (sign)
      ok = gkdc_crypto_sign(cx, params->alg, key, key_len, tbs, tbs_len, auth, &auth_len);
    else
      ok = gkdc_crypto_mac(cx, params->alg, key, key_len, tbs, tbs_len, auth, &auth_len);
    if (!ok)
      err = GKDC_COSE_ERR_CRYPTO;
  }
  if (err == GKDC_COSE_OK)
    err = write_message(params, type, &prot, NULL, 0, payload, payload_len, auth,
                        auth_len, out, out_len);

  gkdc_wipe(auth, sizeof(auth));
  free(tbs);
  free(prot_buf);
  return err;
}

enum gkdc_cose_err gkdc_cose_sign1_create(const struct gkdc_crypto *cx,
                                          const struct gkdc_cose_params *params,
                                          const uint8_t *priv, size_t priv_len,
                                          const uint8_t *payload, size_t payload_len,
                                          const uint8_t *aad, size_t aad_len,
                                          uint8_t *out, size_t *out_len)
{
  return create_authenticated(cx, params, GKDC_COSE_SIGN1, priv, priv_len, payload,
                              payload_len, aad, aad_len, out, out_len);
}

enum gkdc_cose_err gkdc_cose_mac0_create(const struct gkdc_crypto *cx,
                                         const struct gkdc_cose_params *params,
                                         const uint8_t *key, size_t key_len,
                                         const uint8_t *payload, size_t payload_len,
                                         const uint8_t *aad, size_t aad_len,
                                         uint8_t *out, size_t *out_len)
{
  return create_authenticated(cx, params, GKDC_COSE_MAC0, key, key_len, payload,
                              payload_len, aad, aad_len, out, out_len);
}

enum gkdc_cose_err gkdc_cose_encrypt0_create(const struct gkdc_crypto *cx,
                                             const struct gkdc_cose_params *params,
                                             const uint8_t *key, size_t key_len,
                                             const uint8_t *plaintext,
                                             size_t plaintext_len,
                                             const uint8_t *aad, size_t aad_len,
                                             uint8_t *out, size_t *out_len)
{
  const struct gkdc_alg_info *info = NULL;
  uint8_t *prot_buf = NULL;
  struct gkdc_bytes prot = {NULL, 0};
  uint8_t *tbs = NULL;
  size_t tbs_len = 0;
  uint8_t iv[GKDC_MAX_NONCE_LEN];
  uint8_t *ct = NULL;
  size_t ct_len = 0;
  enum gkdc_cose_err err;

  err = check_create(cx, params, GKDC_ALG_AEAD, key, key_len, plaintext, plaintext_len,
                     out, out_len, &info);
  if (err == GKDC_COSE_OK && (key_len != info->key_len || info->nonce_len > sizeof(iv)))
    err = GKDC_COSE_ERR_KEY;

  /* A caller-chosen IV must have the nonce length; otherwise draw one. */
  if (err == GKDC_COSE_OK && params->iv.ptr != NULL) {
    if (params->iv.len != info->nonce_len)
      err = GKDC_COSE_ERR_INVALID;
    else
      memcpy(iv, params->iv.ptr, info->nonce_len);
  } else if (err == GKDC_COSE_OK && !gkdc_crypto_random(cx, iv, info->nonce_len)) {
    err = GKDC_COSE_ERR_CRYPTO;
  }

  if (err == GKDC_COSE_OK)
    err = make_protected(params, &prot_buf, &prot);
  if (plaintext == NULL)
    plaintext = no_bytes;
  if (err == GKDC_COSE_OK)
    err = gkdc_cose_build_tbs("Encrypt0", &prot, aad, aad_len, NULL, 0, &tbs, &tbs_len);
  if (err == GKDC_COSE_OK) {
    ct_len = plaintext_len + info->tag_len;
    ct = malloc(ct_len);
    if (ct == NULL)
      err = GKDC_COSE_ERR_NOMEM;
  }
  if (err == GKDC_COSE_OK &&
      !gkdc_crypto_aead_seal(cx, params->alg, key, key_len, iv, info->nonce_len, tbs,
                             tbs_len, plaintext, plaintext_len, ct, &ct_len))
    err = GKDC_COSE_ERR_CRYPTO;
  if (err == GKDC_COSE_OK)
    err = write_message(params, GKDC_COSE_ENCRYPT0, &prot, iv, info->nonce_len, ct,
                        ct_len, NULL, 0, out, out_len);

  free(ct);
  free(tbs);
  free(prot_buf);
  return err;
}
