/*
 * kdc-groupcomm: the joining node's side of RFC 9594. It builds Join
 * Requests and Token Transfer parameters, and parses Join Responses, Key
 * Distribution Responses, rekeying messages and Token Transfer Responses.
 * These operations keep no state: `st` may be NULL.
 */
#include <string.h>

#include "kdc_internal.h"

static void set_err(int *err, int value)
{
  if (err != NULL)
    *err = value;
}

/* Zeroes an output struct whose first member is its uint32_t size, keeping
 * the size the caller set. */
static void clear_keeping_size(void *out, size_t n)
{
  uint32_t size;

  memcpy(&size, out, sizeof(size));
  memset(out, 0, n);
  memcpy(out, &size, sizeof(size));
}

int kdc_join_request_build(void *st, const struct gkdc_kdc_join_args *args,
                           uint8_t *out, size_t *out_len, int *err)
{
  struct gkdc_cbor_enc e;
  size_t mark;
  size_t pairs = 2;
  size_t i;

  (void)st;
  if (args == NULL || out_len == NULL || args->scope_entry.len == 0 ||
      args->cnonce.len == 0 || (args->get_creds_role_count > 0 && args->get_creds_roles == NULL)) {
    set_err(err, GKDC_KDC_ERR_MALFORMED);
    return 0;
  }

  gkdc_cbor_enc_init(&e, out, *out_len);
  mark = gkdc_cbor_enc_map_begin(&e);
  gkdc_cbor_enc_put_uint(&e, GKDC_GC_SCOPE);
  gkdc_cbor_enc_put_bstr(&e, args->scope_entry.ptr, args->scope_entry.len);
  gkdc_cbor_enc_put_uint(&e, GKDC_GC_CNONCE);
  gkdc_cbor_enc_put_bstr(&e, args->cnonce.ptr, args->cnonce.len);
  if (args->get_creds) {
    gkdc_cbor_enc_put_uint(&e, GKDC_GC_GET_CREDS);
    if (args->get_creds_role_count == 0) {
      gkdc_cbor_enc_put_null(&e);
    } else {
      gkdc_cbor_enc_put_array(&e, 3);
      gkdc_cbor_enc_put_bool(&e, 1);
      gkdc_cbor_enc_put_array(&e, args->get_creds_role_count);
      for (i = 0; i < args->get_creds_role_count; i++)
        gkdc_cbor_enc_put_uint(&e, args->get_creds_roles[i]);
      gkdc_cbor_enc_put_array(&e, 0);
    }
    pairs++;
  }
  /* client_cred is sent when given, as h'' on a re-join. */
  if (args->client_cred.ptr != NULL) {
    gkdc_cbor_enc_put_uint(&e, GKDC_GC_CLIENT_CRED);
    gkdc_cbor_enc_put_bstr(&e, args->client_cred.ptr, args->client_cred.len);
    pairs++;
  }
  if (args->client_cred_verify.len > 0) {
    gkdc_cbor_enc_put_uint(&e, GKDC_GC_CLIENT_CRED_VERIFY);
    gkdc_cbor_enc_put_bstr(&e, args->client_cred_verify.ptr, args->client_cred_verify.len);
    pairs++;
  }
  if (args->control_uri != NULL) {
    gkdc_cbor_enc_put_uint(&e, GKDC_GC_CONTROL_URI);
    gkdc_cbor_enc_put_tstr_z(&e, args->control_uri);
    pairs++;
  }
  gkdc_cbor_enc_map_end(&e, mark, pairs);
  if (gkdc_cbor_enc_finish(&e, out_len) != GKDC_CBOR_OK) {
    set_err(err, GKDC_KDC_ERR_BUFFER);
    return 0;
  }
  return 1;
}

/* Reads an optional integer at `key`; fails on another type. */
static int opt_int(struct gkdc_cbor_dec *d, int64_t key, int *has, int64_t *out)
{
  struct gkdc_cbor_dec v;

  *has = 0;
  if (!gkdc_cbor_dec_map_find_int(d, key, &v))
    return 1;
  if (!gkdc_cbor_dec_get_int(&v, out))
    return 0;
  *has = 1;
  return 1;
}

/* Reads the encoded item at `key` when it has type `type` (or any type
 * when `type` is GKDC_CBOR_TYPE_NONE); absent leaves `out` empty. */
static int opt_raw(struct gkdc_cbor_dec *d, int64_t key, enum gkdc_cbor_type type,
                   struct gkdc_bytes *out)
{
  struct gkdc_cbor_dec v;

  out->ptr = NULL;
  out->len = 0;
  if (!gkdc_cbor_dec_map_find_int(d, key, &v))
    return 1;
  if (type != GKDC_CBOR_TYPE_NONE && gkdc_cbor_dec_peek_type(&v) != type)
    return 0;
  return gkdc_cbor_dec_get_raw(&v, out);
}

/* Reads the content of an optional byte string at `key`. */
static int opt_bstr(struct gkdc_cbor_dec *d, int64_t key, int *has, struct gkdc_bytes *out)
{
  struct gkdc_cbor_dec v;

  *has = 0;
  out->ptr = NULL;
  out->len = 0;
  if (!gkdc_cbor_dec_map_find_int(d, key, &v))
    return 1;
  if (!gkdc_cbor_dec_get_bstr(&v, out))
    return 0;
  *has = 1;
  return 1;
}

int kdc_key_dist_parse(void *st, const uint8_t *payload, size_t payload_len,
                       struct gkdc_kdc_key_dist *out, int *err)
{
  struct gkdc_cbor_dec d, v;
  int has_gkty = 0, has_num = 0, has = 0;
  struct gkdc_bytes uri;

  (void)st;
  if (out == NULL || payload == NULL) {
    set_err(err, GKDC_KDC_ERR_MALFORMED);
    return 0;
  }
  clear_keeping_size(out, sizeof(*out));

  if (gkdc_cbor_dec_init(&d, payload, payload_len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_map(&d, NULL) ||
      !opt_int(&d, GKDC_GC_GKTY, &has_gkty, &out->gkty) ||
      !opt_raw(&d, GKDC_GC_KEY, GKDC_CBOR_TYPE_NONE, &out->key) ||
      !opt_int(&d, GKDC_GC_NUM, &has_num, &out->num) ||
      !opt_int(&d, GKDC_GC_EXP, &out->has_exp, &out->exp) ||
      !opt_int(&d, GKDC_GC_EXI, &out->has_exi, &out->exi) ||
      !opt_int(&d, GKDC_GC_ACE_GROUPCOMM_PROFILE, &out->has_profile,
               &out->ace_groupcomm_profile) ||
      !opt_raw(&d, GKDC_GC_CREDS, GKDC_CBOR_TYPE_ARRAY, &out->creds) ||
      !opt_raw(&d, GKDC_GC_PEER_ROLES, GKDC_CBOR_TYPE_ARRAY, &out->peer_roles) ||
      !opt_raw(&d, GKDC_GC_PEER_IDENTIFIERS, GKDC_CBOR_TYPE_ARRAY, &out->peer_identifiers) ||
      !opt_raw(&d, GKDC_GC_GROUP_POLICIES, GKDC_CBOR_TYPE_MAP, &out->group_policies) ||
      !opt_bstr(&d, GKDC_GC_KDC_CRED, &out->kdc_cred_present, &out->kdc_cred) ||
      !opt_bstr(&d, GKDC_GC_KDC_NONCE, &has, &out->kdc_nonce) ||
      !opt_bstr(&d, GKDC_GC_KDC_CRED_VERIFY, &has, &out->kdc_cred_verify) ||
      !opt_int(&d, GKDC_GC_REKEYING_SCHEME, &out->has_rekeying_scheme,
               &out->rekeying_scheme) ||
      !opt_bstr(&d, GKDC_GC_MGT_KEY_MATERIAL, &has, &out->mgt_key_material)) {
    set_err(err, GKDC_KDC_ERR_MALFORMED);
    return 0;
  }
  if (gkdc_cbor_dec_map_find_int(&d, GKDC_GC_CONTROL_GROUP_URI, &v)) {
    if (!gkdc_cbor_dec_get_tstr(&v, &uri)) {
      set_err(err, GKDC_KDC_ERR_MALFORMED);
      return 0;
    }
    out->control_group_uri = uri;
  }
  /* gkty, key and num are mandatory; exp comes with exi; the three
   * credential arrays come together. */
  if (!has_gkty || out->key.len == 0 || !has_num || (out->has_exp && !out->has_exi) ||
      (out->has_exp && out->exp < 0) || (out->has_exi && out->exi < 0) ||
      (out->creds.len == 0 && (out->peer_roles.len > 0 || out->peer_identifiers.len > 0)) ||
      (out->kdc_cred_present &&
       (out->kdc_nonce.len == 0 || out->kdc_cred_verify.len == 0))) {
    set_err(err, GKDC_KDC_ERR_MALFORMED);
    return 0;
  }
  out->extra.ptr = payload;
  out->extra.len = payload_len;
  return 1;
}

int kdc_token_transfer_request(void *st, uint32_t ask, uint8_t *entries,
                               size_t *entries_len, size_t *entry_count, int *err)
{
  struct gkdc_cbor_enc e;
  size_t n = 0;

  (void)st;
  if (entries_len == NULL || entry_count == NULL ||
      (ask & ~(uint32_t)(GKDC_KDC_ASK_SIGN_INFO | GKDC_KDC_ASK_ECDH_INFO |
                         GKDC_KDC_ASK_KDC_DH_CREDS)) != 0) {
    set_err(err, GKDC_KDC_ERR_MALFORMED);
    return 0;
  }
  gkdc_cbor_enc_init(&e, entries, *entries_len);
  if (ask & GKDC_KDC_ASK_SIGN_INFO) {
    gkdc_cbor_enc_put_uint(&e, GKDC_OAUTH_SIGN_INFO);
    gkdc_cbor_enc_put_null(&e);
    n++;
  }
  if (ask & GKDC_KDC_ASK_ECDH_INFO) {
    gkdc_cbor_enc_put_uint(&e, GKDC_OSC_OAUTH_ECDH_INFO);
    gkdc_cbor_enc_put_null(&e);
    n++;
  }
  if (ask & GKDC_KDC_ASK_KDC_DH_CREDS) {
    gkdc_cbor_enc_put_uint(&e, GKDC_OSC_OAUTH_KDC_DH_CREDS);
    gkdc_cbor_enc_put_null(&e);
    n++;
  }
  if (gkdc_cbor_enc_finish(&e, entries_len) != GKDC_CBOR_OK) {
    set_err(err, GKDC_KDC_ERR_BUFFER);
    return 0;
  }
  *entry_count = n;
  return 1;
}

int kdc_token_transfer_response_parse(void *st, const uint8_t *payload,
                                      size_t payload_len,
                                      struct gkdc_kdc_token_transfer_info *out, int *err)
{
  struct gkdc_cbor_dec d;
  int has = 0;

  (void)st;
  if (out == NULL || payload == NULL) {
    set_err(err, GKDC_KDC_ERR_MALFORMED);
    return 0;
  }
  clear_keeping_size(out, sizeof(*out));
  if (gkdc_cbor_dec_init(&d, payload, payload_len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_map(&d, NULL) ||
      !opt_bstr(&d, GKDC_OAUTH_KDCCHALLENGE, &has, &out->kdcchallenge) ||
      !opt_raw(&d, GKDC_OAUTH_SIGN_INFO, GKDC_CBOR_TYPE_ARRAY, &out->sign_info) ||
      !opt_raw(&d, GKDC_OSC_OAUTH_ECDH_INFO, GKDC_CBOR_TYPE_ARRAY, &out->ecdh_info) ||
      !opt_raw(&d, GKDC_OSC_OAUTH_KDC_DH_CREDS, GKDC_CBOR_TYPE_ARRAY, &out->kdc_dh_creds)) {
    set_err(err, GKDC_KDC_ERR_MALFORMED);
    return 0;
  }
  return 1;
}
