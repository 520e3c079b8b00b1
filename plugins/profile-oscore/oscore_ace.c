/*
 * OSCORE input derived from the ACE OSCORE profile exchange (RFC 9203
 * section 4.3).
 */
#include <stdint.h>
#include <string.h>

#include <gkdc/alg.h>
#include <gkdc/cbor.h>

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

/* Names accepted for the `alg` and `hkdf` fields when given as text. */
static const struct {
  const char *name;
  int32_t id;
} alg_names[] = {
  {"AES-CCM-16-64-128", GKDC_COSE_ALG_AES_CCM_16_64_128},
  {"AES-CCM-16-128-128", GKDC_COSE_ALG_AES_CCM_16_128_128},
  {"A128GCM", GKDC_COSE_ALG_A128GCM},
  {"A256GCM", GKDC_COSE_ALG_A256GCM},
  {"ChaCha20/Poly1305", GKDC_COSE_ALG_CHACHA20_POLY1305},
}, hkdf_names[] = {
  {"HMAC 256/256", GKDC_COSE_ALG_HMAC_256_256},
  {"HMAC 512/512", GKDC_COSE_ALG_HMAC_512_512},
  {"HKDF SHA-256", GKDC_COSE_ALG_HKDF_SHA256},
  {"HKDF SHA-512", GKDC_COSE_ALG_HKDF_SHA512},
};

/* Reads an int or a known name into *id. */
static int get_alg(struct gkdc_cbor_dec *d, int is_hkdf, int32_t *id)
{
  struct gkdc_bytes name;
  int64_t v;
  size_t i, n;

  if (gkdc_cbor_dec_peek_type(d) == GKDC_CBOR_TYPE_TSTR) {
    if (!gkdc_cbor_dec_get_tstr(d, &name))
      return 0;
    n = is_hkdf ? sizeof(hkdf_names) / sizeof(hkdf_names[0])
                : sizeof(alg_names) / sizeof(alg_names[0]);
    for (i = 0; i < n; i++) {
      const char *s = is_hkdf ? hkdf_names[i].name : alg_names[i].name;

      if (strlen(s) == name.len && memcmp(s, name.ptr, name.len) == 0) {
        *id = is_hkdf ? hkdf_names[i].id : alg_names[i].id;
        return 1;
      }
    }
    return 0;
  }
  if (!gkdc_cbor_dec_get_int(d, &v) || v < INT32_MIN || v > INT32_MAX)
    return 0;
  *id = (int32_t)v;
  return 1;
}

/* Reads a byte string field and records that it was present. */
static int get_field_bstr(struct gkdc_cbor_dec *d, struct gkdc_bytes *out, int *present)
{
  if (!gkdc_cbor_dec_get_bstr(d, out))
    return 0;
  *present = 1;
  return 1;
}

/* Reads one osc map entry with integer key `key`. */
static int read_material_field(struct gkdc_cbor_dec *d, int64_t key,
                               struct gkdc_oscore_input_material *m)
{
  uint64_t version;

  switch (key) {
  case GKDC_OSC_ID:
    return get_field_bstr(d, &m->id, &m->has_id);
  case GKDC_OSC_VERSION:
    /* Only OSCORE version 1 exists. */
    return gkdc_cbor_dec_get_uint(d, &version) && version == 1;
  case GKDC_OSC_MS:
    return get_field_bstr(d, &m->ms, &m->has_ms);
  case GKDC_OSC_HKDF:
    return get_alg(d, 1, &m->hkdf_alg);
  case GKDC_OSC_ALG:
    return get_alg(d, 0, &m->aead_alg);
  case GKDC_OSC_SALT:
    return get_field_bstr(d, &m->salt, &m->has_salt);
  case GKDC_OSC_CONTEXT_ID:
    return get_field_bstr(d, &m->context_id, &m->has_context_id);
  default:
    /* An unrecognized field makes the material unusable (RFC 9203
     * section 4.2: 4.00). */
    return 0;
  }
}

enum gkdc_oscore_status gkdc_oscore_input_material_parse(const uint8_t *in, size_t len,
                                                         struct gkdc_oscore_input_material *out)
{
  struct gkdc_oscore_input_material m;
  struct gkdc_cbor_dec d;
  size_t pairs, i;

  memset(&m, 0, sizeof(m));
  m.aead_alg = GKDC_COSE_ALG_AES_CCM_16_64_128;
  m.hkdf_alg = GKDC_COSE_ALG_HMAC_256_256;

  if (gkdc_cbor_dec_init(&d, in, len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_map(&d, &pairs))
    return GKDC_OSCORE_ERR_INVALID;
  for (i = 0; i < pairs; i++) {
    int64_t key;

    if (gkdc_cbor_dec_peek_type(&d) != GKDC_CBOR_TYPE_UINT &&
        gkdc_cbor_dec_peek_type(&d) != GKDC_CBOR_TYPE_NEGINT)
      return GKDC_OSCORE_ERR_INVALID;
    if (!gkdc_cbor_dec_get_int(&d, &key) || !read_material_field(&d, key, &m))
      return GKDC_OSCORE_ERR_INVALID;
  }
  if (!gkdc_cbor_dec_exit(&d) || gkdc_cbor_dec_finish(&d) != GKDC_CBOR_OK)
    return GKDC_OSCORE_ERR_INVALID;

  /* `id` and `ms` are required; a Master Secret is never empty. */
  if (!m.has_id || !m.has_ms || m.ms.len == 0)
    return GKDC_OSCORE_ERR_INVALID;
  *out = m;
  return GKDC_OSCORE_OK;
}

enum gkdc_oscore_status gkdc_oscore_cnf_osc(const uint8_t *cnf, size_t len,
                                            struct gkdc_bytes *osc)
{
  struct gkdc_cbor_dec d, value;
  size_t pairs;

  if (gkdc_cbor_dec_init(&d, cnf, len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_map(&d, &pairs))
    return GKDC_OSCORE_ERR_INVALID;
  /* A cnf map carries exactly one confirmation method (RFC 8747). */
  if (pairs != 1 || !gkdc_cbor_dec_map_find_int(&d, GKDC_CNF_OSC, &value))
    return GKDC_OSCORE_ERR_NO_CONTEXT;
  if (gkdc_cbor_dec_peek_type(&value) != GKDC_CBOR_TYPE_MAP ||
      !gkdc_cbor_dec_get_raw(&value, osc))
    return GKDC_OSCORE_ERR_INVALID;
  return GKDC_OSCORE_OK;
}

/* Whether a context of the set already uses `id` as its Recipient ID. */
static int recipient_id_used(const struct gkdc_oscore_ctxset *set, const uint8_t *id,
                             size_t len)
{
  struct gkdc_oscore_ctx *found;
  size_t i;

  for (i = 0; i < gkdc_oscore_ctxset_count(set); i++) {
    found = gkdc_oscore_ctxset_get0(set, i);
    if (found->recipient_id_len == len && memcmp(found->recipient_id, id, len) == 0)
      return 1;
  }
  return 0;
}

int gkdc_oscore_pick_recipient_id(const struct gkdc_oscore_ctxset *set, const uint8_t *id1,
                                  size_t id1_len, size_t max_len, uint8_t *out,
                                  size_t *out_len)
{
  size_t len;

  /* The smallest free value of 1, then 2, ... bytes, starting at h'00'.
   * At most count + 1 candidates are taken, so the scan ends early. */
  for (len = 1; len <= max_len && len <= 4; len++) {
    uint64_t v;
    uint64_t limit = UINT64_C(1) << (8 * len);

    for (v = 0; v < limit; v++) {
      size_t i;

      for (i = 0; i < len; i++)
        out[i] = (uint8_t)(v >> (8 * (len - 1 - i)));
      if (len == id1_len && memcmp(out, id1, len) == 0)
        continue;
      if (recipient_id_used(set, out, len))
        continue;
      *out_len = len;
      return 1;
    }
  }
  return 0;
}

enum gkdc_oscore_status gkdc_oscore_authz_info_parse(const uint8_t *payload, size_t len,
                                                     struct gkdc_oscore_authz_info *out)
{
  struct gkdc_oscore_authz_info a;
  struct gkdc_cbor_dec d, v;
  size_t pairs;

  memset(&a, 0, sizeof(a));
  if (gkdc_cbor_dec_init(&d, payload, len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_map(&d, &pairs))
    return GKDC_OSCORE_ERR_INVALID;

  /* The token is required; nonce1 and the client's Recipient ID are
   * required only for a new context, which the caller decides. Other
   * parameters (sign_info, ...) are the KDC's. */
  if (!gkdc_cbor_dec_map_find_int(&d, GKDC_OAUTH_ACCESS_TOKEN_KEY, &v) ||
      !gkdc_cbor_dec_get_bstr(&v, &a.access_token) || a.access_token.len == 0)
    return GKDC_OSCORE_ERR_INVALID;
  if (gkdc_cbor_dec_map_find_int(&d, GKDC_OAUTH_NONCE1_KEY, &v)) {
    if (!gkdc_cbor_dec_get_bstr(&v, &a.nonce1))
      return GKDC_OSCORE_ERR_INVALID;
    a.has_nonce1 = 1;
  }
  if (gkdc_cbor_dec_map_find_int(&d, GKDC_OAUTH_CLIENT_RECIPIENTID_KEY, &v)) {
    if (!gkdc_cbor_dec_get_bstr(&v, &a.client_recipient_id))
      return GKDC_OSCORE_ERR_INVALID;
    a.has_client_recipient_id = 1;
  }
  if (!gkdc_cbor_dec_exit(&d) || gkdc_cbor_dec_finish(&d) != GKDC_CBOR_OK)
    return GKDC_OSCORE_ERR_INVALID;

  *out = a;
  return GKDC_OSCORE_OK;
}

int gkdc_oscore_authz_info_response(const uint8_t *nonce2, size_t nonce2_len,
                                    const uint8_t *server_id, size_t server_id_len,
                                    const uint8_t *extra, size_t extra_len,
                                    size_t extra_count, uint8_t *out, size_t cap,
                                    size_t *len)
{
  struct gkdc_cbor_enc e;
  size_t mark;

  /* {42: nonce2, 44: ace_server_recipientid, KDC pairs...} with the
   * entries sorted by the encoder. */
  gkdc_cbor_enc_init(&e, out, cap);
  mark = gkdc_cbor_enc_map_begin(&e);
  gkdc_cbor_enc_put_uint(&e, GKDC_OAUTH_NONCE2_KEY);
  gkdc_cbor_enc_put_bstr(&e, nonce2, nonce2_len);
  gkdc_cbor_enc_put_uint(&e, GKDC_OAUTH_SERVER_RECIPIENTID_KEY);
  gkdc_cbor_enc_put_bstr(&e, server_id, server_id_len);
  if (extra_count > 0)
    gkdc_cbor_enc_put_raw(&e, extra, extra_len);
  gkdc_cbor_enc_map_end(&e, mark, 2 + extra_count);
  return gkdc_cbor_enc_finish(&e, len) == GKDC_CBOR_OK;
}

struct gkdc_oscore_ctx *gkdc_oscore_ace_derive(const struct gkdc_crypto *cx,
                                               const struct gkdc_oscore_input_material *m,
                                               struct gkdc_bytes nonce1,
                                               struct gkdc_bytes nonce2, struct gkdc_bytes id1,
                                               struct gkdc_bytes id2,
                                               enum gkdc_oscore_ace_role role)
{
  struct gkdc_oscore_params p;
  uint8_t salt[3 * (9 + 255)];
  size_t salt_len;
  struct gkdc_oscore_ctx *ctx;

  if (id1.len == id2.len && (id1.len == 0 || memcmp(id1.ptr, id2.ptr, id1.len) == 0))
    return NULL;
  if ((m->has_salt && m->salt.len > 255) || nonce1.len > 255 || nonce2.len > 255)
    return NULL;
  if (!gkdc_oscore_ace_master_salt(m->has_salt, m->salt.ptr, m->salt.len, nonce1.ptr,
                                   nonce1.len, nonce2.ptr, nonce2.len, salt, sizeof(salt),
                                   &salt_len))
    return NULL;

  memset(&p, 0, sizeof(p));
  p.aead_alg = m->aead_alg;
  p.hkdf_alg = m->hkdf_alg;
  p.master_secret = m->ms;
  p.master_salt.ptr = salt;
  p.master_salt.len = salt_len;
  p.has_id_context = m->has_context_id;
  p.id_context = m->context_id;
  p.sender_id = role == GKDC_OSCORE_ACE_SERVER ? id1 : id2;
  p.recipient_id = role == GKDC_OSCORE_ACE_SERVER ? id2 : id1;

  ctx = gkdc_oscore_ctx_new(cx, &p);
  gkdc_wipe(salt, sizeof(salt));
  return ctx;
}
