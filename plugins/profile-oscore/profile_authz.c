/*
 * POST /authz-info of the OSCORE profile (RFC 9203 section 4): the client
 * posts the access token with nonce1 and its Recipient ID; the server
 * verifies the token (RFC 9200 section 5.10.1.1), picks nonce2 and its own
 * Recipient ID, derives the security context, binds the token to it, asks
 * the KDC for its Token Transfer Response parameters and answers 2.01.
 *
 * A POST protected with an existing context updates its access rights
 * (RFC 9203 section 4.4): the new token names the context's input material
 * by `cnf` {3: id} and replaces the bound token.
 *
 * A token posted again without protection gets a new context, which
 * replaces the one it was bound to once it has verified a request. "The
 * same token" means the same decrypted claims; another token that reuses
 * a cti already seen gets 4.01.
 *
 * Tokens may be COSE_Encrypt0 with a key shared with the AS, with a
 * COSE_Mac0 or a COSE_Sign1 (the AS's public key) nested inside; a bare
 * COSE_Mac0 or COSE_Sign1 only when its cnf names the kid of an existing
 * context, since any other cnf carries the Master Secret.
 */
#include <stdlib.h>
#include <string.h>

#include <gkdc/cbor.h>
#include <gkdc/cose.h>
#include <gkdc/crypto.h>
#include <gkdc/cwt.h>
#include <gkdc/kdc.h>

#include "profile_internal.h"

/* Sizes of nonce2 and of the buffer for the KDC's response pairs. */
#define NONCE2_LEN 8
#define KDC_ENTRIES_MAX 2048

/* Default rate limit of unprotected uploads: per second, and burst. */
#define AUTHZ_RATE_DEFAULT 50
#define AUTHZ_BURST_DEFAULT 100

static int claims_digest(const struct gkdc_crypto *cx, const struct gkdc_cwt_claims *c,
                         uint8_t digest[32]);

/* OAuth error code of RFC 9200 section 5.8.3 sent with 4.00. */
#define OAUTH_ERROR_KEY 30
#define OAUTH_INVALID_REQUEST 1

/* The settings of the plugin's config section and of an as_keys entry. */
static const char *const section_settings[] = {
    "audience", "issuer", "as_keys", "expiry_check_ms", "authz_info_rate",
    "authz_info_burst", NULL};
static const char *const as_key_settings[] = {
    "kid", "key", "public_key", "alg", "time_ms", "lifetime", NULL};

/* Returns 1 when each member of group `node` is named in `known`, or 0
 * after logging the first unknown one with its file and line. */
static int check_setting_names(const struct profile_state *ps, const gkdc_cfg *node,
                               const char *const *known)
{
  size_t i, j;

  for (i = 0; i < gkdc_cfg_count(node); i++) {
    const gkdc_cfg *member = gkdc_cfg_elem0(node, i);
    const char *name = gkdc_cfg_name(member);

    for (j = 0; name != NULL && known[j] != NULL; j++)
      if (strcmp(name, known[j]) == 0)
        break;
    if (name == NULL || known[j] == NULL) {
      profile_log(ps, GKDC_LOG_ERR, "%s: unknown setting '%s'", gkdc_cfg_where(member),
                  name != NULL ? name : "(unnamed)");
      return 0;
    }
  }
  return 1;
}

/*
 * Checks that the key shared with the AS fits the entry's alg: an AEAD
 * that the crypto adapter lists needs a key of its key length (16 bytes
 * for AES-CCM-16-64-128 and AES-CCM-16-128-128). Other algorithms, and
 * algorithms no loaded alg plugin lists, are left to the token check.
 */
static int check_as_key_len(const struct profile_state *ps, const gkdc_cfg *entry,
                            size_t index, const struct as_key *ak)
{
  const struct gkdc_crypto *cx = GKDC_HAS_OP(ps->host, crypto_get0) ? ps->host->crypto_get0()
                                                                     : NULL;
  const struct gkdc_alg_info *info;

  if (ak->alg == 0 || ak->key_len == 0 || cx == NULL)
    return 1;
  info = gkdc_crypto_alg_info_get0(cx, ak->alg);
  if (info == NULL || info->cls != GKDC_ALG_AEAD || info->key_len == ak->key_len)
    return 1;
  profile_log(ps, GKDC_LOG_ERR, "%s: as_keys entry %zu: the key has %zu bytes, but alg %d "
              "(%s) needs %u bytes", gkdc_cfg_where(entry), index + 1, ak->key_len,
              (int)ak->alg, info->name, (unsigned)info->key_len);
  return 0;
}

/* Reads entry number `index` of as_keys into *ak. Returns 1, or 0 after
 * logging an invalid setting. */
static int read_as_key(const struct profile_state *ps, const gkdc_cfg *k, size_t index,
                       struct as_key *ak)
{
  int64_t alg = 0;

  if (!check_setting_names(ps, k, as_key_settings))
    return 0;
  if (!gkdc_cfg_get_hex(k, "key", ak->key, sizeof(ak->key), &ak->key_len))
    ak->key_len = 0;
  if (!gkdc_cfg_get_hex(k, "public_key", ak->pub, sizeof(ak->pub), &ak->pub_len))
    ak->pub_len = 0;
  if (ak->key_len == 0 && ak->pub_len == 0) {
    profile_log(ps, GKDC_LOG_ERR, "%s: as_keys entry needs key = \"hex\" of 1 to 32 bytes "
                "or public_key = \"hex\" of 1 to 65 bytes", gkdc_cfg_where(k));
    return 0;
  }
  if (!gkdc_cfg_get_hex(k, "kid", ak->kid, sizeof(ak->kid), &ak->kid_len))
    ak->kid_len = 0;
  if (gkdc_cfg_get_int(k, "alg", &alg) && (alg < INT32_MIN || alg > INT32_MAX)) {
    profile_log(ps, GKDC_LOG_ERR, "%s: invalid alg", gkdc_cfg_where(k));
    return 0;
  }
  ak->alg = (int32_t)alg;
  if (!check_as_key_len(ps, k, index, ak))
    return 0;
  if (!gkdc_cfg_get_bool(k, "time_ms", &ak->time_ms))
    ak->time_ms = 0;
  if (!gkdc_cfg_get_int(k, "lifetime", &ak->lifetime))
    ak->lifetime = 0;
  if (ak->lifetime < 0 || ak->lifetime > INT32_MAX) {
    profile_log(ps, GKDC_LOG_ERR, "%s: invalid lifetime", gkdc_cfg_where(k));
    return 0;
  }
  return 1;
}

int profile_authz_configure(struct profile_state *ps)
{
  const gkdc_cfg *cfg = GKDC_HAS_OP(ps->host, config_get0) ? ps->host->config_get0(ps->self)
                                                           : NULL;
  const gkdc_cfg *keys;
  size_t i;

  if (cfg != NULL && !check_setting_names(ps, cfg, section_settings))
    return 0;
  if (cfg == NULL || !gkdc_cfg_get_string(cfg, "audience", &ps->audience))
    return 1; /* no /authz-info */
  if (!gkdc_cfg_get_string(cfg, "issuer", &ps->issuer))
    ps->issuer = NULL;

  ps->authz_rate = AUTHZ_RATE_DEFAULT;
  ps->authz_rate_burst = AUTHZ_BURST_DEFAULT;
  gkdc_cfg_get_int(cfg, "authz_info_rate", &ps->authz_rate);
  gkdc_cfg_get_int(cfg, "authz_info_burst", &ps->authz_rate_burst);
  if (ps->authz_rate < 0 || ps->authz_rate_burst < 1 || ps->authz_rate_burst > 1000000) {
    profile_log(ps, GKDC_LOG_ERR, "authz_info_rate must be >= 0 and authz_info_burst 1 to "
                "1000000");
    return 0;
  }

  keys = gkdc_cfg_get0(cfg, "as_keys");
  for (i = 0; keys != NULL && i < gkdc_cfg_count(keys); i++) {
    const gkdc_cfg *k = gkdc_cfg_elem0(keys, i);

    if (ps->as_key_count == PROFILE_MAX_AS_KEYS) {
      profile_log(ps, GKDC_LOG_ERR, "%s: more than %d as_keys", gkdc_cfg_where(k),
                  PROFILE_MAX_AS_KEYS);
      return 0;
    }
    if (!read_as_key(ps, k, i, &ps->as_keys[ps->as_key_count]))
      return 0;
    ps->as_key_count++;
  }
  return 1;
}

/* What the key callback sees of one token. */
struct unwrap_state {
  const struct profile_state *ps;
  int encrypted; /* a COSE_Encrypt0 layer was met */
  const struct as_key *key; /* the last key handed out: the AS's switches */
};

/* Key callback of gkdc_cwt_unwrap(): a key shared with the AS for
 * COSE_Encrypt0 and COSE_Mac0, the AS's public key for COSE_Sign1; by
 * kid, or the only key of that sort when the token names none. */
static int find_as_key(void *arg, const struct gkdc_cwt_key_query *q, const uint8_t **key,
                       size_t *key_len, int32_t *key_alg)
{
  struct unwrap_state *u = arg;
  const struct profile_state *ps = u->ps;
  int sign = q->type == GKDC_COSE_SIGN1;
  size_t i, of_sort = 0;

  if (q->type != GKDC_COSE_ENCRYPT0 && q->type != GKDC_COSE_MAC0 && !sign)
    return 0;
  if (q->type == GKDC_COSE_ENCRYPT0)
    u->encrypted = 1;
  for (i = 0; i < ps->as_key_count; i++)
    of_sort += (sign ? ps->as_keys[i].pub_len : ps->as_keys[i].key_len) > 0;
  for (i = 0; i < ps->as_key_count; i++) {
    const struct as_key *k = &ps->as_keys[i];
    size_t len = sign ? k->pub_len : k->key_len;
    int match = len > 0 &&
                (q->kid.ptr != NULL
                     ? k->kid_len == q->kid.len && memcmp(k->kid, q->kid.ptr, q->kid.len) == 0
                     : of_sort == 1);

    if (match) {
      u->key = k;
      *key = sign ? k->pub : k->key;
      *key_len = len;
      *key_alg = k->alg;
      return 1;
    }
  }
  return 0;
}

/* Sets an error response: 4.00 carries {30: invalid_request}. */
static int reply(struct gkdc_response *resp, uint8_t code)
{
  static const uint8_t invalid_request[] = {0xa1, 0x18, OAUTH_ERROR_KEY,
                                            OAUTH_INVALID_REQUEST};

  if (code == GKDC_CODE(4, 0))
    gkdc_response_set(resp, code, GKDC_CF_ACE_CBOR, invalid_request,
                      sizeof(invalid_request));
  else
    gkdc_response_set(resp, code, GKDC_CF_NONE, NULL, 0);
  return GKDC_HANDLED;
}

static uint8_t *copy_bytes(const uint8_t *p, size_t len)
{
  uint8_t *q = malloc(len > 0 ? len : 1);

  if (q != NULL && len > 0)
    memcpy(q, p, len);
  return q;
}

void profile_bound_token_free(void *p)
{
  struct bound_token *bt = p;

  if (bt == NULL)
    return;
  free(bt->token_id);
  free(bt->scope);
  free(bt->audience);
  if (bt->ms != NULL)
    gkdc_wipe(bt->ms, bt->ms_len);
  free(bt->ms);
  if (bt->salt != NULL)
    gkdc_wipe(bt->salt, bt->salt_len);
  free(bt->salt);
  gkdc_wipe(bt, sizeof(*bt));
  free(bt);
}

/* Keeps the derivation inputs of a context with its token, for the store. */
static int keep_secrets(struct bound_token *bt, struct gkdc_bytes ms, const uint8_t *salt,
                        size_t salt_len, int32_t aead_alg, int32_t hkdf_alg)
{
  bt->ms = copy_bytes(ms.ptr, ms.len);
  bt->ms_len = ms.len;
  bt->salt = copy_bytes(salt, salt_len);
  bt->salt_len = salt_len;
  bt->aead_alg = aead_alg;
  bt->hkdf_alg = hkdf_alg;
  return bt->ms != NULL && bt->salt != NULL;
}

/* Builds the binding of an accepted token: its id (cti, or SHA-256 of the
 * claims), scope, audience and expiry. */
static struct bound_token *bind_token(const struct profile_state *ps,
                                      const struct gkdc_crypto *cx,
                                      const struct gkdc_cwt_claims *c, struct gkdc_bytes osc_id,
                                      int64_t now)
{
  struct bound_token *bt = calloc(1, sizeof(*bt));
  uint8_t digest[GKDC_MAX_HASH_LEN];
  size_t digest_len = sizeof(digest);

  if (bt == NULL)
    return NULL;
  if (osc_id.len > sizeof(bt->osc_id)) {
    free(bt);
    return NULL;
  }
  if (osc_id.len > 0)
    memcpy(bt->osc_id, osc_id.ptr, osc_id.len);
  bt->osc_id_len = osc_id.len;
  if (c->present & GKDC_CWT_HAS_CTI) {
    bt->token_id = copy_bytes(c->cti.ptr, c->cti.len);
    bt->authz.token_id.len = c->cti.len;
  } else if (gkdc_crypto_hash(cx, GKDC_COSE_ALG_SHA256, c->encoded.ptr, c->encoded.len,
                              digest, &digest_len)) {
    bt->token_id = copy_bytes(digest, digest_len);
    bt->authz.token_id.len = digest_len;
  }
  bt->scope = copy_bytes(c->scope.ptr, c->scope.len);
  bt->audience = strdup(ps->audience);
  if (bt->token_id == NULL || bt->scope == NULL || bt->audience == NULL ||
      !(bt->has_digest = claims_digest(cx, c, bt->claims_digest))) {
    profile_bound_token_free(bt);
    return NULL;
  }

  bt->authz.size = sizeof(bt->authz);
  bt->authz.ace_profile = "coap_oscore";
  bt->authz.token_id.ptr = bt->token_id;
  bt->authz.scope.ptr = bt->scope;
  bt->authz.scope.len = c->scope.len;
  bt->authz.audience = bt->audience;
  if (c->present & GKDC_CWT_HAS_EXP)
    bt->authz.expires_at = c->exp;
  else if (c->present & GKDC_CWT_HAS_EXI)
    bt->authz.expires_at = now + (int64_t)c->exi;
  return bt;
}

const struct gkdc_authz *profile_context_authz(const struct gkdc_oscore_ctx *ctx, int64_t now,
                                               int *expired)
{
  const struct bound_token *bt = ctx->user;

  *expired = 0;
  if (bt == NULL)
    return NULL;
  if (bt->authz.expires_at != 0 && now >= bt->authz.expires_at) {
    *expired = 1;
    return NULL;
  }
  return &bt->authz;
}

/* The kid of a cnf map {3: kid}, the only method an update may use. */
static int cnf_kid(struct gkdc_bytes cnf, struct gkdc_bytes *kid)
{
  struct gkdc_cbor_dec d, v;
  size_t pairs;

  return gkdc_cbor_dec_init(&d, cnf.ptr, cnf.len, NULL) == GKDC_CBOR_OK &&
         gkdc_cbor_dec_enter_map(&d, &pairs) && pairs == 1 &&
         gkdc_cbor_dec_map_find_int(&d, GKDC_CNF_KID, &v) && gkdc_cbor_dec_get_bstr(&v, kid);
}

/* Rounds a time claim in milliseconds down to seconds. */
static int64_t ms_to_s(int64_t v)
{
  return v >= 0 ? v / 1000 : -((-v + 999) / 1000);
}

/*
 * The interop switches of the AS whose key opened the token, off by
 * default: time claims in milliseconds become seconds (exi rounded up),
 * and a token without exp and exi gets exp = now + lifetime.
 */
static void apply_as_switches(const struct as_key *k, int64_t now, struct gkdc_cwt_claims *c)
{
  if (k == NULL)
    return;
  if (k->time_ms) {
    c->exp = ms_to_s(c->exp);
    c->nbf = ms_to_s(c->nbf);
    c->iat = ms_to_s(c->iat);
    c->exi = c->exi / 1000 + (c->exi % 1000 != 0);
  }
  if (k->lifetime > 0 && !(c->present & (GKDC_CWT_HAS_EXP | GKDC_CWT_HAS_EXI))) {
    c->exp = now + k->lifetime;
    c->present |= GKDC_CWT_HAS_EXP;
  }
}

/* SHA-256 of the decrypted claims, which tells a token posted again from
 * another token with the same cti. */
static int claims_digest(const struct gkdc_crypto *cx, const struct gkdc_cwt_claims *c,
                         uint8_t digest[32])
{
  uint8_t d[GKDC_MAX_HASH_LEN];
  size_t d_len = sizeof(d);

  if (!gkdc_crypto_hash(cx, GKDC_COSE_ALG_SHA256, c->encoded.ptr, c->encoded.len, d, &d_len) ||
      d_len != 32)
    return 0;
  memcpy(digest, d, 32);
  return 1;
}

/* Returns 1 when a live context or the store holds another token with
 * the cti of `c`. */
static int cti_reused(struct profile_state *ps, const struct gkdc_crypto *cx,
                      const struct gkdc_cwt_claims *c)
{
  uint8_t digest[32];
  size_t i;

  if (!(c->present & GKDC_CWT_HAS_CTI))
    return 0; /* the token's id is the digest of its claims */
  if (!claims_digest(cx, c, digest))
    return 1;
  for (i = 0; i < gkdc_oscore_ctxset_count(ps->contexts); i++) {
    const struct bound_token *bt = gkdc_oscore_ctxset_get0(ps->contexts, i)->user;

    if (bt != NULL && bt->has_digest && bt->authz.token_id.len == c->cti.len &&
        memcmp(bt->authz.token_id.ptr, c->cti.ptr, c->cti.len) == 0 &&
        memcmp(bt->claims_digest, digest, sizeof(digest)) != 0)
      return 1;
  }
  return profile_store_cti_reused(ps, c->cti, c->encoded);
}

/* Verifies the token and checks its claims; returns 0 and the response
 * code on failure. */
static int verify_token(struct profile_state *ps, const struct gkdc_crypto *cx,
                        struct gkdc_bytes token, int64_t now, uint8_t *work, size_t work_len,
                        struct gkdc_cwt_claims *c, uint8_t *code)
{
  struct unwrap_state u = {ps, 0, NULL};
  enum gkdc_cose_err err;
  struct gkdc_bytes kid;

  err = gkdc_cwt_unwrap(cx, token.ptr, token.len, GKDC_COSE_ENCRYPT0, find_as_key, &u, work,
                        work_len, c, NULL);
  if (err != GKDC_COSE_OK) {
    profile_log_limited(ps, PROFILE_LOG_TOKEN_INVALID, GKDC_LOG_INFO,
                        "/authz-info: token rejected: %s", gkdc_cose_err_str(err));
    *code = err == GKDC_COSE_ERR_CBOR || err == GKDC_COSE_ERR_STRUCTURE ? GKDC_CODE(4, 0)
                                                                        : GKDC_CODE(4, 1);
    return 0;
  }

  apply_as_switches(u.key, now, c);

  /* A token that carries a Master Secret must be encrypted for the RS
   * (RFC 9200 section 6.1); a MACed one would have shown it on the way.
   * A bare COSE_Mac0 is fine for a cnf that only names the kid of an
   * existing context (an access-rights update, RFC 9203 section 4.4). */
  if (!u.encrypted && !((c->present & GKDC_CWT_HAS_CNF) && cnf_kid(c->cnf, &kid))) {
    profile_log_limited(ps, PROFILE_LOG_NOT_ENCRYPTED, GKDC_LOG_INFO,
                        "/authz-info: token rejected: not encrypted");
    *code = GKDC_CODE(4, 1);
    return 0;
  }

  /* RFC 9200 section 5.10.1.1: issuer, lifetime, audience, scope. */
  if (ps->issuer != NULL &&
      (!(c->present & GKDC_CWT_HAS_ISS) || c->iss.len != strlen(ps->issuer) ||
       memcmp(c->iss.ptr, ps->issuer, c->iss.len) != 0)) {
    *code = GKDC_CODE(4, 1);
    return 0;
  }
  if (!gkdc_cwt_time_valid(c, now)) {
    *code = GKDC_CODE(4, 1);
    return 0;
  }
  if (!gkdc_cwt_aud_contains(c, ps->audience)) {
    *code = GKDC_CODE(4, 3);
    return 0;
  }
  if (!(c->present & GKDC_CWT_HAS_SCOPE) || !(c->present & GKDC_CWT_HAS_CNF)) {
    *code = GKDC_CODE(4, 0);
    return 0;
  }
  /* A token with exi needs a cti whose sequence number is not expired. */
  if ((c->present & GKDC_CWT_HAS_EXI) && !profile_store_cti_check(ps, c)) {
    *code = GKDC_CODE(4, 1);
    return 0;
  }
  /* Another token with a cti already seen (RFC 9200 section 5.10.1.1). */
  if (cti_reused(ps, cx, c)) {
    profile_log_limited(ps, PROFILE_LOG_CTI_REUSED, GKDC_LOG_INFO,
                        "/authz-info: token rejected: its cti was used by another token");
    *code = GKDC_CODE(4, 1);
    return 0;
  }
  return 1;
}

/* Asks the KDC for its Token Transfer Response pairs. Returns 1 (with no
 * pairs when no KDC is loaded), or 0 when the KDC failed. */
static int kdc_pairs(struct profile_state *ps, const struct gkdc_authz *authz,
                     const struct gkdc_request *req, uint8_t *entries, size_t *entries_len,
                     size_t *count)
{
  struct gkdc_provider prov;
  const struct gkdc_kdc_ops *kdc;
  struct gkdc_kdc_token_transfer tt;
  int err = 0;

  *count = 0;
  if (!GKDC_HAS_OP(ps->host, get_kdc) || !ps->host->get_kdc(&prov)) {
    *entries_len = 0;
    return 1;
  }
  kdc = prov.ops;
  if (!GKDC_HAS_OP(kdc, token_transfer)) {
    *entries_len = 0;
    return 1;
  }
  memset(&tt, 0, sizeof(tt));
  tt.size = sizeof(tt);
  tt.authz = authz;
  tt.request_map = req->payload;
  tt.request_map_len = req->payload_len;
  if (!kdc->token_transfer(prov.state, &tt, entries, entries_len, count, &err)) {
    profile_log(ps, GKDC_LOG_ERR, "/authz-info: the KDC's token transfer failed (error %d)",
                err);
    return 0;
  }
  return 1;
}

void profile_authz_replace_reposted(struct profile_state *ps, struct gkdc_oscore_ctx *ctx)
{
  struct bound_token *bt = ctx->user;
  size_t i = 0;

  if (bt == NULL)
    return;
  bt->replaces_pending = 0;
  while (i < gkdc_oscore_ctxset_count(ps->contexts)) {
    struct gkdc_oscore_ctx *other = gkdc_oscore_ctxset_get0(ps->contexts, i);
    const struct bound_token *obt = other->user;

    if (other != ctx && obt != NULL &&
        obt->authz.token_id.len == bt->authz.token_id.len &&
        memcmp(obt->authz.token_id.ptr, bt->authz.token_id.ptr, bt->authz.token_id.len) == 0) {
      profile_log(ps, GKDC_LOG_INFO, "/authz-info: a reposted token replaces its context");
      /* The observations under the old context end with it: each gets
       * an unprotected 4.01, so the client registers again under the new
       * context, and no notification goes out under the old one. */
      profile_observe_end_ctx(ps, other);
      profile_store_forget_ctx(ps, other);
      gkdc_oscore_ctxset_remove(ps->contexts, other);
      continue;
    }
    i++;
  }
}

void profile_authz_drop_pending(struct profile_state *ps, const struct gkdc_oscore_ctx *ctx)
{
  const struct bound_token *bt = ctx->user;
  size_t i = 0;

  if (bt == NULL)
    return;
  while (i < gkdc_oscore_ctxset_count(ps->contexts)) {
    struct gkdc_oscore_ctx *other = gkdc_oscore_ctxset_get0(ps->contexts, i);
    const struct bound_token *obt = other->user;

    if (other != ctx && obt != NULL && obt->replaces_pending &&
        obt->authz.token_id.len == bt->authz.token_id.len &&
        memcmp(obt->authz.token_id.ptr, bt->authz.token_id.ptr, bt->authz.token_id.len) == 0) {
      profile_log(ps, GKDC_LOG_DEBUG, "/authz-info: a reposted token drops its unverified "
                  "context");
      profile_observe_drop_ctx(ps, other);
      profile_store_forget_ctx(ps, other);
      gkdc_oscore_ctxset_remove(ps->contexts, other);
      continue;
    }
    i++;
  }
}

int profile_authz_has_sibling(const struct profile_state *ps, const struct gkdc_oscore_ctx *ctx)
{
  const struct bound_token *bt = ctx->user;
  size_t i;

  if (bt == NULL)
    return 0;
  for (i = 0; i < gkdc_oscore_ctxset_count(ps->contexts); i++) {
    const struct gkdc_oscore_ctx *other = gkdc_oscore_ctxset_get0(ps->contexts, i);
    const struct bound_token *obt = other->user;

    if (other != ctx && obt != NULL && obt->authz.token_id.len == bt->authz.token_id.len &&
        memcmp(obt->authz.token_id.ptr, bt->authz.token_id.ptr, bt->authz.token_id.len) == 0)
      return 1;
  }
  return 0;
}

/* The bucket of the peer's IP address ("ip:port" without the port),
 * taking a free or the least recently used one for a new address. */
static struct authz_bucket *rate_bucket(struct profile_state *ps, const struct gkdc_peer *peer)
{
  const char *addr = peer != NULL && peer->address != NULL ? peer->address : "";
  const char *colon = strrchr(addr, ':');
  size_t len = colon != NULL ? (size_t)(colon - addr) : strlen(addr), i;
  struct authz_bucket *b, *victim = &ps->authz_buckets[0];

  if (len >= sizeof(victim->ip))
    len = sizeof(victim->ip) - 1;
  for (i = 0; i < PROFILE_RATE_BUCKETS; i++) {
    b = &ps->authz_buckets[i];
    if (b->last_ms != 0 && strlen(b->ip) == len && memcmp(b->ip, addr, len) == 0)
      return b;
    if (b->last_ms < victim->last_ms)
      victim = b; /* a free bucket has last_ms 0 */
  }
  memset(victim, 0, sizeof(*victim));
  memcpy(victim->ip, addr, len);
  victim->tokens_milli = ps->authz_rate_burst * 1000;
  return victim;
}

/*
 * Takes one upload from the peer's bucket. Returns 0 when it is empty:
 * the upload then gets 5.03 before any decryption.
 */
static int rate_take(struct profile_state *ps, const struct gkdc_peer *peer)
{
  uint64_t now = GKDC_HAS_OP(ps->host, monotonic_ms) ? ps->host->monotonic_ms() : 0;
  int64_t cap = ps->authz_rate_burst * 1000;
  struct authz_bucket *b;

  if (ps->authz_rate == 0)
    return 1;
  b = rate_bucket(ps, peer);
  if (b->last_ms != 0 && now > b->last_ms) {
    uint64_t elapsed = now - b->last_ms;

    /* One upload per 1000/rate ms, in thousandths of an upload. */
    if (elapsed > (uint64_t)cap)
      elapsed = (uint64_t)cap;
    b->tokens_milli += (int64_t)elapsed * ps->authz_rate;
    if (b->tokens_milli > cap)
      b->tokens_milli = cap;
  }
  b->last_ms = now != 0 ? now : 1;
  if (b->tokens_milli < 1000)
    return 0;
  b->tokens_milli -= 1000;
  return 1;
}

/* The steps after the token verified: context, binding, KDC, response. */
static int accept_token(struct profile_state *ps, const struct gkdc_crypto *cx,
                        const struct gkdc_request *req, const struct gkdc_oscore_authz_info *a,
                        const struct gkdc_cwt_claims *c, int64_t now,
                        struct gkdc_response *resp)
{
  struct gkdc_oscore_input_material m;
  struct gkdc_bytes osc, n2, id2;
  uint8_t nonce2[NONCE2_LEN], server_id[GKDC_OSCORE_MAX_ID_LEN], out[KDC_ENTRIES_MAX + 64];
  uint8_t *entries = NULL;
  size_t id2_len, entries_len = KDC_ENTRIES_MAX, count, out_len;
  struct gkdc_oscore_ctx *ctx;
  struct bound_token *bt;
  uint8_t salt[3 * (9 + 255)];
  size_t salt_len;

  /* The osc material, ID lengths and fresh values. */
  if (gkdc_oscore_cnf_osc(c->cnf.ptr, c->cnf.len, &osc) != GKDC_OSCORE_OK ||
      gkdc_oscore_input_material_parse(osc.ptr, osc.len, &m) != GKDC_OSCORE_OK)
    return reply(resp, GKDC_CODE(4, 0));
  if (!gkdc_crypto_random(cx, nonce2, sizeof(nonce2)) ||
      !gkdc_oscore_pick_recipient_id(ps->contexts, a->client_recipient_id.ptr,
                                     a->client_recipient_id.len, sizeof(server_id),
                                     server_id, &id2_len))
    return reply(resp, GKDC_CODE(5, 0));
  n2.ptr = nonce2;
  n2.len = sizeof(nonce2);
  id2.ptr = server_id;
  id2.len = id2_len;

  /* An ID1 too long for the AEAD, or equal to ID2, gives no context. */
  ctx = gkdc_oscore_ace_derive(cx, &m, a->nonce1, n2, a->client_recipient_id, id2,
                               GKDC_OSCORE_ACE_SERVER);
  if (ctx == NULL)
    return reply(resp, GKDC_CODE(4, 0));
  bt = bind_token(ps, cx, c, m.id, now);
  if (bt == NULL ||
      !gkdc_oscore_ace_master_salt(m.has_salt, m.salt.ptr, m.salt.len, a->nonce1.ptr,
                                   a->nonce1.len, nonce2, sizeof(nonce2), salt, sizeof(salt),
                                   &salt_len) ||
      !keep_secrets(bt, m.ms, salt, salt_len, ctx->aead_alg, m.hkdf_alg)) {
    gkdc_wipe(salt, sizeof(salt));
    profile_bound_token_free(bt);
    gkdc_oscore_ctx_free(ctx);
    return reply(resp, GKDC_CODE(5, 0));
  }
  gkdc_wipe(salt, sizeof(salt));
  bt->authz.profile_data = ctx;
  ctx->user = bt;
  ctx->user_free = profile_bound_token_free;
  if (!gkdc_oscore_ctxset_add(ps->contexts, ctx)) {
    gkdc_oscore_ctx_free(ctx);
    return reply(resp, GKDC_CODE(5, 0));
  }

  /* A repost of the same token replaces the context it was bound to
   * (RFC 9203 section 4.4), but only once the new context has verified a
   * request: until then the client may still use the old one. A token
   * keeps at most one such pending context, so reposts cannot fill the
   * memory and the store: the new one takes the place of the older.
   * NOTE: the store does not keep which context is pending, so after a
   * restart a token may have a third context until one of them ends. */
  profile_authz_drop_pending(ps, ctx);
  bt->replaces_pending = profile_authz_has_sibling(ps, ctx);

  /* The token and the context are durable before the 2.01 announces them. */
  if (!profile_store_save(ps, ctx, a->access_token, c)) {
    gkdc_oscore_ctxset_remove(ps->contexts, ctx);
    return reply(resp, GKDC_CODE(5, 0));
  }

  entries = malloc(KDC_ENTRIES_MAX);
  if (entries == NULL || !kdc_pairs(ps, &bt->authz, req, entries, &entries_len, &count) ||
      !gkdc_oscore_authz_info_response(nonce2, sizeof(nonce2), server_id, id2_len, entries,
                                       entries_len, count, out, sizeof(out), &out_len)) {
    gkdc_oscore_ctxset_remove(ps->contexts, ctx);
    free(entries);
    return reply(resp, GKDC_CODE(5, 0));
  }
  free(entries);

  profile_log_limited(ps, PROFILE_LOG_TOKEN_ACCEPTED, GKDC_LOG_INFO,
                      "/authz-info: token accepted, context with %zu-byte IDs", id2_len);
  gkdc_response_set(resp, GKDC_CODE(2, 1), GKDC_CF_ACE_CBOR, out, out_len);
  return GKDC_HANDLED;
}

/*
 * Updates the access rights of the context that protected the request
 * (RFC 9203 section 4.4): the token's cnf must be {3: id} with the `id` of
 * the context's input material. Any nonce or ID in the payload is ignored.
 * The new token replaces the bound one and the KDC moves the memberships
 * to it; the 2.01 (protected by the caller) carries the KDC's pairs, if
 * any.
 */
static int update_token(struct profile_state *ps, const struct gkdc_crypto *cx,
                        const struct gkdc_request *req, struct gkdc_bytes raw,
                        const struct gkdc_cwt_claims *c, int64_t now,
                        struct gkdc_response *resp)
{
  const struct gkdc_authz *old_authz = req->peer->authz;
  struct gkdc_oscore_ctx *ctx = old_authz != NULL ? old_authz->profile_data : NULL;
  struct bound_token *old, *bt;
  struct gkdc_bytes kid, osc_id;
  struct gkdc_provider prov;
  const struct gkdc_kdc_ops *kdc;
  uint8_t entries[KDC_ENTRIES_MAX], out[KDC_ENTRIES_MAX + 8];
  size_t entries_len = sizeof(entries), count, out_len;
  struct gkdc_cbor_enc e;

  if (ctx == NULL || ctx->user == NULL)
    return reply(resp, GKDC_CODE(4, 1));
  old = ctx->user;
  if (!cnf_kid(c->cnf, &kid) || kid.len != old->osc_id_len ||
      memcmp(kid.ptr, old->osc_id, kid.len) != 0)
    return reply(resp, GKDC_CODE(4, 1));

  osc_id.ptr = old->osc_id;
  osc_id.len = old->osc_id_len;
  bt = bind_token(ps, cx, c, osc_id, now);
  if (bt == NULL) {
    return reply(resp, GKDC_CODE(5, 0));
  }
  osc_id.ptr = old->ms;
  osc_id.len = old->ms_len;
  if (!keep_secrets(bt, osc_id, old->salt, old->salt_len, old->aead_alg, old->hkdf_alg)) {
    profile_bound_token_free(bt);
    return reply(resp, GKDC_CODE(5, 0));
  }
  bt->authz.profile_data = ctx;
  if (!kdc_pairs(ps, &bt->authz, req, entries, &entries_len, &count)) {
    profile_bound_token_free(bt);
    return reply(resp, GKDC_CODE(5, 0));
  }

  /* The KDC moves the memberships of the old token to the new one. */
  if (GKDC_HAS_OP(ps->host, get_kdc) && ps->host->get_kdc(&prov)) {
    kdc = prov.ops;
    if (GKDC_HAS_OP(kdc, token_end))
      kdc->token_end(prov.state, old->authz.token_id, GKDC_TOKEN_REPLACED, &bt->authz);
  }
  ctx->user = bt;
  if (!profile_store_token(ps, ctx, raw, c)) {
    profile_bound_token_free(old);
    return reply(resp, GKDC_CODE(5, 0));
  }
  profile_store_forget(ps, old);
  profile_bound_token_free(old);
  profile_log(ps, GKDC_LOG_INFO, "/authz-info: access rights of a context updated");

  if (count == 0) {
    gkdc_response_set(resp, GKDC_CODE(2, 1), GKDC_CF_NONE, NULL, 0);
    return GKDC_HANDLED;
  }
  gkdc_cbor_enc_init(&e, out, sizeof(out));
  gkdc_cbor_enc_put_map(&e, count);
  gkdc_cbor_enc_put_raw(&e, entries, entries_len);
  if (gkdc_cbor_enc_finish(&e, &out_len) != GKDC_CBOR_OK)
    return reply(resp, GKDC_CODE(5, 0));
  gkdc_response_set(resp, GKDC_CODE(2, 1), GKDC_CF_ACE_CBOR, out, out_len);
  return GKDC_HANDLED;
}

int profile_authz_info(void *arg, const struct gkdc_request *req, struct gkdc_response *resp)
{
  struct profile_state *ps = arg;
  const struct gkdc_crypto *cx;
  struct gkdc_oscore_authz_info a;
  struct gkdc_cwt_claims claims;
  uint8_t *work = NULL;
  int64_t now;
  uint8_t code;
  int result;

  int update = req->peer != NULL && req->peer->transport == GKDC_TRANSPORT_OSCORE;

  if (req->method != GKDC_POST)
    return reply(resp, GKDC_CODE(4, 5));
  if (!update && !rate_take(ps, req->peer)) {
    profile_log_limited(ps, PROFILE_LOG_RATE_LIMITED, GKDC_LOG_INFO,
                        "/authz-info: rate limit reached; answering 5.03");
    gkdc_response_set(resp, GKDC_CODE(5, 3), GKDC_CF_NONE, NULL, 0);
    resp->max_age = 1;
    return GKDC_HANDLED;
  }
  if (req->content_format != GKDC_CF_ACE_CBOR ||
      gkdc_oscore_authz_info_parse(req->payload, req->payload_len, &a) != GKDC_OSCORE_OK ||
      a.access_token.len > PROFILE_MAX_TOKEN)
    return reply(resp, GKDC_CODE(4, 0));
  /* A new context needs nonce1 and the client's Recipient ID. */
  if (!update && (!a.has_nonce1 || a.nonce1.len == 0 || !a.has_client_recipient_id))
    return reply(resp, GKDC_CODE(4, 0));

  cx = GKDC_HAS_OP(ps->host, crypto_get0) ? ps->host->crypto_get0() : NULL;
  now = GKDC_HAS_OP(ps->host, now) ? ps->host->now() : 0;
  work = malloc(a.access_token.len);
  if (cx == NULL || work == NULL) {
    free(work);
    return reply(resp, GKDC_CODE(5, 0));
  }

  if (!verify_token(ps, cx, a.access_token, now, work, a.access_token.len, &claims, &code))
    result = reply(resp, code);
  else if (update)
    result = update_token(ps, cx, req, a.access_token, &claims, now, resp);
  else
    result = accept_token(ps, cx, req, &a, &claims, now, resp);

  /* The decrypted claims contain the Master Secret. */
  gkdc_wipe(work, a.access_token.len);
  free(work);
  return result;
}

int profile_authz_info_match(void *st, const struct gkdc_request *req)
{
  struct gkdc_oscore_authz_info a;

  (void)st;
  if (req->method != GKDC_POST)
    return 0;
  /* Protected uploads come from this profile's contexts. */
  if (req->peer != NULL && req->peer->transport == GKDC_TRANSPORT_OSCORE)
    return 1;
  /* Unprotected ones carry this profile's nonce1. */
  return req->content_format == GKDC_CF_ACE_CBOR &&
         gkdc_oscore_authz_info_parse(req->payload, req->payload_len, &a) == GKDC_OSCORE_OK &&
         a.has_nonce1;
}

int profile_authz_lookup(void *st, const struct gkdc_peer *peer, const struct gkdc_authz **out)
{
  struct profile_state *ps = st;
  struct gkdc_oscore_ctx *ctx;
  int expired;

  if (peer == NULL || peer->transport != GKDC_TRANSPORT_OSCORE ||
      gkdc_oscore_ctxset_find(ps->contexts, peer->identity.ptr, peer->identity.len, 0, NULL, 0,
                              &ctx) != GKDC_OSCORE_OK)
    return 0;
  *out = profile_context_authz(ctx, GKDC_HAS_OP(ps->host, now) ? ps->host->now() : 0,
                               &expired);
  return *out != NULL;
}
