/*
 * Persistence of the OSCORE profile's tokens and security contexts in the
 * store plugin, so that after a restart no nonce is reused and every
 * bound token still authorizes its client.
 *
 * Nonces: each stored context has a Sender Sequence Number bound (RFC 8613
 * Appendix B.1.1). The bound is raised by PROFILE_SSN_STEP before the
 * context uses a number at or above it, and a restart continues at the
 * stored bound.
 *
 * Replay windows: the store keeps a window only from a controlled
 * shutdown. At start it is used once and erased, so a crash later leaves
 * no stale window behind; a context without one recovers with the Echo
 * option (Appendix B.1.2).
 */
#include <stdlib.h>
#include <string.h>

#include <gkdc/cwt.h>
#include <gkdc/store.h>

#include "profile_internal.h"

/* The store, or 0 when none is loaded. */
static int get_store(const struct profile_state *ps, struct gkdc_provider *out)
{
  return GKDC_HAS_OP(ps->host, get_store) && ps->host->get_store(out);
}

static void log_store_error(const struct profile_state *ps, const struct gkdc_provider *store,
                            const char *what)
{
  const struct gkdc_store_ops *ops = store->ops;

  profile_log(ps, GKDC_LOG_ERR, "store: %s failed: %s", what,
              GKDC_HAS_OP(ops, last_error_detail) ? ops->last_error_detail(store->state)
                                                  : "no detail");
}

/* Fills a store context record from a live context and its token. */
static void oscctx_record(const struct gkdc_oscore_ctx *ctx, const struct bound_token *bt,
                          uint64_t ssn_bound, struct gkdc_store_oscctx *r)
{
  memset(r, 0, sizeof(*r));
  r->size = sizeof(*r);
  r->has_id_context = (uint32_t)ctx->has_id_context;
  r->token_id = bt->authz.token_id;
  r->sender_id.ptr = ctx->sender_id;
  r->sender_id.len = ctx->sender_id_len;
  r->recipient_id.ptr = ctx->recipient_id;
  r->recipient_id.len = ctx->recipient_id_len;
  r->id_context.ptr = ctx->id_context;
  r->id_context.len = ctx->id_context_len;
  r->master_secret.ptr = bt->ms;
  r->master_secret.len = bt->ms_len;
  r->master_salt.ptr = bt->salt;
  r->master_salt.len = bt->salt_len;
  r->aead_alg = bt->aead_alg;
  r->hkdf_alg = bt->hkdf_alg;
  r->ssn_bound = ssn_bound;
}

/* Length of the sequence number at the end of an exi token's cti. */
#define CTI_SEQ_LEN 8

/* Longest decimal sequence number of the text form (fits in 63 bits). */
#define CTI_TEXT_DIGITS_MAX 18

/*
 * The text form of the Java AS: the UTF-8 name of the RS (its audience)
 * followed by a decimal sequence number, for example "rs20" for the
 * first exi token issued for "rs2". The issuer part is the audience.
 */
static int split_cti_text(const struct gkdc_cwt_claims *c, const char *audience,
                          struct gkdc_bytes *issuer, uint64_t *seq)
{
  size_t aud_len = audience != NULL ? strlen(audience) : 0, i;

  if (aud_len == 0 || c->cti.len <= aud_len || c->cti.len - aud_len > CTI_TEXT_DIGITS_MAX ||
      memcmp(c->cti.ptr, audience, aud_len) != 0)
    return 0;
  *seq = 0;
  for (i = aud_len; i < c->cti.len; i++) {
    if (c->cti.ptr[i] < '0' || c->cti.ptr[i] > '9')
      return 0;
    *seq = *seq * 10 + (uint64_t)(c->cti.ptr[i] - '0');
  }
  issuer->ptr = c->cti.ptr;
  issuer->len = aud_len;
  return 1;
}

/*
 * Splits the cti of an exi token into issuer and sequence number: the
 * text form of the Java AS when the cti is `audience` followed by
 * digits, otherwise the binary form of RFC 9200 section 5.10.3 (an RS
 * identifier followed by an 8-byte big-endian sequence number).
 */
static int split_cti(const struct gkdc_cwt_claims *c, const char *audience,
                     struct gkdc_bytes *issuer, uint64_t *seq)
{
  size_t i;

  if (!(c->present & GKDC_CWT_HAS_EXI) || !(c->present & GKDC_CWT_HAS_CTI))
    return 0;
  if (split_cti_text(c, audience, issuer, seq))
    return 1;
  if (c->cti.len <= CTI_SEQ_LEN)
    return 0;
  issuer->ptr = c->cti.ptr;
  issuer->len = c->cti.len - CTI_SEQ_LEN;
  *seq = 0;
  for (i = issuer->len; i < c->cti.len; i++)
    *seq = (*seq << 8) | c->cti.ptr[i];
  return 1;
}

/* Fills a store token record. */
static void token_record(const struct bound_token *bt, struct gkdc_bytes raw,
                         const struct gkdc_cwt_claims *c, int64_t now,
                         struct gkdc_store_token *t)
{
  memset(t, 0, sizeof(*t));
  t->size = sizeof(*t);
  t->token_id = bt->authz.token_id;
  t->ace_profile = bt->authz.ace_profile;
  t->audience = bt->authz.audience;
  t->scope = bt->authz.scope;
  t->raw = raw;
  t->claims = c->encoded;
  t->cnf_kid.ptr = bt->osc_id;
  t->cnf_kid.len = bt->osc_id_len;
  t->exp = (c->present & GKDC_CWT_HAS_EXP) ? c->exp : 0;
  t->exi = (c->present & GKDC_CWT_HAS_EXI) ? (int64_t)c->exi : 0;
  t->received = now;
  if (split_cti(c, bt->audience, &t->cti_issuer, &t->cti_seq))
    t->flags |= GKDC_STORE_TOKEN_HAS_CTI_SEQ;
}

/* Reads back the expiry the store computed: an exi lifetime counts from
 * the first receipt of the token, also when it is posted again. */
static void read_expiry(const struct gkdc_provider *store, struct bound_token *bt)
{
  const struct gkdc_store_ops *ops = store->ops;
  struct gkdc_store_token *t = NULL;

  if (!GKDC_HAS_OP(ops, token_get) ||
      !ops->token_get(store->state, bt->authz.token_id.ptr, bt->authz.token_id.len, &t))
    return;
  if (t->expires_at != 0)
    bt->authz.expires_at = t->expires_at;
  ops->record_free(store->state, t);
}

static int64_t now_s(const struct profile_state *ps)
{
  return GKDC_HAS_OP(ps->host, now) ? ps->host->now() : 0;
}

int profile_store_save(struct profile_state *ps, struct gkdc_oscore_ctx *ctx,
                       struct gkdc_bytes raw_token, const struct gkdc_cwt_claims *c)
{
  struct gkdc_provider store;
  const struct gkdc_store_ops *ops;
  struct bound_token *bt = ctx->user;
  struct gkdc_store_token t;
  struct gkdc_store_oscctx r;
  uint64_t bound = ctx->ssn + PROFILE_SSN_STEP;

  if (!get_store(ps, &store))
    return 1;
  ops = store.ops;
  if (!GKDC_HAS_OP(ops, token_put) || !GKDC_HAS_OP(ops, oscctx_put))
    return 1;

  token_record(bt, raw_token, c, now_s(ps), &t);
  oscctx_record(ctx, bt, bound, &r);
  if (!ops->token_put(store.state, &t)) {
    log_store_error(ps, &store, "token_put");
    return 0;
  }
  read_expiry(&store, bt);
  if (!ops->oscctx_put(store.state, &r)) {
    log_store_error(ps, &store, "oscctx_put");
    return 0;
  }

  /* From now on every Sender Sequence Number is covered by the store. */
  return gkdc_oscore_ssn_enable(ctx, PROFILE_SSN_STEP) &&
         gkdc_oscore_ssn_persisted(ctx, bound);
}

int profile_store_ssn(struct profile_state *ps, struct gkdc_oscore_ctx *ctx)
{
  struct gkdc_provider store;
  const struct gkdc_store_ops *ops;
  struct gkdc_bytes idc;
  uint64_t bound, stored = 0;

  if (!gkdc_oscore_ssn_wanted(ctx, &bound))
    return 1;
  if (!get_store(ps, &store))
    return 0;
  ops = store.ops;
  if (!GKDC_HAS_OP(ops, oscctx_set_ssn_bound))
    return 0;
  idc.ptr = ctx->id_context;
  idc.len = ctx->id_context_len;
  if (!ops->oscctx_set_ssn_bound(store.state, ctx->recipient_id, ctx->recipient_id_len,
                                 ctx->has_id_context ? &idc : NULL, bound, &stored)) {
    log_store_error(ps, &store, "oscctx_set_ssn_bound");
    return 0;
  }
  return gkdc_oscore_ssn_persisted(ctx, stored > bound ? stored : bound);
}

int profile_store_token(struct profile_state *ps, struct gkdc_oscore_ctx *ctx,
                        struct gkdc_bytes raw_token, const struct gkdc_cwt_claims *c)
{
  struct gkdc_provider store;
  const struct gkdc_store_ops *ops;
  struct bound_token *bt = ctx->user;
  struct gkdc_store_token t;
  struct gkdc_store_oscctx r;

  if (!get_store(ps, &store))
    return 1;
  ops = store.ops;
  if (!GKDC_HAS_OP(ops, token_put) || !GKDC_HAS_OP(ops, oscctx_put))
    return 1;

  /* The stored bound never goes down: oscctx_put keeps the higher one. */
  token_record(bt, raw_token, c, now_s(ps), &t);
  oscctx_record(ctx, bt, ctx->ssn_limit != UINT64_MAX ? ctx->ssn_limit : ctx->ssn, &r);
  if (!ops->token_put(store.state, &t) || !ops->oscctx_put(store.state, &r)) {
    log_store_error(ps, &store, "storing an updated token");
    return 0;
  }
  read_expiry(&store, bt);
  return 1;
}

void profile_store_forget(struct profile_state *ps, const struct bound_token *bt)
{
  struct gkdc_provider store;
  const struct gkdc_store_ops *ops;

  if (bt == NULL || !get_store(ps, &store))
    return;
  ops = store.ops;
  if (GKDC_HAS_OP(ops, token_delete) &&
      !ops->token_delete(store.state, bt->authz.token_id.ptr, bt->authz.token_id.len))
    log_store_error(ps, &store, "token_delete");
}

int profile_store_cti_check(struct profile_state *ps, const struct gkdc_cwt_claims *c)
{
  struct gkdc_provider store;
  const struct gkdc_store_ops *ops;
  struct gkdc_bytes issuer;
  uint64_t seq;
  int result = GKDC_STORE_CTI_ACCEPTED;

  if (!split_cti(c, ps->audience, &issuer, &seq))
    return 0;
  if (!get_store(ps, &store))
    return 1; /* NOTE: without a store, expired exi tokens are not remembered */
  ops = store.ops;
  if (!GKDC_HAS_OP(ops, cti_accept))
    return 1;
  if (!ops->cti_accept(store.state, issuer.ptr, issuer.len, seq, &result)) {
    log_store_error(ps, &store, "cti_accept");
    return 0;
  }
  /* RFC 9203 lets a client post a token again: a replay is accepted. */
  return result == GKDC_STORE_CTI_ACCEPTED || result == GKDC_STORE_CTI_REPLAYED;
}

int profile_store_cti_reused(struct profile_state *ps, struct gkdc_bytes token_id,
                             struct gkdc_bytes claims)
{
  struct gkdc_provider store;
  const struct gkdc_store_ops *ops;
  struct gkdc_store_token *t = NULL;
  int reused = 0;

  if (!get_store(ps, &store))
    return 0;
  ops = store.ops;
  if (!GKDC_HAS_OP(ops, token_get) ||
      !ops->token_get(store.state, token_id.ptr, token_id.len, &t))
    return 0;
  reused = t->claims.len != claims.len ||
           (claims.len > 0 && memcmp(t->claims.ptr, claims.ptr, claims.len) != 0);
  ops->record_free(store.state, t);
  return reused;
}

void profile_store_forget_ctx(struct profile_state *ps, const struct gkdc_oscore_ctx *ctx)
{
  struct gkdc_provider store;
  const struct gkdc_store_ops *ops;
  struct gkdc_bytes id_context;

  if (!get_store(ps, &store))
    return;
  ops = store.ops;
  id_context.ptr = ctx->id_context;
  id_context.len = ctx->id_context_len;
  if (GKDC_HAS_OP(ops, oscctx_delete) &&
      !ops->oscctx_delete(store.state, ctx->recipient_id, ctx->recipient_id_len,
                          ctx->has_id_context ? &id_context : NULL))
    log_store_error(ps, &store, "oscctx_delete");
}

void profile_store_expired(struct profile_state *ps, const struct bound_token *bt)
{
  struct gkdc_provider store;
  const struct gkdc_store_ops *ops;

  if (!get_store(ps, &store))
    return;
  ops = store.ops;
  if (GKDC_HAS_OP(ops, token_purge_expired) &&
      !ops->token_purge_expired(store.state, now_s(ps), NULL))
    log_store_error(ps, &store, "token_purge_expired");
  /* Usually gone with the purge; a token expired by exp alone at this very
   * second is deleted here. */
  if (bt != NULL && GKDC_HAS_OP(ops, token_get) && GKDC_HAS_OP(ops, token_delete)) {
    struct gkdc_store_token *t = NULL;

    if (ops->token_get(store.state, bt->authz.token_id.ptr, bt->authz.token_id.len, &t)) {
      ops->record_free(store.state, t);
      profile_store_forget(ps, bt);
    }
  }
}

/* Builds the bound token of a stored context from its stored token. */
static struct bound_token *load_token(struct profile_state *ps,
                                      const struct gkdc_provider *store,
                                      const struct gkdc_store_oscctx *r)
{
  const struct gkdc_store_ops *ops = store->ops;
  struct gkdc_store_token *t = NULL;
  struct bound_token *bt;

  if (!GKDC_HAS_OP(ops, token_get) ||
      !ops->token_get(store->state, r->token_id.ptr, r->token_id.len, &t))
    return NULL;

  bt = calloc(1, sizeof(*bt));
  if (bt == NULL || t->cnf_kid.len > sizeof(bt->osc_id))
    goto fail;
  bt->token_id = malloc(t->token_id.len);
  bt->scope = malloc(t->scope.len > 0 ? t->scope.len : 1);
  bt->audience = strdup(t->audience != NULL ? t->audience : "");
  bt->ms = malloc(r->master_secret.len);
  bt->salt = malloc(r->master_salt.len > 0 ? r->master_salt.len : 1);
  if (bt->token_id == NULL || bt->scope == NULL || bt->audience == NULL || bt->ms == NULL ||
      bt->salt == NULL)
    goto fail;

  memcpy(bt->token_id, t->token_id.ptr, t->token_id.len);
  if (t->scope.len > 0)
    memcpy(bt->scope, t->scope.ptr, t->scope.len);
  memcpy(bt->ms, r->master_secret.ptr, r->master_secret.len);
  bt->ms_len = r->master_secret.len;
  if (r->master_salt.len > 0)
    memcpy(bt->salt, r->master_salt.ptr, r->master_salt.len);
  bt->salt_len = r->master_salt.len;
  bt->aead_alg = r->aead_alg;
  bt->hkdf_alg = r->hkdf_alg;
  if (t->cnf_kid.len > 0)
    memcpy(bt->osc_id, t->cnf_kid.ptr, t->cnf_kid.len);
  bt->osc_id_len = t->cnf_kid.len;

  bt->authz.size = sizeof(bt->authz);
  bt->authz.ace_profile = "coap_oscore";
  bt->authz.token_id.ptr = bt->token_id;
  bt->authz.token_id.len = t->token_id.len;
  bt->authz.scope.ptr = bt->scope;
  bt->authz.scope.len = t->scope.len;
  bt->authz.audience = bt->audience;
  bt->authz.expires_at = t->expires_at;

  /* The digest that tells a repost of this token from a reused cti. */
  if (GKDC_HAS_OP(ps->host, crypto_get0) && t->claims.len > 0) {
    uint8_t d[GKDC_MAX_HASH_LEN];
    size_t d_len = sizeof(d);

    if (gkdc_crypto_hash(ps->host->crypto_get0(), GKDC_COSE_ALG_SHA256, t->claims.ptr,
                         t->claims.len, d, &d_len) &&
        d_len == sizeof(bt->claims_digest)) {
      memcpy(bt->claims_digest, d, d_len);
      bt->has_digest = 1;
    }
  }
  ops->record_free(store->state, t);
  return bt;

fail:
  profile_bound_token_free(bt);
  ops->record_free(store->state, t);
  return NULL;
}

/* Restores one stored context: derivation, sequence number, window. */
static int load_one(void *arg, const struct gkdc_store_oscctx *r)
{
  struct profile_state *ps = arg;
  struct gkdc_provider store;
  const struct gkdc_store_ops *ops;
  const struct gkdc_crypto *cx = ps->host->crypto_get0();
  struct gkdc_oscore_params p;
  struct gkdc_oscore_replay window;
  struct gkdc_oscore_ctx *ctx;
  struct bound_token *bt;
  struct gkdc_bytes idc;
  int exact = 0;

  if (!get_store(ps, &store))
    return 0;
  ops = store.ops;
  bt = load_token(ps, &store, r);
  if (bt == NULL) {
    profile_log(ps, GKDC_LOG_WARNING, "store: a stored OSCORE context has no token; skipped");
    return 1;
  }

  memset(&p, 0, sizeof(p));
  p.aead_alg = r->aead_alg;
  p.hkdf_alg = r->hkdf_alg;
  p.master_secret.ptr = bt->ms;
  p.master_secret.len = bt->ms_len;
  p.master_salt.ptr = bt->salt;
  p.master_salt.len = bt->salt_len;
  p.has_id_context = (int)r->has_id_context;
  p.id_context = r->id_context;
  p.sender_id = r->sender_id;
  p.recipient_id = r->recipient_id;
  ctx = gkdc_oscore_ctx_new(cx, &p);
  if (ctx == NULL || !gkdc_oscore_ssn_restore(ctx, r->ssn_bound, PROFILE_SSN_STEP)) {
    profile_log(ps, GKDC_LOG_WARNING, "store: cannot derive a stored OSCORE context; skipped");
    gkdc_oscore_ctx_free(ctx);
    profile_bound_token_free(bt);
    return 1;
  }
  bt->authz.profile_data = ctx;
  ctx->user = bt;
  ctx->user_free = profile_bound_token_free;

  /* A window saved at shutdown is used once; without one the context
   * recovers with Echo. */
  if (r->replay_window.len > 0 &&
      gkdc_oscore_replay_decode(r->replay_window.ptr, r->replay_window.len, &window))
    exact = 1;
  if (!gkdc_oscore_replay_restore(&ctx->replay, exact ? &window : &ctx->replay, exact))
    gkdc_oscore_replay_restore(&ctx->replay, &ctx->replay, 0);
  idc.ptr = r->id_context.ptr;
  idc.len = r->id_context.len;
  if (exact && GKDC_HAS_OP(ops, oscctx_set_replay_window))
    ops->oscctx_set_replay_window(store.state, r->recipient_id.ptr, r->recipient_id.len,
                                  r->has_id_context ? &idc : NULL, NULL, 0);

  if (!gkdc_oscore_ctxset_add(ps->contexts, ctx))
    gkdc_oscore_ctx_free(ctx);
  return 1;
}

int profile_store_load(struct profile_state *ps)
{
  struct gkdc_provider store;
  const struct gkdc_store_ops *ops;

  if (!get_store(ps, &store) || !GKDC_HAS_OP(ps->host, crypto_get0))
    return 1;
  ops = store.ops;
  if (!GKDC_HAS_OP(ops, oscctx_list))
    return 1;
  if (!ops->oscctx_list(store.state, load_one, ps)) {
    log_store_error(ps, &store, "oscctx_list");
    return 0;
  }
  profile_log(ps, GKDC_LOG_INFO, "loaded %zu OSCORE contexts from the store",
              gkdc_oscore_ctxset_count(ps->contexts));
  return 1;
}

void profile_store_shutdown(struct profile_state *ps)
{
  struct gkdc_provider store;
  const struct gkdc_store_ops *ops;
  size_t i;

  if (!get_store(ps, &store))
    return;
  ops = store.ops;
  if (!GKDC_HAS_OP(ops, oscctx_set_replay_window))
    return;

  for (i = 0; i < gkdc_oscore_ctxset_count(ps->contexts); i++) {
    const struct gkdc_oscore_ctx *ctx = gkdc_oscore_ctxset_get0(ps->contexts, i);
    uint8_t bytes[GKDC_OSCORE_REPLAY_STATE_LEN];
    struct gkdc_bytes idc;

    if (ctx->user == NULL || !gkdc_oscore_replay_encode(&ctx->replay, bytes))
      continue;
    idc.ptr = ctx->id_context;
    idc.len = ctx->id_context_len;
    if (!ops->oscctx_set_replay_window(store.state, ctx->recipient_id, ctx->recipient_id_len,
                                       ctx->has_id_context ? &idc : NULL, bytes,
                                       sizeof(bytes)))
      log_store_error(ps, &store, "oscctx_set_replay_window");
  }
}
