/*
 * appprofile-group-oscore: the Group_OSCORE_Input_Material object (the
 * `key` parameter), the profile's extra response parameters and its Token
 * Transfer additions.
 */
#include <string.h>

#include "osc_internal.h"

/* Largest Signature Encryption Key: the key length of the GEA. */
#define SEKEY_MAX 32

/* Writes the fields of `key` that `context` carries into a map. */
static void put_key_fields(struct gkdc_cbor_enc *e, const struct gkdc_store_group *g,
                           int context, const struct gkdc_ap_member *member, size_t *pairs)
{
  int group_mode = (g->flags & GKDC_STORE_GROUP_MODE) != 0;
  int pairwise = (g->flags & GKDC_STORE_GROUP_PAIRWISE_MODE) != 0;
  int verif = context == GKDC_AP_CTX_VERIF;
  int rekey = context == GKDC_AP_CTX_REKEY;
  const struct gkdc_store_member *m = member != NULL ? member->rec : NULL;

  /* A verifier gets no Master Secret or Salt; a rekeying message only
   * the new material (ms, contextId, salt). */
  if (!verif) {
    gkdc_cbor_enc_put_uint(e, GKDC_OSC_KEY_MS);
    gkdc_cbor_enc_put_bstr(e, g->master_secret.ptr, g->master_secret.len);
    (*pairs)++;
    if (g->master_salt.len > 0) {
      gkdc_cbor_enc_put_uint(e, GKDC_OSC_KEY_SALT);
      gkdc_cbor_enc_put_bstr(e, g->master_salt.ptr, g->master_salt.len);
      (*pairs)++;
    }
  }
  gkdc_cbor_enc_put_uint(e, GKDC_OSC_KEY_CONTEXT_ID);
  gkdc_cbor_enc_put_bstr(e, g->gid.ptr, g->gid.len);
  (*pairs)++;
  if (rekey)
    return;

  /* hkdf is always given: it may be left out only for HKDF SHA-256, and
   * stating it costs two bytes. */
  gkdc_cbor_enc_put_uint(e, GKDC_OSC_KEY_HKDF);
  gkdc_cbor_enc_put_int(e, g->hkdf_alg);
  gkdc_cbor_enc_put_uint(e, GKDC_OSC_KEY_CRED_FMT);
  gkdc_cbor_enc_put_int(e, g->cred_fmt);
  *pairs += 2;

  if ((context == GKDC_AP_CTX_JOIN || context == GKDC_AP_CTX_NODE_GET ||
       context == GKDC_AP_CTX_NODE_RENEW) &&
      m != NULL && m->has_sender_id && m->sender_id.len > 0) {
    gkdc_cbor_enc_put_uint(e, GKDC_OSC_KEY_GROUP_SENDERID);
    gkdc_cbor_enc_put_bstr(e, m->sender_id.ptr, m->sender_id.len);
    (*pairs)++;
  }
  if (group_mode) {
    gkdc_cbor_enc_put_uint(e, GKDC_OSC_KEY_GP_ENC_ALG);
    gkdc_cbor_enc_put_int(e, g->gp_enc_alg);
    gkdc_cbor_enc_put_uint(e, GKDC_OSC_KEY_SIGN_ALG);
    gkdc_cbor_enc_put_int(e, g->sign_alg);
    gkdc_cbor_enc_put_uint(e, GKDC_OSC_KEY_SIGN_PARAMS);
    gkdc_cbor_enc_put_raw(e, g->sign_params.ptr, g->sign_params.len);
    *pairs += 3;
  }
  if (pairwise) {
    gkdc_cbor_enc_put_uint(e, GKDC_OSC_KEY_ALG);
    gkdc_cbor_enc_put_int(e, g->aead_alg);
    gkdc_cbor_enc_put_uint(e, GKDC_OSC_KEY_ECDH_ALG);
    gkdc_cbor_enc_put_int(e, g->ecdh_alg);
    *pairs += 2;
    /* The verification data carries alg and ecdh_alg only. */
    if (!verif) {
      gkdc_cbor_enc_put_uint(e, GKDC_OSC_KEY_ECDH_PARAMS);
      gkdc_cbor_enc_put_raw(e, g->ecdh_params.ptr, g->ecdh_params.len);
      (*pairs)++;
    }
  }
}

int osc_key_write(void *st, const struct gkdc_store_group *group, int context,
                  const struct gkdc_ap_member *member, uint8_t *out,
                  size_t *out_len)
{
  struct gkdc_cbor_enc e;
  size_t mark;
  size_t pairs = 0;

  (void)st;
  if (group == NULL || out_len == NULL || group->gid.len == 0 ||
      ((group->flags & GKDC_STORE_GROUP_MODE) && group->sign_params.len == 0) ||
      ((group->flags & GKDC_STORE_GROUP_PAIRWISE_MODE) && group->ecdh_params.len == 0))
    return 0;
  if (context == GKDC_AP_CTX_VERIF && !(group->flags & GKDC_STORE_GROUP_MODE))
    return 0;

  gkdc_cbor_enc_init(&e, out, *out_len);
  mark = gkdc_cbor_enc_map_begin(&e);
  put_key_fields(&e, group, context, member, &pairs);
  gkdc_cbor_enc_map_end(&e, mark, pairs);
  if (gkdc_cbor_enc_finish(&e, out_len) != GKDC_CBOR_OK) {
    if (out != NULL)
      gkdc_wipe(out, e.cap);
    return 0;
  }
  return 1;
}

int osc_sign_enc_key(const struct osc_state *s, const struct gkdc_store_group *g,
                     uint8_t *key, size_t *key_len)
{
  const struct osc_aead *a = osc_aead_find(g->gp_enc_alg);
  uint8_t info[64];
  struct gkdc_cbor_enc e;
  size_t info_len = 0;

  if (s->cx == NULL || a == NULL || !(g->flags & GKDC_STORE_GROUP_MODE) || *key_len < a->key_len)
    return 0;

  /* info = [id: h'', id_context: Gid, alg_aead: GEA, type: "SEKey", L] */
  gkdc_cbor_enc_init(&e, info, sizeof(info));
  gkdc_cbor_enc_put_array(&e, 5);
  gkdc_cbor_enc_put_bstr(&e, NULL, 0);
  gkdc_cbor_enc_put_bstr(&e, g->gid.ptr, g->gid.len);
  gkdc_cbor_enc_put_int(&e, g->gp_enc_alg);
  gkdc_cbor_enc_put_tstr_z(&e, "SEKey");
  gkdc_cbor_enc_put_uint(&e, a->key_len);
  if (gkdc_cbor_enc_finish(&e, &info_len) != GKDC_CBOR_OK)
    return 0;

  if (!gkdc_crypto_hkdf(s->cx, g->hkdf_alg, g->master_salt.ptr, g->master_salt.len,
                        g->master_secret.ptr, g->master_secret.len, info, info_len, key,
                        a->key_len))
    return 0;
  *key_len = a->key_len;
  return 1;
}

/* Collects one key version's stale Sender IDs into an encoder. */
struct stale_put {
  struct gkdc_cbor_enc *e;
  uint64_t version;
  size_t count;
  int count_only;
};

static int stale_put_one(void *arg, uint64_t version, const uint8_t *sid, size_t sid_len)
{
  struct stale_put *p = arg;

  if (version != p->version)
    return 1;
  if (!p->count_only)
    gkdc_cbor_enc_put_bstr(p->e, sid, sid_len);
  p->count++;
  return 1;
}

int osc_extra_write(void *st, const struct gkdc_store_group *group, int context,
                    const struct gkdc_ap_member *member, uint8_t *out,
                    size_t *out_len, size_t *entry_count)
{
  struct osc_state *s = st;
  struct gkdc_cbor_enc e;
  size_t count = 0;
  const struct gkdc_store_member *m = member != NULL ? member->rec : NULL;

  if (group == NULL || out_len == NULL || entry_count == NULL)
    return 0;
  gkdc_cbor_enc_init(&e, out, *out_len);

  if (context == GKDC_AP_CTX_NODE_RENEW && m != NULL && m->has_sender_id) {
    gkdc_cbor_enc_put_uint(&e, GKDC_OSC_GROUP_SENDERID);
    gkdc_cbor_enc_put_bstr(&e, m->sender_id.ptr, m->sender_id.len);
    count++;
  }

  if (context == GKDC_AP_CTX_VERIF) {
    uint8_t key[SEKEY_MAX];
    size_t key_len = sizeof(key);

    if (!osc_sign_enc_key(s, group, key, &key_len))
      return 0;
    gkdc_cbor_enc_put_uint(&e, GKDC_OSC_SIGN_ENC_KEY);
    gkdc_cbor_enc_put_bstr(&e, key, key_len);
    gkdc_wipe(key, sizeof(key));
    count++;
  }

  /* stale_node_ids: the stale set of the version this rekey replaced. */
  if (context == GKDC_AP_CTX_REKEY) {
    struct stale_put p = {&e, group->key_version > 0 ? group->key_version - 1 : 0, 0, 1};

    if (group->key_version > 0 &&
        !s->store->stale_list(s->store_p.state, group->name, p.version, stale_put_one, &p))
      return 0;
    gkdc_cbor_enc_put_uint(&e, GKDC_OSC_STALE_NODE_IDS);
    gkdc_cbor_enc_put_array(&e, p.count);
    p.count = 0;
    p.count_only = 0;
    if (group->key_version > 0 &&
        !s->store->stale_list(s->store_p.state, group->name, p.version, stale_put_one, &p))
      return 0;
    count++;
  }

  if (gkdc_cbor_enc_finish(&e, out_len) != GKDC_CBOR_OK)
    return 0;
  *entry_count = count;
  return 1;
}

/* ---- sign_info and ecdh_info ---- */

int osc_put_info_entry(struct gkdc_cbor_enc *e, const struct gkdc_store_group *g, int ecdh)
{
  struct gkdc_bytes params = ecdh ? g->ecdh_params : g->sign_params;
  struct gkdc_bytes alg_capab, key_capab;
  struct gkdc_cbor_dec d;
  size_t n = 0;

  if (!(g->flags & (ecdh ? GKDC_STORE_GROUP_PAIRWISE_MODE : GKDC_STORE_GROUP_MODE)))
    return 0;
  /* params = [alg_capab, key_capab]; the entry lists both in place. */
  if (gkdc_cbor_dec_init(&d, params.ptr, params.len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_array(&d, &n) || n != 2 || !gkdc_cbor_dec_get_raw(&d, &alg_capab) ||
      !gkdc_cbor_dec_get_raw(&d, &key_capab))
    return 0;
  gkdc_cbor_enc_put_array(e, 5);
  gkdc_cbor_enc_put_tstr_z(e, g->name);
  gkdc_cbor_enc_put_int(e, ecdh ? g->ecdh_alg : g->sign_alg);
  gkdc_cbor_enc_put_raw(e, alg_capab.ptr, alg_capab.len);
  gkdc_cbor_enc_put_raw(e, key_capab.ptr, key_capab.len);
  gkdc_cbor_enc_put_int(e, g->cred_fmt);
  return 1;
}

int osc_info_entry_write(void *st, const struct gkdc_store_group *group, int ecdh,
                         uint8_t *out, size_t *out_len)
{
  struct gkdc_cbor_enc e;

  (void)st;
  if (group == NULL || out_len == NULL)
    return 0;
  gkdc_cbor_enc_init(&e, out, *out_len);
  if (!osc_put_info_entry(&e, group, ecdh))
    return 0;
  return gkdc_cbor_enc_finish(&e, out_len) == GKDC_CBOR_OK;
}

/* 1 when the request map has `key` with the value null. */
static int asks(const uint8_t *map, size_t len, int64_t key)
{
  struct gkdc_cbor_dec d, v;

  if (map == NULL || len == 0 || gkdc_cbor_dec_init(&d, map, len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_map(&d, NULL) || !gkdc_cbor_dec_map_find_int(&d, key, &v))
    return 0;
  return gkdc_cbor_dec_peek_type(&v) == GKDC_CBOR_TYPE_NULL;
}

/* The four OAuth keys of the profile's Token Transfer parameters, in
 * ascending order. */
struct tt_param {
  int64_t label;
  int is_dh_creds; /* 0: ecdh_info, 1: kdc_dh_creds */
  int policy;      /* the enum gkdc_osc_oauth_labels value that uses it */
};

static const struct tt_param tt_params[4] = {
    {GKDC_OSC_OAUTH_ECDH_INFO, 0, GKDC_OSC_OAUTH_RFC},
    {GKDC_OSC_OAUTH_KDC_DH_CREDS, 1, GKDC_OSC_OAUTH_RFC},
    {GKDC_OSC_OAUTH_ECDH_INFO_JAVA, 0, GKDC_OSC_OAUTH_JAVA},
    {GKDC_OSC_OAUTH_KDC_DH_CREDS_JAVA, 1, GKDC_OSC_OAUTH_JAVA},
};

/*
 * 1 when group `g` has an entry for `p`: ecdh_info for groups that use the
 * pairwise mode, kdc_dh_creds for pairwise-only groups with a configured
 * Diffie-Hellman credential, each under the OAuth key the group's setting
 * (or the plugin's) allows. *dh_cred receives that credential.
 */
static int tt_has_entry(struct osc_state *s, const struct gkdc_store_group *g,
                        const struct tt_param *p, struct gkdc_bytes *dh_cred)
{
  struct osc_cfg c;
  int have_cfg = osc_cfg_of_group(s, g, &c);
  int policy = s->oauth_labels;

  if (have_cfg && c.oauth_labels >= 0)
    policy = c.oauth_labels;
  if (policy != GKDC_OSC_OAUTH_BOTH && policy != p->policy)
    return 0;
  if (!(g->flags & GKDC_STORE_GROUP_PAIRWISE_MODE))
    return 0;
  if (!p->is_dh_creds)
    return 1;
  if ((g->flags & GKDC_STORE_GROUP_MODE) || !have_cfg || c.kdc_dh_cred.len == 0)
    return 0;
  *dh_cred = c.kdc_dh_cred;
  return 1;
}

int osc_token_transfer_write(void *st, const uint8_t *request_map,
                             size_t request_map_len,
                             const struct gkdc_store_group *const *groups,
                             size_t group_count, uint8_t *out, size_t *out_len,
                             size_t *entry_count)
{
  struct osc_state *s = st;
  struct gkdc_cbor_enc e;
  struct gkdc_bytes dh_cred;
  size_t count = 0;
  size_t i, j;

  if (out_len == NULL || entry_count == NULL)
    return 0;
  gkdc_cbor_enc_init(&e, out, *out_len);

  /* Each parameter the client requested (with null) gets one entry per
   * group that has one: ecdh_info entries [name, ecdh_alg, alg_capab,
   * key_capab, cred_fmt], kdc_dh_creds entries [name, cred_fmt, cred]. */
  for (j = 0; j < 4; j++) {
    const struct tt_param *p = &tt_params[j];
    size_t n = 0;

    if (!asks(request_map, request_map_len, p->label))
      continue;
    for (i = 0; i < group_count; i++)
      n += (size_t)tt_has_entry(s, groups[i], p, &dh_cred);
    if (n == 0)
      continue;
    gkdc_cbor_enc_put_uint(&e, (uint64_t)p->label);
    gkdc_cbor_enc_put_array(&e, n);
    for (i = 0; i < group_count; i++) {
      if (!tt_has_entry(s, groups[i], p, &dh_cred))
        continue;
      if (!p->is_dh_creds) {
        if (!osc_put_info_entry(&e, groups[i], 1))
          return 0;
        continue;
      }
      gkdc_cbor_enc_put_array(&e, 3);
      gkdc_cbor_enc_put_tstr_z(&e, groups[i]->name);
      gkdc_cbor_enc_put_int(&e, groups[i]->cred_fmt);
      gkdc_cbor_enc_put_bstr(&e, dh_cred.ptr, dh_cred.len);
    }
    count++;
  }

  if (gkdc_cbor_enc_finish(&e, out_len) != GKDC_CBOR_OK)
    return 0;
  *entry_count = count;
  return 1;
}
