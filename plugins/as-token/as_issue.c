/*
 * as-token: deciding on a token request and making the token.
 *
 * A token is a CWT in a COSE_Encrypt0 under the key the AS shares with the
 * audience (RFC 9200 section 6.1: a token that carries a symmetric PoP key
 * must be encrypted). Its claims are iss (when configured), aud, exp or exi,
 * iat, cti, scope, cnonce (when the client sent one) and cnf. cnf carries
 * the OSCORE_Input_Material of RFC 9203 section 3.2.1, {4: {0: id, 2: ms,
 * 3: hkdf, 4: alg, 5: salt}}, and the token response carries the same map.
 * A request whose req_cnf names the input material of an earlier token of
 * the same client gets a token with cnf {3: id} instead, and no cnf in the
 * response (update of access rights, RFC 9203 section 4).
 *
 * The cti sequence number and the input material id come from durable
 * counters of the store plugin when one is loaded, so they never repeat
 * across restarts. Without a store they come from in-memory counters that
 * start at a random 62-bit value.
 */
#include <stdio.h>
#include <string.h>

#include <gkdc/cbor.h>
#include <gkdc/cose.h>
#include <gkdc/crypto.h>
#include <gkdc/cwt.h>
#include <gkdc/store.h>

#include "as_internal.h"

/* Writes `v` as `n` big-endian bytes. */
static void put_be(uint8_t *out, uint64_t v, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    out[n - 1 - i] = (uint8_t)(v >> (8 * i));
}

/* ---- scope ---- */

/* One parsed [gname, Tperm] entry of a requested scope. */
struct requested_entry {
  struct gkdc_bytes group;
  uint64_t tperm;
};

/* Parses an AIF scope into `entries` and returns the count. Returns 0 when
 * the scope is not a non-empty array of [tstr, uint] pairs with distinct
 * group names. */
static size_t parse_aif(const uint8_t *scope, size_t len, struct requested_entry *entries)
{
  struct gkdc_cbor_dec d;
  size_t n = 0, i, j;

  if (len == 0 || len > AS_MAX_SCOPE ||
      gkdc_cbor_dec_init(&d, scope, len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_array(&d, &n) || n == 0 || n > AS_MAX_SCOPE_ENTRIES)
    return 0;

  for (i = 0; i < n; i++) {
    size_t pair = 0;

    if (!gkdc_cbor_dec_enter_array(&d, &pair) || pair != 2 ||
        !gkdc_cbor_dec_get_tstr(&d, &entries[i].group) ||
        !gkdc_cbor_dec_get_uint(&d, &entries[i].tperm) || !gkdc_cbor_dec_exit(&d))
      return 0;
    if (entries[i].group.len == 0 || entries[i].group.len > AS_MAX_NAME ||
        entries[i].tperm == 0)
      return 0;
    for (j = 0; j < i; j++) {
      if (entries[j].group.len == entries[i].group.len &&
          memcmp(entries[j].group.ptr, entries[i].group.ptr, entries[i].group.len) == 0)
        return 0;
    }
  }
  if (!gkdc_cbor_dec_exit(&d) || gkdc_cbor_dec_finish(&d) != GKDC_CBOR_OK)
    return 0;
  return n;
}

int as_scope_allowed(const struct as_client *client, const uint8_t *scope, size_t len)
{
  struct requested_entry entries[AS_MAX_SCOPE_ENTRIES];
  size_t n = parse_aif(scope, len, entries), i, j;

  if (n == 0)
    return 0;

  for (i = 0; i < n; i++) {
    const struct as_scope_entry *allowed = NULL;

    for (j = 0; j < client->scope_count; j++) {
      const struct as_scope_entry *s = &client->scope[j];

      if (strlen(s->group) == entries[i].group.len &&
          memcmp(s->group, entries[i].group.ptr, entries[i].group.len) == 0)
        allowed = s;
    }
    if (allowed == NULL || (entries[i].tperm & ~allowed->tperm) != 0)
      return 0;
  }
  return 1;
}

size_t as_scope_encode_allowed(const struct as_client *client, uint8_t *buf, size_t cap)
{
  struct gkdc_cbor_enc e;
  size_t len = 0, i;

  gkdc_cbor_enc_init(&e, buf, cap);
  gkdc_cbor_enc_put_array(&e, client->scope_count);
  for (i = 0; i < client->scope_count; i++) {
    gkdc_cbor_enc_put_array(&e, 2);
    gkdc_cbor_enc_put_tstr_z(&e, client->scope[i].group);
    gkdc_cbor_enc_put_uint(&e, client->scope[i].tperm);
  }
  if (gkdc_cbor_enc_finish(&e, &len) != GKDC_CBOR_OK)
    return 0;
  return len;
}

/* ---- counters ---- */

/* Takes the next value of counter `name`: from the store when one is
 * loaded, else from `*memory`. Returns 1, or 0 when the store fails. */
static int counter_next(struct as_state *st, const char *name, uint64_t *memory,
                        uint64_t *value)
{
  struct gkdc_provider store;
  const struct gkdc_store_ops *ops;

  if (GKDC_HAS_OP(st->host, get_store) && st->host->get_store(&store)) {
    ops = store.ops;
    if (!GKDC_HAS_OP(ops, counter_next) || !ops->counter_next(store.state, name, value)) {
      as_log(st, GKDC_LOG_ERR, "the store failed to advance counter %s: %s", name,
             GKDC_HAS_OP(ops, last_error_detail) ? ops->last_error_detail(store.state)
                                                 : "no counter_next operation");
      return 0;
    }
    return 1;
  }
  *value = (*memory)++;
  return 1;
}

/* ---- issued tokens ---- */

static void remember(struct as_state *st, const uint8_t *cti, size_t cti_len,
                     size_t client, const uint8_t *osc_id, size_t osc_id_len,
                     int64_t expires_at)
{
  struct as_issued *t = &st->issued[st->issued_next];

  memset(t, 0, sizeof(*t));
  memcpy(t->cti, cti, cti_len);
  t->cti_len = cti_len;
  t->client = client;
  memcpy(t->osc_id, osc_id, osc_id_len);
  t->osc_id_len = osc_id_len;
  t->expires_at = expires_at;
  st->issued_next = (st->issued_next + 1) % AS_MAX_ISSUED;
  if (st->issued_count < AS_MAX_ISSUED)
    st->issued_count++;
}

/* The remembered token with this cti, or NULL. */
static struct as_issued *issued_by_cti(struct as_state *st, const uint8_t *cti, size_t len)
{
  size_t i;

  for (i = 0; i < st->issued_count; i++) {
    struct as_issued *t = &st->issued[i];

    if (t->cti_len == len && memcmp(t->cti, cti, len) == 0)
      return t;
  }
  return NULL;
}

/* Returns 1 when a valid token issued to `client` has input material with
 * id `id`. */
static int client_has_osc_id(const struct as_state *st, size_t client,
                             struct gkdc_bytes id, int64_t now)
{
  size_t i;

  for (i = 0; i < st->issued_count; i++) {
    const struct as_issued *t = &st->issued[i];

    if (t->client == client && !t->revoked && now < t->expires_at &&
        t->osc_id_len == id.len && id.len > 0 && memcmp(t->osc_id, id.ptr, id.len) == 0)
      return 1;
  }
  return 0;
}

/* ---- req_cnf ---- */

/*
 * Reads req_cnf. The only form this AS takes is {3: kid}, where kid is the
 * id of the input material of an earlier token (RFC 9203 section 4). A
 * COSE_Key (asymmetric PoP key) is not used by the OSCORE profile.
 */
static int parse_req_cnf(struct gkdc_bytes req_cnf, struct gkdc_bytes *kid, int *err)
{
  struct gkdc_cbor_dec d;
  size_t pairs = 0;
  int64_t method = 0;

  if (gkdc_cbor_dec_init(&d, req_cnf.ptr, req_cnf.len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_map(&d, &pairs) || pairs != 1 ||
      !gkdc_cbor_dec_get_int(&d, &method)) {
    *err = GKDC_AS_ERR_INVALID_REQUEST;
    return 0;
  }
  if (method == GKDC_CNF_COSE_KEY || method == GKDC_CNF_ENCRYPTED_COSE_KEY) {
    *err = GKDC_AS_ERR_UNSUPPORTED_POP_KEY;
    return 0;
  }
  if (method != GKDC_CNF_KID || !gkdc_cbor_dec_get_bstr(&d, kid) || kid->len == 0 ||
      !gkdc_cbor_dec_exit(&d) || gkdc_cbor_dec_finish(&d) != GKDC_CBOR_OK) {
    *err = GKDC_AS_ERR_INVALID_REQUEST;
    return 0;
  }
  return 1;
}

/* ---- the token ---- */

/* Everything a token is made of, decided before anything is encoded. */
struct token_plan {
  const struct as_audience *aud;
  const struct as_client *client;
  size_t client_index;
  const uint8_t *scope;
  size_t scope_len;
  struct gkdc_bytes update_kid; /* ptr non-NULL: cnf {3: kid} */
  struct gkdc_bytes cnonce;
  int64_t now;
  uint8_t cti[AS_MAX_CTI];
  size_t cti_len;
  uint8_t osc_id[8];
  size_t osc_id_len;
  uint8_t ms[AS_MS_LEN];
  uint8_t salt[AS_MAX_SALT];
};

/* Makes the cti from the sequence number (see docs/as-token.md). */
static int make_cti(struct token_plan *p, uint64_t seq)
{
  const struct as_audience *a = p->aud;
  size_t prefix = strlen(a->rs_id);
  int n;

  if (a->cti_format == AS_CTI_JAVA) {
    n = snprintf((char *)p->cti, sizeof(p->cti), "%s%llu", a->rs_id,
                 (unsigned long long)seq);
    if (n < 0 || (size_t)n >= sizeof(p->cti))
      return 0;
    p->cti_len = (size_t)n;
    return 1;
  }
  if (!a->use_exi)
    prefix = 0;
  memcpy(p->cti, a->rs_id, prefix);
  put_be(p->cti + prefix, seq, 8);
  p->cti_len = prefix + 8;
  return 1;
}

/* Encodes cnf, {4: OSCORE_Input_Material} or {3: kid}. */
static void encode_cnf(struct gkdc_cbor_enc *e, const struct token_plan *p)
{
  size_t outer = gkdc_cbor_enc_map_begin(e), inner, pairs = 4;

  if (p->update_kid.ptr != NULL) {
    gkdc_cbor_enc_put_uint(e, GKDC_CNF_KID);
    gkdc_cbor_enc_put_bstr(e, p->update_kid.ptr, p->update_kid.len);
    gkdc_cbor_enc_map_end(e, outer, 1);
    return;
  }

  gkdc_cbor_enc_put_uint(e, GKDC_CNF_OSC);
  inner = gkdc_cbor_enc_map_begin(e);
  gkdc_cbor_enc_put_uint(e, 0); /* id */
  gkdc_cbor_enc_put_bstr(e, p->osc_id, p->osc_id_len);
  gkdc_cbor_enc_put_uint(e, 2); /* ms */
  gkdc_cbor_enc_put_bstr(e, p->ms, sizeof(p->ms));
  gkdc_cbor_enc_put_uint(e, 3); /* hkdf */
  gkdc_cbor_enc_put_int(e, p->aud->osc_hkdf);
  gkdc_cbor_enc_put_uint(e, 4); /* alg */
  gkdc_cbor_enc_put_int(e, p->aud->osc_alg);
  if (p->aud->salt_len > 0) {
    gkdc_cbor_enc_put_uint(e, 5); /* salt */
    gkdc_cbor_enc_put_bstr(e, p->salt, p->aud->salt_len);
    pairs++;
  }
  gkdc_cbor_enc_map_end(e, inner, pairs);
  gkdc_cbor_enc_map_end(e, outer, 1);
}

/* Encodes the claims set into buf; returns its length, or 0. */
static size_t encode_claims(const struct as_state *st, const struct token_plan *p,
                            uint8_t *buf, size_t cap)
{
  const struct as_audience *a = p->aud;
  int64_t unit = a->time_ms ? 1000 : 1;
  struct gkdc_cbor_enc e;
  size_t mark, pairs = 6, len = 0;

  gkdc_cbor_enc_init(&e, buf, cap);
  mark = gkdc_cbor_enc_map_begin(&e);
  if (st->issuer != NULL) {
    gkdc_cbor_enc_put_uint(&e, GKDC_CWT_ISS);
    gkdc_cbor_enc_put_tstr_z(&e, st->issuer);
    pairs++;
  }
  gkdc_cbor_enc_put_uint(&e, GKDC_CWT_AUD);
  gkdc_cbor_enc_put_tstr_z(&e, a->name);
  if (a->use_exi) {
    gkdc_cbor_enc_put_uint(&e, GKDC_CWT_EXI);
    gkdc_cbor_enc_put_uint(&e, (uint64_t)(a->lifetime * unit));
  } else {
    gkdc_cbor_enc_put_uint(&e, GKDC_CWT_EXP);
    gkdc_cbor_enc_put_int(&e, (p->now + a->lifetime) * unit);
  }
  gkdc_cbor_enc_put_uint(&e, GKDC_CWT_IAT);
  gkdc_cbor_enc_put_int(&e, p->now * unit);
  gkdc_cbor_enc_put_uint(&e, GKDC_CWT_CTI);
  gkdc_cbor_enc_put_bstr(&e, p->cti, p->cti_len);
  gkdc_cbor_enc_put_uint(&e, GKDC_CWT_CNF);
  encode_cnf(&e, p);
  gkdc_cbor_enc_put_uint(&e, GKDC_CWT_SCOPE);
  gkdc_cbor_enc_put_bstr(&e, p->scope, p->scope_len);
  if (p->cnonce.len > 0) {
    gkdc_cbor_enc_put_uint(&e, GKDC_CWT_CNONCE);
    gkdc_cbor_enc_put_bstr(&e, p->cnonce.ptr, p->cnonce.len);
    pairs++;
  }
  gkdc_cbor_enc_map_end(&e, mark, pairs);
  if (gkdc_cbor_enc_finish(&e, &len) != GKDC_CBOR_OK)
    return 0;
  return len;
}

/* Checks the request against the client's rights and fills the plan's
 * audience, scope and update_kid. Returns 1, or 0 with *err set. */
static int decide(struct as_state *st, const struct gkdc_as_token_request *req,
                  struct token_plan *p, uint8_t *default_scope, int *err)
{
  size_t i;

  p->client = req->client_id != NULL ? as_client_by_id(st, req->client_id) : NULL;
  if (p->client == NULL) {
    *err = GKDC_AS_ERR_INVALID_CLIENT;
    return 0;
  }
  p->client_index = (size_t)(p->client - st->clients);

  /* The audience: requested, or the client's first. It must be allowed. */
  p->aud = &st->audiences[p->client->audiences[0]];
  if (req->audience != NULL) {
    p->aud = NULL;
    for (i = 0; i < p->client->audience_count; i++) {
      const struct as_audience *a = &st->audiences[p->client->audiences[i]];

      if (strcmp(a->name, req->audience) == 0)
        p->aud = a;
    }
    if (p->aud == NULL) {
      as_log(st, GKDC_LOG_INFO, "client %s: audience '%s' is unknown or not allowed",
             p->client->id, req->audience);
      *err = GKDC_AS_ERR_INVALID_REQUEST;
      return 0;
    }
  }

  if (req->ace_profile > 0 && req->ace_profile != GKDC_ACE_PROFILE_COAP_OSCORE) {
    as_log(st, GKDC_LOG_INFO, "client %s: ace_profile %d requested; only coap_oscore (2) "
           "is issued", p->client->id, (int)req->ace_profile);
    *err = GKDC_AS_ERR_INCOMPATIBLE_ACE_PROFILES;
    return 0;
  }

  /* The scope: requested (a subset of the allowed one), or all allowed. */
  if (req->scope.ptr == NULL) {
    p->scope = default_scope;
    p->scope_len = as_scope_encode_allowed(p->client, default_scope, AS_MAX_SCOPE);
    if (p->scope_len == 0) {
      *err = GKDC_AS_ERR_INTERNAL;
      return 0;
    }
  } else if (req->scope_is_text || !as_scope_allowed(p->client, req->scope.ptr,
                                                     req->scope.len)) {
    as_log(st, GKDC_LOG_INFO, "client %s: requested scope is not allowed",
           p->client->id);
    *err = GKDC_AS_ERR_INVALID_SCOPE;
    return 0;
  } else {
    p->scope = req->scope.ptr;
    p->scope_len = req->scope.len;
  }

  if (req->cnonce.len > AS_MAX_CNONCE) {
    *err = GKDC_AS_ERR_INVALID_REQUEST;
    return 0;
  }
  p->cnonce = req->cnonce;

  if (req->req_cnf.ptr != NULL) {
    if (!parse_req_cnf(req->req_cnf, &p->update_kid, err))
      return 0;
    if (!client_has_osc_id(st, p->client_index, p->update_kid, p->now)) {
      as_log(st, GKDC_LOG_INFO, "client %s: req_cnf names no input material of a valid "
             "token of this client", p->client->id);
      *err = GKDC_AS_ERR_INVALID_REQUEST;
      return 0;
    }
  }
  return 1;
}

/* Draws the counters and the secrets. Returns 1, or 0 with *err set. */
static int draw(struct as_state *st, struct token_plan *p, int *err)
{
  const struct gkdc_crypto *cx = st->host->crypto_get0();
  uint64_t seq, id;

  if (!counter_next(st, GKDC_STORE_COUNTER_AS_CTI_SEQ, &st->next_cti_seq, &seq) ||
      !make_cti(p, seq)) {
    *err = GKDC_AS_ERR_INTERNAL;
    return 0;
  }
  if (p->update_kid.ptr != NULL) {
    memcpy(p->osc_id, p->update_kid.ptr, p->update_kid.len);
    p->osc_id_len = p->update_kid.len;
    return 1;
  }

  /* The input material id is the counter in 8 big-endian bytes; it is
   * unique because the counter never repeats a value. */
  if (!counter_next(st, GKDC_STORE_COUNTER_AS_OSCORE_ID, &st->next_osc_id, &id)) {
    *err = GKDC_AS_ERR_INTERNAL;
    return 0;
  }
  put_be(p->osc_id, id, 8);
  p->osc_id_len = 8;

  if (!gkdc_crypto_random(cx, p->ms, sizeof(p->ms)) ||
      (p->aud->salt_len > 0 && !gkdc_crypto_random(cx, p->salt, p->aud->salt_len))) {
    as_log(st, GKDC_LOG_ERR, "no random bytes for the OSCORE input material");
    *err = GKDC_AS_ERR_INTERNAL;
    return 0;
  }
  return 1;
}

/* Copies `len` bytes to a caller buffer of capacity *cap; returns 0 when
 * they do not fit. */
static int copy_out(uint8_t *dst, size_t *cap, const uint8_t *src, size_t len)
{
  if (len > 0 && (dst == NULL || *cap < len))
    return 0;
  if (len > 0)
    memcpy(dst, src, len);
  *cap = len;
  return 1;
}

int as_token_issue(void *state, const struct gkdc_as_token_request *req,
                   struct gkdc_as_token *out, int *err)
{
  struct as_state *st = state;
  const struct gkdc_crypto *cx = st->host->crypto_get0();
  struct token_plan p;
  uint8_t default_scope[AS_MAX_SCOPE];
  uint8_t claims[AS_MAX_TOKEN], token[AS_MAX_TOKEN], cnf[AS_MAX_CNF];
  size_t claims_len, token_len = sizeof(token), cnf_len = 0;
  struct gkdc_cose_params params;
  struct gkdc_cbor_enc e;
  enum gkdc_cose_err cerr;
  int local_err = GKDC_AS_OK, ok = 0;

  if (err == NULL)
    err = &local_err;
  *err = GKDC_AS_ERR_INTERNAL;
  memset(&p, 0, sizeof(p));
  p.now = GKDC_HAS_OP(st->host, now) ? st->host->now() : 0;
  if (req == NULL || out == NULL)
    goto done;

  if (!decide(st, req, &p, default_scope, err) || !draw(st, &p, err))
    goto done;

  /* The cnf of the response: the same map as the claim, or none for an
   * update of access rights. */
  if (p.update_kid.ptr == NULL) {
    gkdc_cbor_enc_init(&e, cnf, sizeof(cnf));
    encode_cnf(&e, &p);
    if (gkdc_cbor_enc_finish(&e, &cnf_len) != GKDC_CBOR_OK) {
      *err = GKDC_AS_ERR_INTERNAL;
      goto done;
    }
  }

  claims_len = encode_claims(st, &p, claims, sizeof(claims));
  memset(&params, 0, sizeof(params));
  params.alg = p.aud->alg;
  params.kid.ptr = p.aud->kid_len > 0 ? p.aud->kid : NULL;
  params.kid.len = p.aud->kid_len;
  params.content_type = -1;
  params.tagged = p.aud->tagged;
  cerr = claims_len == 0 ? GKDC_COSE_ERR_BUFFER
                         : gkdc_cose_encrypt0_create(cx, &params, p.aud->key,
                                                     p.aud->key_len, claims, claims_len,
                                                     NULL, 0, token, &token_len);
  if (cerr != GKDC_COSE_OK) {
    as_log(st, GKDC_LOG_ERR, "cannot protect a token for audience %s: %s", p.aud->name,
           gkdc_cose_err_str(cerr));
    *err = GKDC_AS_ERR_INTERNAL;
    goto done;
  }

  if (!copy_out(out->access_token, &out->access_token_len, token, token_len) ||
      !copy_out(out->cnf, &out->cnf_len, cnf, cnf_len) ||
      !copy_out(out->scope, &out->scope_len, p.scope, p.scope_len) ||
      !copy_out(out->cti, &out->cti_len, p.cti, p.cti_len)) {
    *err = GKDC_AS_ERR_BUFFER;
    goto done;
  }
  out->expires_in = p.aud->lifetime;
  out->ace_profile = GKDC_ACE_PROFILE_COAP_OSCORE;

  remember(st, p.cti, p.cti_len, p.client_index, p.osc_id, p.osc_id_len,
           p.now + p.aud->lifetime);
  as_log(st, GKDC_LOG_INFO, "issued a token for client %s, audience %s, %zu-byte cti",
         p.client->id, p.aud->name, p.cti_len);
  *err = GKDC_AS_OK;
  ok = 1;

done:
  gkdc_wipe(&p, sizeof(p));
  gkdc_wipe(claims, sizeof(claims));
  gkdc_wipe(cnf, sizeof(cnf));
  return ok;
}

int as_token_revoke(void *state, struct gkdc_bytes cti, int *err)
{
  struct as_state *st = state;
  struct as_issued *t = cti.ptr != NULL ? issued_by_cti(st, cti.ptr, cti.len) : NULL;

  if (t == NULL) {
    if (err != NULL)
      *err = GKDC_AS_ERR_INVALID_REQUEST;
    return 0;
  }
  t->revoked = 1;
  if (err != NULL)
    *err = GKDC_AS_OK;
  return 1;
}

/* Key callback of gkdc_cwt_unwrap() for introspection: the key of the
 * audience `arg` points to, when the kid matches it. */
static int introspect_key(void *arg, const struct gkdc_cwt_key_query *q, const uint8_t **key,
                          size_t *key_len, int32_t *key_alg)
{
  const struct as_audience *a = arg;

  if (q->type != GKDC_COSE_ENCRYPT0 || q->layer != 0)
    return 0;
  if (q->kid.ptr != NULL &&
      (q->kid.len != a->kid_len || memcmp(q->kid.ptr, a->kid, a->kid_len) != 0))
    return 0;
  *key = a->key;
  *key_len = a->key_len;
  *key_alg = a->alg;
  return 1;
}

int as_introspect(void *state, const uint8_t *token, size_t token_len, int64_t now,
                  int *active, int *err)
{
  struct as_state *st = state;
  const struct gkdc_crypto *cx = st->host->crypto_get0();
  uint8_t work[AS_MAX_TOKEN];
  struct gkdc_cwt_claims claims;
  const struct as_issued *t = NULL;
  size_t i;

  if (active == NULL || token == NULL || token_len == 0 || token_len > AS_MAX_TOKEN) {
    if (err != NULL)
      *err = GKDC_AS_ERR_INVALID_REQUEST;
    return 0;
  }

  /* Try each audience's key: a token names its key by kid only when the
   * audience has one. */
  for (i = 0; i < st->audience_count && t == NULL; i++) {
    if (gkdc_cwt_unwrap(cx, token, token_len, GKDC_COSE_ENCRYPT0, introspect_key,
                        &st->audiences[i], work, sizeof(work), &claims,
                        NULL) == GKDC_COSE_OK &&
        claims.cti.ptr != NULL)
      t = issued_by_cti(st, claims.cti.ptr, claims.cti.len);
  }
  gkdc_wipe(work, sizeof(work));

  /* An unknown token is inactive, not an error (RFC 9200 section 5.9.2). */
  *active = t != NULL && !t->revoked && now < t->expires_at;
  if (err != NULL)
    *err = GKDC_AS_OK;
  return 1;
}
