/*
 * kdc-groupcomm: the Token Transfer extension at /authz-info (RFC 9594
 * section 3.3) and the end of a token's authorization (section 5).
 */
#include <stdlib.h>
#include <string.h>

#include "kdc_internal.h"

static void set_err(int *err, int value)
{
  if (err != NULL)
    *err = value;
}

int kdc_new_challenge(const struct kdc_state *k, struct gkdc_bytes token_id,
                      uint8_t n_s[KDC_NONCE_LEN])
{
  if (!kdc_random(k, n_s, KDC_NONCE_LEN))
    return 0;
  return k->store->token_set_kdcchallenge(k->store_p.state, token_id.ptr, token_id.len,
                                          n_s, KDC_NONCE_LEN);
}

/* 1 when the ace+cbor request map carries `key` with the value null. */
static int asks(const uint8_t *map, size_t len, int64_t key)
{
  struct gkdc_cbor_dec d, v;

  if (map == NULL || len == 0 ||
      gkdc_cbor_dec_init(&d, map, len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_map(&d, NULL) || !gkdc_cbor_dec_map_find_int(&d, key, &v))
    return 0;
  return gkdc_cbor_dec_peek_type(&v) == GKDC_CBOR_TYPE_NULL;
}

int kdc_token_transfer(void *st, const struct gkdc_kdc_token_transfer *tt,
                       uint8_t *entries, size_t *entries_len,
                       size_t *entry_count, int *err)
{
  struct kdc_state *k = st;
  struct gkdc_store_group **recs = NULL;
  size_t nrec = 0;
  int need_challenge = 0;
  int sign_groups = 0;
  uint8_t n_s[KDC_NONCE_LEN];
  struct gkdc_cbor_enc e;
  size_t pairs = 0;
  size_t len = 0;
  size_t i;
  int ok = 0;

  if (tt == NULL || tt->authz == NULL || entries_len == NULL || entry_count == NULL) {
    set_err(err, GKDC_KDC_ERR_MALFORMED);
    return 0;
  }
  if (k->group_count > 0 && (recs = calloc(k->group_count, sizeof(*recs))) == NULL) {
    set_err(err, GKDC_KDC_ERR_INTERNAL);
    return 0;
  }

  /* The groups of the token's scope that this KDC serves. */
  for (i = 0; i < k->group_count; i++) {
    struct gkdc_ap_fail fail = {0, -1, NULL};
    uint64_t roles = 0;
    struct gkdc_store_group *rec = NULL;

    if (!k->ap->scope_roles(k->ap_p.state, tt->authz->scope, k->groups[i].name, &roles,
                            &fail))
      continue;
    if (!kdc_group_load(k, &k->groups[i], &rec))
      continue;
    recs[nrec++] = rec;
    if (k->ap->roles_need_cred(k->ap_p.state, roles))
      need_challenge = 1;
    if (rec->flags & GKDC_STORE_GROUP_MODE)
      sign_groups++;
  }

  gkdc_cbor_enc_init(&e, entries, *entries_len);
  if (sign_groups > 0 &&
      asks(tt->request_map, tt->request_map_len, GKDC_OAUTH_SIGN_INFO)) {
    gkdc_cbor_enc_put_uint(&e, GKDC_OAUTH_SIGN_INFO);
    gkdc_cbor_enc_put_array(&e, (size_t)sign_groups);
    for (i = 0; i < nrec; i++)
      if (recs[i]->flags & GKDC_STORE_GROUP_MODE)
        kdc_put_info_entry(k, &e, recs[i], 0);
    pairs++;
  }
  if (need_challenge) {
    if (!kdc_new_challenge(k, tt->authz->token_id, n_s)) {
      kdc_log(k, GKDC_LOG_ERR, "cannot store the kdcchallenge with the token: %s",
              k->store->last_error_detail(k->store_p.state));
      set_err(err, GKDC_KDC_ERR_STORE);
      goto out;
    }
    gkdc_cbor_enc_put_uint(&e, GKDC_OAUTH_KDCCHALLENGE);
    gkdc_cbor_enc_put_bstr(&e, n_s, sizeof(n_s));
    pairs++;
  }
  if (gkdc_cbor_enc_finish(&e, &len) != GKDC_CBOR_OK) {
    set_err(err, GKDC_KDC_ERR_BUFFER);
    goto out;
  }

  /* The appprofile's additions (ecdh_info, kdc_dh_creds) come last: their
   * keys are higher. */
  if (GKDC_HAS_OP(k->ap, token_transfer_write) && nrec > 0) {
    size_t extra_len = *entries_len - len;
    size_t extra_count = 0;

    if (!k->ap->token_transfer_write(k->ap_p.state, tt->request_map,
                                     tt->request_map_len,
                                     (const struct gkdc_store_group *const *)recs, nrec,
                                     entries + len, &extra_len, &extra_count)) {
      set_err(err, GKDC_KDC_ERR_BUFFER);
      goto out;
    }
    len += extra_len;
    pairs += extra_count;
  }

  *entries_len = len;
  *entry_count = pairs;
  ok = 1;

out:
  for (i = 0; i < nrec; i++)
    k->store->record_free(k->store_p.state, recs[i]);
  free(recs);
  return ok;
}

int kdc_token_end(void *st, struct gkdc_bytes token_id, int reason,
                  const struct gkdc_authz *new_authz)
{
  struct kdc_state *k = st;
  size_t i;
  int ok = 1;

  for (i = 0; i < k->group_count; i++) {
    struct kdc_group *g = &k->groups[i];
    struct gkdc_store_member *m = NULL;

    if (!k->store->member_get_by_token(k->store_p.state, g->name, token_id.ptr,
                                       token_id.len, &m))
      continue;

    if (reason == GKDC_TOKEN_REPLACED && new_authz != NULL &&
        new_authz->token_id.len > 0) {
      struct gkdc_store_member moved = *m;

      moved.token_id = new_authz->token_id;
      if (!k->store->member_put(k->store_p.state, &moved)) {
        kdc_log(k, GKDC_LOG_ERR, "group %s: cannot move node %s to its new token: %s",
                g->name, m->node_name, k->store->last_error_detail(k->store_p.state));
        ok = 0;
      }
    } else {
      kdc_log(k, GKDC_LOG_NOTICE, "group %s: node %s removed, its token ended (%d)",
              g->name, m->node_name, reason);
      if (!kdc_member_remove(k, g, m->node_name, 1))
        ok = 0;
      else if (g->rekey_on_leave)
        kdc_rekey_group(k, g, GKDC_REKEY_EVICTION);
    }
    k->store->record_free(k->store_p.state, m);
  }

  /* Forget N_S; the token may be gone from the store already. */
  if (reason != GKDC_TOKEN_REPLACED)
    k->store->token_set_kdcchallenge(k->store_p.state, token_id.ptr, token_id.len, NULL,
                                     0);
  return ok;
}
